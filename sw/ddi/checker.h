// ddisim::ddi::checker — DMA-API checker (in the spirit of Linux's
// CONFIG_DMA_API_DEBUG), on by default (kernel_config::checker). It flags:
//   bind-bound      a bind of a handle that is already bound
//   unbind-unbound  an unbind of a handle that is not bound
//   free-bound      ddi_dma_free_handle of a bound handle
//   leak            handles still allocated at check_leaks()
//   missing-sync    the CPU reads (cpu_read) a READ-bound buffer that went
//                   through a copy buffer without ddi_dma_sync(FORCPU)
//   cookie-rule     a cookie breaking a documented attribute rule (addr range,
//                   count_max, seg boundary, align, sgllen, maxxfer)
//   dma-after-unbind a device accesses (device_access) an address range that
//                   a bind of that device handed out but that is no longer
//                   bound (stale DMA: under the illumos IOMMU policy it still
//                   reaches the old page)
//   dma-unbound     a device accesses a range no bind of it ever handed out
// Each report names the device (name#instance) and the DDI call. Reports are
// collected per kernel context; they never change a DDI result.
#pragma once
#include "sw/ddi/ddi_state.h"

#include <cstddef>
#include <vector>

namespace ddisim::ddi::checker {

// Drivers and tests call this when the CPU consumes [kva, kva+len) of a DMA
// buffer (e.g. after a READ completes). Uses the current kernel.
void cpu_read(const void* kva, std::size_t len);
void cpu_read(kernel::kernel_context& k, const void* kva, std::size_t len);

// The platform calls this for every device DMA transaction (e.g.
// testbench/platform/dma_observer): dev is the device (by requester id),
// addr the bus address the device used (DVMA when translated, physical
// otherwise). Accesses inside a cookie of a bound handle of dev are fine;
// others are reported as dma-after-unbind (inside a cookie of an earlier bind
// of dev, among the last bound_history_max) or dma-unbound.
void device_access(kernel::kernel_context& k, const dev_info* dev, std::uint64_t addr, std::uint64_t len,
                   bool is_write);
inline constexpr std::size_t bound_history_max = 4096;

// Reports every live handle as leaked; returns how many there are.
std::size_t check_leaks(kernel::kernel_context& k);
std::size_t live_handles(kernel::kernel_context& k);

const std::vector<checker_report>& reports(kernel::kernel_context& k);
void clear(kernel::kernel_context& k);
// Number of reports of one kind.
std::size_t count(kernel::kernel_context& k, const std::string& kind);

// Hooks used by the DDI implementation.
void report(dma_handle* h, const char* kind, const char* call, const std::string& msg);
void after_bind(dma_handle* h, const char* call);
void after_getwin(dma_handle* h);
void on_sync(dma_handle* h, uint_t type);
// Drops what the checker remembers of h's current state (rootnex_freehdl,
// before h is deleted).
void forget(dma_handle* h);

} // namespace ddisim::ddi::checker
