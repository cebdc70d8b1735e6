// The storage stack end to end: sd → SCSA → hba_drv → DDI binds → the
// modelled HBA and disks (storage_fixture.h). Each TEST_CASE builds one
// design (own process through ctest). The random verify workload keeps 32
// bufs in flight over two targets and checks every read against a shadow
// copy of the medium; the variants change the DMA path (IOMMU strict /
// deferred, no IOMMU with a 32-bit data path and buffers above 4 GiB, a
// small sgllen that forces windows) or inject faults (medium errors, BUSY /
// TASK SET FULL, target resets).
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include <cstdio>
#include <fstream>

#include "storage_checks.h"
#include "sw/scsi/scsa.h"

namespace models = ddisim::models;
namespace drivers = ddisim::drivers;
using namespace ddisim::test;
using namespace sc_core;

TEST_CASE("storage: the driver's register map agrees with the model") {
    namespace P = drivers::hba_prog;
    namespace R = models::hba_regs;
    namespace F = models::hba_frame;
    namespace Y = models::hba_reply;
    CHECK(P::id_value == R::id_value);
    CHECK(P::TARGETS == R::TARGETS);
    CHECK(P::CAPS == R::CAPS);
    CHECK(P::TARGET_QD == R::TARGET_QD);
    CHECK(P::MAX_SGL == R::MAX_SGL);
    CHECK(P::MAX_XFER == R::MAX_XFER);
    CHECK(P::CONTROL == R::CONTROL);
    CHECK(P::STATUS == R::STATUS);
    CHECK(P::RESET == R::RESET);
    CHECK(P::IRQ_STATUS == R::IRQ_STATUS);
    CHECK(P::IRQ_MASK == R::IRQ_MASK);
    CHECK(P::COALESCE_COUNT == R::COALESCE_COUNT);
    CHECK(P::COALESCE_TIME == R::COALESCE_TIME);
    CHECK(P::REQ_BASE_LO == R::REQ_BASE_LO);
    CHECK(P::REQ_BASE_HI == R::REQ_BASE_HI);
    CHECK(P::REQ_SIZE == R::REQ_SIZE);
    CHECK(P::REQ_PI == R::REQ_PI);
    CHECK(P::REQ_CI == R::REQ_CI);
    CHECK(P::RPL_BASE_LO == R::RPL_BASE_LO);
    CHECK(P::RPL_BASE_HI == R::RPL_BASE_HI);
    CHECK(P::RPL_SIZE == R::RPL_SIZE);
    CHECK(P::RPL_PI == R::RPL_PI);
    CHECK(P::RPL_CI == R::RPL_CI);
    CHECK(P::CONTROL_ENABLE == R::CONTROL_ENABLE);
    CHECK(P::RST_HBA == R::RESET_HBA);
#pragma push_macro("RESET_TARGET")
#undef RESET_TARGET
    CHECK(P::RST_TARGET == R::RESET_TARGET);
#pragma pop_macro("RESET_TARGET")
    CHECK(P::IRQ_REPLY == R::IRQ_REPLY);
    CHECK(P::IRQ_FAULT == R::IRQ_FAULT);
    CHECK(P::frame_size == F::size);
    CHECK(P::inline_sgl == F::inline_sgl);
    CHECK(P::sgl_entry == F::sgl_entry);
    CHECK(P::F_TAG == F::TAG);
    CHECK(P::F_TARGET == F::TARGET);
    CHECK(P::F_DIR == F::DIR);
    CHECK(P::F_CDB_LEN == F::CDB_LEN);
    CHECK(P::F_FLAGS == F::FLAGS);
    CHECK(P::F_LUN == F::LUN);
    CHECK(P::F_DATA_LEN == F::DATA_LEN);
    CHECK(P::F_CDB == F::CDB);
    CHECK(P::F_SENSE_ADDR == F::SENSE_ADDR);
    CHECK(P::F_SENSE_LEN == F::SENSE_LEN);
    CHECK(P::F_SGL_INLINE == F::SGL_INLINE);
    CHECK(P::F_CHAIN_COUNT == F::CHAIN_COUNT);
    CHECK(P::F_CHAIN_ADDR == F::CHAIN_ADDR);
    CHECK(P::F_SGL == F::SGL);
    CHECK(P::DIR_IN == F::DIR_IN);
    CHECK(P::DIR_OUT == F::DIR_OUT);
    CHECK(P::SGL_CHAIN == F::SGL_CHAIN);
    CHECK(P::reply_size == Y::size);
    CHECK(P::sense_max == Y::sense_max);
    CHECK(P::R_TAG == Y::TAG);
    CHECK(P::R_SCSI_STATUS == Y::SCSI_STATUS);
    CHECK(P::R_HOST_STATUS == Y::HOST_STATUS);
    CHECK(P::R_SENSE_LEN == Y::SENSE_LEN);
    CHECK(P::R_FLAGS == Y::FLAGS);
    CHECK(P::R_RESIDUAL == Y::RESIDUAL);
    CHECK(P::R_TRANSFERRED == Y::TRANSFERRED);
    CHECK(P::R_SENSE == Y::SENSE);
    CHECK(P::R_TARGET == Y::TARGET);
    CHECK(unsigned(P::HS_RESET) == unsigned(Y::reset));
    CHECK(unsigned(P::HS_DMA_ERROR) == unsigned(Y::dma_error));
    CHECK(unsigned(P::HS_NO_TARGET) == unsigned(Y::no_target));
}

