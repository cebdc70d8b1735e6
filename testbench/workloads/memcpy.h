// ddisim::workloads — the memcpy workload: a software thread copies buffers
// with the DMA controller driver (sw/drivers/dmac_drv.h) and checks every
// byte. Buffers are kernel memory (kernel_context::kmem_alloc_pages) placed
// by the kernel's placement policy, or forced below / above 4 GiB; with
// random placement they are physically fragmented, so every bind yields many
// cookies, and a 32-bit controller meets copy buffers (or the IOMMU).
//
// The CPU reads each destination window when the driver hands it over
// (dmac_drv::set_consumer, while the destination is still bound: it tells the
// DMA-API checker with ddi::checker::cpu_read and, with verify, compares it),
// and compares the whole destination again after the copy returned (which
// catches DMA that arrived after unbind). workload.memcpy.inject turns on a
// driver fault (dmac_drv::set_fault) for co-verification.
//
// Call run_memcpy_workload from the SystemC thread the software runs on
// (a thread using the platform's cpu_port); it blocks that thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "testbench/workloads/memcpy_config.h"

namespace ddisim::kernel {
class kernel_context;
}
namespace ddisim::drivers {
class dmac_drv;
}

namespace ddisim::workloads {

struct memcpy_result {
    std::uint64_t copies = 0;         // copies that completed with DDI_SUCCESS
    std::uint64_t bytes = 0;          // bytes of those copies
    std::uint64_t failed = 0;         // copies whose memcpy returned an error
    int first_error = 0;              // the DDI code of the first failure
    std::uint64_t verify_errors = 0;  // bytes that differed after a successful copy (both checks summed)
    std::uint64_t handover_errors = 0; // of those, bytes wrong when the driver handed the window over
    std::uint64_t injected = 0;       // dma_after_unbind descriptors the driver issued
    std::uint64_t device_errors = 0;  // jobs the controller failed during the run (injected ones included)
    std::uint64_t alloc_failures = 0; // buffer allocations the kernel could not satisfy
    std::uint64_t start_ns = 0, end_ns = 0; // software time of the first call and after the last
    double lat_min_ns = 0, lat_mean_ns = 0, lat_p50_ns = 0, lat_p99_ns = 0, lat_max_ns = 0; // per copy
    std::vector<double> lat_ns;       // per successful copy, in order (the lat_* figures summarise it)
    double bytes_per_s() const {
        return end_ns > start_ns ? static_cast<double>(bytes) * 1e9 / static_cast<double>(end_ns - start_ns) : 0;
    }
    void summarise(); // lat_* from lat_ns (done at the end of a run; again for one cut short)
    std::string describe() const; // one line for logs and test messages
};

memcpy_result run_memcpy_workload(kernel::kernel_context& k, drivers::dmac_drv& drv,
                                  const memcpy_workload_config& cfg);
// The same into r, kept current copy by copy (copies, bytes, failures,
// verify errors, end_ns, lat_ns), so a run cut short (run.duration) can
// still report what was done: call r.summarise() then.
void run_memcpy_workload(kernel::kernel_context& k, drivers::dmac_drv& drv, const memcpy_workload_config& cfg,
                         memcpy_result& r);

} // namespace ddisim::workloads
