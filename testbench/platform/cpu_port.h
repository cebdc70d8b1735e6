// ddisim::platform::cpu_port — the simulated CPU's bus port, the hardware end
// of sw/kernel/platform_port.h. Software (kernel, DDI layer, drivers) runs in
// SystemC threads; each of its register, page-table or memory accesses
// becomes a timed b_transport on the bus, and each CPU cost it charges
// advances the calling thread's local time (temporal decoupling with the
// global quantum).
//
//   out — tlm_initiator_socket<> towards the bus
//
// Must be called from an SC_THREAD. A bus error on a CPU access is a machine
// check: SC_REPORT_ERROR("ddisim/cpu", …) names the address (the simulation
// stops with that report, never a host crash).
//
// Statistics (under the module name): charged (ns of software time), reads / writes
// (accesses), bytes_read / bytes_written.
#pragma once
#include <cstdint>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "sw/kernel/platform_port.h"
#include "tlm/core/stats.h"

namespace ddisim::platform {

class cpu_port : public sc_core::sc_module,
                 public ::tlm::tlm_bw_transport_if<>,
                 public kernel::platform_port {
public:
    ::tlm::tlm_initiator_socket<> out;

    // requester_id: put on every payload (so the bus and memory can tell the
    // CPU from devices).
    cpu_port(sc_core::sc_module_name name, std::uint32_t requester_id = 0);
    ~cpu_port() override;

    // platform_port
    void charge_cpu(std::uint64_t ns) override;
    void bus_read(std::uint64_t pa, void* dst, std::size_t len) override;
    void bus_write(std::uint64_t pa, const void* src, std::size_t len) override;
    kernel::iommu_map_ops* iommu() override { return iommu_; }
    void set_iommu(kernel::iommu_map_ops* ops) { iommu_ = ops; }

    // Local time of the calling software thread (sc_time_stamp + offset).
    sc_core::sc_time local_time() const { return qk_.get_current_time(); }
    // Synchronise the calling thread with simulated time now.
    void sync() { qk_.sync(); }

    // tlm_bw_transport_if (LT only: nb_transport_bw is never expected)
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override {}

private:
    void access(::tlm::tlm_command cmd, std::uint64_t pa, unsigned char* data, std::size_t len);

    tlm_utils::tlm_quantumkeeper qk_;
    kernel::iommu_map_ops* iommu_ = nullptr;
    std::uint32_t requester_id_;
    struct stats_t {
        tlm::counter charged, reads, writes, bytes_read, bytes_written;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::platform