TEST_CASE("storage: attach finds both targets, their identity and capacity") {
    st_options o;
    o.hba.targets = {ssd_disk(24ull << 20, 512), ram_disk(16ull << 20, 4096)};
    o.hba.targets[0].faults.power_on_unit_attention = true; // TEST UNIT READY sees it first
    st_system s(o);
    verify_options vo;
    vo.ios = 200;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    REQUIRE(r.capacity.size() == 2);
    CHECK(r.capacity[0] == (24ull << 20) / 512);
    CHECK(r.block[0] == 512);
    CHECK(r.capacity[1] == (16ull << 20) / 4096);
    CHECK(r.block[1] == 4096);
    CHECK(r.vendor[0] == "DDISIM/VIRTUAL DISK");
    CHECK(r.hba_tags == 255); // min(CAPS queue depth 256, request ring 256 − 1)
    CHECK(r.hba_stats.chained > 0);
    CHECK(r.hba_stats.interrupts > 0);
}

// ---------------------------------------------------------------- random verify variants
// I/O counts: 20000 + 20000 + 3000 + 20000 + 12000 + 15000 + 15000 =
// 105,000 random reads and writes, every read compared byte for byte with
// the shadow copy (plus 200 in the attach test).

TEST_CASE("storage: 20000 random reads and writes verify through the IOMMU with strict unmap") {
    st_options o;
    o.with_iommu = true;
    o.unmap = ddisim::kernel::iommu_unmap_policy::strict;
    st_system s(o);
    verify_options vo;
    vo.ios = 20000;
    vo.seed = 11;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    CHECK(s.mmu_drv != nullptr);
}

TEST_CASE("storage: 20000 random reads and writes verify through the IOMMU with deferred unmap") {
    st_options o;
    o.with_iommu = true;
    o.unmap = ddisim::kernel::iommu_unmap_policy::deferred;
    st_system s(o);
    verify_options vo;
    vo.ios = 20000;
    vo.seed = 12;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
}

TEST_CASE("storage: a 32-bit data path and buffers above 4 GiB verify through copy buffers") {
    st_options o;
    st_system s(o);
    drivers::hba_drv_config hc;
    hc.data_addr_hi = 0xFFFFFFFFull;
    verify_options vo;
    vo.ios = 3000; // copy-buffer binds are slow to simulate (every byte copied by the CPU model)
    vo.seed = 13;
    vo.high_buffers = true;
    const auto r = run_verify_now(s, hc, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(r.high_buffer_pages > 0);
    CHECK(r.low_buffer_pages == 0); // every data byte went through a copy buffer
}

TEST_CASE("storage: a small sgllen forces PARTIAL windows that sd walks") {
    st_options o;
    st_system s(o);
    drivers::hba_drv_config hc;
    hc.sgllen = 3; // 3 cookies per window: 12 KiB at most with scattered pages
    verify_options vo;
    vo.ios = 20000;
    vo.seed = 14;
    vo.small_fraction = 0.3;
    const auto r = run_verify_now(s, hc, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::windows) > 1000);
    CHECK(r.hba_stats.chained == 0); // never more than the inline entries
}

