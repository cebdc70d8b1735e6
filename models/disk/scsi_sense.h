// scsi_sense — SCSI status bytes, sense keys, additional sense codes and
// fixed-format sense data (SPC-4 §4.5.3) for the disk model. Plain C++.
//
// Fixed format (response code 0x70, current error), 18 bytes:
//   0     VALID (bit 7) | response code 0x70
//   2     sense key (bits 3..0)
//   3..6  INFORMATION (big-endian; meaningful when VALID = 1)
//   7     additional sense length = 10
//   8..11 command-specific information
//   12    ASC, 13 ASCQ, 14 FRU code
//   15    SKSV (bit 7) | C/D (bit 6) | BPV (bit 3) | bit pointer (2..0)
//   16,17 field pointer (byte of the CDB or parameter list in error)
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ddisim::models::scsi {

// Status byte values (SAM-5).
enum status : std::uint8_t {
    status_good = 0x00,
    status_check_condition = 0x02,
    status_busy = 0x08,
    status_task_set_full = 0x28,
};

enum sense_key : std::uint8_t {
    key_no_sense = 0x0,
    key_recovered_error = 0x1,
    key_not_ready = 0x2,
    key_medium_error = 0x3,
    key_hardware_error = 0x4,
    key_illegal_request = 0x5,
    key_unit_attention = 0x6,
    key_data_protect = 0x7,
    key_aborted_command = 0xb,
};

// Additional sense code and qualifier.
struct asc_pair {
    std::uint8_t asc, ascq;
};
inline constexpr asc_pair asc_none{0x00, 0x00};
inline constexpr asc_pair asc_write_error{0x0c, 0x00};
inline constexpr asc_pair asc_unrecovered_read_error{0x11, 0x00};
inline constexpr asc_pair asc_invalid_opcode{0x20, 0x00};
inline constexpr asc_pair asc_lba_out_of_range{0x21, 0x00};
inline constexpr asc_pair asc_invalid_field_in_cdb{0x24, 0x00};
inline constexpr asc_pair asc_lun_not_supported{0x25, 0x00};
inline constexpr asc_pair asc_write_protected{0x27, 0x00};
inline constexpr asc_pair asc_power_on_reset{0x29, 0x00};
inline constexpr asc_pair asc_saving_params_not_supported{0x39, 0x00};
inline constexpr asc_pair asc_internal_target_failure{0x44, 0x00};

inline constexpr std::size_t fixed_sense_len = 18;

// Sense-key-specific field pointer for ILLEGAL REQUEST (SPC-4 §4.5.2.4.2).
struct field_pointer {
    bool in_cdb = true;                  // C/D: error in the CDB (else in the parameter data)
    std::uint16_t byte = 0;              // byte of the field in error
    std::optional<std::uint8_t> bit;     // bit of the field in error (its most significant bit), BPV when set
};

// A condition to report: key, ASC/ASCQ, optional INFORMATION, optional pointer.
struct sense_info {
    sense_key key = key_no_sense;
    asc_pair asc = asc_none;
    std::optional<std::uint64_t> information;  // VALID=1 when present and fits 32 bits
    std::optional<field_pointer> pointer;       // SKSV=1 when present
};

inline sense_info make_sense(sense_key k, asc_pair a, std::optional<std::uint64_t> information = std::nullopt,
                             std::optional<field_pointer> pointer = std::nullopt) {
    return sense_info{k, a, information, pointer};
}

using sense_bytes = std::array<std::uint8_t, fixed_sense_len>;

// Encodes fixed-format sense data. An INFORMATION value above 0xFFFFFFFF does
// not fit the fixed format: it is dropped and VALID stays 0 (SPC-4 §4.5.3).
sense_bytes make_fixed_sense(const sense_info& s);

// Short names for tests and logs: "MEDIUM ERROR", "UNRECOVERED READ ERROR".
const char* sense_key_name(std::uint8_t key);
std::string asc_name(std::uint8_t asc, std::uint8_t ascq);

} // namespace ddisim::models::scsi
