// DDI interrupts end to end: a device raises its line, the interrupt
// controller signals the CPU, the CPU's interrupt thread enters the kernel
// after the interrupt latency, claims the vector over the bus, runs the
// driver's handler, which acknowledges the device and wakes a driver thread
// sleeping on a condition variable.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include <catch2/catch.hpp>

#include <sys/sunddi.h>

#include "testbench/tests/intc/intc_rig.h"

using namespace intc_test;
using ddisim::kernel::kcondvar;

namespace {
struct driver {
    rig* r = nullptr;
    ddi_acc_handle_t regs = nullptr;
    caddr_t base = nullptr;
    kcondvar* cv = nullptr;
    bool done = false;
    unsigned calls = 0;
    std::uint64_t handler_ns = 0;  // local time when the handler started
    std::uint64_t signal_ns = 0;   // local time when it signalled
};

uint_t isr(caddr_t a1, caddr_t a2) {
    auto* d = reinterpret_cast<driver*>(a1);
    (void)a2;
    ++d->calls;
    d->handler_ns = d->r->k.now_ns();
    ddi_put32(d->regs, reinterpret_cast<uint32_t*>(d->base + ack_reg), 1); // lower the line
    d->done = true;
    d->signal_ns = d->r->k.now_ns();
    d->cv->signal();
    return DDI_INTR_CLAIMED;
}

ddi_device_acc_attr_t le() {
    ddi_device_acc_attr_t a{};
    a.devacc_attr_version = DDI_DEVICE_ATTR_V0;
    a.devacc_attr_endian_flags = DDI_STRUCTURE_LE_ACC;
    return a;
}
} // namespace

TEST_CASE("ddi intr: a level interrupt runs the handler on the CPU interrupt thread after the interrupt latency and wakes the sleeping driver thread") {
    driver d;
    int types = 0, n = 0, actual = 0, rc_alloc = -100, rc_add = -100, rc_en = -100;
    uint_t pri = 0;
    std::uint64_t raise_ns = 0, woke_ns = 0;
    const sc_time raise_at(5, SC_US);
    rig r(std::vector<std::function<void(rig&)>>{
        [&](rig& t) { // the driver's thread: attach, then wait for the interrupt
            d.r = &t;
            kcondvar cv(t.k);
            d.cv = &cv;
            const auto a = le();
            if (ddi_regs_map_setup(t.dip, 0, &d.base, 0, 0, &a, &d.regs) != DDI_SUCCESS) return;
            ddi_intr_get_supported_types(t.dip, &types);
            ddi_intr_get_nintrs(t.dip, DDI_INTR_TYPE_FIXED, &n);
            ddi_intr_handle_t h = nullptr;
            rc_alloc = ddi_intr_alloc(t.dip, &h, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_STRICT);
            ddi_intr_get_pri(h, &pri);
            rc_add = ddi_intr_add_handler(h, isr, reinterpret_cast<caddr_t>(&d), nullptr);
            rc_en = ddi_intr_enable(h);
            cv.wait_until([&] { return d.done; });
            woke_ns = t.k.now_ns();
            ddi_intr_disable(h);
            ddi_intr_remove_handler(h);
            ddi_intr_free(h);
            ddi_regs_map_free(&d.regs);
        },
        [&](rig& t) { // the device raises its line at 5 µs
            wait(raise_at);
            raise_ns = ns(sc_time_stamp());
            t.dev.irq.write(true);
        }});
    sc_start();
    REQUIRE(r.finished == 2);
    CHECK(types == (DDI_INTR_TYPE_FIXED | DDI_INTR_TYPE_MSI));
    CHECK(n == 1);
    CHECK(rc_alloc == DDI_SUCCESS);
    CHECK(actual == 1);
    CHECK(pri == 5);
    CHECK(rc_add == DDI_SUCCESS);
    CHECK(rc_en == DDI_SUCCESS);
    CHECK(d.calls == 1);
    CHECK(raise_ns == 5000);
    // Raise at 5000 ns; the kernel's entry charges intr_latency_ns = 1000 ns;
    // the CLAIM read costs 6 ns of bus + 10 ns intc register latency: the
    // handler starts at 5000 + 1000 + 16 = 6016 ns.
    CHECK(r.k.config().costs.intr_latency_ns == 1000);
    CHECK(d.handler_ns == 6016);
    // Its acknowledge write costs 7 ns of bus + 10 ns of device = 17 ns.
    CHECK(d.signal_ns == 6033);
    // The sleeping thread resumes at the handler's signal time.
    CHECK(woke_ns == d.signal_ns);
    CHECK(r.k.intr_stats().claimed == 1);
    CHECK(r.k.intr_stats().unclaimed == 0);
    auto* st = ddisim::tlm::stats_registry::instance().find("top.cpu.interrupts");
    REQUIRE(st != nullptr);
    CHECK(st->value() == 1);
    // The intc saw the claim and the EOI.
    CHECK(ddisim::tlm::stats_registry::instance().find("top.intc.eois")->value() == 1);
}

