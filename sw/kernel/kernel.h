// ddisim::kernel::kernel_context — the simulated kernel one DDI run works in.
//
// It owns everything a real kernel would keep globally: modelled physical
// memory (a tlm::backing_store, optional), the physical page allocator,
// kernel virtual memory whose addresses are real host pointers aliasing the
// physical pages (backing_store::map_pages), page_t lists, device nodes, user
// address spaces with locked pages, the soft-interrupt queue that runs DDI
// callbacks later (spec §5), named diagnostics, configurable resource limits
// and the panic hook. The only global is the "current kernel" pointer the C
// API needs (ddi_set_callback has no handle to find its kernel through).
#pragma once
#include "sw/kernel/panic.h"
#include "sw/kernel/phys_mem.h"
#include "sw/kernel/platform_port.h"

#include <sys/types.h>
#include <sys/proc.h>
#include <vm/page.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace ddisim::tlm {
class backing_store;
}

namespace ddisim::kernel {

enum class fidelity_mode { illumos, fixed };
enum class iommu_kind { none, vtd };
// What an IOMMU unbind does with the translations (spec §4.10 step 7).
//   by_fidelity  illumos: never (stale entries, §8.10); fixed: strict
//   strict       clear the entries and invalidate the IOTLB at every unbind
//   deferred     queue the ranges; clear + invalidate a batch at a time; the
//                DVMA stays allocated until then (so it is never reused stale)
//   never        free the DVMA range, leave entries and IOTLB alone
enum class iommu_unmap_policy { by_fidelity, strict, deferred, never };

// CPU costs charged through platform_port::charge_cpu (ns).
struct cost_model {
    std::uint64_t bind_base_ns = 300;       // one bind call, fixed part
    std::uint64_t bind_per_page_ns = 40;    // page walk, per page piece
    std::uint64_t unbind_ns = 150;          // one unbind
    std::uint64_t copy_per_kib_ns = 60;     // copy-buffer bcopy, per KiB
    std::uint64_t iommu_map_per_page_ns = 80; // PTE setup, per page
    std::uint64_t intr_latency_ns = 1000;   // interrupt controller output rising -> dispatch starts (docs/intc.md)
};

struct kernel_config {
    std::uint64_t memory_bytes = std::uint64_t{8} << 30; // physical address space
    bool backing_store = true;        // false: no bytes behind memory (explorer)
    std::uint64_t first_page = 0x1000; // lowest allocatable physical address
    placement_policy placement = placement_policy::contiguous;
    std::uint64_t seed = 1;           // for placement_policy::random
    bool debug_checks = false;        // DEBUG-kernel checks (BADATTR, INUSE, sync)
    fidelity_mode fidelity = fidelity_mode::illumos; // reproduce spec §8 or fix
    bool checker = true;              // DMA-API checker (sw/ddi/checker.h)
    std::uint64_t copybuf_max = 0x101000;  // dma_max_copybuf_size (spec §2.8)
    std::uint64_t copybuf_space = std::numeric_limits<std::uint64_t>::max(); // total bytes of copy buffers at once
    std::vector<std::uint64_t> copybuf_pages; // if set: the bounce pages every bind uses, in order
    std::size_t handle_limit = std::numeric_limits<std::size_t>::max(); // live DMA handles
    iommu_kind iommu = iommu_kind::none;
    std::uint64_t dvma_space = std::numeric_limits<std::uint64_t>::max(); // bytes of DVMA per domain
    unsigned iommu_addr_width = 48;   // DVMA arena cap (bits)
    iommu_unmap_policy iommu_unmap = iommu_unmap_policy::by_fidelity;
    unsigned iommu_deferred_batch = 16; // unbinds per flush with iommu_unmap = deferred
    // deferred: also flush once the oldest queued unbind is this old (ns of
    // platform time, platform_port::now_ns; checked at the next bind/unbind;
    // 0 = no time bound)
    std::uint64_t iommu_deferred_timeout_ns = 0;
    bool rootnex_bind_warn = true;    // once-per-driver TOOBIG warning (spec §4.4)
    bool sync_ignore_params = false;  // rootnex_sync_ignore_params (spec §2.8)
    // Interrupt controller (models/intc) as software sees it: physical base
    // of its register block, and whether there is one (without it,
    // ddi_intr_enable/disable only update the kernel's table).
    bool intc = false;
    std::uint64_t intc_base = 0;
    cost_model costs;
};

// The interrupt controller's programming model (mirrors the register table
// of models/intc/intc.h; test intc:"register offsets agree" keeps them equal).
namespace intc_prog {
inline constexpr std::uint64_t ID = 0x000, VECTORS = 0x004, CLAIM = 0x010, EOI = 0x014, MSI = 0x018,
                               ENABLE_SET = 0x020, ENABLE_CLR = 0x024;
inline constexpr std::uint32_t claim_none = 0xFFFFFFFFu; // CLAIM: nothing pending
} // namespace intc_prog

class kernel_context;

struct diagnostic {
    std::string id;      // stable name, e.g. "bug-8.5-lost-tail"
    std::string message; // human readable, names the device
};

// Opaque per-kernel state of a subsystem (the DDI keeps its handle registry,
// callback lists and checker here).
struct subsystem {
    virtual ~subsystem() = default;
};

} // namespace ddisim::kernel

