// ddisim::models — the IOMMU's caches as plain C++ (unit-testable without
// SystemC):
//   assoc_cache — sets × ways, true LRU per set, 64-bit keys, two 64-bit
//                 payload words per line. 0 sets or 0 ways = disabled (every
//                 lookup misses, inserts are dropped).
//   iotlb       — translations tagged by domain, 4 KiB and 2 MiB entries in
//                 one structure. A 4 KiB page of IOVA v lives in set
//                 (v >> 12) % sets, a 2 MiB page in set (v >> 21) % sets; a
//                 lookup probes the 4 KiB set, then the 2 MiB set, and counts
//                 one hit or one miss.
//   pwc         — page-walk cache: non-leaf entries (levels 4, 3, 2) keyed by
//                 (domain, level, IOVA prefix), fully associative LRU.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace ddisim::models {

class assoc_cache {
public:
    struct line {
        std::uint64_t key = 0, v0 = 0, v1 = 0;
        std::uint64_t stamp = 0; // last use; smallest in a set = LRU
        bool valid = false;
        std::uint64_t ready = 0; // ps: when the read that filled it completes (0: already)
    };
    assoc_cache(unsigned sets, unsigned ways);
    bool enabled() const { return sets_ && ways_; }
    unsigned sets() const { return sets_; }
    unsigned ways() const { return ways_; }
    // The line holding key in set (set_hint % sets), refreshed as most
    // recently used; nullptr on a miss.
    const line* lookup(std::uint64_t key, std::uint64_t set_hint);
    // Inserts (or updates) key; evicts the set's LRU line when full.
    // Returns true if a valid line was evicted.
    bool insert(std::uint64_t key, std::uint64_t set_hint, std::uint64_t v0, std::uint64_t v1,
                std::uint64_t ready = 0);
    // Invalidates every valid line for which pred is true; returns how many.
    template <class Pred>
    std::uint64_t invalidate_if(Pred&& pred) {
        std::uint64_t n = 0;
        for (auto& l : lines_)
            if (l.valid && pred(l)) {
                l.valid = false;
                ++n;
            }
        return n;
    }
    // The same over the ways of set (set_hint % sets) only.
    template <class Pred>
    std::uint64_t invalidate_set_if(std::uint64_t set_hint, Pred&& pred) {
        if (!enabled()) return 0;
        std::uint64_t n = 0;
        line* s = &lines_[(set_hint % sets_) * ways_];
        for (unsigned w = 0; w < ways_; ++w)
            if (s[w].valid && pred(s[w])) {
                s[w].valid = false;
                ++n;
            }
        return n;
    }
    std::uint64_t valid_lines() const;

private:
    unsigned sets_, ways_;
    std::uint64_t clock_ = 0;
    std::vector<line> lines_; // set-major
    line* last_ = nullptr;     // line of the last lookup hit (lines_ is never resized)
};

// One cached translation.
struct iotlb_entry {
    std::uint64_t frame = 0;  // physical base of the page
    unsigned page_shift = 12; // 12 or 21
    unsigned perms = 0;       // iommu_pt::perm bits
    std::uint64_t ready = 0;  // ps: when the walk that found it completes
};

class iotlb {
public:
    iotlb(unsigned sets, unsigned ways) : c_(sets, ways) {}
    std::optional<iotlb_entry> lookup(std::uint16_t domain, std::uint64_t iova);
    void insert(std::uint16_t domain, std::uint64_t iova, const iotlb_entry& e);
    std::uint64_t invalidate_all();
    std::uint64_t invalidate_domain(std::uint16_t domain);
    // Every entry of `domain` overlapping [iova, iova + npages·4 KiB).
    std::uint64_t invalidate_range(std::uint16_t domain, std::uint64_t iova, std::uint64_t npages);
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }
    std::uint64_t evictions() const { return evictions_; }
    std::uint64_t size() const { return c_.valid_lines(); }
    bool enabled() const { return c_.enabled(); }

private:
    assoc_cache c_;
    std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

class pwc {
public:
    explicit pwc(unsigned entries) : c_(entries ? 1 : 0, entries) {}
    // Table address found in the entry at `level` (4, 3 or 2) on the path of
    // iova, with the permissions accumulated down to and including it.
    struct hit {
        std::uint64_t table;
        unsigned perms;
        std::uint64_t ready; // ps: when the read that found it completes
    };
    std::optional<hit> lookup(std::uint16_t domain, int level, std::uint64_t iova);
    void insert(std::uint16_t domain, int level, std::uint64_t iova, std::uint64_t table, unsigned perms,
                std::uint64_t ready = 0);
    std::uint64_t invalidate_all();
    std::uint64_t invalidate_domain(std::uint16_t domain);
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }
    bool enabled() const { return c_.enabled(); }

private:
    assoc_cache c_;
    std::uint64_t hits_ = 0, misses_ = 0;
};

} // namespace ddisim::models