TEST_CASE("storage: bufs above the HBA's max transfer are broken up by sd and verify through the IOMMU") {
    // The IOMMU path has no PARTIAL windows (spec §8.9): a bind above the
    // HBA's 16 KiB maxxfer fails NOMAPPING. sd takes dma-max as its largest
    // transfer and moves bigger bufs (up to 128 KiB here) in 16 KiB chunks.
    st_options o;
    o.with_iommu = true;
    o.hba.max_transfer = 16 * 1024;
    st_system s(o);
    verify_options vo;
    vo.ios = 3000;
    vo.seed = 21;
    vo.max_blocks = 256;
    vo.small_fraction = 0.2;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    const std::uint64_t chunks = sd_total(r, &drivers::sd::stats::chunks);
    CHECK(chunks > 1000);
    // every chunk was one more command, nothing else was
    CHECK(sd_total(r, &drivers::sd::stats::commands) ==
          vo.ios + chunks + sd_total(r, &drivers::sd::stats::windows) + sd_total(r, &drivers::sd::stats::retries));
    CHECK(sd_total(r, &drivers::sd::stats::windows) == 0);
}

TEST_CASE("storage: broken-up bufs move the right bytes: virtual, page-list (B_PAGEIO) and shadow-page (B_SHADOW)") {
    st_options o; // random placement: a buf's pages are scattered in physical memory
    st_system s(o);
    constexpr std::size_t len = 64 * 1024, off = 300, pages = 17;
    int hrc = -100, src = -100, werr = -1, perr = -1, serr = -1;
    bool pageio_ok = false, shadow_ok = false;
    std::uint64_t chunks = 0, max_xfer = 0;
    s.sw->body = [&] {
        std::unique_ptr<drivers::hba_drv> h;
        if ((hrc = drivers::hba_drv::attach(s.dip, drivers::hba_drv_config{}, h)) != DDI_SUCCESS) return;
        drivers::sd_config sc;
        sc.max_xfer = 8 * 1024 + 100; // rounded down to whole blocks: 8 KiB
        std::unique_ptr<drivers::sd> d;
        if ((src = drivers::sd::attach(h->device(1), sc, d)) != DDI_SUCCESS) return;
        max_xfer = d->max_xfer();
        caddr_t v = s.k->kmem_alloc_pages(pages), w = s.k->kmem_alloc_pages(pages), z = s.k->kmem_alloc_pages(pages);
        std::uint64_t seed = 5;
        for (std::size_t i = 0; i < len; i += 8) {
            const std::uint64_t x = ddisim::tlm::splitmix64(seed);
            std::memcpy(v + off + i, &x, 8);
        }
        werr = d->rw(true, 100, v + off, len); // virtual, in chunks
        auto page_addrs = [&](caddr_t base) {
            std::vector<std::uint64_t> pa(pages);
            for (std::size_t i = 0; i < pages; ++i) REQUIRE(s.k->kva_to_pa(base + i * 4096, pa[i]));
            return pa;
        };
        // read back through a page list
        std::memset(w, 0, pages * 4096);
        struct buf b {};
        b.b_flags = B_READ | B_PAGEIO;
        b.b_un.b_addr = reinterpret_cast<caddr_t>(off);
        b.b_bcount = len;
        b.b_lblkno = 100;
        b.b_pages = s.k->make_page_list(page_addrs(w));
        (void)d->strategy(&b);
        perr = d->biowait(&b);
        pageio_ok = std::memcmp(w + off, v + off, len) == 0;
        // and through a shadow page array
        std::memset(z, 0, pages * 4096);
        page_t* list = s.k->make_page_list(page_addrs(z));
        std::vector<page_t*> shadow;
        for (std::size_t i = 0; i < pages; ++i, list = list->p_next) shadow.push_back(list);
        b = buf{};
        b.b_flags = B_READ | B_SHADOW;
        b.b_un.b_addr = z + off;
        b.b_bcount = len;
        b.b_lblkno = 100;
        b.b_shadow = shadow.data();
        (void)d->strategy(&b);
        serr = d->biowait(&b);
        shadow_ok = std::memcmp(z + off, v + off, len) == 0;
        chunks = d->statistics().chunks;
        for (caddr_t p : {v, w, z}) s.k->kmem_free_pages(p);
    };
    sc_start();
    REQUIRE(hrc == DDI_SUCCESS);
    REQUIRE(src == DDI_SUCCESS);
    CHECK(max_xfer == 8 * 1024);
    CHECK(werr == 0);
    CHECK(perr == 0);
    CHECK(serr == 0);
    CHECK(pageio_ok);
    CHECK(shadow_ok);
    CHECK(chunks == 3 * 7); // three bufs of 8 chunks
}

