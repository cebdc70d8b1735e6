// DDI register access over the simulated CPU's bus port: every ddi_get/put
// is one bus transaction of its width at the mapped physical address,
// costing bus + device time (intc_rig.h states the figures).
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include <catch2/catch.hpp>

#include <sys/sunddi.h>

#include "testbench/tests/intc/intc_rig.h"

using namespace intc_test;

namespace {
ddi_device_acc_attr_t attr(uchar_t endian) {
    ddi_device_acc_attr_t a{};
    a.devacc_attr_version = DDI_DEVICE_ATTR_V0;
    a.devacc_attr_endian_flags = endian;
    a.devacc_attr_dataorder = DDI_STRICTORDER_ACC;
    return a;
}
} // namespace

TEST_CASE("ddi regs: each ddi_put/ddi_get width is one bus transaction of that width at the mapped address") {
    int rc = -100;
    std::uint8_t g8 = 0;
    std::uint16_t g16 = 0;
    std::uint32_t g32 = 0;
    std::uint64_t g64 = 0;
    std::vector<std::uint64_t> cost; // ns per access, in order put8..put64, get8..get64
    rig r([&](rig& t) {
        caddr_t base = nullptr;
        ddi_acc_handle_t h = nullptr;
        const auto a = attr(DDI_STRUCTURE_LE_ACC);
        rc = ddi_regs_map_setup(t.dip, 0, &base, 0x40, 0x100, &a, &h);
        if (rc != DDI_SUCCESS) return;
        auto timed = [&](auto fn) {
            t.cpu.sync();
            const auto t0 = t.cpu.local_time();
            fn();
            cost.push_back(ns(t.cpu.local_time() - t0));
        };
        timed([&] { ddi_put8(h, reinterpret_cast<uint8_t*>(base + 0x01), 0xa1); });
        timed([&] { ddi_put16(h, reinterpret_cast<uint16_t*>(base + 0x02), 0xb2c3); });
        timed([&] { ddi_put32(h, reinterpret_cast<uint32_t*>(base + 0x04), 0xd4e5f607u); });
        timed([&] { ddi_put64(h, reinterpret_cast<uint64_t*>(base + 0x08), 0x1122334455667788ull); });
        timed([&] { g8 = ddi_get8(h, reinterpret_cast<uint8_t*>(base + 0x01)); });
        timed([&] { g16 = ddi_get16(h, reinterpret_cast<uint16_t*>(base + 0x02)); });
        timed([&] { g32 = ddi_get32(h, reinterpret_cast<uint32_t*>(base + 0x04)); });
        timed([&] { g64 = ddi_get64(h, reinterpret_cast<uint64_t*>(base + 0x08)); });
        ddi_regs_map_free(&h);
    });
    sc_start();
    REQUIRE(r.finished == 1);
    REQUIRE(rc == DDI_SUCCESS);
    CHECK(g8 == 0xa1);
    CHECK(g16 == 0xb2c3);
    CHECK(g32 == 0xd4e5f607u);
    CHECK(g64 == 0x1122334455667788ull);
    // The device saw 8 accesses: offset 0x40 of register set 0 plus the register offset.
    REQUIRE(r.dev.log.size() == 8);
    const std::uint64_t addr[] = {0x41, 0x42, 0x44, 0x48};
    const unsigned len[] = {1, 2, 4, 8};
    for (int i = 0; i < 8; ++i) {
        INFO("access " << i);
        CHECK(r.dev.log[i].write == (i < 4));
        CHECK(r.dev.log[i].addr == addr[i % 4]);
        CHECK(r.dev.log[i].len == len[i % 4]);
    }
    // Little-endian device, little-endian CPU: bytes land unswapped.
    CHECK(r.dev.bytes[0x48] == 0x88);
    CHECK(r.dev.bytes[0x4f] == 0x11);
    // Writes: 2 request cycles + 2 ns + 10 ns device + 1 cycle + 2 ns = 17 ns;
    // reads: one request cycle less = 16 ns (every width fits one 32-byte beat).
    REQUIRE(cost.size() == 8);
    for (int i = 0; i < 4; ++i) CHECK(cost[i] == 17);
    for (int i = 4; i < 8; ++i) CHECK(cost[i] == 16);
}

