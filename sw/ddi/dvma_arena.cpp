// dvma_arena: first-fit DVMA allocation over the free ranges of a domain.
#include "sw/ddi/ddi_state.h"

#include <algorithm>
#include <iterator>

namespace ddisim::ddi {

bool dvma_arena::alloc(std::uint64_t npages, std::uint64_t align, std::uint64_t lo, std::uint64_t hi,
                       std::uint64_t seg_boundary, std::uint64_t& out) {
    const std::uint64_t len = npages * page_size;
    if (len == 0) return false;
    constexpr std::uint64_t overflow = ~std::uint64_t{0};
    auto align_up = [&](std::uint64_t v) -> std::uint64_t {
        const std::uint64_t r = (v + align - 1) & ~(align - 1);
        return r < v ? overflow : r;
    };
    const std::uint64_t from = align_up(lo);
    // the free range holding `from`, or the first one above it
    auto g = free_.upper_bound(from);
    if (g != free_.begin() && std::prev(g)->second >= from) --g;
    // Free ranges in address order; in each, its lowest start that meets
    // the alignment and the segment rule. A candidate above hi ends the
    // search: every later range's candidates are higher still (a candidate
    // moved to the next segment multiple M leaves no fit below M, as any
    // start below it would cross M as well).
    for (; g != free_.end(); ++g) {
        std::uint64_t c = align_up(std::max(from, g->first));
        if (c > hi || hi - c < len - 1) return false;
        if (seg_boundary && len <= seg_boundary && c / seg_boundary != (c + len - 1) / seg_boundary) {
            const std::uint64_t m = c / seg_boundary + 1;
            if (m > overflow / seg_boundary) return false;
            c = align_up(m * seg_boundary);
            if (c > hi || hi - c < len - 1) return false;
        }
        if (c < g->first || c > g->second || g->second - c < len - 1) continue; // does not fit in this one
        const std::uint64_t gs = g->first, gl = g->second;
        auto hint = free_.erase(g);
        if (c + (len - 1) < gl) hint = free_.emplace_hint(hint, c + len, gl);
        if (gs < c) free_.emplace_hint(hint, gs, c - 1);
        used.emplace(c, npages);
        used_bytes += len;
        out = c;
        return true;
    }
    return false;
}

void dvma_arena::free(std::uint64_t start) {
    const auto it = used.find(start);
    if (it == used.end()) return;
    const std::uint64_t len = it->second * page_size;
    used_bytes -= len;
    used.erase(it);
    std::uint64_t last = start + (len - 1);
    // merge with the free ranges just above and just below
    auto next = free_.upper_bound(start);
    if (next != free_.end() && last != ~std::uint64_t{0} && next->first == last + 1) {
        last = next->second;
        next = free_.erase(next);
    }
    if (next != free_.begin()) {
        const auto prev = std::prev(next);
        if (prev->second + 1 == start) {
            prev->second = last;
            return;
        }
    }
    free_.emplace_hint(next, start, last);
}

} // namespace ddisim::ddi
