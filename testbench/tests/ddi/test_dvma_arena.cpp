// dvma_arena: first-fit DVMA allocation over free ranges, against its
// definition (the lowest aligned start inside [lo, hi] that overlaps no
// allocated range and crosses no segment multiple), found by trying every
// aligned start.
#include <catch2/catch.hpp>

#include "sw/ddi/ddi_state.h"

#include <optional>
#include <random>
#include <vector>

using ddisim::ddi::dvma_arena;
using ddisim::ddi::page_size;

namespace {

std::optional<std::uint64_t> by_definition(const dvma_arena& ar, std::uint64_t npages, std::uint64_t align,
                                           std::uint64_t lo, std::uint64_t hi, std::uint64_t seg) {
    const std::uint64_t len = npages * page_size;
    for (std::uint64_t c = (lo + align - 1) / align * align; c <= hi && hi - c >= len - 1; c += align) {
        if (seg && len <= seg && c / seg != (c + len - 1) / seg) continue;
        bool clash = false;
        for (const auto& [s, n] : ar.used)
            if (c < s + n * page_size && s < c + len) clash = true;
        if (!clash) return c;
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("dvma_arena: random allocations and frees give the first fit of the definition") {
    std::mt19937_64 rng(20261127);
    auto pick = [&](std::uint64_t n) { return static_cast<std::uint64_t>(rng() % n); };
    for (int round = 0; round < 4; ++round) {
        dvma_arena ar;
        std::vector<std::uint64_t> live;
        std::uint64_t bytes = 0, fits = 0, misses = 0;
        for (int op = 0; op < 1500; ++op) {
            if (!live.empty() && pick(100) < 45) {
                const std::size_t i = pick(live.size());
                const std::uint64_t start = live[i];
                bytes -= ar.used.at(start) * page_size;
                ar.free(start);
                live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
                CHECK_FALSE(ar.used.count(start));
                continue;
            }
            const std::uint64_t npages = 1 + pick(4);
            const std::uint64_t align = page_size << pick(3);
            const std::uint64_t lo = pick(2) ? 0 : page_size * pick(64) + pick(2) * 0x123;
            const std::uint64_t hi = lo + page_size * (16 + pick(240)) - 1;
            const std::uint64_t seg = round % 2 ? 0 : (std::uint64_t{1} << (14 + pick(3)));
            const auto want = by_definition(ar, npages, align, lo, hi, seg);
            std::uint64_t got = ~0ull;
            const bool ok = ar.alloc(npages, align, lo, hi, seg, got);
            REQUIRE(ok == want.has_value());
            if (!ok) {
                ++misses;
                continue;
            }
            ++fits;
            REQUIRE(got == *want);
            live.push_back(got);
            bytes += npages * page_size;
        }
        CHECK(ar.used_bytes == bytes);
        CHECK(fits > 300);
        CHECK(misses > 0);
        // everything returned: the free ranges merged back into one
        for (const std::uint64_t s : live) ar.free(s);
        CHECK(ar.used.empty());
        CHECK(ar.used_bytes == 0);
        std::uint64_t got = 0;
        REQUIRE(ar.alloc(256, page_size, 0, ~0ull, 0, got));
        CHECK(got == 0);
    }
}

TEST_CASE("dvma_arena: edges of the address space and of the arguments") {
    dvma_arena ar;
    std::uint64_t got = 0;
    CHECK_FALSE(ar.alloc(0, page_size, 0, ~0ull, 0, got)); // nothing to allocate
    // the top page of a 64-bit space, then nothing is left above it
    const std::uint64_t top = ~0ull - (page_size - 1);
    REQUIRE(ar.alloc(1, page_size, top, ~0ull, 0, got));
    CHECK(got == top);
    CHECK_FALSE(ar.alloc(1, page_size, top, ~0ull, 0, got));
    // an alignment whose first multiple above lo overflows: no fit, no wrap
    CHECK_FALSE(ar.alloc(1, std::uint64_t{1} << 63, (std::uint64_t{1} << 63) + page_size, ~0ull, 0, got));
    // a range longer than the segment ignores the segment rule
    REQUIRE(ar.alloc(8, page_size, page_size, ~0ull, 0x4000, got));
    CHECK(got == page_size);
    // freeing an unknown start changes nothing; the top page merges back
    const auto before = ar.used;
    ar.free(0x123000);
    CHECK(ar.used == before);
    ar.free(top);
    REQUIRE(ar.alloc(1, page_size, top, ~0ull, 0, got));
    CHECK(got == top);
}