TEST_CASE("ddi regs: DDI_STRUCTURE_BE_ACC byte-swaps every access, NEVERSWAP does not") {
    std::uint32_t back_be = 0, back_raw = 0;
    rig r([&](rig& t) {
        caddr_t be = nullptr, raw = nullptr;
        ddi_acc_handle_t hb = nullptr, hr = nullptr;
        const auto ab = attr(DDI_STRUCTURE_BE_ACC);
        const auto an = attr(DDI_NEVERSWAP_ACC);
        if (ddi_regs_map_setup(t.dip, 0, &be, 0, 0, &ab, &hb) != DDI_SUCCESS) return;
        if (ddi_regs_map_setup(t.dip, 0, &raw, 0, 0, &an, &hr) != DDI_SUCCESS) return;
        ddi_put32(hb, reinterpret_cast<uint32_t*>(be + 0x10), 0x01020304u);
        back_be = ddi_get32(hb, reinterpret_cast<uint32_t*>(be + 0x10));
        back_raw = ddi_get32(hr, reinterpret_cast<uint32_t*>(raw + 0x10));
        ddi_regs_map_free(&hb);
        ddi_regs_map_free(&hr);
    });
    sc_start();
    REQUIRE(r.finished == 1);
    // Big-endian device: most significant byte at the lowest address.
    CHECK(r.dev.bytes[0x10] == 0x01);
    CHECK(r.dev.bytes[0x13] == 0x04);
    CHECK(back_be == 0x01020304u);
    CHECK(back_raw == 0x04030201u);
}

TEST_CASE("ddi regs: ddi_rep_put/get step through device addresses with AUTOINCR and repeat one with NO_AUTOINCR") {
    std::uint16_t in_auto[4] = {}, in_fifo[3] = {};
    rig r([&](rig& t) {
        caddr_t base = nullptr;
        ddi_acc_handle_t h = nullptr;
        const auto a = attr(DDI_NEVERSWAP_ACC);
        if (ddi_regs_map_setup(t.dip, 0, &base, 0, 0, &a, &h) != DDI_SUCCESS) return;
        std::uint16_t out[4] = {0x1111, 0x2222, 0x3333, 0x4444};
        ddi_rep_put16(h, out, reinterpret_cast<uint16_t*>(base + 0x20), 4, DDI_DEV_AUTOINCR);
        ddi_rep_get16(h, in_auto, reinterpret_cast<uint16_t*>(base + 0x20), 4, DDI_DEV_AUTOINCR);
        ddi_rep_put16(h, out, reinterpret_cast<uint16_t*>(base + 0x40), 3, DDI_DEV_NO_AUTOINCR);
        ddi_rep_get16(h, in_fifo, reinterpret_cast<uint16_t*>(base + 0x20), 3, DDI_DEV_NO_AUTOINCR);
        ddi_regs_map_free(&h);
    });
    sc_start();
    REQUIRE(r.finished == 1);
    REQUIRE(r.dev.log.size() == 14);
    for (int i = 0; i < 4; ++i) {
        CHECK(r.dev.log[i].addr == 0x20u + 2u * i); // put, autoincrement
        CHECK(r.dev.log[i].len == 2);
        CHECK(r.dev.log[4 + i].addr == 0x20u + 2u * i); // get, autoincrement
    }
    for (int i = 8; i < 14; ++i) CHECK(r.dev.log[i].addr == (i < 11 ? 0x40u : 0x20u)); // one address each
    CHECK(in_auto[0] == 0x1111);
    CHECK(in_auto[3] == 0x4444);
    // NO_AUTOINCR writes all hit 0x40: the last value stays.
    CHECK(r.dev.bytes[0x40] == 0x33);
    CHECK(in_fifo[0] == 0x1111);
    CHECK(in_fifo[2] == 0x1111);
    // Accesses are in sequence: each starts after the previous one's completion.
    for (std::size_t i = 1; i < r.dev.log.size(); ++i) CHECK(r.dev.log[i].at > r.dev.log[i - 1].at);
}