// Device node. C code sees dev_info_t as opaque (sys/dditypes.h).
struct dev_info {
    ddisim::kernel::kernel_context* kernel = nullptr;
    std::string name;                 // driver / node name, used in diagnostics
    int instance = 0;
    major_t major = 0;
    bool iommu_translated = true;     // under an IOMMU: translated domain (else unity/bypass)
    std::uint32_t iommu_domain = 0;
    bool iommu_premap = false;        // network-class device: 8 premapped DVMA pages per handle (spec §4.10)

    // ---- device-tree properties, set by whoever builds the platform ----
    struct reg_set {
        std::uint64_t base = 0;       // physical address of the register block
        std::uint64_t size = 0;       // bytes
    };
    std::vector<reg_set> regs;        // "reg": register sets, rnumber = index (ddi_regs_map_setup)
    std::vector<unsigned> intr_fixed; // intc vectors of the device's level lines (DDI_INTR_TYPE_FIXED), inum = index
    std::vector<unsigned> intr_msi;   // intc vectors the device may signal by MSI write (DDI_INTR_TYPE_MSI), inum = index
    std::uint32_t requester_id = 0;   // bus requester id of the device's DMA (IOMMU context); default: creation
                                      // index (1, 2, …, equal to the default iommu_domain)
};

// User address space: locked pages mapped at user virtual addresses.
struct as {
    ddisim::kernel::kernel_context* kernel = nullptr;
    std::map<std::uint64_t, std::uint64_t> pages; // user VA page -> physical page
};

namespace ddisim::kernel {

// One interrupt handler attached to an intc vector; returns true when it
// claimed the interrupt (DDI_INTR_CLAIMED).
using intr_fn = std::function<bool()>;

class kernel_context {
public:
    explicit kernel_context(kernel_config cfg = {});
    ~kernel_context();
    kernel_context(const kernel_context&) = delete;
    kernel_context& operator=(const kernel_context&) = delete;

    // The kernel the C API acts on when it has nothing else to go by. The
    // newest living context becomes current; make_current() selects another.
    static kernel_context* current();
    void make_current();

    kernel_config& config() { return cfg_; }
    const kernel_config& config() const { return cfg_; }
    bool illumos_fidelity() const { return cfg_.fidelity == fidelity_mode::illumos; }

    // ---- platform ----
    // Also installs intr_dispatch as the port's interrupt entry.
    void set_platform(platform_port* p);
    platform_port* platform() const { return port_; }
    void charge(std::uint64_t ns) {
        if (port_) port_->charge_cpu(ns);
    }
    iommu_map_ops* iommu_ops();
    // When the config asks for an IOMMU but no platform provides one, this
    // built-in page table (recording only) is used.
    struct null_iommu;

    // ---- physical memory ----
    tlm::backing_store* store() const { return store_.get(); }
    phys_allocator& pages() { return alloc_; }
    // Host pointer to physical address pa, or nullptr when there is no
    // backing store or [pa, pa+len) lies outside it ("kpm" mapping).
    std::uint8_t* phys_ptr(std::uint64_t pa, std::uint64_t len = 1) const;
    // The page_t of a physical page (one per page, created on demand).
    page_t* page_of(std::uint64_t pa);
    // A fresh circular page_t list (for B_PAGEIO bufs and PAGES objects);
    // the nodes live until free_page_list or the end of the context.
    page_t* make_page_list(std::span<const std::uint64_t> page_addrs);
    void free_page_list(page_t* head);

