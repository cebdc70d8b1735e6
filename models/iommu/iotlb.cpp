#include "models/iommu/iotlb.h"

namespace ddisim::models {

assoc_cache::assoc_cache(unsigned sets, unsigned ways) : sets_(ways ? sets : 0), ways_(sets ? ways : 0) {
    lines_.resize(std::size_t{sets_} * ways_);
}

const assoc_cache::line* assoc_cache::lookup(std::uint64_t key, std::uint64_t set_hint) {
    if (!enabled()) return nullptr;
    line* s = &lines_[(set_hint % sets_) * ways_];
    // A key lives in at most one way of its set: the line of the last hit is
    // tried first (same line, same LRU update as the scan would find).
    if (last_ >= s && last_ < s + ways_ && last_->valid && last_->key == key) {
        last_->stamp = ++clock_;
        return last_;
    }
    for (unsigned w = 0; w < ways_; ++w)
        if (s[w].valid && s[w].key == key) {
            s[w].stamp = ++clock_;
            last_ = &s[w];
            return &s[w];
        }
    return nullptr;
}

bool assoc_cache::insert(std::uint64_t key, std::uint64_t set_hint, std::uint64_t v0, std::uint64_t v1,
                         std::uint64_t ready) {
    if (!enabled()) return false;
    line* s = &lines_[(set_hint % sets_) * ways_];
    // One pass: the line holding key, else the first invalid line, else the
    // first line with the smallest stamp (LRU).
    line* victim = nullptr;
    line* free_line = nullptr;
    line* lru = nullptr;
    for (unsigned w = 0; w < ways_; ++w) {
        line& l = s[w];
        if (!l.valid) {
            if (!free_line) free_line = &l;
        } else if (l.key == key) {
            victim = &l;
            break;
        } else if (!lru || l.stamp < lru->stamp) {
            lru = &l;
        }
    }
    bool evicted = false;
    if (!victim) victim = free_line;
    if (!victim) {
        victim = lru;
        evicted = true;
    }
    *victim = line{key, v0, v1, ++clock_, true, ready};
    return evicted;
}

std::uint64_t assoc_cache::valid_lines() const {
    std::uint64_t n = 0;
    for (const auto& l : lines_) n += l.valid;
    return n;
}

// ------------------------------------------------------------------ iotlb
// key = domain << 40 | large << 39 | page number (IOVA >> 12 or >> 21, at
// most 36 bits); v0 = frame, v1 = perms.
namespace {
std::uint64_t tlb_key(std::uint16_t d, bool large, std::uint64_t pn) {
    return (std::uint64_t{d} << 40) | (std::uint64_t{large} << 39) | pn;
}
std::uint16_t key_domain(std::uint64_t k) { return static_cast<std::uint16_t>(k >> 40); }
} // namespace

std::optional<iotlb_entry> iotlb::lookup(std::uint16_t domain, std::uint64_t iova) {
    const std::uint64_t p4 = iova >> 12, p2 = iova >> 21;
    const assoc_cache::line* l = c_.lookup(tlb_key(domain, false, p4), p4);
    unsigned shift = 12;
    if (!l) {
        l = c_.lookup(tlb_key(domain, true, p2), p2);
        shift = 21;
    }
    if (!l) {
        ++misses_;
        return std::nullopt;
    }
    ++hits_;
    return iotlb_entry{l->v0, shift, static_cast<unsigned>(l->v1), l->ready};
}

void iotlb::insert(std::uint16_t domain, std::uint64_t iova, const iotlb_entry& e) {
    const bool large = e.page_shift == 21;
    const std::uint64_t pn = iova >> e.page_shift;
    if (c_.insert(tlb_key(domain, large, pn), pn, e.frame, e.perms, e.ready)) ++evictions_;
}

std::uint64_t iotlb::invalidate_all() {
    return c_.invalidate_if([](const assoc_cache::line&) { return true; });
}

std::uint64_t iotlb::invalidate_domain(std::uint16_t domain) {
    return c_.invalidate_if([domain](const assoc_cache::line& l) { return key_domain(l.key) == domain; });
}

std::uint64_t iotlb::invalidate_range(std::uint16_t domain, std::uint64_t iova, std::uint64_t npages) {
    const std::uint64_t lo = iova & ~0xfffull;
    const std::uint64_t hi = lo + npages * 4096; // exclusive
    if (npages == 0) return 0;
    const auto overlaps = [&](const assoc_cache::line& l) {
        if (key_domain(l.key) != domain) return false;
        const unsigned shift = (l.key >> 39) & 1 ? 21 : 12;
        const std::uint64_t start = (l.key & ((1ull << 39) - 1)) << shift;
        const std::uint64_t end = start + (1ull << shift);
        return start < hi && lo < end;
    };
    // A page's entry can only live in its page number's set: a range of
    // fewer pages (of either size) than there are sets touches only those
    // sets, each once; a larger one scans the whole cache.
    const std::uint64_t p4 = lo >> 12, n4 = npages, p2 = lo >> 21, n2 = ((hi - 1) >> 21) - p2 + 1;
    if (!c_.enabled() || n4 >= c_.sets() || n2 >= c_.sets()) return c_.invalidate_if(overlaps);
    std::uint64_t n = 0;
    for (std::uint64_t k = 0; k < n4; ++k) n += c_.invalidate_set_if(p4 + k, overlaps);
    for (std::uint64_t k = 0; k < n2; ++k) n += c_.invalidate_set_if(p2 + k, overlaps);
    return n;
}

// ------------------------------------------------------------------ pwc
// key = domain << 40 | level << 36 | IOVA >> (12 + 9·(level-1)); v0 = table,
// v1 = perms. Fully associative: one set.
namespace {
std::uint64_t pwc_key(std::uint16_t d, int level, std::uint64_t iova) {
    return (std::uint64_t{d} << 40) | (std::uint64_t(level) << 36) | (iova >> (12 + 9 * (level - 1)));
}
} // namespace

std::optional<pwc::hit> pwc::lookup(std::uint16_t domain, int level, std::uint64_t iova) {
    const assoc_cache::line* l = c_.lookup(pwc_key(domain, level, iova), 0);
    if (!l) {
        ++misses_;
        return std::nullopt;
    }
    ++hits_;
    return hit{l->v0, static_cast<unsigned>(l->v1), l->ready};
}

void pwc::insert(std::uint16_t domain, int level, std::uint64_t iova, std::uint64_t table, unsigned perms,
                 std::uint64_t ready) {
    c_.insert(pwc_key(domain, level, iova), 0, table, perms, ready);
}

std::uint64_t pwc::invalidate_all() {
    return c_.invalidate_if([](const assoc_cache::line&) { return true; });
}

std::uint64_t pwc::invalidate_domain(std::uint16_t domain) {
    return c_.invalidate_if([domain](const assoc_cache::line& l) { return key_domain(l.key) == domain; });
}

} // namespace ddisim::models
