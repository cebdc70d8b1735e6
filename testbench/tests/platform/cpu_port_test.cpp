// The CPU's bus port: software accesses become timed bus transactions into
// the same bytes the simulated kernel's virtual addresses alias.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include <catch2/catch.hpp>

#include <cstring>
#include <systemc>

#include "models/bus/bus.h"
#include "models/memory/memory.h"
#include "testbench/platform/cpu_port.h"
#include "tlm/core/backing_store.h"
#include "tlm/protocol_checker.h"

namespace models = ddisim::models;
namespace platform = ddisim::platform;
using namespace sc_core;

namespace {
struct rig : sc_module {
    models::memory_config mc;
    ddisim::tlm::backing_store store;
    models::memory mem;
    models::bus bus;
    platform::cpu_port cpu;
    ddisim::tlm::protocol_checker chk_cpu, chk_mem;
    std::function<void(rig&)> body;
    bool finished = false;
    SC_HAS_PROCESS(rig);
    static models::memory_config small() {
        models::memory_config c;
        c.low_size = 64ull << 20;
        c.high_size = 0;
        return c;
    }
    explicit rig(std::function<void(rig&)> b)
        : sc_module("top"), mc(small()), store(models::memory::store_size(mc)), mem("mem", mc, store),
          bus("bus", models::bus_config{}), cpu("cpu", 7), chk_cpu("chk_cpu"), chk_mem("chk_mem"), body(std::move(b)) {
        cpu.out.bind(chk_cpu.in);
        chk_cpu.out.bind(bus.in);
        bus.out.bind(chk_mem.in);
        chk_mem.out.bind(mem.in);
        bus.add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
        SC_THREAD(run);
    }
    void run() {
        body(*this);
        finished = true;
    }
};
} // namespace

// Assertions run after sc_start: Catch's machinery is too deep for the
// small stacks of SystemC threads, so the thread only records what it saw.
TEST_CASE("cpu port: a write lands in DRAM, a read returns it, and both take bus time") {
    const std::uint64_t v = 0x1122334455667788ull;
    std::uint64_t back = 0;
    sc_time t0, t1, t2;
    rig r([&](rig& t) {
        t0 = t.cpu.local_time();
        t.cpu.bus_write(0x1000, &v, sizeof v);
        t1 = t.cpu.local_time();
        t.cpu.bus_read(0x1000, &back, sizeof back);
        t2 = t.cpu.local_time();
    });
    sc_start();
    REQUIRE(r.finished);
    CHECK(back == v);
    std::uint64_t in_store = 0;
    std::memcpy(&in_store, r.store.data() + 0x1000, sizeof in_store);
    CHECK(in_store == v);
    // An access costs at least the memory latency (45 ns by default).
    CHECK(t1 - t0 >= sc_time(45, SC_NS));
    const auto& reg = ddisim::tlm::stats_registry::instance();
    REQUIRE(reg.find("top.cpu.writes") != nullptr);
    CHECK(reg.find("top.cpu.writes")->value() == 1);
    CHECK(reg.find("top.cpu.bytes_read")->value() == 8);
    // the thread's time in its two accesses, nothing charged
    REQUIRE(reg.find("top.cpu.bus_wait") != nullptr);
    CHECK(reg.find("top.cpu.bus_wait")->value() == static_cast<double>((t2 - t0).value()));
    CHECK(reg.find("top.cpu.charged")->value() == 0);
    CHECK(r.chk_cpu.violations() == 0);
}

TEST_CASE("cpu port: charged software time adds exactly to the thread's time") {
    sc_time plain, charged;
    rig r([&](rig& t) {
        std::uint32_t x = 1;
        auto a = t.cpu.local_time();
        t.cpu.bus_write(0x2000, &x, 4);
        plain = t.cpu.local_time() - a;
        t.cpu.sync();
        a = t.cpu.local_time();
        t.cpu.charge_cpu(1500);
        t.cpu.bus_write(0x2000, &x, 4);
        charged = t.cpu.local_time() - a;
    });
    sc_start();
    REQUIRE(r.finished);
    // Same idle write, plus 1500 ns of software before it.
    CHECK(charged - plain == sc_time(1500, SC_NS));
    REQUIRE(ddisim::tlm::stats_registry::instance().find("top.cpu.charged") != nullptr);
    CHECK(ddisim::tlm::stats_registry::instance().find("top.cpu.charged")->value() == 1500);
}

