// ddisim::ddi::vtd_iommu_driver — the kernel's driver for the modelled
// VT-d-like IOMMU (models/iommu, docs/iommu.md): the hardware end of
// kernel::iommu_map_ops. It programs the IOMMU the way a kernel does, over
// the bus, through kernel::platform_port:
//   * page-table and context-table pages come from the kernel's physical
//     page allocator (kernel_context::pages()) and are zeroed with one CPU
//     bus write each;
//   * every entry it changes is written to memory with a CPU bus write
//     (platform_port::bus_write: a timed transaction on the simulator's CPU
//     port); a run of consecutive leaf entries in one table is one write;
//   * registers (CTX_BASE, CTX_COUNT, CTRL, INV_*) are 8-byte MMIO accesses
//     at reg_base + offset;
//   * invalidate() starts a page-range invalidation (a domain invalidation
//     above domain_inv_threshold pages) with INV_CMD and polls INV_CMD.GO
//     until it reads 0: the completion wait costs the IOMMU's modelled
//     invalidation latency in simulated time, plus poll_ns of CPU per poll.
// Concurrency: several software threads (an interrupt thread and a driver
// thread, each with its own local time) may call the driver at once, and
// every bus access may switch threads. The hardware runs one invalidation at
// a time (an INV_CMD written while GO reads 1 is ignored) and INV_ADDR /
// INV_NPAGES are shared, and a table walk that allocates an intermediate
// table must not race another walk of the same slot. So every public
// operation (init, attach, map, unmap, invalidate, invalidate_all,
// read_faults) runs under one driver lock: a busy flag, and callers that find
// it taken sleep on a kernel::kcondvar until the holder leaves (a waiter
// resumes at the holder's local time, so its register accesses come after
// the holder's completed invalidation in simulated time too). Single-threaded
// use never waits and costs no simulated time.
//
// Faults: with fault_interrupt and a fault_vector, init() installs a handler
// on that vector (kernel_context::intr_add, enabled at the interrupt
// controller) before it sets CTRL.FIE. The IOMMU raises its fault line when it
// logs a record; the handler, on the kernel's interrupt thread, reads the new
// records (read_faults: FAULT_HEAD/TAIL and the records over the bus, then
// clears FAULT_STATUS, which drops the line before the EOI) and reports each,
// with the time it read it, as diagnostic
// `iommu-fault` naming requester, domain, direction, DVMA and reason, as
// illumos' immu logs a DMAR fault. Without it the records wait in the ring
// for read_faults().
//
// The driver keeps a CPU-side copy of every table it owns (what a kernel
// reads through its cache); it never reads its own tables over the bus, so
// only writes are bus traffic (the IOMMU does not snoop CPU caches: each
// written entry is flushed to memory).
//
// Domains: attach(dip) gives a device whose dev_info::iommu_domain is 0 a
// fresh domain (1, 2, …), so each device has its own page table; devices that
// already carry a domain id share it. The context entry of
// dev_info::requester_id is P = 1, T = dev_info::iommu_translated (T = 0:
// bypass, addresses used as is), DID = the domain, root = the domain's
// level-4 table. The context cache is flushed with a global invalidation.
//
// Intermediate tables are never freed while the driver lives (they stay for
// reuse by later binds); unmap() only clears leaf entries. All table pages go
// back to the kernel's allocator when the driver is destroyed, so the driver
// must not outlive its kernel_context.
//
// Formats and register offsets are copied below (sw/ may not include
// models/); testbench/tests/iommudrv/constants_test.cpp holds them equal to
// models/iommu/iommu.h and page_table.h.
#pragma once
#include "sw/kernel/kernel.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ddisim::ddi {

