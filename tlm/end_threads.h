// Ending threads that a run leaves suspended. Needs SystemC.
//
// A run stopped at a time limit leaves SC_THREADs suspended in wait(); the
// kernel never resumes them, so the objects their stack frames own (locals,
// unique_ptrs, containers) are never destroyed. end_threads unwinds them:
// sc_process_handle::kill from a one-shot SC_METHOD, in one delta cycle at the
// current time, throws sc_unwind_exception in each thread and runs its
// destructors (kill is not allowed from outside a process: SystemC 2.3.4 then
// dereferences a null method).
#pragma once
#include <vector>

#include <systemc>

namespace ddisim::tlm {

// Unwinds every thread of `threads` that is valid, an SC_THREAD or
// SC_CTHREAD, and not yet terminated, with all its descendants (processes it
// spawned). Only while the simulation is paused between sc_start calls
// (otherwise nothing is done); the kills run before any thread of that delta
// cycle, so only the killed threads' destructors run (they must not wait).
// Returns how many of `threads` it ended.
unsigned end_threads(const std::vector<sc_core::sc_process_handle>& threads);

// Every SC_THREAD and SC_CTHREAD of the design that has not terminated:
// module threads, threads spawned by processes and spawned at the top level
// (the object hierarchy, depth first in creation order). A platform ends
// them all at its destruction (end_threads), so a model that keeps
// heap-owning locals across a wait() frees them too.
std::vector<sc_core::sc_process_handle> all_threads();

} // namespace ddisim::tlm
