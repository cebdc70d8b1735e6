// A multi target socket (any number of initiators bind to it, each call
// carrying the index of the initiator's binding) whose calls reach the
// module's methods in one virtual call.
//
// Why: tlm_utils::multi_passthrough_target_socket routes every call through
// its per-binding binder, then a functor object, then a static trampoline,
// then the member function: three indirect calls and two validity checks on
// each transaction of a bus or an IOMMU (about 30 instructions of a 64 B bus
// transaction's 600). Here the binder is a subclass of tlm_utils' binder that
// overrides the four forward-path methods and calls the module's methods,
// given as template arguments, directly; the compiler inlines them where the
// module's methods are visible (the module's own source file, where the
// socket is constructed).
//
// Everything else is tlm_utils' socket unchanged: binding, operator[] to
// reach an initiator's backward path, size(), the checks at end of
// elaboration. The module does not call register_*(): the socket is bound
// to its methods when constructed. Hierarchical binding of this socket to
// another multi socket (which tlm_utils supports) is not used for the
// models that own one, and is refused with an error.
#pragma once
#include <string>

#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace ddisim::tlm {

template <typename M, void (M::*B)(int, ::tlm::tlm_generic_payload&, sc_core::sc_time&),
          ::tlm::tlm_sync_enum (M::*NB)(int, ::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&),
          bool (M::*DMI)(int, ::tlm::tlm_generic_payload&, ::tlm::tlm_dmi&),
          unsigned int (M::*DBG)(int, ::tlm::tlm_generic_payload&)>
class direct_target_socket : public tlm_utils::multi_passthrough_target_socket<M> {
    using base = tlm_utils::multi_passthrough_target_socket<M>;
    using types = ::tlm::tlm_base_protocol_types;
    using fw_if = ::tlm::tlm_fw_transport_if<types>;

    class binder final : public tlm_utils::callback_binder_fw<types> {
    public:
        binder(tlm_utils::multi_socket_base* owner, int id, M* m)
            : tlm_utils::callback_binder_fw<types>(owner, id), m_(m), id_(id) {}
        void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& t) override { (m_->*B)(id_, gp, t); }
        ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph,
                                             sc_core::sc_time& t) override {
            return (m_->*NB)(id_, gp, ph, t);
        }
        bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) override {
            return (m_->*DMI)(id_, gp, dmi);
        }
        unsigned int transport_dbg(::tlm::tlm_generic_payload& gp) override { return (m_->*DBG)(id_, gp); }

    private:
        M* m_;
        int id_;
    };

public:
    direct_target_socket(const char* name, M* owner) : base(name), owner_(owner) {
        // The export is bound to binding 0's binder from the start (as
        // tlm_utils does when a callback is registered); the first initiator
        // to bind takes that binder, each later one gets its own.
        auto* b = new binder(this, 0, owner_);
        this->m_binders.push_back(b); // deleted by the base's destructor
        this->m_export_callback_created = true;
        sc_core::sc_export<fw_if>::bind(*b);
    }

    fw_if& get_base_interface() override {
        if (this->m_hierarch_bind) this->display_error("Socket already bound hierarchically.");
        if (this->m_export_callback_created) {
            this->m_export_callback_created = false;
        } else {
            this->m_binders.push_back(new binder(this, static_cast<int>(this->m_binders.size()), owner_));
        }
        return *this->m_binders.back();
    }
    const fw_if& get_base_interface() const override { return base::get_base_interface(); }

    using base::bind;
    // Hierarchical binding to another multi target socket would route the
    // calls through the other socket's binders and callbacks instead.
    void bind(typename base::base_type&) override {
        SC_REPORT_ERROR("ddisim/socket", (std::string(this->name()) +
                                          ": hierarchical binding of a direct_target_socket is not supported")
                                             .c_str());
    }

private:
    M* owner_;
};

} // namespace ddisim::tlm
