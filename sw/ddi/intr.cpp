// Interrupts: ddi_intr_get_supported_types / get_nintrs / get_navail,
// ddi_intr_alloc / free, get_pri / set_pri, add_handler / remove_handler,
// enable / disable (docs/ddi.md, "Interrupts"; docs/intc.md).
//
// A device's vectors are device-tree properties (dev_info::intr_fixed for
// DDI_INTR_TYPE_FIXED, dev_info::intr_msi for DDI_INTR_TYPE_MSI; inum is
// the index). A handle moves through the illumos states
//   ALLOC --add_handler--> ADDED --enable--> ENABLE
// and back the same way; any call out of order returns DDI_EINVAL (e.g.
// add_handler twice, enable without a handler, remove_handler or free while
// enabled, free with a handler still added). As on illumos/x86, the handler
// joins the vector's chain in the kernel's interrupt table at enable and
// leaves it at disable; enable also unmasks the vector at the interrupt
// controller (ENABLE_SET over the bus) and disable masks it again once no
// enabled handle shares the vector.
#include "sw/kernel/kernel.h"

#include <sys/sunddi.h>

#include <map>
#include <memory>
#include <set>
#include <tuple>

using ddisim::kernel::kernel_context;

namespace ddisim::ddi {
namespace {

constexpr uint_t default_pri = 5; // no "interrupt-priorities" property: the x86 PCI default level

struct intr_handle {
    enum class st { alloc, added, enabled };
    kernel_context* k = nullptr;
    dev_info* dip = nullptr;
    int type = 0;
    int inum = 0;
    unsigned vector = 0;
    uint_t pri = default_pri;
    st state = st::alloc;
    ddi_intr_handler_t fn = nullptr;
    void* arg1 = nullptr;
    void* arg2 = nullptr;
    std::uint64_t table_id = 0; // kernel interrupt-table entry while enabled
};

std::set<intr_handle*>& registry();

struct intr_state : kernel::subsystem {
    ~intr_state() override {
        for (auto& [p, h] : live) registry().erase(p);
    }
    std::map<intr_handle*, std::unique_ptr<intr_handle>> live;
    std::set<std::tuple<dev_info*, int, int>> allocated; // (dip, type, inum)
};

intr_state& state(kernel_context& k) {
    auto& s = k.intr_state();
    if (!s) s = std::make_unique<intr_state>();
    return static_cast<intr_state&>(*s);
}

const std::vector<unsigned>* vectors(dev_info* dip, int type) {
    if (type == DDI_INTR_TYPE_FIXED) return &dip->intr_fixed;
    if (type == DDI_INTR_TYPE_MSI) return &dip->intr_msi;
    return nullptr;
}

// Every live handle of every kernel, so a stale or foreign handle is
// refused with DDI_EINVAL instead of being dereferenced.
std::set<intr_handle*>& registry() {
    static std::set<intr_handle*> r;
    return r;
}

intr_handle* to_impl(ddi_intr_handle_t h) {
    auto* p = reinterpret_cast<intr_handle*>(h);
    return p && registry().count(p) ? p : nullptr;
}

std::size_t enabled_on(const intr_state& s, unsigned vector) {
    std::size_t n = 0;
    for (const auto& [p, h] : s.live)
        if (h->vector == vector && h->state == intr_handle::st::enabled) ++n;
    return n;
}

} // namespace
} // namespace ddisim::ddi

namespace ddi = ddisim::ddi;
using ddi::intr_handle;

extern "C" int ddi_intr_get_supported_types(dev_info_t* dip, int* typesp) {
    if (!dip || !typesp) return DDI_EINVAL;
    int t = 0;
    if (!dip->intr_fixed.empty()) t |= DDI_INTR_TYPE_FIXED;
    if (!dip->intr_msi.empty()) t |= DDI_INTR_TYPE_MSI;
    *typesp = t;
    return t ? DDI_SUCCESS : DDI_FAILURE;
}

extern "C" int ddi_intr_get_nintrs(dev_info_t* dip, int type, int* nintrsp) {
    if (!dip || !nintrsp) return DDI_EINVAL;
    const auto* v = ddi::vectors(dip, type);
    if (!v) return DDI_EINVAL;
    *nintrsp = static_cast<int>(v->size());
    return v->empty() ? DDI_FAILURE : DDI_SUCCESS;
}

