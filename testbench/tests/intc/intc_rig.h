// A small machine for the interrupt-controller and register-access tests:
// CPU port, bus, DRAM, the interrupt controller and a test device whose
// registers record every access, plus a simulated kernel on the CPU port.
//
//   bus target 0: DRAM       [0, 64 MiB)                absolute
//   bus target 1: intc regs  [intc_base, +0x1000)        relative
//   bus target 2: test device [dev_base, +0x1000)        relative
//
// Timing (bus defaults: 1 GHz, 32-byte beats, 2 ns request and response
// latency): an idle CPU read of up to 32 bytes costs 1 cycle request + 2 ns
// + target + 1 cycle response + 2 ns = 6 ns + target; a write has one more
// request cycle for its data: 7 ns + target. The test device answers in
// dev_latency = 10 ns, the intc in its register_latency = 10 ns.
#pragma once
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/bus/bus.h"
#include "models/intc/intc.h"
#include "models/memory/memory.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/cpu_port.h"
#include "tlm/core/backing_store.h"

namespace intc_test {

using namespace sc_core;
namespace models = ddisim::models;

inline constexpr std::uint64_t intc_base = 0x2000'0000;
inline constexpr std::uint64_t dev_base = 0x3000'0000;
inline constexpr std::uint64_t dev_size = 0x1000;
inline constexpr std::uint64_t ack_reg = 0x800; // a write here lowers the device's irq line

// Register block that stores what is written and records every access.
struct test_device : sc_module {
    tlm_utils::simple_target_socket<test_device> in;
    sc_signal<bool, SC_MANY_WRITERS> irq; // level line; tests raise it, a write to ack_reg lowers it
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(dev_size, 0);
    sc_time latency{10, SC_NS};
    struct rec {
        bool write;
        std::uint64_t addr;
        unsigned len;
        sc_time at; // caller's local time when the access reached the device
    };
    std::vector<rec> log;

    explicit test_device(sc_module_name n) : sc_module(n), in("in"), irq("irq") {
        in.register_b_transport(this, &test_device::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
        const auto a = gp.get_address();
        const unsigned len = gp.get_data_length();
        log.push_back({gp.is_write(), a, len, sc_time_stamp() + delay});
        if (a + len > bytes.size()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (gp.is_write()) {
            std::memcpy(bytes.data() + a, gp.get_data_ptr(), len);
            if (a == ack_reg) irq.write(false);
        } else {
            std::memcpy(gp.get_data_ptr(), bytes.data() + a, len);
        }
        delay += latency;
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct rig : sc_module {
    models::memory_config mc;
    ddisim::tlm::backing_store store;
    models::memory mem;
    models::bus bus;
    ddisim::platform::cpu_port cpu;
    models::intc ic;
    test_device dev;
    sc_signal<bool> cpu_irq{"cpu_irq"};
    ddisim::kernel::kernel_context k;
    dev_info* dip = nullptr;
    std::vector<std::function<void(rig&)>> bodies;
    unsigned finished = 0;
    SC_HAS_PROCESS(rig);

    static models::memory_config small() {
        models::memory_config c;
        c.low_size = 64ull << 20;
        c.high_size = 0;
        return c;
    }
    static ddisim::kernel::kernel_config kcfg() {
        ddisim::kernel::kernel_config c;
        c.memory_bytes = 64ull << 20;
        c.backing_store = false;
        c.intc = true;
        c.intc_base = intc_base;
        return c;
    }
    static models::intc_config icfg() {
        models::intc_config c;
        c.vectors = 40; // two enable words, the second partly used
        return c;
    }

    // One SC_THREAD per body (a software thread each), plus `device_lines`
    // level lines: the test device's irq on vector 3.
    explicit rig(std::vector<std::function<void(rig&)>> b)
        : sc_module("top"), mc(small()), store(models::memory::store_size(mc)), mem("mem", mc, store),
          bus("bus", models::bus_config{}), cpu("cpu", 7), ic("intc", icfg()), dev("dev"), k(kcfg()),
          bodies(std::move(b)) {
        cpu.out.bind(bus.in);
        bus.out.bind(mem.in);
        bus.out.bind(ic.regs);
        bus.out.bind(dev.in);
        bus.add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
        bus.add_region(models::bus_region::relative("intc", intc_base, 0x1000, 1));
        bus.add_region(models::bus_region::relative("dev", dev_base, dev_size, 2));
        ic.cpu_irq.bind(cpu_irq);
        cpu.irq.bind(cpu_irq);
        ic.line(3).bind(dev.irq);
        k.set_platform(&cpu);
        dip = k.create_dev_info("testdev", 0);
        k.set_dev_regs(dip, {{dev_base, dev_size}, {dev_base + 0x100, 0x10}});
        k.set_dev_intr_fixed(dip, {3});
        k.set_dev_intr_msi(dip, {33, 34});
        for (std::size_t i = 0; i < bodies.size(); ++i)
            sc_spawn([this, i] {
                bodies[i](*this);
                ++finished;
            }, ("sw" + std::to_string(i)).c_str());
    }
    explicit rig(std::function<void(rig&)> b) : rig(std::vector<std::function<void(rig&)>>{std::move(b)}) {}
};

inline std::uint64_t ns(const sc_time& t) { return static_cast<std::uint64_t>(t.to_seconds() * 1e9 + 0.5); }

} // namespace intc_test
