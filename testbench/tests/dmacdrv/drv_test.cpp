// DMA controller driver (sw/drivers/dmac_drv) on the modelled controller:
// fragmented copies with every byte checked in LT and AT, a 32-bit
// controller meeting buffers above 4 GiB (copy buffers), PARTIAL_MAP window
// walks, controller errors. Each TEST_CASE builds one design (own process).
// Most cases poll COMPLETED (use_interrupts = false); the interrupt cases
// wire models/intc and let the kernel dispatch the controller's line.
#include "drv_fixture.h"

namespace models = ddisim::models;
namespace drivers = ddisim::drivers;
namespace workloads = ddisim::workloads;
using namespace ddisim::test;
using namespace sc_core;

namespace {

struct outcome {
    int attach_rc = -100;
    workloads::memcpy_result r;
    drivers::dmac_drv::stats st;
    std::uint8_t last_error = 0;
};

drivers::dmac_drv_config polled(std::uint64_t addr_hi = ~0ull) {
    drivers::dmac_drv_config c;
    c.use_interrupts = false;
    c.polling_interval_ns = 200;
    c.addr_hi = addr_hi;
    return c;
}

outcome run_workload(drv_system& s, const drivers::dmac_drv_config& dc, const workloads::memcpy_workload_config& wc) {
    outcome o;
    s.sw->body = [&] {
        if (!s.start()) return;
        std::unique_ptr<drivers::dmac_drv> drv;
        o.attach_rc = drivers::dmac_drv::attach(s.dip, dc, drv);
        if (o.attach_rc != DDI_SUCCESS) return;
        o.r = workloads::run_memcpy_workload(*s.k, *drv, wc);
        o.st = drv->statistics();
        o.last_error = drv->last_error();
    };
    sc_start();
    return o;
}

workloads::memcpy_workload_config fragmented(std::uint64_t size, std::uint64_t copies) {
    workloads::memcpy_workload_config w;
    w.size = size;
    w.copies = copies;
    w.src_offset = 123; // unaligned: cookies start and end inside pages
    w.dst_offset = 3001;
    w.new_buffers = true;
    return w;
}

} // namespace

TEST_CASE("dmacdrv: the driver's register map agrees with the model") {
    namespace P = drivers::dmac_prog;
    namespace R = models::dmac_regs;
    namespace D = models::dmac_desc;
    CHECK(P::id_value == R::id_value);
    CHECK(P::CAPS == R::CAPS);
    CHECK(P::CAPS_WRITEBACK == R::CAPS_WRITEBACK);
    CHECK(P::channel_base == R::channel_base);
    CHECK(P::channel_stride == R::channel_stride);
    CHECK(P::RING_BASE_LO == R::RING_BASE_LO);
    CHECK(P::RING_BASE_HI == R::RING_BASE_HI);
    CHECK(P::RING_SIZE == R::RING_SIZE);
    CHECK(P::TAIL == R::TAIL);
    CHECK(P::CONTROL == R::CONTROL);
    CHECK(P::STATUS == R::STATUS);
    CHECK(P::IRQ_STATUS == R::IRQ_STATUS);
    CHECK(P::COMPLETED == R::COMPLETED);
    CHECK(P::CONTROL_ENABLE == R::CONTROL_ENABLE);
    CHECK(P::CONTROL_RESET == R::CONTROL_RESET);
    CHECK(P::desc_size == D::size);
    CHECK(P::D_SRC == D::SRC);
    CHECK(P::D_DST == D::DST);
    CHECK(P::D_LEN == D::LEN);
    CHECK(P::D_FLAGS == D::FLAGS);
    CHECK(P::D_STATUS == D::STATUS);
    CHECK(P::FLAG_INTERRUPT == D::FLAG_INTERRUPT);
    CHECK(P::FLAG_LAST == D::FLAG_LAST);
    CHECK(P::DS_DONE == D::STATUS_DONE);
}

