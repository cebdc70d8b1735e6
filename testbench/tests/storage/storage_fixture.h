// Test design for the storage stack: sd (sw/drivers/sd) → SCSA → hba_drv
// (sw/drivers/hba_drv) → DDI binds → the modelled HBA (models/hba) and its
// 1–2 disks, the HBA as the device of testbench/tests/common/sw_system.h
// (kernel, CPU port, bus, DRAM, the software thread that runs the test
// body), its interrupt through the interrupt controller (line st_vector),
// with_iommu behind the IOMMU.
//
// The random verify workload (run_verify) keeps `depth` bufs in flight over
// the targets, never two overlapping ranges of one target at once, fills
// every write with fresh random bytes, keeps a shadow copy of each medium
// and compares every read with it.
#pragma once
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>

// models/hba/hba.h before <sys/scsi/scsi.h>: its hba_regs::RESET_TARGET
// would otherwise meet SCSA's RESET_TARGET macro.
#include "models/hba/hba.h"

#include <sys/buf.h>
#include <sys/scsi/scsi.h>
#include <sys/sunddi.h>

#include "sw/drivers/hba_drv.h"
#include "sw/drivers/sd.h"
#include "testbench/tests/common/sw_system.h"
#include "tlm/core/splitmix.h"

namespace ddisim::test {

inline constexpr unsigned st_vector = 3; // the HBA's intc line

// A fast disk for data tests: RAM timing, small capacity.
inline models::disk_config ram_disk(std::uint64_t capacity = 32ull << 20, std::uint64_t block = 512) {
    models::disk_config d;
    d.kind = "ram";
    d.capacity = capacity;
    d.block_size = block;
    return d;
}
inline models::disk_config ssd_disk(std::uint64_t capacity = 32ull << 20, std::uint64_t block = 512) {
    models::disk_config d = ram_disk(capacity, block);
    d.kind = "ssd";
    d.ssd.read_latency = 20000000;    // 20 us
    d.ssd.program_latency = 50000000; // 50 us
    d.ssd.controller_overhead = 2000000;
    return d;
}

struct st_options {
    kernel::placement_policy placement = kernel::placement_policy::random;
    std::uint64_t low_size = 1ull << 30;
    std::uint64_t high_size = 1ull << 30;
    bool with_iommu = false;
    kernel::iommu_unmap_policy unmap = kernel::iommu_unmap_policy::strict;
    models::hba_config hba = [] {
        models::hba_config h;
        h.targets = {ssd_disk(), ram_disk()};
        h.requester_id = 9;
        return h;
    }();
};

struct st_system : sw_system {
    std::unique_ptr<models::hba> hba;

    explicit st_system(const st_options& o) : sw_system("hba_irq", kernel_config(o), o.low_size, o.high_size) {
        auto hc = o.hba;
        if (!hc.bus_max_burst) hc.bus_max_burst = models::bus_config{}.max_burst;
        hba = std::make_unique<models::hba>("hba", hc);
        add_device({.name = "hba", .requester_id = hc.requester_id, .with_iommu = o.with_iommu, .iommu = {},
                    .with_intc = true, .vector = st_vector},
                   hba->regs, hba->out, hba->irq);
    }

private:
    static kernel::kernel_config kernel_config(const st_options& o) {
        kernel::kernel_config kc;
        kc.placement = o.placement;
        kc.intc = true;
        kc.copybuf_max = 0x101000;
        if (o.with_iommu) {
            kc.iommu = kernel::iommu_kind::vtd;
            kc.iommu_unmap = o.unmap;
        }
        return kc;
    }
};

// ---------------------------------------------------------------- workload

struct verify_options {
    std::uint64_t ios = 2000;          // bufs to complete
    unsigned depth = 32;               // bufs in flight
    std::uint64_t max_blocks = 64;     // per buf (of 512 bytes; 4 KiB disks: / 8)
    double small_fraction = 0.7;       // share of bufs of 1..8 blocks
    double write_fraction = 0.5;
    bool high_buffers = false;         // data buffers above 4 GiB
    std::uint64_t seed = 1;
    std::vector<unsigned> targets;     // empty: all
    // called between bufs with the number completed (e.g. a reset mid-run)
    std::function<void(std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>&, drivers::hba_drv&)> hook;
    // LBA runs per target that fail reads: a read touching one must fail
    std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> bad; // [target] → (lba, count)
};

struct verify_result {
    int hba_rc = -100;
    std::vector<int> sd_rc;
    std::vector<std::string> sd_why;
    std::vector<std::uint64_t> capacity;
    std::vector<std::uint32_t> block;
    std::vector<std::string> vendor;
    std::uint64_t completed = 0, reads = 0, writes = 0, bytes = 0;
    std::uint64_t mismatches = 0;       // reads whose data differed from the shadow
    std::uint64_t unexpected_errors = 0; // bufs failed that should not have
    std::uint64_t expected_errors = 0;   // reads over a bad LBA that failed with EIO
    std::uint64_t missed_errors = 0;     // reads over a bad LBA that succeeded
    std::uint64_t bad_lba_reports = 0;   // error records whose LBA is not a bad LBA of that buf
    std::uint64_t high_buffer_pages = 0, low_buffer_pages = 0;
    std::vector<drivers::sd::stats> sd_stats;
    std::vector<std::vector<drivers::sd::error_record>> sd_errors;
    drivers::hba_drv::stats hba_stats;
    unsigned hba_tags = 0, hba_outstanding_after = 0;
    std::size_t live_packets_after = 0;
    std::uint64_t end_ns = 0;
    std::string first_problem;
};

// Runs in the software thread.
verify_result run_verify(st_system& s, const drivers::hba_drv_config& hc, const drivers::sd_config& sc,
                         const verify_options& vo);

} // namespace ddisim::test
