// A driver-like workload: 400 random reads and writes at queue depth 16 over
// two targets (SSD and RAM disk), random fragmented SGLs (inline + one or two
// chain segments), both rings wrapping many times, replies consumed in
// batches under count + time coalescing. Every read is checked against a
// shadow copy of the media. Each in-flight tag owns its own LBA region and
// buffers, so the expected data never depends on completion order.
#include "hba_fixture.h"

#include <deque>

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

TEST_CASE("hba: 400 random reads and writes at queue depth 16 over two targets keep the data intact") {
    constexpr unsigned depth = 16, total = 400, region_blocks = 64;
    constexpr std::uint64_t buf_base = 0x100'0000, buf_stride = 0x2'0000, seg_base = 0x80'0000, seg_stride = 0x1000;
    models::hba_config cfg;
    models::disk_config ssd = ram_disk();
    ssd.kind = "ssd";
    ssd.serial = "SSD0000001";
    cfg.targets = {ssd, ram_disk()};
    cfg.coalesce_count = 4;
    cfg.coalesce_time = 5000000; // 5 us
    hba_system s(cfg);

    struct slot {
        bool write = false;
        std::uint8_t target = 0;
        std::uint32_t lba = 0, blocks = 0;
        std::vector<std::pair<std::uint64_t, std::uint32_t>> frags;
        unsigned seq = 0;
    };
    std::vector<slot> slots(depth);
    std::vector<std::vector<std::uint8_t>> shadow(2, std::vector<std::uint8_t>(depth * region_blocks * 512, 0));
    unsigned done = 0, bad_status = 0, mismatches = 0, reordered = 0, interrupts = 0, max_seen_in_flight = 0;
    std::mt19937 g(2024);

    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        std::deque<unsigned> free_tags;
        for (unsigned t = 0; t < depth; ++t) free_tags.push_back(t);
        std::uint32_t pi = 0, ci = 0;
        unsigned issued = 0, last_seq = 0;
        while (done < total) {
            bool rang = false;
            while (!free_tags.empty() && issued < total) {
                const unsigned tag = free_tags.front();
                free_tags.pop_front();
                slot& sl = slots[tag];
                sl.write = g() % 2;
                sl.target = std::uint8_t(g() % 2);
                sl.blocks = 1 + g() % 16;
                sl.lba = tag * region_blocks + g() % (region_blocks - sl.blocks + 1);
                sl.seq = issued;
                // Fragments: random split of the transfer over the tag's buffer area.
                const std::uint32_t len = sl.blocks * 512;
                sl.frags.clear();
                std::uint64_t at = buf_base + tag * buf_stride + g() % 64;
                for (std::uint32_t left = len; left;) {
                    std::uint32_t n = std::min<std::uint32_t>(left, 1 + g() % 2500);
                    if (sl.frags.size() == 9) n = left; // at most 10 fragments
                    sl.frags.emplace_back(at, n);
                    at += n + g() % 100;
                    left -= n;
                }
                request r;
                r.tag = tag;
                r.target = sl.target;
                r.dir = sl.write ? F::DIR_OUT : F::DIR_IN;
                r.cdb = sl.write ? write10(sl.lba, std::uint16_t(sl.blocks)) : read10(sl.lba, std::uint16_t(sl.blocks));
                r.data_len = len;
                const std::size_t ninl = std::min<std::size_t>(sl.frags.size(), g() % 5);
                r.inline_sgl.assign(sl.frags.begin(), sl.frags.begin() + std::ptrdiff_t(ninl));
                std::vector<std::pair<std::uint64_t, std::uint32_t>> rest(sl.frags.begin() + std::ptrdiff_t(ninl), sl.frags.end());
                const std::uint64_t seg = seg_base + tag * seg_stride;
                if (!rest.empty()) {
                    r.chain_addr = seg;
                    if (rest.size() > 3) { // two segments: 3 entries + CHAIN, then the rest
                        std::vector<std::pair<std::uint64_t, std::uint32_t>> a(rest.begin(), rest.begin() + 3), b(rest.begin() + 3, rest.end());
                        s.put_segment(seg, a, seg + 0x800, std::uint32_t(b.size()));
                        s.put_segment(seg + 0x800, b);
                        r.chain_count = 4;
                    } else {
                        s.put_segment(seg, rest);
                        r.chain_count = std::uint16_t(rest.size());
                    }
                }
                if (sl.write) {
                    std::uint64_t off = 0;
                    auto& sh = shadow[sl.target];
                    for (const auto& [a, n] : sl.frags) {
                        for (std::uint32_t k = 0; k < n; ++k) {
                            const auto v = std::uint8_t(g());
                            s.m(a)[k] = v;
                            sh[sl.lba * 512ull + off + k] = v;
                        }
                        off += n;
                    }
                } else {
                    for (const auto& [a, n] : sl.frags) std::memset(s.m(a), 0xEE, n);
                }
                s.put_frame(pi, r);
                pi = (pi + 1) % ring_size;
                ++issued;
                rang = true;
                max_seen_in_flight = std::max(max_seen_in_flight, unsigned(depth - free_tags.size()));
            }
            if (rang) p.wr(R::REQ_PI, pi);
            // Wait for an interrupt, then consume every posted reply.
            if (!s.irq.read()) wait(sc_time(50, SC_MS), s.irq.posedge_event());
            if (!s.irq.read()) break; // stuck: the checks below fail
            ++interrupts;
            p.wr(R::IRQ_STATUS, R::IRQ_REPLY);
            const std::uint32_t rpi = p.rd(R::RPL_PI);
            while (ci != rpi) {
                const reply rp = s.get_reply(ci);
                ci = (ci + 1) % ring_size;
                if (rp.tag >= depth) {
                    ++bad_status;
                    continue;
                }
                slot& sl = slots[rp.tag];
                if (rp.host_status != P::ok || rp.scsi_status != 0 || rp.residual != 0 || rp.transferred != sl.blocks * 512)
                    ++bad_status;
                if (!sl.write) {
                    std::uint64_t off = 0;
                    const auto& sh = shadow[sl.target];
                    for (const auto& [a, n] : sl.frags) {
                        if (std::memcmp(s.m(a), sh.data() + sl.lba * 512ull + off, n) != 0) ++mismatches;
                        off += n;
                    }
                }
                if (sl.seq < last_seq) ++reordered;
                last_seq = std::max(last_seq, sl.seq);
                free_tags.push_back(rp.tag);
                ++done;
            }
            p.wr(R::RPL_CI, ci);
        }
    };
    s.run();
    CHECK(done == total);
    CHECK(bad_status == 0);
    CHECK(mismatches == 0);
    CHECK(reordered > 0);                // completions overtook earlier submissions
    CHECK(max_seen_in_flight == depth);
    CHECK(s.hba->commands() == total);
    CHECK(s.hba->interrupts() < total);  // coalescing merged replies
    CHECK(s.hba->interrupts() + s.hba->coalesced() == total);
    // The media agree with the shadow copies.
    for (unsigned t = 0; t < 2; ++t) {
        std::vector<std::uint8_t> m(shadow[t].size());
        REQUIRE(s.hba->port(t).target().store().read(0, m));
        CHECK(m == shadow[t]);
    }
}
