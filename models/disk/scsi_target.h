// scsi_target — the logic of a SCSI direct-access target (SBC-3/SPC-4
// subset): command decoding and execution on real data, sense data, unit
// attentions, injected faults, and service times from the timing model.
// Plain C++, no SystemC: the SystemC disk model (later) owns one scsi_target
// and calls it from its HBA-facing socket.
//
// Use from a transport wrapper (an HBA delivering a command):
//   1. info = target.decode(cdb, len)  — pure: direction, expected transfer
//      length in bytes, or the CHECK CONDITION a bad CDB gets. For data-out
//      commands the wrapper then fetches info.transfer_bytes from host memory.
//   2. r = target.execute(cdb, len, lun, data_in, data_out, now_ps)
//      → status byte, sense (fixed format, 18 bytes, when CHECK CONDITION),
//      bytes placed in data_in, bytes consumed from data_out, residual
//      (expected − transferred) and complete_ps, the time the target finishes
//      (media service, not the link; add link().transfer_ps(bytes) for the
//      data phase on the wire).
//   execute() can still refuse a command decode() accepted (BUSY / TASK SET
//   FULL, UNIT ATTENTION, unsupported LUN, medium error); a refused write has
//   consumed no data.
//
// Commands: TEST UNIT READY 00h, REQUEST SENSE 03h, READ(6) 08h, WRITE(6) 0Ah,
// INQUIRY 12h (standard; VPD 00h, 80h, 83h, B0h, B1h), MODE SENSE(6) 1Ah,
// START STOP UNIT 1Bh (accepted, no effect), READ CAPACITY(10) 25h,
// READ(10) 28h, WRITE(10) 2Ah, SYNCHRONIZE CACHE(10) 35h, MODE SENSE(10) 5Ah,
// READ(16) 88h, WRITE(16) 8Ah, SYNCHRONIZE CACHE(16) 91h,
// READ CAPACITY(16) 9Eh/10h, REPORT LUNS A0h. Mode pages: 01h (read-write
// error recovery), 08h (caching), 0Ah (control), 3Fh (all). Anything else:
// CHECK CONDITION / ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
// Details: docs/disk.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "models/disk/block_store.h"
#include "models/disk/disk_config.h"
#include "models/disk/disk_timing.h"
#include "models/disk/scsi_sense.h"

namespace ddisim::models {

enum class data_dir { none, in, out };

// What a CDB asks for, known before any data moves.
struct cdb_info {
    bool ok = false;                   // false: `error` is the CHECK CONDITION to return, no data phase
    std::uint8_t opcode = 0;
    std::size_t length = 0;            // CDB length implied by the opcode
    data_dir dir = data_dir::none;
    std::uint64_t transfer_bytes = 0;  // allocation length, or blocks × block size
    std::uint64_t lba = 0;             // media commands
    std::uint64_t blocks = 0;          // media commands (READ(6) 0 → 256 already applied)
    bool fua = false, dpo = false, immed = false;
    bool media = false;                // READ/WRITE: touches the medium
    scsi::sense_info error;            // when !ok
};

struct scsi_result {
    std::uint8_t status = scsi::status_good;
    scsi::sense_bytes sense{};         // valid when sense_len > 0 (CHECK CONDITION)
    std::size_t sense_len = 0;
    std::uint64_t data_in_len = 0;     // bytes written to data_in
    std::uint64_t data_out_len = 0;    // bytes taken from data_out
    std::uint64_t residual = 0;        // expected transfer length − bytes transferred
    std::uint64_t complete_ps = 0;     // when the target has finished the command
};

struct scsi_target_stats {
    std::uint64_t commands = 0, good = 0, check_conditions = 0, busy = 0, task_set_full = 0;
    std::uint64_t blocks_read = 0, blocks_written = 0, medium_errors = 0, unit_attentions = 0;
};

class scsi_target {
public:
    // Validates cfg (validate()) and opens the image; throws
    // std::invalid_argument / std::runtime_error with the reason.
    explicit scsi_target(const disk_config& cfg);

    cdb_info decode(const std::uint8_t* cdb, std::size_t cdb_len) const;
    scsi_result execute(const std::uint8_t* cdb, std::size_t cdb_len, std::uint32_t lun, std::span<std::uint8_t> data_in,
                        std::span<const std::uint8_t> data_out, std::uint64_t now_ps);

    // A target reset (task management or the scenario's reset_at): every
    // logical unit reports POWER ON, RESET OR BUS DEVICE RESET OCCURRED to its
    // next command; caches are dropped.
    void reset();

    const disk_config& config() const { return cfg_; }
    std::uint64_t block_size() const { return cfg_.block_size; }
    std::uint64_t capacity_blocks() const { return blocks_; }
    unsigned luns() const { return unsigned(lus_.size()); }
    block_store& store(std::uint32_t lun = 0) { return *lus_.at(lun).store; }
    disk_timing& timing(std::uint32_t lun = 0) { return *lus_.at(lun).timing; }
    const link_model& link() const { return link_; }
    const scsi_target_stats& stats() const { return stats_; }
    // NAA-3 (locally assigned) identifier of a logical unit, as in VPD 0x83.
    std::uint64_t naa_id(std::uint32_t lun = 0) const;

private:
    struct logical_unit {
        std::unique_ptr<block_store> store;
        std::unique_ptr<disk_timing> timing;
        bool unit_attention = false;
    };

    scsi_result check(const scsi::sense_info& s, std::uint64_t now_ps, std::uint64_t expected = 0);
    scsi_result finish_in(const std::vector<std::uint8_t>& data, std::uint64_t alloc, std::span<std::uint8_t> out,
                          std::uint64_t now_ps);
    std::vector<std::uint8_t> inquiry_data(std::uint32_t lun, bool evpd, std::uint8_t page) const;
    std::vector<std::uint8_t> mode_data(const cdb_info& info, const std::uint8_t* cdb) const;
    std::vector<std::uint8_t> report_luns_data() const;
    const disk_medium_error* medium_error_in(std::uint64_t lba, std::uint64_t blocks, bool write,
                                             std::uint64_t* first) const;

    disk_config cfg_;
    std::uint64_t blocks_ = 0;
    std::vector<logical_unit> lus_;
    link_model link_;
    bool reset_done_ = false;
    scsi_target_stats stats_;
};

} // namespace ddisim::models
