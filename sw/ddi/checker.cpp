#include "sw/ddi/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace ddisim::ddi::checker {

using kernel::kernel_context;

void report(dma_handle* h, const char* kind, const char* call, const std::string& msg) {
    if (!h->k->config().checker) return;
    const std::string d = kernel_context::dev_name(h->rdip);
    state(*h->k).reports.push_back(
        {kind, d, call, fmt::format("{}: {}: {}", d, call, msg)});
}

namespace {

// Documented attribute rules (spec §1.2 "documented meaning"), applied to the
// cookies of the current window.
void check_cookies(dma_handle* h, const char* call) {
    const ddi_dma_attr_t& a = h->attr;
    const ddi_dma_cookie_t* base = h->window_cookies();
    if (!base || h->ncookies == 0) return;
    std::uint64_t total = 0;
    const std::uint64_t cnt1 = a.dma_attr_count_max + 1;
    for (uint_t i = 0; i < h->ncookies; ++i) {
        const ddi_dma_cookie_t& c = base[i];
        const std::uint64_t s = c.dmac_laddress, n = c.dmac_size;
        const std::uint64_t last = n ? s + n - 1 : s;
        total += n;
        if (s < a.dma_attr_addr_lo || last > a.dma_attr_addr_hi || last < s)
            report(h, "cookie-rule", call,
                   fmt::format("cookie {} ({:#x}, {:#x}) outside [addr_lo {:#x}, addr_hi {:#x}]{}", i, s, n,
                               a.dma_attr_addr_lo, a.dma_attr_addr_hi,
                               (c.dmac_type & rootnex_uses_copybuf) ? " (copy-buffer cookie)" : ""));
        if (cnt1 != 0 && n > cnt1)
            report(h, "cookie-rule", call,
                   fmt::format("cookie {} size {:#x} exceeds count_max + 1 = {:#x}", i, n, cnt1));
        const std::uint64_t seg = a.dma_attr_seg;
        if (seg != ~std::uint64_t{0} && n && (s / (seg + 1)) != (last / (seg + 1)))
            report(h, "cookie-rule", call,
                   fmt::format("cookie {} ({:#x}, {:#x}) crosses a seg boundary (seg {:#x})", i, s, n, seg));
        if (i == 0 && a.dma_attr_align > 1 && (s % a.dma_attr_align) != 0)
            report(h, "cookie-rule", call,
                   fmt::format("first cookie address {:#x} not aligned to align {:#x}", s,
                               a.dma_attr_align));
    }
    if (h->ncookies > static_cast<std::uint32_t>(a.dma_attr_sgllen))
        report(h, "cookie-rule", call,
               fmt::format("{} cookies exceed sgllen {}", h->ncookies, a.dma_attr_sgllen));
    if (total > a.dma_attr_maxxfer)
        report(h, "cookie-rule", call,
               fmt::format("{:#x} bytes in one window exceed maxxfer {:#x}", total, a.dma_attr_maxxfer));
}

// The non-empty cookies of the current window: f(index, device address, size).
template <class F>
void for_each_cookie(const dma_handle* h, F&& f) {
    const ddi_dma_cookie_t* base = h->window_cookies();
    if (!base) return;
    for (uint_t i = 0; i < h->ncookies; ++i)
        if (base[i].dmac_size) f(i, base[i].dmac_laddress, std::uint64_t{base[i].dmac_size});
}

void remember_ranges(dma_handle* h) {
    auto& hist = state(*h->k).bound_history;
    for_each_cookie(h, [&](uint_t, std::uint64_t s, std::uint64_t n) { hist.push_back({h->rdip, s, n}); });
    while (hist.size() > bound_history_max) hist.pop_front();
}

// ddi_state::bound_index (keyed by device and a cookie's last address): drop
// h's entries; enter its current window's cookies.
void unindex(ddi_state& st, dma_handle* h) {
    for (const std::uint64_t s : h->indexed) {
        auto [it, end] = st.bound_index.equal_range({h->rdip, s});
        while (it != end) it = it->second.h == h ? st.bound_index.erase(it) : std::next(it);
    }
    h->indexed.clear();
}

void index_window(dma_handle* h) {
    auto& st = state(*h->k);
    unindex(st, h);
    for_each_cookie(h, [&](uint_t i, std::uint64_t s, std::uint64_t n) {
        const std::uint64_t last = s + (n - 1);
        st.bound_index.insert({{h->rdip, last}, {h, i}});
        h->indexed.push_back(last);
        st.bound_index_span = std::max(st.bound_index_span, n);
    });
}

} // namespace

void after_bind(dma_handle* h, const char* call) {
    if (!h->k->config().checker) return;
    h->cpu_sync_pending = (h->rflags & DDI_DMA_READ) && (h->rflags & dmp_nosync) != dmp_nosync;
    check_cookies(h, call);
    remember_ranges(h);
    index_window(h);
}

void after_getwin(dma_handle* h) {
    if (!h->k->config().checker) return;
    h->cpu_sync_pending = (h->rflags & DDI_DMA_READ) && (h->rflags & dmp_nosync) != dmp_nosync;
    check_cookies(h, "ddi_dma_getwin");
    remember_ranges(h);
    index_window(h);
}

void forget(dma_handle* h) {
    auto& st = state(*h->k);
    for (auto& c : st.access_hits)
        if (c.h == h) c.h = nullptr;
    unindex(st, h);
}

