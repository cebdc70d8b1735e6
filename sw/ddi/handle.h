// ddisim::ddi::dma_handle — what a ddi_dma_handle_t points to: the generic
// ddi_dma_impl_t state plus the x86 rootnex private state (spec §1.6), in one
// allocation as on illumos. Cookie array (65 entries), window records (4) and
// the copy-buffer page map (2) are pre-allocated so a fast-path bind does no
// heap allocation; larger binds grow vectors whose capacity is then kept.
#pragma once
#include "sw/kernel/kernel.h"

#include <sys/sunddi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ddisim::ddi {

constexpr std::uint64_t page_size = 4096;
constexpr std::uint64_t page_offset = page_size - 1;
constexpr std::uint64_t page_mask = ~page_offset;
constexpr uint_t rootnex_uses_copybuf = 0x80000000u; // dmac_type bit (spec §1.3)
constexpr unsigned rootnex_prealloc_cookies = 65;      // spec §2.8
constexpr unsigned rootnex_prealloc_windows = 4;
constexpr unsigned rootnex_prealloc_copybuf = 2;

// Internal rflag bits (spec §1.6).
constexpr uint_t dmp_vmereq = 0x10000000u;
constexpr uint_t dmp_ddiflags = DDI_DMA_RDWR | DDI_DMA_REDZONE | DDI_DMA_PARTIAL |
                                DDI_DMA_CONSISTENT | dmp_vmereq;
constexpr uint_t dmp_nodevsync = 0x40000000u;
constexpr uint_t dmp_nocpusync = 0x80000000u;
constexpr uint_t dmp_nosync = dmp_nodevsync | dmp_nocpusync;

// Trim state of one window (spec §4.4 5c, §4.6 step 5).
struct trim_info {
    bool trim_first = false;
    bool trim_last = false;
    bool first_copybuf_win = false;
    bool last_copybuf_win = false;
    std::uint64_t first_paddr = 0;
    std::uint64_t first_size = 0;
    std::uint32_t last_cookie = 0; // index in the cookie array
    std::uint64_t last_paddr = 0;
    std::uint64_t last_size = 0;
    std::uint32_t first_pidx = 0, last_pidx = 0;
    std::uint32_t first_cbidx = 0, last_cbidx = 0; // copy-buffer page index
};

struct window {
    std::int64_t offset = 0;       // object offset
    std::uint64_t size = 0;
    std::uint32_t first_cookie = 0; // index in the cookie array
    std::uint32_t cookie_cnt = 0;
    bool dosync = false;
    trim_info trim;
};

// Per object page: does it go through the copy buffer, which copy page, and
// the host address of the driver's page (kernel VA or "kpm" alias).
struct pgmap_entry {
    bool uses_copybuf = false;
    std::uint32_t cbidx = 0;
    std::uint8_t* kaddr = nullptr;
};

struct sglinfo {
    std::uint64_t max_cookie_size = 0;
    std::uint64_t min_addr = 0;
    std::uint64_t max_addr = 0;
    std::uint64_t segmask = 0;
    uint_t flags = 0;
    std::uint32_t max_pages = 0;
    std::uint64_t copybuf_req = 0;
    std::uint32_t buf_offset = 0;
    std::uint32_t sgl_size = 0;
    bool bounce_on_seg = false;
    const struct as* asp = nullptr; // nullptr: kernel
};

// Token behind the obsolete ddi_dma_win_t / ddi_dma_seg_t values.
struct legacy_token {
    struct dma_handle* owner = nullptr;
    std::uint32_t index = 0;
};

struct dma_handle {
    // ---- generic layer (ddi_dma_impl_t) ----
    ddi_dma_cookie_t* cursor = nullptr; // next cookie to hand out
    uint_t ncookies = 0;
    uint_t curcookie = 0;
    // The current window's first cookie (cursor - curcookie), null before a bind.
    const ddi_dma_cookie_t* window_cookies() const { return cursor ? cursor - curcookie : nullptr; }
    uint_t rflags = 0;
    int nwin = 0;
    dev_info* rdip = nullptr;
    ddi_dma_attr_t attr{};
    uint_t minxfer = 0;
    uint_t burstsizes = 0;
    bool faulted = false;
    kernel::kernel_context* k = nullptr;

    // ---- derived limits (spec §4.1) ----
    std::uint64_t maxxfer = 0; // maxxfer'
    bool cancross = false;
    bool granularity_power_2 = false;

    // ---- rootnex private ----
    ddi_dma_obj_t obj{};
    sglinfo si;
    ddi_dma_cookie_t prealloc_cookies[rootnex_prealloc_cookies]{};
    std::vector<ddi_dma_cookie_t> dyn_cookies;
    ddi_dma_cookie_t* cookies = prealloc_cookies;
    std::vector<window> windows; // empty: no window records (fast path)
    std::uint32_t max_win = 0;
    std::uint32_t current_win = 0;
    std::vector<pgmap_entry> pgmap;
    std::vector<std::uint64_t> cb_pages; // copy buffer physical pages
    std::uint64_t copybuf_size = 0;
    bool cb_owned = false;               // pages came from the allocator
    bool partial_required = false;
    bool trim_required = false;
    bool bound = false;

    // ---- IOMMU (spec §4.10) ----
    bool dvma_used = false;
    std::uint64_t dvma_start = 0;
    std::uint64_t dvma_npages = 0;
    std::uint32_t domain = 0;
    bool dvma_premapped = false;      // current bind uses the premapped range
    bool premap_valid = false;        // a premapped range is reserved
    std::uint64_t premap_start = 0;

    // ---- DMA-API checker ----
    bool cpu_sync_pending = false;
    std::vector<std::uint64_t> indexed; // last addresses of this handle's entries in ddi_state::bound_index

    // ---- obsolete interfaces ----
    legacy_token nowin_token;
    std::vector<legacy_token> win_tokens;
    std::vector<legacy_token> seg_tokens;

    // ---- registry of live handles (leak check) ----
    dma_handle* prev = nullptr;
    dma_handle* next = nullptr;
};

inline dma_handle* to_impl(ddi_dma_handle_t h) { return reinterpret_cast<dma_handle*>(h); }
inline ddi_dma_handle_t to_handle(dma_handle* h) { return reinterpret_cast<ddi_dma_handle_t>(h); }

} // namespace ddisim::ddi
