// Callback lists (spec §5): ddi_set_callback merges (fn, arg) pairs and counts
// them; ddi_run_callback never calls anything itself — it queues the runner as
// a soft interrupt of the kernel context (spec §5, test K5).
#include "sw/ddi/ddi_state.h"

#include <sys/sunddi.h>

#include <cstdio>

namespace ddisim::ddi {

// Tearing down a kernel frees the handles still alive (after a panic, or
// leaked by a driver; the checker reports leaks before that if asked).
ddi_state::~ddi_state() {
    for (dma_handle* h = live; h;) {
        dma_handle* n = h->next;
        delete h;
        h = n;
    }
}

ddi_state& state(kernel::kernel_context& k) {
    auto& s = k.ddi_state();
    if (!s) s = std::make_unique<ddi_state>();
    return static_cast<ddi_state&>(*s);
}

namespace {

callback_list* list_of(kernel::kernel_context& k, uintptr_t* listid, bool create) {
    if (*listid == 0) {
        if (!create) return nullptr;
        auto& st = state(k);
        st.lists.push_back(std::make_unique<callback_list>());
        *listid = reinterpret_cast<uintptr_t>(st.lists.back().get());
    }
    return reinterpret_cast<callback_list*>(*listid);
}

void add(callback_list& l, int (*fn)(caddr_t), caddr_t arg, std::uint64_t count) {
    for (auto& e : l.entries)
        if (e.fn == fn && e.arg == arg) {
            e.count += count;
            return;
        }
    l.entries.push_back({fn, arg, count});
}

// One invocation of the runner (spec §5): every entry present at the start is
// tried once; RUNOUT re-queues the entry with its remaining count.
void runner(kernel::kernel_context& k, uintptr_t* listid) {
    callback_list* l = list_of(k, listid, false);
    if (!l) return;
    std::uint64_t pending = 0;
    bool first = true;
    while (!l->entries.empty()) {
        if (first) {
            for (auto& e : l->entries) pending += e.count;
            first = false;
        }
        callback_entry e = l->entries.front();
        l->entries.pop_front();
        while (e.count > 0) {
            if (e.fn == DDI_DMA_SLEEP) {
                // spec §8.12: the SLEEP sentinel was queued; the real kernel
                // jumps to address 1.
                k.panic("ddi_run_callback: callback function at address 0x1 "
                        "(DDI_DMA_SLEEP queued as a callback, spec §8.12)");
            }
            const int r = e.fn(e.arg);
            if (r != DDI_DMA_CALLBACK_RUNOUT) {
                --e.count;
                --pending;
            } else {
                add(*l, e.fn, e.arg, e.count);
                pending -= e.count;
                break;
            }
        }
        if (pending == 0) break;
    }
}

} // namespace

void set_callback(kernel::kernel_context& k, int (*fn)(caddr_t), caddr_t arg, uintptr_t* listid) {
    add(*list_of(k, listid, true), fn, arg, 1);
}

void run_callback(kernel::kernel_context& k, uintptr_t* listid) {
    k.softcall([&k, listid] { runner(k, listid); });
}

bool callback_list_empty(const uintptr_t* listid) {
    if (*listid == 0) return true;
    return reinterpret_cast<const callback_list*>(*listid)->entries.empty();
}

void queue_on_noresources(kernel::kernel_context& k, int (*fn)(caddr_t), caddr_t arg,
                          uintptr_t* listid, const dev_info* dip) {
    if (fn == DDI_DMA_DONTWAIT) return;
    if (fn == DDI_DMA_SLEEP) {
        if (!k.illumos_fidelity()) return;
        k.report_once("bug-8.12-sleep-queued",
                      kernel::kernel_context::dev_name(dip) +
                          ": NORESOURCES with DDI_DMA_SLEEP: the SLEEP sentinel is queued as a "
                          "callback (spec §8.12); running the list would call address 1");
    }
    set_callback(k, fn, arg, listid);
}

} // namespace ddisim::ddi

using ddisim::kernel::kernel_context;

extern "C" void ddi_set_callback(int (*funcp)(caddr_t), caddr_t arg, uintptr_t* listid) {
    kernel_context* k = kernel_context::current();
    if (!k || !listid) return;
    ddisim::ddi::set_callback(*k, funcp, arg, listid);
}

extern "C" void ddi_run_callback(uintptr_t* listid) {
    kernel_context* k = kernel_context::current();
    if (!k || !listid) return;
    ddisim::ddi::run_callback(*k, listid);
}