    // ---- kernel virtual memory ----
    // Maps the given physical pages (any, claimed or not) at a fresh kernel
    // VA; returns the VA of the first page (a real host pointer).
    caddr_t kva_map(std::span<const std::uint64_t> page_addrs);
    void kva_unmap(caddr_t va);
    // Allocates npages by the placement policy inside [lo, hi] and maps them.
    caddr_t kmem_alloc_pages(std::size_t npages, std::uint64_t lo = 0,
                             std::uint64_t hi = std::numeric_limits<std::uint64_t>::max());
    void kmem_free_pages(caddr_t va); // unmaps and frees the pages
    // HAT lookup: physical address of a kernel VA; false when unmapped.
    bool kva_to_pa(const void* va, std::uint64_t& pa) const;

    // ---- devices, processes, address spaces ----
    dev_info* create_dev_info(const std::string& name, int instance, bool iommu_translated = true);
    struct as* as_create();
    // Locks (maps) physical pages at user VA va (page aligned) in as.
    void as_map_locked(struct as* a, std::uint64_t va, std::span<const std::uint64_t> page_addrs);
    bool as_to_pa(const struct as* a, std::uint64_t va, std::uint64_t& pa) const;
    proc_t* proc_create(struct as* a);
    proc_t* kernel_proc() { return &p0_; }

    // ---- soft interrupts (spec §5: callbacks run later, never inline) ----
    void softcall(std::function<void()> fn);
    // Runs queued soft interrupts (including ones they queue) until the
    // queue is empty; returns how many ran.
    std::size_t run_softints();
    std::size_t pending_softints() const { return softq_.size(); }

    // ---- device-tree properties (the platform builder sets them) ----
    void set_dev_regs(dev_info* d, std::vector<dev_info::reg_set> regs) { d->regs = std::move(regs); }
    void set_dev_intr_fixed(dev_info* d, std::vector<unsigned> vectors) { d->intr_fixed = std::move(vectors); }
    void set_dev_intr_msi(dev_info* d, std::vector<unsigned> vectors) { d->intr_msi = std::move(vectors); }
    void set_dev_requester_id(dev_info* d, std::uint32_t rid) { d->requester_id = rid; }

    // ---- time and sleeping (software threads; see platform_port) ----
    // Without a platform: now_ns() is 0, delay_ns() does nothing.
    std::uint64_t now_ns() { return port_ ? port_->now_ns() : 0; }
    void delay_ns(std::uint64_t ns) {
        if (port_) port_->delay_ns(ns);
    }

    // ---- hardware interrupts (docs/intc.md) ----
    // Interrupt table: handlers per intc vector, called in attach order.
    // Returns an id for intr_remove. Used by sw/ddi/intr.cpp.
    std::uint64_t intr_add(unsigned vector, intr_fn fn);
    void intr_remove(std::uint64_t id);
    std::size_t intr_handlers(unsigned vector) const;
    // Unmask / mask a vector at the controller (ENABLE_SET / ENABLE_CLR over
    // the bus); without config().intc only the kernel's record changes.
    void intr_enable(unsigned vector, bool on);
    bool intr_enabled(unsigned vector) const { return intr_on_.count(vector) != 0; }
    // The interrupt entry (runs on the CPU interrupt thread): charges
    // costs.intr_latency_ns, then CLAIM, handlers of the vector, EOI, until
    // CLAIM reads none. Returns the number of vectors served.
    std::size_t intr_dispatch();
    // Platform-less (unit tests): run the handlers of one vector now, as if
    // the controller had delivered it. Returns true if one claimed it.
    bool intr_deliver(unsigned vector);
    struct intr_counts {
        std::uint64_t dispatches = 0, claimed = 0, unclaimed = 0, spurious = 0;
    };
    const intr_counts& intr_stats() const { return intr_stats_; }
    // Slot for the DDI interrupt-handle state (sw/ddi/intr.cpp).
    std::unique_ptr<subsystem>& intr_state() { return intr_state_; }