TEST_CASE("ddi intr: an MSI doorbell write reaches the handler of the MSI vector") {
    driver d;
    int actual = 0, navail_before = 0, navail_after = 0, rc = -100;
    std::uint64_t handler_ns = 0;
    static std::uint64_t* hns;
    hns = &handler_ns;
    static unsigned which;
    which = 99;
    rig r(std::vector<std::function<void(rig&)>>{
        [&](rig& t) {
            d.r = &t;
            kcondvar cv(t.k);
            d.cv = &cv;
            ddi_intr_handle_t h[2] = {};
            ddi_intr_get_navail(t.dip, DDI_INTR_TYPE_MSI, &navail_before);
            rc = ddi_intr_alloc(t.dip, h, DDI_INTR_TYPE_MSI, 0, 2, &actual, DDI_INTR_ALLOC_NORMAL);
            ddi_intr_get_navail(t.dip, DDI_INTR_TYPE_MSI, &navail_after);
            auto fn = [](caddr_t a1, caddr_t a2) -> uint_t {
                auto* dd = reinterpret_cast<driver*>(a1);
                which = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(a2));
                *hns = dd->r->k.now_ns();
                dd->done = true;
                dd->cv->signal();
                return DDI_INTR_CLAIMED;
            };
            ddi_intr_add_handler(h[0], fn, reinterpret_cast<caddr_t>(&d), reinterpret_cast<void*>(std::uintptr_t{0}));
            ddi_intr_add_handler(h[1], fn, reinterpret_cast<caddr_t>(&d), reinterpret_cast<void*>(std::uintptr_t{1}));
            ddi_intr_enable(h[0]);
            ddi_intr_enable(h[1]);
            cv.wait_until([&] { return d.done; });
            for (auto x : h) {
                ddi_intr_disable(x);
                ddi_intr_remove_handler(x);
                ddi_intr_free(x);
            }
        },
        [&](rig& t) { // the device signals MSI vector 34 (inum 1) at 2 µs
            wait(2, SC_US);
            std::uint32_t v = 34;
            t.cpu.bus_write(intc_base + models::intc_regs::MSI, &v, 4); // any bus master may ring it
        }});
    sc_start();
    REQUIRE(r.finished == 2);
    CHECK(rc == DDI_SUCCESS);
    CHECK(actual == 2);
    CHECK(navail_before == 2);
    CHECK(navail_after == 0);
    CHECK(which == 1);
    // The MSI write reaches the intc at 2000 + 4 ns (address and data cycles
    // + 2 ns request latency) and is applied on arrival; then 1000 ns of
    // interrupt latency and the 16 ns CLAIM read: 2004 + 1000 + 16 = 3020 ns.
    CHECK(handler_ns == 3020);
}

TEST_CASE("ddi intr: ddi_intr_disable masks the vector, so a raised line calls no handler") {
    driver d;
    std::uint32_t pending = 0;
    int rc_dis = -100;
    rig r(std::vector<std::function<void(rig&)>>{
        [&](rig& t) {
            d.r = &t;
            kcondvar cv(t.k);
            d.cv = &cv;
            const auto a = le();
            if (ddi_regs_map_setup(t.dip, 0, &d.base, 0, 0, &a, &d.regs) != DDI_SUCCESS) return;
            ddi_intr_handle_t h = nullptr;
            int actual = 0;
            ddi_intr_alloc(t.dip, &h, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_NORMAL);
            ddi_intr_add_handler(h, isr, reinterpret_cast<caddr_t>(&d), nullptr);
            ddi_intr_enable(h);
            rc_dis = ddi_intr_disable(h);
            t.dev.irq.write(true);
            t.cpu.delay_ns(10000);
            t.cpu.sync();
            t.cpu.bus_read(intc_base + models::intc_regs::PENDING, &pending, 4);
            t.dev.irq.write(false);
            ddi_intr_remove_handler(h);
            ddi_intr_free(h);
            ddi_regs_map_free(&d.regs);
        }});
    sc_start();
    REQUIRE(r.finished == 1);
    CHECK(rc_dis == DDI_SUCCESS);
    CHECK(d.calls == 0);
    CHECK(pending == (1u << 3)); // the line is seen, but masked
    CHECK(ddisim::tlm::stats_registry::instance().find("top.cpu.interrupts")->value() == 0);
    CHECK_FALSE(r.ic.enabled(3));
}