namespace {
std::string g_machine_check; // message of the last ddisim/cpu error
void record_cpu_errors(const sc_report& r, const sc_actions& a) {
    if (std::string(r.get_msg_type()) == "ddisim/cpu" && r.get_severity() == SC_ERROR) {
        g_machine_check = r.get_msg();
        sc_stop();
        return;
    }
    sc_report_handler::default_handler(r, a);
}
} // namespace

TEST_CASE("cpu port: an access outside memory is a machine check naming the address, and writes nothing") {
    // Record the report and stop the simulation rather than throw: an
    // exception leaving a SystemC coroutine trips AddressSanitizer.
    sc_report_handler::set_handler(record_cpu_errors);
    rig r([](rig& t) {
        std::uint32_t x = 0xdeadbeef;
        t.cpu.bus_write(0x8000000, &x, 4); // 128 MiB: beyond the 64 MiB of DRAM
    });
    sc_start();
    CHECK(g_machine_check.find("0x8000000") != std::string::npos);
    CHECK(g_machine_check.find("machine check") != std::string::npos);
    CHECK(sc_get_status() == SC_STOPPED);
}

namespace {
// Several software threads on one CPU port.
struct multi_rig : sc_module {
    models::memory_config mc;
    ddisim::tlm::backing_store store;
    models::memory mem;
    models::bus bus;
    platform::cpu_port cpu;
    std::vector<std::function<void(multi_rig&)>> bodies;
    unsigned finished = 0;
    explicit multi_rig(std::vector<std::function<void(multi_rig&)>> b)
        : sc_module("top"), mc(rig::small()), store(models::memory::store_size(mc)), mem("mem", mc, store),
          bus("bus", models::bus_config{}), cpu("cpu", 7), bodies(std::move(b)) {
        cpu.out.bind(bus.in);
        bus.out.bind(mem.in);
        bus.add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
        for (std::size_t i = 0; i < bodies.size(); ++i)
            sc_spawn([this, i] {
                bodies[i](*this);
                ++finished;
            }, ("sw" + std::to_string(i)).c_str());
    }
};
std::uint64_t to_ns(const sc_time& t) { return static_cast<std::uint64_t>(t.to_seconds() * 1e9 + 0.5); }
} // namespace

TEST_CASE("cpu port: two software threads charging CPU time keep their own local times") {
    std::uint64_t a_after = 0, b_after = 0, a_now = 0, b_now = 0;
    multi_rig r({[&](multi_rig& t) {
                     t.cpu.charge_cpu(300);
                     a_now = t.cpu.now_ns();
                     t.cpu.charge_cpu(200);
                     a_after = to_ns(t.cpu.local_time());
                 },
                 [&](multi_rig& t) {
                     t.cpu.charge_cpu(50);
                     b_now = t.cpu.now_ns();
                     b_after = to_ns(t.cpu.local_time());
                 }});
    sc_start();
    REQUIRE(r.finished == 2);
    // Both start at 0; A's 500 ns never show up in B's time (one shared
    // keeper would put B at 550 ns, or A at 550 ns).
    CHECK(a_now == 300);
    CHECK(a_after == 500);
    CHECK(b_now == 50);
    CHECK(b_after == 50);
}

TEST_CASE("cpu port: a sleeping thread wakes at its waker's local time, a timed sleep times out at its deadline") {
    static int chan;
    bool woken = false, timed_out_result = true;
    std::uint64_t woke_at = 0, waker_at = 0, timeout_at = 0;
    multi_rig r({[&](multi_rig& t) {
                     woken = t.cpu.sleep(&chan, 0);
                     woke_at = t.cpu.now_ns();
                     timed_out_result = t.cpu.sleep(&chan, woke_at + 700);
                     timeout_at = t.cpu.now_ns();
                 },
                 [&](multi_rig& t) {
                     t.cpu.charge_cpu(2500); // crosses the 1 µs quantum: synchronises at 2500 ns
                     t.cpu.charge_cpu(120);  // local time 2620 ns, 620 ns ahead of simulated time
                     waker_at = t.cpu.now_ns();
                     t.cpu.wakeup(&chan, false);
                 }});
    sc_start();
    REQUIRE(r.finished == 2);
    CHECK(woken);
    CHECK(waker_at == 2620);
    CHECK(woke_at == 2620);
    CHECK_FALSE(timed_out_result);
    CHECK(timeout_at == 2620 + 700);
    CHECK(ddisim::tlm::stats_registry::instance().find("top.cpu.wakeups")->value() == 1);
    CHECK(ddisim::tlm::stats_registry::instance().find("top.cpu.sleeps")->value() == 2);
}