TEST_CASE("ddi regs: bad register number, offset or length are refused with the illumos codes") {
    int bad_rnum = 0, bad_off = 0, bad_len = 0, neg = 0, whole = -100, small = -100, nregs = 0;
    off_t size1 = 0;
    rig r([&](rig& t) {
        caddr_t base = nullptr;
        ddi_acc_handle_t h = nullptr;
        const auto a = attr(DDI_NEVERSWAP_ACC);
        bad_rnum = ddi_regs_map_setup(t.dip, 2, &base, 0, 0, &a, &h);
        bad_off = ddi_regs_map_setup(t.dip, 0, &base, static_cast<offset_t>(dev_size), 0, &a, &h);
        bad_len = ddi_regs_map_setup(t.dip, 1, &base, 0x8, 0x10, &a, &h);
        neg = ddi_regs_map_setup(t.dip, 0, &base, -4, 0, &a, &h);
        whole = ddi_regs_map_setup(t.dip, 1, &base, 0, 0, &a, &h); // len 0: the rest of the set
        if (whole == DDI_SUCCESS) ddi_regs_map_free(&h);
        small = ddi_regs_map_setup(t.dip, 1, &base, 0x8, 0x8, &a, &h);
        if (small == DDI_SUCCESS) {
            ddi_put32(h, reinterpret_cast<uint32_t*>(base + 4), 7); // register set 1 starts at dev + 0x100
            ddi_regs_map_free(&h);
        }
        ddi_dev_nregs(t.dip, &nregs);
        ddi_dev_regsize(t.dip, 1, &size1);
    });
    sc_start();
    REQUIRE(r.finished == 1);
    CHECK(bad_rnum == DDI_ME_RNUMBER_RANGE);
    CHECK(bad_off == DDI_ME_INVAL);
    CHECK(bad_len == DDI_ME_INVAL);
    CHECK(neg == DDI_ME_INVAL);
    CHECK(whole == DDI_SUCCESS);
    CHECK(small == DDI_SUCCESS);
    REQUIRE(r.dev.log.size() == 1);
    CHECK(r.dev.log[0].addr == 0x10c);
    CHECK(nregs == 2);
    CHECK(size1 == 0x10);
}

TEST_CASE("ddi regs: without a platform ddi_regs_map_setup fails") {
    ddisim::kernel::kernel_config c;
    c.backing_store = false;
    ddisim::kernel::kernel_context k(c);
    dev_info* d = k.create_dev_info("x", 0);
    k.set_dev_regs(d, {{0x1000, 0x100}});
    caddr_t base = nullptr;
    ddi_acc_handle_t h = nullptr;
    const auto a = attr(DDI_NEVERSWAP_ACC);
    CHECK(ddi_regs_map_setup(d, 0, &base, 0, 0, &a, &h) == DDI_FAILURE);
    CHECK(h == nullptr);
}

TEST_CASE("ddi regs: ddi_get/ddi_put on a ddi_dma_mem_alloc handle access the DMA memory directly") {
    ddisim::kernel::kernel_config c;
    c.memory_bytes = 64ull << 20;
    ddisim::kernel::kernel_context k(c);
    dev_info* d = k.create_dev_info("x", 0);
    ddi_dma_attr_t da{};
    da.dma_attr_version = DMA_ATTR_V0;
    da.dma_attr_addr_hi = 0xffffffffffffffffull;
    da.dma_attr_count_max = 0xffffffffull;
    da.dma_attr_align = 1;
    da.dma_attr_burstsizes = 0x7f;
    da.dma_attr_minxfer = 1;
    da.dma_attr_maxxfer = 0xffffffffull;
    da.dma_attr_seg = 0xffffffffull;
    da.dma_attr_sgllen = 1;
    da.dma_attr_granular = 1;
    ddi_dma_handle_t dh = nullptr;
    REQUIRE(ddi_dma_alloc_handle(d, &da, DDI_DMA_DONTWAIT, nullptr, &dh) == DDI_SUCCESS);
    const auto a = attr(DDI_NEVERSWAP_ACC);
    caddr_t kva = nullptr;
    size_t real = 0;
    ddi_acc_handle_t acc = nullptr;
    REQUIRE(ddi_dma_mem_alloc(dh, 4096, &a, DDI_DMA_CONSISTENT, DDI_DMA_DONTWAIT, nullptr, &kva, &real, &acc) ==
            DDI_SUCCESS);
    ddi_put32(acc, reinterpret_cast<uint32_t*>(kva + 8), 0xcafef00du);
    std::uint32_t raw = 0;
    std::memcpy(&raw, kva + 8, 4);
    CHECK(raw == 0xcafef00du);
    CHECK(ddi_get32(acc, reinterpret_cast<uint32_t*>(kva + 8)) == 0xcafef00du);
    std::uint64_t out[2] = {1, 2}, in[2] = {};
    ddi_rep_put64(acc, out, reinterpret_cast<uint64_t*>(kva + 16), 2, DDI_DEV_AUTOINCR);
    ddi_rep_get64(acc, in, reinterpret_cast<uint64_t*>(kva + 16), 2, DDI_DEV_AUTOINCR);
    CHECK(in[1] == 2);
    ddi_regs_map_free(&acc); // not a register handle: ignored, the memory stays
    REQUIRE(acc != nullptr);
    ddi_dma_mem_free(&acc);
    ddi_dma_free_handle(&dh);
}
