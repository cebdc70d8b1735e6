#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include "tlm/end_threads.h"

namespace ddisim::tlm {

namespace {
// A thread (SC_THREAD or SC_CTHREAD) that has not terminated.
bool live_thread(const sc_core::sc_process_handle& h) {
    return h.valid() && !h.terminated() &&
           (h.proc_kind() == sc_core::SC_THREAD_PROC_ || h.proc_kind() == sc_core::SC_CTHREAD_PROC_);
}
} // namespace

unsigned end_threads(const std::vector<sc_core::sc_process_handle>& threads) {
    if (sc_core::sc_get_status() != sc_core::SC_PAUSED) return 0;
    std::vector<sc_core::sc_process_handle> live;
    for (const auto& h : threads)
        if (live_thread(h)) live.push_back(h);
    if (live.empty()) return 0;
    sc_core::sc_spawn_options opt;
    opt.spawn_method();
    sc_core::sc_spawn(
        [&live] {
            // Descendants too: a thread spawned by one being ended (a
            // workload's job threads) could otherwise run in this delta
            // cycle; methods run before threads, so none of them does.
            for (auto& h : live) h.kill(sc_core::SC_INCLUDE_DESCENDANTS);
        },
        sc_core::sc_gen_unique_name("end_threads"), &opt);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    unsigned ended = 0;
    for (const auto& h : live) ended += h.terminated();
    return ended;
}

namespace {
void collect_threads(const std::vector<sc_core::sc_object*>& objects, std::vector<sc_core::sc_process_handle>& out) {
    for (sc_core::sc_object* o : objects) {
        const sc_core::sc_process_handle h(o); // invalid unless o is a process
        if (live_thread(h)) out.push_back(h);
        collect_threads(o->get_child_objects(), out);
    }
}
} // namespace

std::vector<sc_core::sc_process_handle> all_threads() {
    std::vector<sc_core::sc_process_handle> out;
    collect_threads(sc_core::sc_get_top_level_objects(), out);
    return out;
}

} // namespace ddisim::tlm
