#include "sw/kernel/phys_mem.h"

#include <algorithm>

namespace ddisim::kernel {

phys_allocator::phys_allocator(std::uint64_t first, std::uint64_t end, placement_policy p,
                               std::uint64_t seed)
    : first_(first & ~(page_size - 1)), end_(end & ~(page_size - 1)),
      npages_(end_ > first_ ? (end_ - first_) / page_size : 0), policy_(p), rng_(seed) {}

void phys_allocator::ensure_bitmap() {
    if (bits_.empty() && npages_) bits_.assign((npages_ + 63) / 64, 0);
}

// Page-index range [a, b) of the pages wholly inside [lo, hi].
bool phys_allocator::range_idx(std::uint64_t lo, std::uint64_t hi, std::uint64_t& a,
                               std::uint64_t& b) const {
    if (npages_ == 0 || hi < page_size - 1) return false;
    std::uint64_t lo_pa = lo <= first_ ? first_ : ((lo + page_size - 1) & ~(page_size - 1));
    if (lo > first_ && lo_pa < lo) return false; // wrapped
    // highest page start whose last byte is ≤ hi
    std::uint64_t hi_pa = ((hi - (page_size - 1)) & ~(page_size - 1));
    if (hi_pa >= end_) hi_pa = end_ - page_size;
    if (lo_pa < first_ || lo_pa > hi_pa) return false;
    a = (lo_pa - first_) / page_size;
    b = (hi_pa - first_) / page_size + 1;
    return a < b;
}

std::optional<std::uint64_t> phys_allocator::alloc_page(std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t a, b;
    if (!range_idx(lo, hi, a, b)) return std::nullopt;
    ensure_bitmap();
    auto take = [&](std::uint64_t i) {
        set(i);
        ++used_;
        return first_ + i * page_size;
    };
    switch (policy_) {
    case placement_policy::contiguous:
        for (std::uint64_t i = a; i < b;) {
            if ((i & 63) == 0 && i + 64 <= b && bits_[i >> 6] == ~std::uint64_t{0}) {
                i += 64;
                continue;
            }
            if (!test(i)) return take(i);
            ++i;
        }
        break;
    case placement_policy::high_first:
        for (std::uint64_t i = b; i > a;) {
            --i;
            if ((i & 63) == 63 && i >= a + 63 && bits_[i >> 6] == ~std::uint64_t{0}) {
                i -= 63;
                continue;
            }
            if (!test(i)) return take(i);
        }
        break;
    case placement_policy::random: {
        const std::uint64_t n = b - a;
        const std::uint64_t start = a + rng_() % n;
        for (std::uint64_t k = 0; k < n;) {
            std::uint64_t i = start + k;
            if (i >= b) i -= n;
            // Whole used words (e.g. the claimed MMIO hole) are skipped 64
            // pages at a time; the page found is the same as bit by bit.
            if ((i & 63) == 0 && i + 64 <= b && k + 64 <= n && bits_[i >> 6] == ~std::uint64_t{0}) {
                k += 64;
                continue;
            }
            if (!test(i)) return take(i);
            ++k;
        }
        break;
    }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> phys_allocator::alloc_contig(std::uint64_t npages, std::uint64_t lo,
                                                          std::uint64_t hi, std::uint64_t align,
                                                          std::uint64_t boundary) {
    std::uint64_t a, b;
    if (npages == 0 || !range_idx(lo, hi, a, b) || b - a < npages) return std::nullopt;
    ensure_bitmap();
    if (align < page_size) align = page_size;
    const std::uint64_t bytes = npages * page_size;
    // Candidate starts in address order (contiguous placement is the natural
    // policy for contiguous memory; high_first scans downwards).
    auto fits = [&](std::uint64_t i) {
        const std::uint64_t pa = first_ + i * page_size;
        if (pa % align) return false;
        if (boundary && (pa / boundary) != ((pa + bytes - 1) / boundary)) return false;
        for (std::uint64_t k = 0; k < npages; ++k)
            if (test(i + k)) return false;
        return true;
    };
    auto take = [&](std::uint64_t i) {
        for (std::uint64_t k = 0; k < npages; ++k) set(i + k);
        used_ += npages;
        return first_ + i * page_size;
    };
    if (policy_ == placement_policy::high_first) {
        for (std::uint64_t i = b - npages + 1; i-- > a;)
            if (fits(i)) return take(i);
    } else {
        for (std::uint64_t i = a; i + npages <= b; ++i)
            if (fits(i)) return take(i);
    }
    return std::nullopt;
}

bool phys_allocator::claim(std::uint64_t pa) {
    if (pa % page_size || pa < first_ || pa >= end_) return false;
    ensure_bitmap();
    const std::uint64_t i = (pa - first_) / page_size;
    if (test(i)) return false;
    set(i);
    ++used_;
    return true;
}

std::uint64_t phys_allocator::claim_range(std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t n = 0;
    const std::uint64_t from = std::max(lo / page_size * page_size, first_), to = std::min(hi, end_);
    for (std::uint64_t pa = from; pa < to; pa += page_size) n += claim(pa) ? 1 : 0;
    return n;
}

void phys_allocator::free_page(std::uint64_t pa) {
    if (pa % page_size || pa < first_ || pa >= end_ || bits_.empty()) return;
    const std::uint64_t i = (pa - first_) / page_size;
    if (test(i)) {
        clr(i);
        --used_;
    }
}

bool phys_allocator::is_free(std::uint64_t pa) const {
    if (pa % page_size || pa < first_ || pa >= end_) return false;
    if (bits_.empty()) return true;
    return !test((pa - first_) / page_size);
}

} // namespace ddisim::kernel
