#include "testbench/platform/dma_observer.h"

#include "sw/ddi/checker.h"
#include "tlm/extensions.h"

namespace ddisim::platform {

dma_observer::stats_t::stats_t(const std::string& o)
    : transactions(o, "transactions", "transactions", "device DMA transactions shown to the DMA-API checker"),
      unknown(o, "unknown", "transactions", "device transactions whose requester id names no device") {}

dma_observer::dma_observer(sc_core::sc_module_name name, kernel::kernel_context& k)
    : sc_module(name), in("in"), out("out"), k_(k), stats_(this->name()) {
    in.register_b_transport(this, &dma_observer::b_transport);
    in.register_nb_transport_fw(this, &dma_observer::nb_transport_fw);
    in.register_get_direct_mem_ptr(this, &dma_observer::get_direct_mem_ptr);
    in.register_transport_dbg(this, &dma_observer::transport_dbg);
    out.register_nb_transport_bw(this, &dma_observer::nb_transport_bw);
    out.register_invalidate_direct_mem_ptr(this, &dma_observer::invalidate_direct_mem_ptr);
}

void dma_observer::add_device(const dev_info* dip) {
    if (!dip) return;
    devs_[dip->requester_id] = dip;
    last_ = {};
}

void dma_observer::observe(const ::tlm::tlm_generic_payload& gp) {
    const auto cmd = gp.get_command();
    if (cmd == ::tlm::TLM_IGNORE_COMMAND) return;
    ++stats_.transactions;
    const std::uint32_t id = tlm::requester_id(gp);
    if (!last_.dip || last_.id != id) {
        // Transactions come in runs from one device: look up only on a change.
        auto it = devs_.find(id);
        if (it == devs_.end()) {
            ++stats_.unknown;
            return;
        }
        last_ = {id, it->second};
    }
    ddi::checker::device_access(k_, last_.dip, gp.get_address(), gp.get_data_length(),
                                cmd == ::tlm::TLM_WRITE_COMMAND);
}

void dma_observer::b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    observe(gp);
    out->b_transport(gp, delay);
}

::tlm::tlm_sync_enum dma_observer::nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph,
                                                   sc_core::sc_time& d) {
    if (ph == ::tlm::BEGIN_REQ) observe(gp);
    return out->nb_transport_fw(gp, ph, d);
}

::tlm::tlm_sync_enum dma_observer::nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph,
                                                   sc_core::sc_time& d) {
    return in->nb_transport_bw(gp, ph, d);
}

bool dma_observer::get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) {
    return out->get_direct_mem_ptr(gp, dmi);
}

unsigned int dma_observer::transport_dbg(::tlm::tlm_generic_payload& gp) { return out->transport_dbg(gp); }

void dma_observer::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    in->invalidate_direct_mem_ptr(start, end);
}

} // namespace ddisim::platform