// Hardware interface of the IOMMU (docs/iommu.md, "Registers" and "Memory
// formats").
namespace vtd {
// registers: offsets from the register base, 64 bits each
inline constexpr std::uint64_t reg_cap = 0x000, reg_ctrl = 0x008, reg_ctx_base = 0x010, reg_ctx_count = 0x018,
                               reg_fault_status = 0x020, reg_fault_count = 0x028, reg_fault_head = 0x030,
                               reg_fault_tail = 0x038, reg_inv_cmd = 0x040, reg_inv_addr = 0x048,
                               reg_inv_npages = 0x050, reg_inv_done = 0x058, reg_fault_rec = 0x100,
                               fault_rec_stride = 16;
inline constexpr std::uint64_t ctrl_te = 1, ctrl_fie = 2;        // CTRL
inline constexpr std::uint64_t fs_ppf = 1, fs_ovf = 2;           // FAULT_STATUS (RW1C)
inline constexpr std::uint64_t inv_go = 1;                       // INV_CMD bit 0
inline constexpr unsigned inv_type_shift = 1, inv_did_shift = 16; // INV_CMD 2:1 TYPE, 31:16 DID
enum inv_type : unsigned { inv_global = 0, inv_domain = 1, inv_range = 2 };
inline constexpr unsigned cap_fault_entries_shift = 36;         // CAP 43:36 = fault-log entries - 1
// context entry: 16 bytes per requester id at CTX_BASE + 16·rid
inline constexpr std::uint64_t ctx_entry_size = 16;
inline constexpr std::uint64_t ctx_present = 1, ctx_translate = 2; // qword 0
inline constexpr unsigned ctx_did_shift = 16;                      // qword 0 31:16
inline constexpr std::uint64_t ctx_root_mask = 0x000f'ffff'ffff'f000ull; // qword 1 51:12
// page-table entry (all four levels)
inline constexpr std::uint64_t pte_present = 1ull << 0, pte_read = 1ull << 1, pte_write = 1ull << 2,
                               pte_large = 1ull << 7;
inline constexpr std::uint64_t pte_addr_mask = 0x000f'ffff'ffff'f000ull; // bits 51:12
inline constexpr unsigned levels = 4, entries_per_table = 512, iova_bits = 48;
// fault record qword 1: 31:0 requester id, 39:32 reason, 40 write, 63:48 domain
inline constexpr unsigned fault_reason_shift = 32, fault_write_bit = 40, fault_domain_shift = 48;
inline unsigned pt_index(std::uint64_t iova, unsigned level) {
    return static_cast<unsigned>((iova >> (12 + 9 * (level - 1))) & 511);
}
} // namespace vtd

struct vtd_iommu_driver_config {
    std::uint64_t reg_base = 0;            // physical address of the IOMMU register file
    std::uint32_t context_entries = 256;   // CTX_COUNT: requester ids 0 … n-1 (16 B each)
    std::uint64_t domain_inv_threshold = 512; // invalidate(): above this many pages, flush the whole domain
    std::uint64_t poll_ns = 100;           // CPU time between two reads of INV_CMD.GO
    std::uint64_t max_polls = 1'000'000;   // completion wait gives up after this many polls (diagnostic)
    std::uint64_t table_alloc_ns = 100;    // CPU cost of allocating one table page (the zeroing is a bus write)
    std::uint64_t table_lo = 0;            // table pages come from [table_lo, table_hi] (reachable DRAM)
    std::uint64_t table_hi = ~std::uint64_t{0};
    bool fault_interrupt = false;          // CTRL.FIE; with fault_vector, init() also installs the handler
    unsigned fault_vector = ~0u;           // interrupt-controller vector of the IOMMU's fault line (~0: none)
};

class vtd_iommu_driver : public kernel::iommu_map_ops {
public:
    // A decoded fault record (read_faults).
    struct fault {
        std::uint64_t iova = 0;
        std::uint32_t requester = 0;
        unsigned reason = 0;  // models/iommu/page_table.h fault_reason
        bool write = false;
        std::uint16_t domain = 0;
    };
    struct stats_t {
        std::uint64_t table_pages = 0;    // table pages allocated (context table included)
        std::uint64_t entries_written = 0; // page-table and context entries written
        std::uint64_t bus_writes = 0;      // CPU bus writes to tables (zeroing included)
        std::uint64_t reg_writes = 0, reg_reads = 0;
        std::uint64_t range_invalidations = 0, domain_invalidations = 0, global_invalidations = 0;
        std::uint64_t polls = 0;           // reads of INV_CMD while waiting
        std::uint64_t lock_waits = 0;      // operations that found the driver lock taken and slept
        std::uint64_t map_failures = 0;    // map() without table pages
        std::uint64_t fault_interrupts = 0; // fault-interrupt handler runs
        std::uint64_t faults_reported = 0;  // fault records the handler read and reported
    };