TEST_CASE("ddi intr: calls out of order return DDI_EINVAL") {
    // Platform-less: the handle state machine needs no hardware.
    ddisim::kernel::kernel_config c;
    c.backing_store = false;
    ddisim::kernel::kernel_context k(c);
    dev_info* dip = k.create_dev_info("x", 0);
    k.set_dev_intr_fixed(dip, {4});
    k.set_dev_intr_msi(dip, {8, 9, 10});
    ddi_intr_handle_t h = nullptr;
    int actual = 0;
    auto fn = [](caddr_t, caddr_t) -> uint_t { return DDI_INTR_CLAIMED; };
    REQUIRE(ddi_intr_alloc(dip, &h, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_NORMAL) == DDI_SUCCESS);
    CHECK(ddi_intr_enable(h) == DDI_EINVAL);          // no handler yet
    CHECK(ddi_intr_remove_handler(h) == DDI_EINVAL);  // none to remove
    CHECK(ddi_intr_add_handler(h, nullptr, nullptr, nullptr) == DDI_EINVAL);
    REQUIRE(ddi_intr_add_handler(h, fn, nullptr, nullptr) == DDI_SUCCESS);
    CHECK(ddi_intr_add_handler(h, fn, nullptr, nullptr) == DDI_EINVAL); // twice
    CHECK(ddi_intr_disable(h) == DDI_EINVAL);         // not enabled
    CHECK(ddi_intr_free(h) == DDI_EINVAL);            // handler still added
    CHECK(ddi_intr_set_pri(h, 6) == DDI_EINVAL);      // only before add_handler
    REQUIRE(ddi_intr_enable(h) == DDI_SUCCESS);
    CHECK(ddi_intr_enable(h) == DDI_EINVAL);          // twice
    CHECK(ddi_intr_remove_handler(h) == DDI_EINVAL);  // while enabled
    CHECK(ddi_intr_free(h) == DDI_EINVAL);            // while enabled
    CHECK(k.intr_enabled(4));
    CHECK(k.intr_deliver(4));                         // platform-less delivery runs the handler
    REQUIRE(ddi_intr_disable(h) == DDI_SUCCESS);
    CHECK_FALSE(k.intr_enabled(4));
    CHECK_FALSE(k.intr_deliver(4));                   // disabled: no handler in the table
    REQUIRE(ddi_intr_remove_handler(h) == DDI_SUCCESS);
    REQUIRE(ddi_intr_free(h) == DDI_SUCCESS);
    CHECK(ddi_intr_free(h) == DDI_EINVAL);            // stale handle

    // Allocation rules.
    ddi_intr_handle_t m[3] = {};
    CHECK(ddi_intr_alloc(dip, m, DDI_INTR_TYPE_MSIX, 0, 1, &actual, DDI_INTR_ALLOC_NORMAL) == DDI_EINVAL);
    CHECK(ddi_intr_alloc(dip, m, DDI_INTR_TYPE_MSI, 3, 1, &actual, DDI_INTR_ALLOC_NORMAL) == DDI_EINVAL);
    CHECK(ddi_intr_alloc(dip, m, DDI_INTR_TYPE_FIXED, 0, 2, &actual, DDI_INTR_ALLOC_NORMAL) == DDI_EINVAL);
    REQUIRE(ddi_intr_alloc(dip, m, DDI_INTR_TYPE_MSI, 1, 1, &actual, DDI_INTR_ALLOC_NORMAL) == DDI_SUCCESS);
    // inum 0..2 requested, inum 1 is taken: NORMAL gets what is contiguous from 0, STRICT refuses.
    ddi_intr_handle_t more[3] = {};
    CHECK(ddi_intr_alloc(dip, more, DDI_INTR_TYPE_MSI, 0, 3, &actual, DDI_INTR_ALLOC_STRICT) == DDI_EAGAIN);
    CHECK(actual == 0);
    REQUIRE(ddi_intr_alloc(dip, more, DDI_INTR_TYPE_MSI, 0, 3, &actual, DDI_INTR_ALLOC_NORMAL) == DDI_SUCCESS);
    CHECK(actual == 1);
    int navail = -1;
    ddi_intr_get_navail(dip, DDI_INTR_TYPE_MSI, &navail);
    CHECK(navail == 1);
    CHECK(ddi_intr_free(more[0]) == DDI_SUCCESS);
    CHECK(ddi_intr_free(m[0]) == DDI_SUCCESS);
    int types = 0;
    dev_info* none = k.create_dev_info("y", 0);
    CHECK(ddi_intr_get_supported_types(none, &types) == DDI_FAILURE);
    CHECK(types == 0);
}

