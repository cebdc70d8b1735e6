// Helpers for the DDI tests: a kernel context with a device, the spec §10
// default attributes, B_PAGEIO bufs over chosen physical pages, and walkers
// that read the result back through the public API only.
#pragma once
#include "sw/ddi/bind_explorer.h"
#include "sw/ddi/checker.h"
#include "sw/kernel/kernel.h"

#include <sys/buf.h>
#include <sys/ddi.h>
#include <sys/sunddi.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ddt {

using ddisim::kernel::kernel_config;
using ddisim::kernel::kernel_context;

inline ddi_dma_attr_t default_attr() { return ddisim::ddi::spec_default_attr(); }

inline std::vector<std::uint64_t> run(std::uint64_t first, std::size_t n) {
    std::vector<std::uint64_t> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(first + i * 4096);
    return v;
}

struct cookie {
    std::uint64_t addr;
    std::uint64_t size;
    bool cb = false;
    bool operator==(const cookie& o) const { return addr == o.addr && size == o.size && cb == o.cb; }
};

struct win {
    std::int64_t off;
    std::uint64_t len;
    std::vector<cookie> cookies;
    bool operator==(const win& o) const { return off == o.off && len == o.len && cookies == o.cookies; }
};

inline std::ostream& operator<<(std::ostream& os, const cookie& c) {
    return os << "(0x" << std::hex << c.addr << ",0x" << c.size << (c.cb ? ",CB" : "") << ")" << std::dec;
}
inline std::ostream& operator<<(std::ostream& os, const win& w) {
    os << "{off 0x" << std::hex << w.off << " len 0x" << w.len << std::dec << " [";
    for (auto& c : w.cookies) os << c;
    return os << "]}";
}

// Cookies of the current window through ddi_dma_cookie_iter.
inline std::vector<cookie> cookies_of(ddi_dma_handle_t h) {
    std::vector<cookie> v;
    for (const ddi_dma_cookie_t* c = ddi_dma_cookie_iter(h, nullptr); c; c = ddi_dma_cookie_iter(h, c))
        v.push_back({c->dmac_laddress, c->dmac_size, (c->dmac_type & 0x80000000u) != 0});
    return v;
}

// All windows through ddi_dma_numwin / ddi_dma_getwin (PARTIAL_MAP only).
inline std::vector<win> windows_of(ddi_dma_handle_t h) {
    std::vector<win> out;
    uint_t n = 0;
    if (ddi_dma_numwin(h, &n) != DDI_SUCCESS) return out;
    for (uint_t i = 0; i < n; ++i) {
        off_t off;
        size_t len;
        ddi_dma_cookie_t c;
        uint_t cnt;
        REQUIRE(ddi_dma_getwin(h, i, &off, &len, &c, &cnt) == DDI_SUCCESS);
        auto cs = cookies_of(h);
        REQUIRE(cs.size() == cnt);
        out.push_back({off, len, cs});
    }
    return out;
}

struct fixture {
    kernel_context k;
    dev_info* dip;
    explicit fixture(kernel_config cfg = {}) : k(std::move(cfg)) {
        k.make_current();
        dip = k.create_dev_info("testdrv", 0);
    }
    ~fixture() { k.run_softints(); }

    ddi_dma_handle_t alloc(const ddi_dma_attr_t& a) {
        ddi_dma_handle_t h = nullptr;
        REQUIRE(ddi_dma_alloc_handle(dip, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_SUCCESS);
        return h;
    }
    // A B_PAGEIO buf over the given physical pages.
    buf_t pageio(const std::vector<std::uint64_t>& pages, std::uint64_t off, std::size_t len, bool read = true) {
        buf_t b{};
        b.b_flags = B_BUSY | B_PAGEIO | (read ? B_READ : B_WRITE);
        b.b_bcount = len;
        b.b_un.b_addr = reinterpret_cast<caddr_t>(static_cast<std::uintptr_t>(off));
        b.b_pages = k.make_page_list(pages);
        return b;
    }
    int bind_pages(ddi_dma_handle_t h, const std::vector<std::uint64_t>& pages, std::uint64_t off,
                   std::size_t len, uint_t flags, ddi_dma_cookie_t* c = nullptr, uint_t* n = nullptr) {
        buf_t b = pageio(pages, off, len, flags & DDI_DMA_READ);
        return ddi_dma_buf_bind_handle(h, &b, flags, DDI_DMA_DONTWAIT, nullptr, c, n);
    }
    bool has_diag(const std::string& id) const {
        for (auto& d : k.diagnostics())
            if (d.id == id) return true;
        return false;
    }
};

// Format a page list for the explorer.
inline std::string pages_str(const std::vector<std::uint64_t>& pages) {
    std::string s;
    for (auto p : pages) {
        if (!s.empty()) s += ",";
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(p));
        s += buf;
    }
    return s;
}

// Windows as the explorer reports them.
inline std::vector<win> explorer_windows(const nlohmann::ordered_json& j) {
    std::vector<win> out;
    for (auto& w : j.at("windows")) {
        win x{w.at("offset").get<std::int64_t>(), w.at("length").get<std::uint64_t>(), {}};
        for (auto& c : w.at("cookies"))
            x.cookies.push_back({c.at("address").get<std::uint64_t>(), c.at("size").get<std::uint64_t>(),
                                 (c.at("type").get<std::uint64_t>() & 0x80000000u) != 0});
        out.push_back(x);
    }
    return out;
}

} // namespace ddt