namespace {
void fragmented_case(const std::string& timing) {
    drv_options o;
    o.timing = timing;
    drv_system s(o);
    // 6 copies of 300 KiB + 77 B between randomly placed pages: ~75 cookies
    // per side, pieces cut wherever either side's page ends.
    const auto out = run_workload(s, polled(), fragmented(300 * 1024 + 77, 6));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 6);
    CHECK(out.r.failed == 0);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.r.bytes == 6 * (300 * 1024 + 77));
    // Unaligned at different offsets: both sides' page ends cut pieces, so
    // there are up to two descriptors per page (76 pages a side; fewer when
    // random placement happens to put consecutive pages next to each other
    // and the bind merges them into one cookie).
    CHECK(out.st.descriptors >= 6 * 120);
    CHECK(out.st.descriptors <= 6 * 2 * 77);
    CHECK(out.st.copybuf_binds == 0);
    CHECK(s.dma->descriptors() == out.st.descriptors);
    CHECK(out.r.lat_min_ns > 0);
}
} // namespace

TEST_CASE("dmacdrv: LT fragmented memcpy, every byte checked") { fragmented_case("lt"); }

TEST_CASE("dmacdrv: AT fragmented memcpy, every byte checked") { fragmented_case("at"); }

TEST_CASE("dmacdrv: 32-bit controller with buffers above 4 GiB copies through copy buffers") {
    drv_options o;
    o.placement = ddisim::kernel::placement_policy::high_first;
    drv_system s(o);
    auto w = fragmented(200 * 1024 + 5, 3);
    w.placement = "high";
    const auto out = run_workload(s, polled(0xFFFFFFFFull), w);
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 3);
    CHECK(out.r.verify_errors == 0);
    // Both sides of every copy bounce (source: bind syncs FORDEV; destination:
    // the driver's FORCPU sync and the unbind copy back).
    CHECK(out.st.copybuf_binds == 6);
    CHECK(out.st.partial_binds == 0); // 200 KiB fits the 1 MiB + 4 KiB copy buffer
}

TEST_CASE("dmacdrv: a copy larger than the copy buffer is walked window by window") {
    drv_options o;
    o.placement = ddisim::kernel::placement_policy::high_first;
    o.copybuf_max = 64 * 1024; // small copy buffer: many windows
    drv_system s(o);
    auto w = fragmented(300 * 1024 + 11, 2);
    w.placement = "high";
    const auto out = run_workload(s, polled(0xFFFFFFFFull), w);
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 2);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.st.partial_binds == 4);
    // 300 KiB through 64 KiB copy buffers: at least 5 windows per side; the
    // two sides' windows end at different offsets (different in-page
    // offsets), so the walk visits more window pairs than either side has.
    CHECK(out.st.windows >= 2 * 6);
}

TEST_CASE("dmacdrv: PARTIAL_MAP from a small sgllen is walked window by window") {
    drv_options o;
    drv_system s(o);
    auto dc = polled();
    dc.sgllen = 8;
    const auto out = run_workload(s, dc, fragmented(256 * 1024 + 99, 2));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 2);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.st.partial_binds == 4);
    CHECK(out.st.copybuf_binds == 0);
    // ~65 scattered pages per side in windows of 8 cookies: ≥ 9 windows per side.
    CHECK(out.st.windows >= 2 * 9);
}

TEST_CASE("dmacdrv: a copy longer than the ring is submitted in batches") {
    drv_options o;
    drv_system s(o);
    auto dc = polled();
    dc.ring_entries = 16;
    const auto out = run_workload(s, dc, fragmented(128 * 1024 + 1, 1));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.verify_errors == 0);
    // ~60 descriptors through a 16-entry ring, 15 per batch (HEAD == TAIL
    // means empty, so one slot stays free).
    CHECK(out.st.descriptors >= 40);
    CHECK(out.st.batches == (out.st.descriptors + 14) / 15);
}

TEST_CASE("dmacdrv: completion by interrupt wakes the sleeping thread") {
    drv_options o;
    o.with_intc = true;
    drv_system s(o);
    drivers::dmac_drv_config dc; // use_interrupts = true
    const auto out = run_workload(s, dc, fragmented(64 * 1024 + 3, 4));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 4);
    CHECK(out.r.verify_errors == 0);
    // One batch per copy, one interrupt per batch (FLAG_INTERRUPT on its
    // last descriptor), each claimed by the driver's handler.
    CHECK(out.st.batches == 4);
    CHECK(out.st.interrupts == 4);
    CHECK(s.k->intr_stats().claimed == 4);
    CHECK(s.k->intr_stats().unclaimed == 0);
}