extern "C" int ddi_intr_get_navail(dev_info_t* dip, int type, int* navailp) {
    if (!dip || !navailp || !dip->kernel) return DDI_EINVAL;
    const auto* v = ddi::vectors(dip, type);
    if (!v) return DDI_EINVAL;
    if (v->empty()) return DDI_FAILURE;
    int n = 0;
    const auto& alloc = ddi::state(*dip->kernel).allocated;
    for (int i = 0; i < static_cast<int>(v->size()); ++i)
        if (!alloc.count({dip, type, i})) ++n;
    *navailp = n;
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_alloc(dev_info_t* dip, ddi_intr_handle_t* h_array, int type, int inum, int count,
                              int* actualp, int behavior) {
    if (!dip || !dip->kernel || !h_array || !actualp || inum < 0 || count < 1) return DDI_EINVAL;
    if (behavior != DDI_INTR_ALLOC_NORMAL && behavior != DDI_INTR_ALLOC_STRICT) return DDI_EINVAL;
    const auto* v = ddi::vectors(dip, type);
    if (!v || v->empty()) return DDI_EINVAL;                 // type not supported by the device
    if (type == DDI_INTR_TYPE_FIXED && count != 1) return DDI_EINVAL; // one fixed interrupt per call
    const int nintrs = static_cast<int>(v->size());
    if (inum >= nintrs) return DDI_EINVAL;
    auto& s = ddi::state(*dip->kernel);
    // Interrupts inum, inum+1, … while they exist and are free.
    int got = 0;
    while (got < count && inum + got < nintrs && !s.allocated.count({dip, type, inum + got})) ++got;
    *actualp = 0;
    if (got == 0) return DDI_EAGAIN;
    if (got < count && behavior == DDI_INTR_ALLOC_STRICT) return DDI_EAGAIN;
    for (int i = 0; i < got; ++i) {
        auto h = std::make_unique<intr_handle>();
        h->k = dip->kernel;
        h->dip = dip;
        h->type = type;
        h->inum = inum + i;
        h->vector = (*v)[static_cast<std::size_t>(inum + i)];
        s.allocated.insert({dip, type, inum + i});
        h_array[i] = reinterpret_cast<ddi_intr_handle_t>(h.get());
        ddi::registry().insert(h.get());
        s.live.emplace(h.get(), std::move(h));
    }
    *actualp = got;
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_free(ddi_intr_handle_t hh) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || h->state != intr_handle::st::alloc) return DDI_EINVAL;
    auto& s = ddi::state(*h->k);
    s.allocated.erase({h->dip, h->type, h->inum});
    ddi::registry().erase(h);
    s.live.erase(h);
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_get_pri(ddi_intr_handle_t hh, uint_t* prip) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || !prip) return DDI_EINVAL;
    *prip = h->pri;
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_set_pri(ddi_intr_handle_t hh, uint_t pri) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || pri < DDI_INTR_PRI_MIN || pri > DDI_INTR_PRI_MAX) return DDI_EINVAL;
    if (h->state != intr_handle::st::alloc) return DDI_EINVAL;
    h->pri = pri;
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_add_handler(ddi_intr_handle_t hh, ddi_intr_handler_t inthandler, void* arg1, void* arg2) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || !inthandler || h->state != intr_handle::st::alloc) return DDI_EINVAL;
    h->fn = inthandler;
    h->arg1 = arg1;
    h->arg2 = arg2;
    h->state = intr_handle::st::added;
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_remove_handler(ddi_intr_handle_t hh) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || h->state != intr_handle::st::added) return DDI_EINVAL;
    h->fn = nullptr;
    h->arg1 = h->arg2 = nullptr;
    h->state = intr_handle::st::alloc;
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_enable(ddi_intr_handle_t hh) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || h->state != intr_handle::st::added) return DDI_EINVAL;
    kernel_context& k = *h->k;
    h->table_id = k.intr_add(h->vector, [h] {
        return h->fn(static_cast<caddr_t>(h->arg1), static_cast<caddr_t>(h->arg2)) == DDI_INTR_CLAIMED;
    });
    h->state = intr_handle::st::enabled;
    k.intr_enable(h->vector, true);
    return DDI_SUCCESS;
}

extern "C" int ddi_intr_disable(ddi_intr_handle_t hh) {
    intr_handle* h = ddi::to_impl(hh);
    if (!h || h->state != intr_handle::st::enabled) return DDI_EINVAL;
    kernel_context& k = *h->k;
    k.intr_remove(h->table_id);
    h->table_id = 0;
    h->state = intr_handle::st::added;
    if (ddi::enabled_on(ddi::state(k), h->vector) == 0) k.intr_enable(h->vector, false);
    return DDI_SUCCESS;
}
