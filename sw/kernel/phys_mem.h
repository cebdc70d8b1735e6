// ddisim::kernel::phys_allocator — physical page allocator over the modelled
// DRAM. Low memory is below 4 GiB, high memory above, so 32-bit devices meet
// pages they cannot reach. Placement policies (all deterministic):
//   contiguous  lowest free page first (runs of consecutive pages)
//   random      pseudo-random pages from a seeded generator (fragmented)
//   high_first  highest free page first (pushes buffers above 4 GiB)
// A bitmap (1 bit per page) is created lazily, on first use, so a context
// that never allocates (the bind explorer) costs nothing.
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace ddisim::kernel {

enum class placement_policy { contiguous, random, high_first };

class phys_allocator {
public:
    static constexpr std::uint64_t page_size = 4096;

    // Pages [first, end) are allocatable; both page aligned.
    phys_allocator(std::uint64_t first, std::uint64_t end, placement_policy p, std::uint64_t seed);

    std::uint64_t first() const { return first_; }
    std::uint64_t end() const { return end_; }

    // One page whose bytes lie in [lo, hi] (hi inclusive), by policy.
    std::optional<std::uint64_t> alloc_page(std::uint64_t lo, std::uint64_t hi);
    // n physically contiguous pages in [lo, hi], start aligned to align (a
    // power of two ≥ 4096), not crossing a multiple of boundary (0 = none).
    std::optional<std::uint64_t> alloc_contig(std::uint64_t npages, std::uint64_t lo, std::uint64_t hi,
                                              std::uint64_t align, std::uint64_t boundary);
    // Takes a specific page; false if outside the range or already used.
    bool claim(std::uint64_t pa);
    // Takes every free page with a byte in [lo, hi) (an MMIO hole: no page
    // there is ever handed out); pages outside the allocator's range are
    // ignored. Returns the number taken.
    std::uint64_t claim_range(std::uint64_t lo, std::uint64_t hi);
    void free_page(std::uint64_t pa);
    bool is_free(std::uint64_t pa) const;
    std::uint64_t used_pages() const { return used_; }

private:
    void ensure_bitmap();
    bool test(std::uint64_t idx) const { return (bits_[idx >> 6] >> (idx & 63)) & 1u; }
    void set(std::uint64_t idx) { bits_[idx >> 6] |= (std::uint64_t{1} << (idx & 63)); }
    void clr(std::uint64_t idx) { bits_[idx >> 6] &= ~(std::uint64_t{1} << (idx & 63)); }
    bool range_idx(std::uint64_t lo, std::uint64_t hi, std::uint64_t& a, std::uint64_t& b) const;

    std::uint64_t first_, end_, npages_;
    placement_policy policy_;
    std::mt19937_64 rng_;
    std::vector<std::uint64_t> bits_;
    std::uint64_t used_ = 0;
};

} // namespace ddisim::kernel