namespace {
// Small media, so that random bufs hit the bad LBAs often: unreadable runs
// at 1000 (4 blocks) and 3000 on the SSD, one block at ram_bad on the RAM
// disk; vo.bad tells the verify workload.
st_options small_media_with_bad_blocks(std::uint64_t ram_bad, verify_options& vo) {
    st_options o;
    o.hba.targets = {ssd_disk(2ull << 20), ram_disk(1ull << 20)};
    o.hba.targets[0].faults.medium_errors = {{1000, 4, false}, {3000, 1, false}};
    o.hba.targets[1].faults.medium_errors = {{ram_bad, 1, false}};
    vo.bad = {{{1000, 4}, {3000, 1}}, {{ram_bad, 1}}};
    return o;
}
} // namespace

TEST_CASE("storage: a medium error in a later chunk reports the chunks before it as moved") {
    verify_options vo;
    st_system s(small_media_with_bad_blocks(700, vo));
    vo.ios = 6000;
    vo.seed = 22;
    vo.depth = 16;
    vo.max_blocks = 128;
    vo.small_fraction = 0.2;
    drivers::sd_config sc;
    sc.max_xfer = 8 * 1024; // 16 blocks per command
    sc.medium_retries = 1;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, sc, vo);
    check_clean(r, vo.ios); // missed_errors 0: each failed read's moved bytes end before its first bad block and match
    CHECK(r.expected_errors > 20);
    CHECK(r.bad_lba_reports == 0);
    CHECK(sd_total(r, &drivers::sd::stats::chunks) > 1000);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == r.expected_errors);
    // some failed bufs had good chunks before the bad one
    std::uint64_t partial = 0;
    for (auto& v : r.sd_errors)
        for (auto& e : v) partial += e.lba >= e.blkno + 16;
    CHECK(partial > 5);
}

TEST_CASE("storage: medium errors fail only the bufs over the bad LBAs with EIO and the LBA") {
    verify_options vo;
    st_system s(small_media_with_bad_blocks(7, vo));
    vo.ios = 12000;
    vo.seed = 15;
    vo.depth = 16;
    drivers::sd_config sc;
    sc.medium_retries = 2;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, sc, vo);
    check_clean(r, vo.ios);
    CHECK(r.expected_errors > 20);
    CHECK(r.bad_lba_reports == 0); // every error record names a bad LBA inside its buf
    const std::uint64_t errs = sd_total(r, &drivers::sd::stats::errors);
    CHECK(errs == r.expected_errors);
    // each failed buf: one try plus medium_retries retries
    CHECK(sd_total(r, &drivers::sd::stats::medium_retries) == 2 * errs);
    for (auto& v : r.sd_errors)
        for (auto& e : v) {
            CHECK(e.key == KEY_MEDIUM_ERROR);
            CHECK(e.asc == 0x11);
            CHECK(e.error == EIO);
            CHECK_FALSE(e.write);
        }
}

TEST_CASE("storage: an attach meeting BUSY and I/O meeting random BUSY and TASK SET FULL complete without an error") {
    st_options o;
    o.hba.targets = {ssd_disk()};
    // every command in the first 150 us is refused: the attach's TEST UNIT
    // READY meets BUSY and scsi_poll tries it again 10 ms later
    o.hba.targets[0].faults.busy_windows = {{0, 150000000ull, "busy"}};
    o.hba.targets[0].faults.busy_probability = 0.2;
    o.hba.targets[0].faults.task_set_full_probability = 0.1;
    st_system s(o);
    verify_options vo;
    vo.ios = 3000;
    vo.seed = 23;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    CHECK(sd_total(r, &drivers::sd::stats::busy_retries) > 400);
    CHECK(sd_total(r, &drivers::sd::stats::qfull_retries) > 150);
    // the I/O's BUSY replies are sd's retries; the attach's are scsi_poll's
    CHECK(r.hba_stats.busy > sd_total(r, &drivers::sd::stats::busy_retries));
    CHECK(r.hba_stats.busy <= sd_total(r, &drivers::sd::stats::busy_retries) + 3);
}