    vtd_iommu_driver(kernel::kernel_context& k, kernel::platform_port& port, vtd_iommu_driver_config cfg = {});
    ~vtd_iommu_driver() override;
    vtd_iommu_driver(const vtd_iommu_driver&) = delete;
    vtd_iommu_driver& operator=(const vtd_iommu_driver&) = delete;

    // Allocates and zeroes the context table, programs CTX_BASE, CTX_COUNT
    // and CTRL (TE, FIE). Must run in the software thread (bus accesses).
    // False when no page is free.
    bool init();
    bool initialised() const { return ctx_table_ != 0; }
    // Writes the context entry of dip->requester_id (domain per device, see
    // the head comment). False before init, for a requester id outside the
    // context table, or without table pages.
    bool attach(dev_info* dip);

    // kernel::iommu_map_ops
    bool map(std::uint32_t domain, std::uint64_t dvma, const std::uint64_t* pa, std::size_t npages,
             unsigned perms) override;
    void unmap(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) override;
    void invalidate(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) override;
    // Domain-selective invalidation (INV_CMD type domain) and wait.
    void invalidate_domain(std::uint32_t domain) override;
    // Global invalidation (IOTLB, walk cache, context cache), waited for.
    void invalidate_all();

    // Reads the fault records not consumed yet over the bus, advances
    // FAULT_TAIL and clears FAULT_STATUS.
    std::vector<fault> read_faults();
    // Name of a fault record's reason code (VT-d-like, as the model's
    // fault_reason; a test keeps the two equal).
    static const char* reason_name(unsigned reason);

    const vtd_iommu_driver_config& config() const { return cfg_; }
    std::uint64_t context_table() const { return ctx_table_; }
    // Level-4 table of a domain; 0 when the domain has none yet.
    std::uint64_t root(std::uint32_t domain) const;
    const stats_t& stats() const { return stats_; }

private:
    using table = std::array<std::uint64_t, vtd::entries_per_table>;
    std::uint64_t alloc_table();
    std::uint64_t domain_root(std::uint32_t domain, bool create);
    // Level-1 table covering iova (0 if absent and !create, or no page).
    std::uint64_t leaf_table(std::uint64_t root, std::uint64_t iova, bool create);
    void write_entries(std::uint64_t table_pa, unsigned first, unsigned n);
    void reg_write(std::uint64_t off, std::uint64_t v);
    std::uint64_t reg_read(std::uint64_t off);
    void run_invalidation(std::uint64_t cmd);
    // The fault-interrupt handler: reads the new records and reports each
    // as diagnostic iommu-fault; claimed when there was one.
    bool on_fault_interrupt();
    // unlocked bodies of the public operations (the lock is held)
    bool map_locked(std::uint32_t domain, std::uint64_t dvma, const std::uint64_t* pa, std::size_t npages,
                    unsigned perms);
    void unmap_locked(std::uint32_t domain, std::uint64_t dvma, std::size_t npages);
    void invalidate_all_locked();
    // The driver lock (see the head comment): RAII, not reentrant.
    class guard {
    public:
        explicit guard(vtd_iommu_driver& d);
        ~guard();
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;

    private:
        vtd_iommu_driver& d_;
    };

    kernel::kernel_context& k_;
    kernel::platform_port& port_;
    vtd_iommu_driver_config cfg_;
    std::uint64_t ctx_table_ = 0;
    std::uint64_t ctx_pages_ = 0;
    std::uint64_t fault_entries_ = 1;
    std::uint32_t next_domain_ = 1;
    std::unordered_map<std::uint32_t, std::uint64_t> roots_;
    std::unordered_map<std::uint64_t, std::unique_ptr<table>> tables_; // CPU copy, by physical address
    std::vector<std::uint64_t> owned_pages_;
    std::uint64_t intr_id_ = 0; // the fault handler's kernel interrupt-table id (0: none)
    stats_t stats_;
    bool busy_ = false;        // the driver lock is held
    unsigned waiters_ = 0;     // threads sleeping on lock_cv_
    kernel::kcondvar lock_cv_;
};

// DDI side of the deferred unmap policy (sw/ddi/iommu.cpp): clears and
// invalidates every queued unbind now. The DDI also calls it by itself when
// iommu_deferred_batch unbinds are queued, and at the next bind or unbind
// once the oldest queued unbind is iommu_deferred_timeout_ns old.
void iommu_flush_deferred(kernel::kernel_context& k);

} // namespace ddisim::ddi
