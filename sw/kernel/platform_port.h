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
};

} // namespace ddisim::kernel