TEST_CASE("cpu port: a wakeup that comes while the sleeper is still catching up with simulated time is not lost") {
    static int chan;
    bool woken = false;
    std::uint64_t woke_at = 0;
    multi_rig r({[&](multi_rig& t) {
                     t.cpu.charge_cpu(800); // 800 ns ahead: sleep() first waits for simulated time to catch up
                     woken = t.cpu.sleep(&chan, 0);
                     woke_at = t.cpu.now_ns();
                 },
                 [&](multi_rig& t) {
                     wait(300, SC_NS); // the waker signals at 300 ns, during the sleeper's catch-up
                     t.cpu.wakeup(&chan, true);
                 }});
    sc_start();
    REQUIRE(r.finished == 2);
    CHECK(woken);
    CHECK(woke_at == 800); // never earlier than the sleeper's own local time
}

namespace {
// Two threads, each charging 10 × 100 ns from time 0; their end times.
std::pair<std::uint64_t, std::uint64_t> two_chargers(unsigned cpus, std::uint64_t& wait_ps) {
    std::uint64_t a = 0, b = 0;
    auto body = [](std::uint64_t& end) {
        return [&end](multi_rig& t) {
            for (int i = 0; i < 10; ++i) t.cpu.charge_cpu(100);
            end = to_ns(t.cpu.local_time());
        };
    };
    multi_rig r({body(a), body(b)});
    r.cpu.set_cpus(cpus);
    sc_start();
    REQUIRE(r.finished == 2);
    const auto* w = ddisim::tlm::stats_registry::instance().find("top.cpu.cpu_wait");
    wait_ps = w ? static_cast<std::uint64_t>(w->value()) : ~0ull;
    return {a, b};
}
} // namespace

TEST_CASE("cpu port: two threads sharing one CPU (software.cpus 1) take turns: 2000 ns of work ends at 2000 ns") {
    std::uint64_t wait_ps = 0;
    const auto [a, b] = two_chargers(1, wait_ps);
    CHECK(std::max(a, b) == 2000);
    CHECK(std::min(a, b) >= 1000);
    CHECK(wait_ps > 0);
    // the waits are the difference between the ends and the work (1000 ns each)
    CHECK(wait_ps == (a - 1000 + b - 1000) * 1000);
}

TEST_CASE("cpu port: two threads on two CPUs (software.cpus 2) run side by side and never wait") {
    std::uint64_t wait_ps = 1;
    const auto [a, b] = two_chargers(2, wait_ps);
    CHECK(a == 1000);
    CHECK(b == 1000);
    CHECK(wait_ps == 0);
}

TEST_CASE("cpu port: on one CPU, work fits into an earlier gap another thread left (first fit, not behind the latest)") {
    // A charges 100 ns at 0, then stalls in a 64 KiB bus write (no CPU) and
    // charges 100 ns again, all before B runs (same quantum). B's 100 ns at
    // time 0 goes into the gap after A's first piece, not after A's second.
    std::uint64_t a_second_start = 0, a_end = 0, b_end = 0;
    static unsigned char block[65536];
    multi_rig r({[&](multi_rig& t) {
                     t.cpu.charge_cpu(100);
                     t.cpu.bus_write(0x10000, block, sizeof block);
                     a_second_start = to_ns(t.cpu.local_time());
                     t.cpu.charge_cpu(100);
                     a_end = to_ns(t.cpu.local_time());
                 },
                 [&](multi_rig& t) {
                     t.cpu.charge_cpu(100);
                     b_end = to_ns(t.cpu.local_time());
                 }});
    r.cpu.set_cpus(1);
    sc_start();
    REQUIRE(r.finished == 2);
    REQUIRE(a_second_start > 300); // the write took the bus long enough to leave a gap
    CHECK(a_end == a_second_start + 100);
    CHECK(b_end == 200);
}
