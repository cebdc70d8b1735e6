// Sanitizer builds only: a design that leaks one block in each place where
// LeakSanitizer used to lose them with SystemC's coroutines
// (testbench/sanitize/systemc_coroutines.cpp): in an SC_THREAD that runs
// straight after another one has ended, in an SC_METHOD, and in sc_main after
// sc_start. Each block has its own size and allocating function, so the test
// (sanitize_test.cpp) can tell which were reported.
#include <cstddef>

#include <systemc>

using namespace sc_core;

namespace {
char* volatile sink = nullptr;

// Allocates and drops the only pointer: a leak LeakSanitizer must report.
[[gnu::noinline]] void leak(std::size_t n) {
    sink = new char[n];
    sink = nullptr;
}
[[gnu::noinline]] void leak_in_thread_after_ended_one() { leak(1001); }
[[gnu::noinline]] void leak_in_method() { leak(1002); }
[[gnu::noinline]] void leak_in_sc_main_after_sc_start() { leak(1003); }

struct probe : sc_module {
    sc_event wake_second, wake_method;
    SC_HAS_PROCESS(probe);
    explicit probe(sc_module_name n) : sc_module(n) {
        SC_THREAD(first);
        SC_THREAD(second);
        SC_METHOD(method);
        sensitive << wake_method;
        dont_initialize();
    }
    // Ends at 1 ns; `second`, made runnable just before, runs next on the
    // switch away from this ended thread.
    void first() {
        wait(1, SC_NS);
        wake_second.notify();
    }
    void second() {
        wait(wake_second);
        leak_in_thread_after_ended_one();
        wake_method.notify(SC_ZERO_TIME);
    }
    void method() { leak_in_method(); }
};
} // namespace

int sc_main(int, char*[]) {
    probe p("probe");
    sc_start();
    leak_in_sc_main_after_sc_start();
    return 0;
}
