// IOMMU plain-C++ parts: the set-associative LRU cache, the IOTLB, the
// page-walk cache and the page-table formats / reference walker. No SystemC
// design is built here.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "models/iommu/iotlb.h"
#include "models/iommu/page_table.h"

namespace models = ddisim::models;
namespace pt = ddisim::models::iommu_pt;

TEST_CASE("iotlb: LRU evicts the least recently used way of a set") {
    models::assoc_cache c(1, 2);
    c.insert(1, 0, 10, 0);
    c.insert(2, 0, 20, 0);
    REQUIRE(c.lookup(1, 0)); // 1 is now most recent
    CHECK(c.insert(3, 0, 30, 0)); // evicts 2
    CHECK(c.lookup(1, 0));
    CHECK_FALSE(c.lookup(2, 0));
    CHECK(c.lookup(3, 0)->v0 == 30);
}

TEST_CASE("iotlb: zero sets or ways disables the cache") {
    models::iotlb t(0, 4);
    t.insert(1, 0x1000, {0x5000, 12, pt::perm_rw});
    CHECK_FALSE(t.lookup(1, 0x1000));
    CHECK(t.misses() == 1);
    models::pwc p(0);
    p.insert(1, 2, 0, 0x1000, 3);
    CHECK_FALSE(p.lookup(1, 2, 0));
}

TEST_CASE("iotlb: 8 entries hold a loop over 8 pages but not over 9 (LRU thrash)") {
    // 2 sets x 4 ways. Pages 0..7 map to sets 0,1,0,1,…: 4 per set, all fit,
    // so after the first pass (8 misses) every access hits: 3 passes = 8
    // misses + 16 hits. Pages 0..8: set 0 gets pages 0,2,4,6,8 (5 > 4 ways);
    // cyclic access under LRU always evicts the next page needed, so set 0
    // misses every time (5 per pass), set 1 (4 pages) hits after its first
    // pass: 3 passes = 15 + 4 misses, 8 hits.
    models::iotlb fits(2, 4), thrash(2, 4);
    for (int pass = 0; pass < 3; ++pass) {
        for (std::uint64_t p = 0; p < 8; ++p)
            if (!fits.lookup(7, p << 12)) fits.insert(7, p << 12, {p << 20, 12, pt::perm_rw});
        for (std::uint64_t p = 0; p < 9; ++p)
            if (!thrash.lookup(7, p << 12)) thrash.insert(7, p << 12, {p << 20, 12, pt::perm_rw});
    }
    CHECK(fits.misses() == 8);
    CHECK(fits.hits() == 16);
    CHECK(thrash.misses() == 19);
    CHECK(thrash.hits() == 8);
}

