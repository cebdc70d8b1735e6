// ddisim::ddi::ddi_state — the DDI's per-kernel state (kept in the kernel
// context, spec §5 callback lists, the once-per-driver bind warning, the
// live-handle registry, copy-buffer space in use, DVMA arenas, checker).
#pragma once
#include "sw/ddi/handle.h"
#include "sw/kernel/kernel.h"

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ddisim::ddi {

// One callback list (the storage a uintptr_t list id points at).
struct callback_entry {
    int (*fn)(caddr_t);
    caddr_t arg;
    std::uint64_t count;
};
struct callback_list {
    std::deque<callback_entry> entries;
};

// DVMA space of one IOMMU domain (page_size pages, sw/ddi/dvma_arena.cpp).
struct dvma_arena {
    std::map<std::uint64_t, std::uint64_t> used; // start -> npages
    std::uint64_t used_bytes = 0;
    dvma_arena() : free_{{0, ~std::uint64_t{0}}} {}
    // First fit: the lowest start ≥ lo, a multiple of align (a power of two),
    // with [start, start + npages pages) inside [lo, hi] and, with
    // seg_boundary ≠ 0 (and the range no longer than it), not crossing a
    // multiple of seg_boundary. False if no such range is free (npages 0 too).
    bool alloc(std::uint64_t npages, std::uint64_t align, std::uint64_t lo, std::uint64_t hi,
               std::uint64_t seg_boundary, std::uint64_t& out);
    // Returns the range alloc() handed out at start (unknown starts: nothing).
    void free(std::uint64_t start);

private:
    // The free ranges, start -> last byte, between the used ones: first fit
    // visits the free ranges from lo upwards instead of every used range.
    std::map<std::uint64_t, std::uint64_t> free_;
};

// An unbound DVMA range waiting for a deferred flush.
struct deferred_unmap {
    std::uint32_t domain;
    std::uint64_t start;
    std::uint64_t npages;
};

struct checker_report {
    std::string kind;    // e.g. "double-unbind", "missing-sync", "leak", "cookie-rule"
    std::string device;  // "name#instance"
    std::string call;    // the DDI call that triggered it
    std::string message;
};

// A device-visible range a bind handed out (checker: device_access).
struct bound_range {
    const dev_info* dev;
    std::uint64_t start, len;
};

// Memory from the obsolete ddi_iopb_alloc / ddi_mem_alloc.
struct legacy_mem {
    ddi_dma_handle_t handle;
    ddi_acc_handle_t acc;
};

struct ddi_state : kernel::subsystem {
    ~ddi_state() override;
    uintptr_t rootnex_cb = 0;   // rootnex callback list (alloc handle, bind)
    uintptr_t mem_cb = 0;       // ddi_dma_mem_alloc list
    std::vector<std::unique_ptr<callback_list>> lists; // storage of every list
    std::set<major_t> warned;   // once-per-driver bind warning (spec §4.4 step 3)
    dma_handle* live = nullptr; // registry head
    std::size_t live_count = 0;
    std::uint64_t copybuf_in_use = 0;
    std::map<std::uint32_t, dvma_arena> arenas;
    std::vector<deferred_unmap> deferred;
    std::uint64_t deferred_since_ns = 0; // platform time of the oldest queued unbind
    std::vector<checker_report> reports;
    std::deque<bound_range> bound_history; // newest last, bounded (checker.cpp)
    // checker::device_access: live handles and cookie indexes that covered
    // recent device accesses (re-validated on use; checker::forget clears
    // the entries of a handle rootnex_freehdl frees), replaced round robin.
    struct access_hit {
        dma_handle* h = nullptr;
        uint_t cookie = 0;
    };
    std::array<access_hit, 4> access_hits{};
    unsigned access_hit_next = 0;
    // checker::device_access: the current window's cookies of bound handles,
    // by (device, last address), so a device access finds the cookie that
    // covers it without scanning every live handle. Filled at bind and
    // getwin, emptied of a handle's entries at its next bind or getwin and
    // when it is freed; entries of an unbound handle wait for that (a lookup
    // re-validates every entry and drops the stale ones it meets). The span
    // is the longest cookie ever indexed: how far below an address a
    // covering cookie can start.
    std::multimap<std::pair<const dev_info*, std::uint64_t>, access_hit> bound_index;
    std::uint64_t bound_index_span = 0;
    std::map<caddr_t, legacy_mem> legacy;
};

ddi_state& state(kernel::kernel_context& k);

// Callback list primitives used inside the DDI (spec §5).
void set_callback(kernel::kernel_context& k, int (*fn)(caddr_t), caddr_t arg, uintptr_t* listid);
void run_callback(kernel::kernel_context& k, uintptr_t* listid);
bool callback_list_empty(const uintptr_t* listid);
// Queue the caller's callback after a NORESOURCES result (spec §5, §8.12).
void queue_on_noresources(kernel::kernel_context& k, int (*fn)(caddr_t), caddr_t arg,
                          uintptr_t* listid, const dev_info* dip);

} // namespace ddisim::ddi