TEST_CASE("storage: BUSY and TASK SET FULL are retried transparently") {
    st_options o;
    o.hba.target_queue_depth = 4; // the HBA refuses beyond 4 per target: TASK SET FULL
    o.hba.targets[0].faults.busy_every = 13;
    o.hba.targets[1].faults.task_set_full_every = 11;
    o.hba.targets[1].faults.busy_windows = {{2000000000ull, 2100000000ull, "busy"}}; // 2.0–2.1 ms
    st_system s(o);
    verify_options vo;
    vo.ios = 15000;
    vo.seed = 16;
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    CHECK(sd_total(r, &drivers::sd::stats::busy_retries) > 100);
    CHECK(sd_total(r, &drivers::sd::stats::qfull_retries) > 100);
    CHECK(r.hba_stats.qfull == sd_total(r, &drivers::sd::stats::qfull_retries));
    CHECK(r.hba_stats.busy == sd_total(r, &drivers::sd::stats::busy_retries));
}

TEST_CASE("storage: target resets mid-run are recovered without losing data") {
    st_options o;
    o.hba.targets[1].faults.reset_at = 3000000000ull; // the disk resets itself at 3 ms: UNIT ATTENTION
    st_system s(o);
    verify_options vo;
    vo.ios = 15000;
    vo.seed = 17;
    std::vector<std::uint64_t> in_flight_at_reset;
    vo.hook = [&](std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>& disks, drivers::hba_drv&) {
        if (done == 4000 || done == 8000) { // scsi_reset with 32 bufs in flight
            in_flight_at_reset.push_back(disks[0]->in_flight());
            (void)scsi_reset(&disks[0]->device()->sd_address, RESET_TARGET);
        }
    };
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    REQUIRE(in_flight_at_reset.size() == 2);
    CHECK(in_flight_at_reset[0] > 0);
    CHECK(r.hba_stats.target_resets == 2);
    CHECK(r.hba_stats.resets > 0);                                    // commands ended CMD_RESET
    CHECK(sd_total(r, &drivers::sd::stats::reset_retries) == r.hba_stats.resets);
    CHECK(r.sd_stats[0].ua_retries >= 2);                             // UNIT ATTENTION after each reset
    CHECK(r.sd_stats[1].ua_retries >= 1);                             // the disk's own reset
}

TEST_CASE("storage: a raw image's blocks read back through the stack byte for byte") {
    const std::string path = std::string(DDISIM_BINARY_DIR) + "/storage_image_test.img";
    const std::size_t size = 4u << 20;
    std::vector<std::uint8_t> img(size);
    std::uint64_t seed = 99;
    for (std::size_t i = 0; i < size; i += 8) {
        const std::uint64_t v = ddisim::tlm::splitmix64(seed);
        std::memcpy(&img[i], &v, 8);
    }
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(img.data()), std::streamsize(size));
    }
    st_options o;
    o.hba.targets = {ram_disk(0)};
    o.hba.targets[0].image = path;
    st_system s(o);
    int hrc = -100, src = -100, mismatches = -1;
    std::uint64_t cap = 0, bytes = 0;
    s.sw->body = [&] {
        std::unique_ptr<drivers::hba_drv> h;
        if ((hrc = drivers::hba_drv::attach(s.dip, drivers::hba_drv_config{}, h)) != DDI_SUCCESS) return;
        std::unique_ptr<drivers::sd> d;
        if ((src = drivers::sd::attach(h->device(0), drivers::sd_config{}, d)) != DDI_SUCCESS) return;
        cap = d->capacity_blocks() * d->block_size();
        caddr_t b = s.k->kmem_alloc_pages(64);
        mismatches = 0;
        // reads of 1..128 blocks back to back over the whole image
        std::uint64_t lba = 0, n = 1;
        while (lba < d->capacity_blocks()) {
            const std::uint64_t cnt = std::min<std::uint64_t>(n, d->capacity_blocks() - lba);
            std::size_t resid = 1;
            const int e = d->rw(false, lba, b + 100, cnt * 512, &resid);
            if (e || resid || std::memcmp(b + 100, &img[lba * 512], cnt * 512) != 0) ++mismatches;
            bytes += cnt * 512;
            lba += cnt;
            n = n % 128 + 7;
        }
        s.k->kmem_free_pages(b);
    };
    sc_start();
    std::remove(path.c_str());
    REQUIRE(hrc == DDI_SUCCESS);
    REQUIRE(src == DDI_SUCCESS);
    CHECK(cap == size);
    CHECK(bytes == size);
    CHECK(mismatches == 0);
}