TEST_CASE("dmacdrv: AT completion by interrupt, fragmented, every byte checked") {
    drv_options o;
    o.with_intc = true;
    o.timing = "at";
    drv_system s(o);
    drivers::dmac_drv_config dc;
    const auto out = run_workload(s, dc, fragmented(200 * 1024 + 17, 3));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 3);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.st.interrupts == out.st.batches);
}

TEST_CASE("dmacdrv: through the IOMMU, fragmented memcpy, every byte checked (LT)") {
    drv_options o;
    o.with_iommu = true;
    o.with_intc = true;
    drv_system s(o);
    drivers::dmac_drv_config dc;
    const auto out = run_workload(s, dc, fragmented(300 * 1024 + 77, 4));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 4);
    CHECK(out.r.verify_errors == 0);
    // One DVMA range per bind: one cookie a side, one descriptor per copy.
    CHECK(out.st.descriptors == 4);
    CHECK(out.st.copybuf_binds == 0);
    CHECK(s.mmu_drv->stats().entries_written > 0);
}

TEST_CASE("dmacdrv: 32-bit controller with buffers above 4 GiB through the IOMMU uses no copy buffer") {
    drv_options o;
    o.with_iommu = true;
    o.placement = ddisim::kernel::placement_policy::high_first;
    drv_system s(o);
    auto w = fragmented(200 * 1024 + 5, 3);
    w.placement = "high";
    const auto out = run_workload(s, polled(0xFFFFFFFFull), w);
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 3);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.st.copybuf_binds == 0);
    CHECK(out.st.partial_binds == 0);
    CHECK(out.st.descriptors == 3);
}

TEST_CASE("dmacdrv: through the IOMMU in AT, fragmented memcpy, every byte checked") {
    drv_options o;
    o.with_iommu = true;
    o.with_intc = true;
    o.timing = "at";
    drv_system s(o);
    drivers::dmac_drv_config dc;
    const auto out = run_workload(s, dc, fragmented(256 * 1024 + 1, 3));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 3);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.st.copybuf_binds == 0);
}

// A controller built without status write-back (platform.dmac.writeback
// false) says so in CAPS; the driver then takes completion from COMPLETED
// and failure from STATUS.ERROR instead of the descriptors' status words
// (which stay as software wrote them).
TEST_CASE("dmacdrv: a controller without status write-back - copies complete, every byte checked") {
    drv_options o;
    o.with_intc = true;
    o.dmac.writeback = false;
    drv_system s(o);
    const auto out = run_workload(s, drivers::dmac_drv_config{}, fragmented(100 * 1024 + 9, 4));
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.failed == 0);
    CHECK(out.r.copies == 4);
    CHECK(out.r.verify_errors == 0);
    CHECK(out.st.errors == 0);
    CHECK(out.st.descriptors == s.dma->descriptors());
}

TEST_CASE("dmacdrv: without status write-back a job the controller fails is still reported") {
    drv_options o;
    o.with_intc = true;
    o.with_iommu = true;
    o.unmap = ddisim::kernel::iommu_unmap_policy::strict; // the stale descriptor faults
    o.dmac.writeback = false;
    drv_system s(o);
    auto w = fragmented(16 * 1024, 3);
    w.inject = "dma_after_unbind";
    const auto out = run_workload(s, drivers::dmac_drv_config{}, w);
    INFO(out.r.describe());
    REQUIRE(out.attach_rc == DDI_SUCCESS);
    CHECK(out.r.copies == 3);
    CHECK(out.r.verify_errors == 0);
    REQUIRE(out.r.injected == 3);
    CHECK(out.st.injected_errors == 3);
    CHECK(out.r.device_errors == 3);
    CHECK(out.last_error == ddisim::models::dmac_desc::write_error);
}
