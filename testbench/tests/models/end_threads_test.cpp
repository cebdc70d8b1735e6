// tlm::end_threads: unwinding the threads a run leaves suspended.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include <catch2/catch.hpp>

#include <memory>

#include <systemc>

#include "tlm/end_threads.h"

using namespace sc_core;

namespace {
// Sets a flag when destroyed: stands for what a thread's frame owns.
struct owned {
    bool* destroyed;
    ~owned() { *destroyed = true; }
};

struct threads : sc_module {
    bool a_local_destroyed = false, b_local_destroyed = false, a_caught_unwind = false;
    int b_wakes = 0, c_runs = 0, d_runs = 0;
    sc_process_handle a, b, c, d;
    sc_event never;
    SC_HAS_PROCESS(threads);
    explicit threads(sc_module_name n) : sc_module(n) {
        SC_THREAD(run_a);
        a = sc_get_current_process_handle();
        SC_THREAD(run_b);
        b = sc_get_current_process_handle();
        SC_THREAD(run_c);
        c = sc_get_current_process_handle();
        SC_METHOD(run_d);
        d = sc_get_current_process_handle();
    }
    // Suspended for good on an event nobody notifies.
    void run_a() {
        const std::unique_ptr<owned> o(new owned{&a_local_destroyed});
        try {
            wait(never);
        } catch (const sc_unwind_exception&) {
            a_caught_unwind = true;
            throw;
        }
    }
    // Suspended in a timed wait that ends after the pause.
    void run_b() {
        owned o{&b_local_destroyed};
        for (;;) {
            wait(30, SC_NS);
            ++b_wakes;
        }
    }
    // Ends by itself before the pause.
    void run_c() {
        wait(5, SC_NS);
        ++c_runs;
    }
    void run_d() { ++d_runs; }
};
} // namespace

TEST_CASE("end_threads: suspended threads are unwound at the pause, their frames' objects destroyed, nothing else runs") {
    threads t("t");
    // During elaboration: not allowed, nothing happens.
    CHECK(ddisim::tlm::end_threads({t.a, t.b}) == 0);
    CHECK_FALSE(t.a.terminated());

    sc_start(50, SC_NS);
    REQUIRE(t.b_wakes == 1);
    REQUIRE(t.c.terminated());
    REQUIRE_FALSE(t.a.terminated());
    REQUIRE_FALSE(t.a_local_destroyed);
    const int d_runs = t.d_runs;

    // The terminated thread and the method are skipped; a and b are ended.
    CHECK(ddisim::tlm::end_threads({t.a, t.b, t.c, t.d}) == 2);
    CHECK(t.a.terminated());
    CHECK(t.b.terminated());
    CHECK(t.a_caught_unwind);
    CHECK(t.a_local_destroyed);
    CHECK(t.b_local_destroyed);
    // No time passed and no other process ran.
    CHECK(sc_time_stamp() == sc_time(50, SC_NS));
    CHECK(t.b_wakes == 1);
    CHECK(t.d_runs == d_runs);
    CHECK(t.d.terminated() == false);
    // Again: nothing left to end.
    CHECK(ddisim::tlm::end_threads({t.a, t.b}) == 0);
}

namespace {
// A thread that spawns a child; the child's timed wait ends exactly at the
// pause time, so it is due in the delta cycle end_threads runs.
struct parent_child : sc_module {
    bool child_local_destroyed = false;
    int child_wakes = 0;
    sc_process_handle parent, child;
    sc_event never;
    SC_HAS_PROCESS(parent_child);
    explicit parent_child(sc_module_name n) : sc_module(n) {
        SC_THREAD(run_parent);
        parent = sc_get_current_process_handle();
    }
    void run_parent() {
        child = sc_spawn([this] {
            owned o{&child_local_destroyed};
            for (;;) {
                wait(25, SC_NS);
                ++child_wakes;
            }
        });
        wait(never);
    }
};
} // namespace

TEST_CASE("end_threads: a thread's spawned children are ended with it, even one due at the pause time") {
    parent_child t("t");
    sc_start(50, SC_NS); // the child woke at 25 ns and is due again at 50 ns
    REQUIRE(t.child_wakes == 1);
    REQUIRE(t.child.valid());
    CHECK(ddisim::tlm::end_threads({t.parent}) == 1);
    CHECK(t.parent.terminated());
    CHECK(t.child.terminated());
    CHECK(t.child_local_destroyed);
    CHECK(t.child_wakes == 1); // it did not run in the ending delta cycle
    CHECK(sc_time_stamp() == sc_time(50, SC_NS));
}

namespace {
// Threads at every place the hierarchy holds them: a module's, a nested
// module's, one spawned by a thread, one spawned at the top level; and a
// method, which all_threads leaves out.
struct inner : sc_module {
    bool local_destroyed = false;
    sc_event never;
    SC_HAS_PROCESS(inner);
    explicit inner(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void run() {
        const std::unique_ptr<owned> o(new owned{&local_destroyed});
        wait(never);
    }
};
struct outer : sc_module {
    inner in{"in"};
    bool child_local_destroyed = false;
    int method_runs = 0;
    sc_event never;
    SC_HAS_PROCESS(outer);
    explicit outer(sc_module_name n) : sc_module(n) {
        SC_THREAD(run);
        SC_METHOD(tick);
    }
    void run() {
        sc_spawn([this] {
            owned o{&child_local_destroyed};
            wait(never);
        });
        wait(never);
    }
    void tick() { ++method_runs; }
};
} // namespace

TEST_CASE("all_threads: every live thread of the design, wherever it sits, and no method") {
    outer top("top");
    bool top_level_destroyed = false;
    sc_event never;
    sc_spawn([&] {
        owned o{&top_level_destroyed};
        wait(never);
    });
    sc_start(10, SC_NS);
    const auto threads = ddisim::tlm::all_threads();
    CHECK(threads.size() == 4); // top.run, its child, top.in.run, the top-level one
    for (const auto& h : threads) {
        INFO(h.name());
        CHECK(h.proc_kind() == SC_THREAD_PROC_);
    }
    CHECK(ddisim::tlm::end_threads(threads) == 4);
    CHECK(top.in.local_destroyed);
    CHECK(top.child_local_destroyed);
    CHECK(top_level_destroyed);
    CHECK(ddisim::tlm::all_threads().empty());
}