    // ---- diagnostics and panic ----
    void report(const std::string& id, const std::string& message);
    // Reports id only the first time it is seen in this context.
    void report_once(const std::string& id, const std::string& message);
    const std::vector<diagnostic>& diagnostics() const { return diags_; }
    void clear_diagnostics() { diags_.clear(); }
    void set_panic_hook(panic_hook h) { panic_hook_ = std::move(h); }
    [[noreturn]] void panic(const std::string& reason);
    // A human-readable panic report (reason + diagnostics so far), for the
    // simulator's panic hook to print before it ends the run.
    std::string panic_report(const std::string& reason) const;

    // ---- per-subsystem state ----
    std::unique_ptr<subsystem>& ddi_state() { return ddi_; }
    // Slot for the SCSA state (sw/scsi: HBAs, packet caches, scsi_callback_id).
    std::unique_ptr<subsystem>& scsa_state() { return scsa_; }

    // Convenience for diagnostics: "name#instance".
    static std::string dev_name(const dev_info* d);

private:
    struct kva_mapping {
        std::uint8_t* va;
        std::vector<std::uint64_t> pages;
        bool owns_pages;
    };
    const kva_mapping* find_mapping(const void* va) const;

    kernel_config cfg_;
    std::unique_ptr<tlm::backing_store> store_;
    phys_allocator alloc_;
    platform_port* port_ = nullptr;
    std::unique_ptr<iommu_map_ops> null_iommu_;
    std::unordered_map<std::uint64_t, std::unique_ptr<page_t>> page_structs_;
    std::map<page_t*, std::unique_ptr<page_t[]>> page_lists_;
    std::map<std::uintptr_t, kva_mapping> kva_; // keyed by start VA
    mutable const kva_mapping* kva_hint_ = nullptr;
    std::deque<dev_info> devs_;
    std::map<std::string, major_t> majors_;
    std::deque<struct as> spaces_;
    std::deque<proc_t> procs_;
    proc_t p0_{};
    std::deque<std::function<void()>> softq_;
    std::vector<diagnostic> diags_;
    std::set<std::string> reported_;
    panic_hook panic_hook_;
    std::unique_ptr<subsystem> ddi_;
    std::unique_ptr<subsystem> scsa_; // holds no DDI resources: safe after ddi_.reset()
    struct intr_entry {
        std::uint64_t id;
        unsigned vector;
        intr_fn fn;
    };
    std::vector<intr_entry> intr_table_;
    std::uint64_t intr_next_id_ = 1;
    std::set<unsigned> intr_on_;
    intr_counts intr_stats_;
    std::unique_ptr<subsystem> intr_state_;
    kernel_context* prev_current_ = nullptr;
};

// A kernel condition variable (illumos condvar(9F) semantics, no mutex: the
// simulated software threads are cooperative, so "check then sleep" cannot
// race). A thread waits until another thread or an interrupt handler
// signals. Wakeups may be spurious; wait in a loop on the condition
// (wait_until does). Without a platform (or a port without threads) wait()
// returns at once: the caller's condition must then become true by itself,
// e.g. through kernel_context::intr_deliver.
class kcondvar {
public:
    explicit kcondvar(kernel_context& k) : k_(k) {}
    kcondvar(const kcondvar&) = delete;
    kcondvar& operator=(const kcondvar&) = delete;
    void wait();                                   // cv_wait
    // cv_timedwait: false when the caller's local time reached deadline_ns
    // (absolute, kernel_context::now_ns) before a signal.
    bool timedwait(std::uint64_t deadline_ns);
    void signal();                                 // cv_signal: wake one waiter
    void broadcast();                              // cv_broadcast: wake all
    template <class Pred> void wait_until(Pred pred) {
        while (!pred()) wait();
    }
    // As wait_until, giving up at deadline_ns; returns pred().
    template <class Pred> bool wait_until(Pred pred, std::uint64_t deadline_ns) {
        while (!pred())
            if (!timedwait(deadline_ns)) return pred();
        return true;
    }

private:
    kernel_context& k_;
};

} // namespace ddisim::kernel