void device_access(kernel_context& k, const dev_info* dev, std::uint64_t addr, std::uint64_t len,
                   bool is_write) {
    if (!k.config().checker || !dev || len == 0) return;
    auto& st = state(k);
    const std::uint64_t last = addr + len - 1;
    auto inside = [&](std::uint64_t s, std::uint64_t n) { return addr >= s && last <= s + n - 1 && last >= addr; };
    auto overlaps = [&](std::uint64_t s, std::uint64_t n) { return addr <= s + n - 1 && s <= last; };
    // Fast path: the cookies that covered recent accesses (a device usually
    // moves a buffer in several transactions, between ring accesses),
    // re-checked against the handle's current state; then the index of bound
    // cookies (bind and getwin fill it), without allocating. A hit in either
    // means exactly what a scan of every bound handle of dev would find.
    auto cookie_of = [](const dma_handle* h, uint_t i) -> const ddi_dma_cookie_t* {
        const ddi_dma_cookie_t* base = h->window_cookies();
        return base && i < h->ncookies && base[i].dmac_size ? base + i : nullptr;
    };
    auto covers = [&](const dma_handle* h, uint_t i) {
        const ddi_dma_cookie_t* c = cookie_of(h, i);
        return c && inside(c->dmac_laddress, c->dmac_size);
    };
    for (const auto& c : st.access_hits)
        if (c.h && c.h->bound && c.h->rdip == dev && covers(c.h, c.cookie)) return;
    if (st.bound_index_span) {
        // Keyed by last address: the first entry ending at or after the
        // access's last byte is the one that covers it unless cookies
        // overlap; one that covers it ends before addr + span.
        const std::uint64_t hi = addr + std::min(st.bound_index_span - 1, ~std::uint64_t{0} - addr);
        for (auto it = st.bound_index.lower_bound({dev, last});
             it != st.bound_index.end() && it->first.first == dev && it->first.second <= hi;) {
            const auto& [h, i] = it->second;
            const ddi_dma_cookie_t* c = h->bound ? cookie_of(h, i) : nullptr;
            if (!c || c->dmac_laddress + (c->dmac_size - 1) != it->first.second) { // unbound or rebound since: stale
                it = st.bound_index.erase(it);
                continue;
            }
            if (inside(c->dmac_laddress, c->dmac_size)) {
                st.access_hits[st.access_hit_next++ % st.access_hits.size()] = it->second;
                return;
            }
            ++it;
        }
    }
    // Not covered (every bind and getwin with the checker on entered its
    // window): a report follows; collect the device's current cookies.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> bound;
    for (dma_handle* h = st.live; h; h = h->next) {
        if (!h->bound || h->rdip != dev) continue;
        for_each_cookie(h, [&](uint_t, std::uint64_t s, std::uint64_t n) { bound.emplace_back(s, n); });
    }
    const std::string d = kernel_context::dev_name(dev);
    const char* what = is_write ? "writes" : "reads";
    for (auto it = st.bound_history.rbegin(); it != st.bound_history.rend(); ++it) {
        if (it->dev != dev || !overlaps(it->start, it->len)) continue;
        // still bound (the access runs over its end): not a stale range
        if (std::find(bound.begin(), bound.end(), std::make_pair(it->start, it->len)) != bound.end()) continue;
        st.reports.push_back({"dma-after-unbind", d, "device_access",
                              fmt::format("{}: device_access: device {} {:#x} bytes at {:#x}, in ({:#x}, {:#x}) "
                                          "that an earlier bind handed out and is no longer bound",
                                          d, what, len, addr, it->start, it->len)});
        return;
    }
    st.reports.push_back({"dma-unbound", d, "device_access",
                          fmt::format("{}: device_access: device {} {:#x} bytes at {:#x}, which no bind of "
                                      "this device handed out",
                                      d, what, len, addr)});
}

void on_sync(dma_handle* h, uint_t type) {
    if (type != DDI_DMA_SYNC_FORDEV) h->cpu_sync_pending = false;
}

void cpu_read(kernel_context& k, const void* kva, std::size_t len) {
    if (!k.config().checker) return;
    const auto s = reinterpret_cast<std::uintptr_t>(kva);
    for (dma_handle* h = state(k).live; h; h = h->next) {
        if (!h->bound || !h->cpu_sync_pending) continue;
        if (h->obj.dmao_type == DMA_OTYP_PAGES || h->obj.dmao_obj.virt_obj.v_as) continue;
        const auto b = reinterpret_cast<std::uintptr_t>(h->obj.dmao_obj.virt_obj.v_addr);
        const std::uintptr_t e = b + h->obj.dmao_size;
        if (s < e && b < s + len)
            report(h, "missing-sync", "cpu_read",
                   fmt::format("CPU reads {:#x} bytes of a DDI_DMA_READ buffer bound through a copy "
                               "buffer without ddi_dma_sync(DDI_DMA_SYNC_FORCPU)", len));
    }
}

void cpu_read(const void* kva, std::size_t len) {
    if (auto* k = kernel_context::current()) cpu_read(*k, kva, len);
}

std::size_t check_leaks(kernel_context& k) {
    std::size_t n = 0;
    for (dma_handle* h = state(k).live; h; h = h->next, ++n)
        report(h, "leak", "check_leaks",
               h->bound ? "DMA handle leaked while still bound" : "DMA handle leaked");
    return n;
}

std::size_t live_handles(kernel_context& k) { return state(k).live_count; }

const std::vector<checker_report>& reports(kernel_context& k) { return state(k).reports; }
void clear(kernel_context& k) { state(k).reports.clear(); }

std::size_t count(kernel_context& k, const std::string& kind) {
    std::size_t n = 0;
    for (auto& r : state(k).reports) n += r.kind == kind;
    return n;
}

} // namespace ddisim::ddi::checker