TEST_CASE("storage: a bus reset (RESET_ALL) mid-run completes every command CMD_RESET and sd retries them") {
    st_options o;
    st_system s(o);
    verify_options vo;
    vo.ios = 5000;
    vo.seed = 18;
    unsigned out_at_reset = 0;
    vo.hook = [&](std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>&, drivers::hba_drv& h) {
        if (done == 2500) {
            out_at_reset = h.outstanding();
            (void)scsi_reset(&h.device(0)->sd_address, RESET_ALL);
        }
    };
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    CHECK(out_at_reset > 0);
    CHECK(r.hba_stats.bus_resets == 1);
    CHECK(r.hba_stats.resets == out_at_reset); // exactly the commands the HBA dropped
    CHECK(sd_total(r, &drivers::sd::stats::reset_retries) == out_at_reset);
}

TEST_CASE("storage: bus resets while the interrupt thread walks the reply ring leave no stale walk behind") {
    // Every bus access may yield (no quantum), so a reset from a job thread
    // can come while the interrupt thread is between reading RPL_PI and
    // writing RPL_CI. The reset must wait for that walk: had the walk gone on
    // in the freshly programmed ring it would take stale replies for new
    // commands (stray replies, commands completed before they ran) and write
    // the old RPL_CI into the HBA.
    st_options o;
    o.hba.register_latency = 20'000'000; // 20 us a register access: a long walk
    st_system s(o);
    verify_options vo;
    vo.ios = 6000;
    vo.seed = 31;
    unsigned resets = 0;
    vo.hook = [&](std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>&, drivers::hba_drv& h) {
        if (done % 97 == 0 && done / 97 > resets && h.outstanding() > 0) {
            ++resets;
            (void)scsi_reset(&h.device(0)->sd_address, RESET_ALL);
        }
    };
    const auto r = run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
    check_clean(r, vo.ios);
    CHECK(resets > 30);
    CHECK(r.hba_stats.bus_resets == resets);
    std::size_t stray = 0;
    for (const auto& d : s.k->diagnostics()) stray += d.id == "hba-stray-reply";
    CHECK(stray == 0);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
}

namespace {
// FLAG_NOINTR from interrupt context: packet A's pkt_comp (run by the HBA's
// interrupt handler) transports packet B with FLAG_NOINTR; the HBA driver
// must poll B to completion inside tran_start, without calling B's pkt_comp.
struct nointr_probe {
    struct scsi_pkt* b = nullptr;
    int rc = -100;
    bool b_comp_called = false, a_done = false;
    uchar_t b_reason = 0xFF, b_status = 0xFF;
    ddisim::kernel::kcondvar* cv = nullptr;
};
nointr_probe probe;
void b_comp(struct scsi_pkt*) { probe.b_comp_called = true; }
void a_comp(struct scsi_pkt*) {
    probe.rc = scsi_transport(probe.b);
    probe.b_reason = probe.b->pkt_reason;
    probe.b_status = probe.b->pkt_scbp[0];
    probe.a_done = true;
    probe.cv->broadcast();
}
} // namespace