TEST_CASE("iotlb: entries are tagged by domain and 2 MiB entries cover their whole page") {
    models::iotlb t(16, 4);
    t.insert(1, 0x20'0000, {0x4000'0000, 21, pt::perm_r});
    const auto e = t.lookup(1, 0x3f'f000);
    REQUIRE(e);
    CHECK(e->page_shift == 21);
    CHECK(e->frame == 0x4000'0000);
    CHECK_FALSE(t.lookup(2, 0x3f'f000)); // other domain
    CHECK_FALSE(t.lookup(1, 0x40'0000)); // next 2 MiB page
}

TEST_CASE("iotlb: invalidation by range, domain and globally") {
    models::iotlb t(16, 4);
    for (std::uint64_t p = 0; p < 8; ++p) t.insert(1, p << 12, {p << 12, 12, pt::perm_rw});
    t.insert(1, 0x20'0000, {0x4000'0000, 21, pt::perm_rw});
    t.insert(2, 0x1000, {0x1000, 12, pt::perm_rw});
    CHECK(t.invalidate_range(1, 0x2000, 3) == 3); // pages 2, 3, 4
    CHECK_FALSE(t.lookup(1, 0x3000));
    CHECK(t.lookup(1, 0x5000));
    CHECK(t.invalidate_range(1, 0x3f'f000, 1) == 1); // the last 4 KiB of the 2 MiB page drops it
    CHECK(t.lookup(2, 0x1000));
    CHECK(t.invalidate_domain(1) == 5);
    CHECK(t.size() == 1);
    CHECK(t.invalidate_all() == 1);
    CHECK(t.size() == 0);
}

TEST_CASE("iotlb: page-walk cache is keyed by domain, level and prefix") {
    models::pwc p(4);
    p.insert(3, 2, 0x1234'5000, 0x9000, pt::perm_r);
    auto h = p.lookup(3, 2, 0x1220'0000); // same 2 MiB region (bits 47:21 equal)
    REQUIRE(h);
    CHECK(h->table == 0x9000);
    CHECK(h->perms == pt::perm_r);
    CHECK_FALSE(p.lookup(3, 2, 0x1240'0000));
    CHECK_FALSE(p.lookup(4, 2, 0x1234'5000));
    CHECK(p.invalidate_domain(3) == 1);
}

namespace {
// 64 MiB physical image; tables allocated from 1 MiB upwards.
struct image {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(64u << 20);
    std::uint64_t next = 1u << 20;
    pt::table_builder b{mem.data(), [this] { const auto t = next; next += 4096; return t; }};
    std::uint64_t q(std::uint64_t pa) const {
        std::uint64_t v;
        std::memcpy(&v, mem.data() + pa, 8);
        return v;
    }
};
} // namespace

TEST_CASE("iotlb: reference walker decodes 4 KiB and 2 MiB leaves, permissions and faults") {
    image im;
    const auto root = im.b.new_root();
    im.b.map_4k(root, 0x7f12'3456'7000, 0x0234'5000, pt::perm_r);
    im.b.map_2m(root, 0x4000'0000, 0x0200'0000, pt::perm_rw);
    auto rd = [&](std::uint64_t pa) { return im.q(pa); };

    auto w = pt::reference_walk(rd, root, 0x7f12'3456'7abc, false);
    CHECK(w.fault == pt::fault_reason::none);
    CHECK(w.pa == 0x0234'5abc);
    CHECK(w.reads == 4);
    w = pt::reference_walk(rd, root, 0x7f12'3456'7abc, true);
    CHECK(w.fault == pt::fault_reason::write_denied);
    w = pt::reference_walk(rd, root, 0x4012'3456, true);
    CHECK(w.fault == pt::fault_reason::none);
    CHECK(w.pa == 0x0212'3456);
    CHECK(w.page_shift == 21);
    CHECK(w.reads == 3);
    w = pt::reference_walk(rd, root, 0x5000'0000, false);
    CHECK(w.fault == pt::fault_reason::not_present);
    w = pt::reference_walk(rd, root, 1ull << 48, false);
    CHECK(w.fault == pt::fault_reason::address_width);

    // A non-leaf entry without W revokes writes below it.
    const std::uint64_t l4 = root + 8ull * pt::pt_index(0x4000'0000, 4);
    im.b.write(l4, im.b.read(l4) & ~pt::pte_write);
    w = pt::reference_walk(rd, root, 0x4012'3456, true);
    CHECK(w.fault == pt::fault_reason::write_denied);
    // PS at level 3 is reserved (no 1 GiB pages).
    const std::uint64_t l3 = (im.b.read(l4) & pt::pte_addr_mask) + 8ull * pt::pt_index(0x4000'0000, 3);
    im.b.write(l3, im.b.read(l3) | pt::pte_large);
    w = pt::reference_walk(rd, root, 0x4012'3456, false);
    CHECK(w.fault == pt::fault_reason::bad_entry);
    CHECK(w.fault_level == 3);
}

TEST_CASE("iotlb: context entries round-trip through their 16-byte encoding") {
    pt::context_entry c{true, true, 0x1234, 0xabc'd000};
    std::uint64_t raw[2];
    pt::encode_context(c, raw);
    CHECK(raw[0] == (1u | 2u | (0x1234u << 16)));
    const auto d = pt::decode_context(raw);
    CHECK(d.present);
    CHECK(d.translate);
    CHECK(d.domain == 0x1234);
    CHECK(d.root == 0xabc'd000);
}

// invalidate_range probes only the sets of the range's pages when the range
// has fewer pages than there are sets, and scans the whole cache otherwise;
// both must drop exactly the entries overlapping the range (4 KiB and 2 MiB)
// in that domain. 16 sets: ranges of 1, 2, 5 and 15 pages take the probe, 16
// and 40 the scan. The 2 MiB page (page number 3: set 3) is dropped by the
// range 0x5ff000 + 2 pages, whose 4 KiB pages are in sets 15 and 0.
TEST_CASE("iotlb: range invalidation drops exactly the overlapping entries, probed by set or scanned") {
    for (const std::uint64_t npages : {1u, 2u, 5u, 15u, 16u, 40u}) {
        for (const std::uint64_t first : {0x1f0u, 0x1fbu, 0x200u, 0x5ffu}) { // around 2 MiB boundaries
            models::iotlb t(16, 4);
            // 4 KiB pages 0x1e0 … 0x21f in domains 1 and 2 (64 of them map to 16 sets × 4 ways: the last
            // inserted stay), and a 2 MiB page at 0x60'0000 (pages 0x600 …) in domain 1.
            for (std::uint64_t p = 0x1e0; p < 0x220; ++p) {
                t.insert(1, p << 12, {p << 12, 12, pt::perm_rw});
                t.insert(2, p << 12, {p << 12, 12, pt::perm_rw});
            }
            t.insert(1, 0x60'0000, {0x8000'0000, 21, pt::perm_rw});
            const std::uint64_t lo = first << 12, hi = lo + (npages << 12);
            // Presence of every 4 KiB page's translation before, per domain.
            std::vector<bool> before1, before2;
            for (std::uint64_t p = 0x1c0; p < 0x640; ++p) {
                before1.push_back(t.lookup(1, p << 12).has_value());
                before2.push_back(t.lookup(2, p << 12).has_value());
            }
            const std::uint64_t size_before = t.size();
            const std::uint64_t n = t.invalidate_range(1, lo, npages);
            CHECK(n == size_before - t.size());
            const bool big_hit = lo < 0x80'0000 && 0x60'0000 < hi; // the 2 MiB page overlaps the range
            for (std::uint64_t p = 0x1c0, i = 0; p < 0x640; ++p, ++i) {
                const std::uint64_t a = p << 12;
                const bool in_range = a >= lo && a < hi;
                const bool in_big = a >= 0x60'0000 && a < 0x80'0000;
                const bool expect1 = before1[i] && !in_range && !(in_big && big_hit);
                CHECK(t.lookup(1, a).has_value() == expect1);
                CHECK(t.lookup(2, a).has_value() == bool(before2[i])); // other domain untouched
            }
        }
    }
}
