// ddisim::platform::dma_observer — a pass-through between a device (or a
// device-side bus) and the IOMMU's dev_in that shows every device DMA
// transaction to the DMA-API checker (sw/ddi/checker.h device_access).
//
//   device.out → observer.in    observer.out → iommu.dev_in
//
// The payload's requester id (tlm::requester_id_ext) names the device
// (add_device maps it to its dev_info, by dev_info::requester_id); the
// address is the one the device used (DVMA when translated). The checker
// only records: every call is forwarded unchanged, with no added time. LT
// b_transport, AT nb_transport (checked at BEGIN_REQ), DMI requests and
// transport_dbg are passed through (debug accesses are not checked).
//
// Statistics (under the module name): transactions (device transactions
// seen), unknown (transactions whose requester id has no dev_info).
#pragma once
#include <cstdint>
#include <unordered_map>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "sw/kernel/kernel.h"
#include "tlm/core/stats.h"

namespace ddisim::platform {

class dma_observer : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<dma_observer> in;
    tlm_utils::simple_initiator_socket<dma_observer> out;

    dma_observer(sc_core::sc_module_name name, kernel::kernel_context& k);

    // Transactions with dip->requester_id are reported as dip's.
    void add_device(const dev_info* dip);
    std::uint64_t transactions() const { return stats_.transactions.count(); }

private:
    void observe(const ::tlm::tlm_generic_payload& gp);
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d);
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d);
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(::tlm::tlm_generic_payload& gp);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    kernel::kernel_context& k_;
    std::unordered_map<std::uint32_t, const dev_info*> devs_;
    struct {
        std::uint32_t id = 0;
        const dev_info* dip = nullptr; // null: nothing remembered
    } last_;
    struct stats_t {
        tlm::counter transactions, unknown;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::platform
