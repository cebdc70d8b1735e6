// ddisim::kernel::platform_port — how the software stack reaches hardware.
//
// The DDI layer is plain C++ and never includes SystemC or a model. Whatever
// it needs from the machine goes through this small interface, which the
// simulator implements over TLM (CPU initiator socket, IOMMU register and
// page-table writes over the bus) and tests implement with recording doubles.
// A kernel_context without a port runs "platform-less": no CPU time is
// charged and there is no IOMMU (the bind explorer uses this).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace ddisim::kernel {

// IOMMU page-table programming for the VT-d-like bind path (spec §4.10).
// Addresses are bytes, page aligned; one call covers npages 4 KiB pages.
class iommu_map_ops {
public:
    enum perm : unsigned { perm_read = 1u, perm_write = 2u };
    virtual ~iommu_map_ops() = default;
    // Map dvma .. dvma + npages*4K to the given physical pages (pa[i] for page
    // i). Returns false when the page tables cannot be extended (the bind
    // then fails with DDI_DMA_NORESOURCES).
    virtual bool map(std::uint32_t domain, std::uint64_t dvma, const std::uint64_t* pa,
                     std::size_t npages, unsigned perms) = 0;
    // Clear the page-table entries of the range.
    virtual void unmap(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) = 0;
    // Invalidate the IOTLB for the range (and wait for completion).
    virtual void invalidate(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) = 0;
    // Invalidate every IOTLB entry of the domain (and wait): one command for
    // a batch of ranges, as a flush queue does. Default: a range covering the
    // whole address space, for ports that only know ranges.
    virtual void invalidate_domain(std::uint32_t domain) { invalidate(domain, 0, ~std::size_t{0} >> 12); }
};

class platform_port {
public:
    virtual ~platform_port() = default;
    // Account CPU time spent by the software (cost model of the scenario).
    virtual void charge_cpu(std::uint64_t ns) = 0;
    // Programmed CPU access to physical memory over the bus (MMIO, PTEs).
    virtual void bus_read(std::uint64_t pa, void* dst, std::size_t len) = 0;
    virtual void bus_write(std::uint64_t pa, const void* src, std::size_t len) = 0;
    // The IOMMU of the platform, or nullptr if it has none.
    virtual iommu_map_ops* iommu() = 0;

    // ---- time and blocking for software threads (docs/intc.md) ----
    // Several software threads (driver threads, the CPU interrupt thread)
    // may use one port; each has its own local time. The defaults below are
    // what a port without threads (a recording test double) does.

    // The calling thread's local time in ns (simulated time plus what it has
    // charged but not yet synchronised). Default: 0.
    virtual std::uint64_t now_ns() { return 0; }
    // Let ns of simulated time pass for the calling thread without counting
    // it as CPU work (polling back-off, a timed wait). Default: charge_cpu.
    virtual void delay_ns(std::uint64_t ns) { charge_cpu(ns); }
    // Block the calling thread until wakeup(chan, …) is called for the same
    // channel by another thread (or an interrupt handler), or until its local
    // time reaches deadline_ns (0 = no deadline). Returns true when woken,
    // false on timeout. A wakeup issued at the waker's local time T resumes
    // the sleeper at T. Default (no threads): returns false at once, a
    // spurious wakeup; callers re-check their condition (kernel::kcondvar).
    virtual bool sleep(const void* chan, std::uint64_t deadline_ns) {
        (void)chan;
        (void)deadline_ns;
        return false;
    }
    // Wake one (all = false) or every thread sleeping on chan. Default: no-op.
    virtual void wakeup(const void* chan, bool all) {
        (void)chan;
        (void)all;
    }
    // The software's interrupt entry: the port's CPU interrupt thread calls
    // it (on that thread) whenever the interrupt controller's output is high.
    // kernel_context::set_platform installs kernel_context::intr_dispatch.
    // Default: ignored (the port has no interrupt input).
    virtual void set_interrupt_entry(std::function<void()> entry) { (void)entry; }
    // Names the calling software thread (stable while it lives; the same
    // for every call from one thread), so per-thread state such as "in
    // interrupt context" can be kept. Default (no threads): nullptr.
    virtual const void* current_thread() { return nullptr; }
};

} // namespace ddisim::kernel