TEST_CASE("ddi intr: kcondvar broadcast wakes every waiter at the signaller's time, timedwait gives up at its deadline") {
    std::uint64_t woke[2] = {}, timed_at = 0, signal_at = 0;
    bool timed_result = true, flag = false;
    kcondvar* cvp = nullptr;
    rig r(std::vector<std::function<void(rig&)>>{
        [&](rig& t) {
            static kcondvar cv(t.k);
            cvp = &cv;
            cv.wait_until([&] { return flag; });
            woke[0] = t.k.now_ns();
        },
        [&](rig& t) {
            wait(SC_ZERO_TIME); // let the first thread create the condvar
            cvp->wait_until([&] { return flag; });
            woke[1] = t.k.now_ns();
            timed_result = cvp->timedwait(t.k.now_ns() + 400);
            timed_at = t.k.now_ns();
        },
        [&](rig& t) {
            t.k.delay_ns(1500);
            flag = true;
            signal_at = t.k.now_ns();
            cvp->broadcast();
        }});
    sc_start();
    REQUIRE(r.finished == 3);
    CHECK(signal_at == 1500);
    CHECK(woke[0] == 1500);
    CHECK(woke[1] == 1500);
    CHECK_FALSE(timed_result);
    CHECK(timed_at == 1900);
}

TEST_CASE("ddi intr: two devices sharing a FIXED vector both get called, and disabling one keeps the vector unmasked") {
    driver d1, d2;
    bool enabled_after = false;
    unsigned calls_total = 0;
    rig r(std::vector<std::function<void(rig&)>>{
        [&](rig& t) {
            dev_info* other = t.k.create_dev_info("twin", 0);
            t.k.set_dev_intr_fixed(other, {3});
            d1.r = d2.r = &t;
            kcondvar cv(t.k);
            d1.cv = d2.cv = &cv;
            const auto a = le();
            if (ddi_regs_map_setup(t.dip, 0, &d1.base, 0, 0, &a, &d1.regs) != DDI_SUCCESS) return;
            ddi_intr_handle_t h1 = nullptr, h2 = nullptr;
            int actual = 0;
            ddi_intr_alloc(t.dip, &h1, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_NORMAL);
            ddi_intr_alloc(other, &h2, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_NORMAL);
            // The twin's handler finds nothing to do: unclaimed.
            ddi_intr_add_handler(h2, [](caddr_t a1, caddr_t) -> uint_t {
                ++reinterpret_cast<driver*>(a1)->calls;
                return DDI_INTR_UNCLAIMED;
            }, reinterpret_cast<caddr_t>(&d2), nullptr);
            ddi_intr_add_handler(h1, isr, reinterpret_cast<caddr_t>(&d1), nullptr);
            ddi_intr_enable(h2);
            ddi_intr_enable(h1);
            t.dev.irq.write(true);
            cv.wait_until([&] { return d1.done; });
            ddi_intr_disable(h2);
            enabled_after = t.ic.enabled(3);
            ddi_intr_disable(h1);
            calls_total = d1.calls + d2.calls;
            ddi_intr_remove_handler(h1);
            ddi_intr_remove_handler(h2);
            ddi_intr_free(h1);
            ddi_intr_free(h2);
            ddi_regs_map_free(&d1.regs);
        }});
    sc_start();
    REQUIRE(r.finished == 1);
    CHECK(d1.calls == 1);
    CHECK(d2.calls == 1);
    CHECK(calls_total == 2);
    CHECK(enabled_after);        // h1 still enabled on vector 3
    CHECK_FALSE(r.ic.enabled(3)); // both disabled: masked
    CHECK(r.k.intr_stats().claimed == 1);
}