TEST_CASE("storage: a FLAG_NOINTR packet from interrupt context is polled by the HBA driver") {
    st_options o;
    st_system s(o);
    int hrc = -100;
    drivers::hba_drv::stats st;
    s.sw->body = [&] {
        std::unique_ptr<drivers::hba_drv> h;
        if ((hrc = drivers::hba_drv::attach(s.dip, drivers::hba_drv_config{}, h)) != DDI_SUCCESS) return;
        ddisim::kernel::kcondvar cv(*s.k);
        probe.cv = &cv;
        auto* ap = &h->device(1)->sd_address;
        struct scsi_pkt* a = scsi_init_pkt(ap, nullptr, nullptr, CDB_GROUP0, sizeof(struct scsi_arq_status), 0, 0,
                                           SLEEP_FUNC, nullptr);
        probe.b = scsi_init_pkt(ap, nullptr, nullptr, CDB_GROUP0, sizeof(struct scsi_arq_status), 0, 0, SLEEP_FUNC,
                                nullptr);
        a->pkt_cdbp[0] = SCMD_TEST_UNIT_READY;
        probe.b->pkt_cdbp[0] = SCMD_TEST_UNIT_READY;
        a->pkt_comp = &a_comp;
        probe.b->pkt_comp = &b_comp;
        probe.b->pkt_flags = FLAG_NOINTR;
        probe.b->pkt_time = 1;
        if (scsi_transport(a) == TRAN_ACCEPT) cv.wait_until([] { return probe.a_done; });
        st = h->statistics();
        scsi_destroy_pkt(a);
        scsi_destroy_pkt(probe.b);
    };
    sc_start();
    REQUIRE(hrc == DDI_SUCCESS);
    CHECK(probe.a_done);
    CHECK(probe.rc == TRAN_ACCEPT);
    CHECK(probe.b_reason == CMD_CMPLT);
    CHECK(probe.b_status == STATUS_GOOD);
    CHECK_FALSE(probe.b_comp_called);
    CHECK(st.polled == 1);
    CHECK(st.completions == 2);
}

// Interrupt context belongs to a thread: while the interrupt handler (here a
// thread standing in for it) is inside its interrupt_scope and yields on the
// bus, another thread's FLAG_NOINTR packet is still a thread's: SCSA waits
// for its completion instead of having the HBA driver poll it.
TEST_CASE("storage: another thread's FLAG_NOINTR packet sleeps while a handler is in interrupt context") {
    st_options o;
    st_system s(o);
    int hrc = -100, rc = -100;
    bool in_scope = false, handler_done = false;
    uchar_t reason = 0xFF, status = 0xFF;
    drivers::hba_drv::stats st;
    s.sw->body = [&] {
        std::unique_ptr<drivers::hba_drv> h;
        if ((hrc = drivers::hba_drv::attach(s.dip, drivers::hba_drv_config{}, h)) != DDI_SUCCESS) return;
        sc_core::sc_event handler_end;
        sc_core::sc_spawn([&] {
            ddisim::scsa::interrupt_scope scope(*s.k);
            in_scope = true;
            s.k->delay_ns(200000); // 200 us inside the scope, yielding
            in_scope = false;
            handler_done = true;
            handler_end.notify();
        });
        s.k->delay_ns(10000);
        REQUIRE(in_scope);
        auto* ap = &h->device(1)->sd_address;
        struct scsi_pkt* b = scsi_init_pkt(ap, nullptr, nullptr, CDB_GROUP0, sizeof(struct scsi_arq_status), 0, 0,
                                           SLEEP_FUNC, nullptr);
        b->pkt_cdbp[0] = SCMD_TEST_UNIT_READY;
        b->pkt_comp = [](struct scsi_pkt*) {};
        b->pkt_flags = FLAG_NOINTR;
        b->pkt_time = 1;
        rc = scsi_transport(b);
        reason = b->pkt_reason;
        status = b->pkt_scbp[0];
        st = h->statistics();
        REQUIRE(in_scope); // it completed while the other thread was still in interrupt context
        scsi_destroy_pkt(b);
        if (!handler_done) sc_core::wait(handler_end);
    };
    sc_start();
    REQUIRE(hrc == DDI_SUCCESS);
    CHECK(rc == TRAN_ACCEPT);
    CHECK(reason == CMD_CMPLT);
    CHECK(status == STATUS_GOOD);
    CHECK(st.polled == 0); // not polled by the HBA driver
    CHECK(st.completions == 1);
}
