#include "sw/ddi/bind_explorer.h"

#include "sw/ddi/checker.h"
#include "sw/kernel/kernel.h"

#include <sys/buf.h>
#include <sys/sunddi.h>

#include <fmt/format.h>

#include <cctype>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace ddisim::ddi {

namespace {

using json = nlohmann::ordered_json;

struct bad_input : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr std::size_t max_pages = 1u << 18; // 1 GiB of 4 KiB pages per request

std::string trim(std::string_view s) {
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return std::string(s.substr(a, b - a));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            out.push_back(trim(s.substr(start, i - start)));
            start = i + 1;
        }
    return out;
}

// Hex (0x) or decimal, optional leading '-', full 64-bit range.
std::int64_t parse_signed(const std::string& s, const char* what) {
    std::string t = trim(s);
    bool neg = false;
    if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
        neg = t[0] == '-';
        t = t.substr(1);
    }
    if (t.empty()) throw bad_input(fmt::format("{}: empty number", what));
    int base = 10;
    std::size_t i = 0;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        base = 16;
        i = 2;
    }
    std::uint64_t v = 0;
    for (; i < t.size(); ++i) {
        const char c = t[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (c == '_') continue;
        else throw bad_input(fmt::format("{}: '{}' is not a number", what, s));
        if (v > (~std::uint64_t{0} - static_cast<unsigned>(d)) / static_cast<unsigned>(base))
            throw bad_input(fmt::format("{}: '{}' does not fit in 64 bits", what, s));
        v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    }
    return neg ? static_cast<std::int64_t>(~v + 1) : static_cast<std::int64_t>(v);
}
std::uint64_t parse_u64(const std::string& s, const char* what) {
    return static_cast<std::uint64_t>(parse_signed(s, what));
}

std::vector<std::uint64_t> parse_pages(const std::string& s, const char* what) {
    std::vector<std::uint64_t> out;
    if (trim(s).empty()) return out;
    for (const auto& item : split(s, ',')) {
        if (item.empty()) throw bad_input(fmt::format("{}: empty entry", what));
        const auto dash = item.find('-', 1);
        std::uint64_t a, b;
        if (dash != std::string::npos) {
            a = parse_u64(item.substr(0, dash), what);
            b = parse_u64(item.substr(dash + 1), what);
        } else {
            a = b = parse_u64(item, what);
        }
        if ((a | b) & 0xFFF) throw bad_input(fmt::format("{}: {} is not page aligned", what, item));
        if (b < a) throw bad_input(fmt::format("{}: range {} runs backwards", what, item));
        if ((b - a) / 4096 >= max_pages || out.size() + (b - a) / 4096 + 1 > max_pages)
            throw bad_input(fmt::format("{}: more than {} pages", what, max_pages));
        for (std::uint64_t p = a;; p += 4096) {
            out.push_back(p);
            if (p == b) break;
        }
    }
    return out;
}


ddi_dma_attr_t parse_attr(const std::string& s) {
    ddi_dma_attr_t a = spec_default_attr();
    if (trim(s).empty()) return a;
    for (const auto& item : split(s, ',')) {
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw bad_input(fmt::format("attr: '{}' is not field=value", item));
        std::string f = trim(item.substr(0, eq));
        if (f.rfind("dma_attr_", 0) == 0) f = f.substr(9);
        const std::string v = item.substr(eq + 1);
        const std::int64_t n = parse_signed(v, "attr");
        const auto u = static_cast<std::uint64_t>(n);
        auto u32 = [&](const char* name) {
            if (u > 0xFFFFFFFFu && n >= 0) throw bad_input(fmt::format("attr: {} does not fit in 32 bits", name));
            return static_cast<std::uint32_t>(u);
        };
        if (f == "version") a.dma_attr_version = u32("version");
        else if (f == "addr_lo") a.dma_attr_addr_lo = u;
        else if (f == "addr_hi") a.dma_attr_addr_hi = u;
        else if (f == "count_max") a.dma_attr_count_max = u;
        else if (f == "align") a.dma_attr_align = u;
        else if (f == "burstsizes") a.dma_attr_burstsizes = u32("burstsizes");
        else if (f == "minxfer") a.dma_attr_minxfer = u32("minxfer");
        else if (f == "maxxfer") a.dma_attr_maxxfer = u;
        else if (f == "seg") a.dma_attr_seg = u;
        else if (f == "sgllen") {
            if (n < INT32_MIN || n > INT32_MAX) {
                if (n >= 0 && u <= 0xFFFFFFFFu) a.dma_attr_sgllen = static_cast<int>(static_cast<std::uint32_t>(u));
                else throw bad_input("attr: sgllen does not fit in an int");
            } else {
                a.dma_attr_sgllen = static_cast<int>(n);
            }
        } else if (f == "granular") a.dma_attr_granular = u32("granular");
        else if (f == "flags") a.dma_attr_flags = u32("flags");
        else throw bad_input(fmt::format("attr: unknown field '{}'", f));
    }
    return a;
}

uint_t parse_flags(const std::string& s) {
    uint_t fl = 0;
    for (const auto& raw : split(s, ',')) {
        std::string t = raw;
        for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (t.rfind("DDI_DMA_", 0) == 0) t = t.substr(8);
        if (t.empty()) continue;
        if (t == "READ") fl |= DDI_DMA_READ;
        else if (t == "WRITE") fl |= DDI_DMA_WRITE;
        else if (t == "RDWR") fl |= DDI_DMA_RDWR;
        else if (t == "PARTIAL") fl |= DDI_DMA_PARTIAL;
        else if (t == "CONSISTENT") fl |= DDI_DMA_CONSISTENT;
        else if (t == "STREAMING") fl |= DDI_DMA_STREAMING;
        else if (t == "REDZONE") fl |= DDI_DMA_REDZONE;
        else throw bad_input(fmt::format("flags: unknown flag '{}'", raw));
    }
    return fl;
}

const char* result_name(int code) {
    switch (code) {
    case DDI_DMA_MAPPED: return "DDI_DMA_MAPPED";
    case DDI_DMA_PARTIAL_MAP: return "DDI_DMA_PARTIAL_MAP";
    case DDI_DMA_DONE: return "DDI_DMA_DONE";
    case DDI_DMA_NORESOURCES: return "DDI_DMA_NORESOURCES";
    case DDI_DMA_NOMAPPING: return "DDI_DMA_NOMAPPING";
    case DDI_DMA_TOOBIG: return "DDI_DMA_TOOBIG";
    case DDI_DMA_TOOSMALL: return "DDI_DMA_TOOSMALL";
    case DDI_DMA_LOCKED: return "DDI_DMA_LOCKED";
    case DDI_DMA_BADLIMITS: return "DDI_DMA_BADLIMITS";
    case DDI_DMA_STALE: return "DDI_DMA_STALE";
    case DDI_DMA_BADATTR: return "DDI_DMA_BADATTR";
    case DDI_DMA_INUSE: return "DDI_DMA_INUSE";
    case DDI_DMA_USE_PHYSICAL: return "DDI_DMA_USE_PHYSICAL";
    default: return "UNKNOWN";
    }
}

json cookie_json(const ddi_dma_cookie_t& c) {
    return json{{"address", c.dmac_laddress}, {"size", c.dmac_size}, {"type", c.dmac_type}};
}

json window_json(ddi_dma_handle_t h, std::int64_t off, std::uint64_t len) {
    json cookies = json::array();
    for (const ddi_dma_cookie_t* c = ddi_dma_cookie_iter(h, nullptr); c; c = ddi_dma_cookie_iter(h, c))
        cookies.push_back(cookie_json(*c));
    return json{{"offset", off}, {"length", len}, {"cookies", std::move(cookies)}};
}

json diagnostics_of(kernel::kernel_context& k) {
    json d = json::array();
    for (const auto& x : k.diagnostics())
        if (x.id != "panic") d.push_back(x.message);
    for (const auto& r : checker::reports(k)) d.push_back("checker: " + r.message);
    return d;
}

json run(const explore_request& req) {
    const ddi_dma_attr_t attr = parse_attr(req.attr);
    const std::vector<std::uint64_t> pages = parse_pages(req.pages, "pages");
    const std::uint64_t offset = parse_u64(req.offset.empty() ? "0" : req.offset, "offset");
    if (offset >= 4096) throw bad_input("offset: must be below the page size (4096)");
    if (trim(req.len).empty()) throw bad_input("len: missing");
    const std::uint64_t len = parse_u64(req.len, "len");
    const uint_t flags = parse_flags(req.flags);
    const std::vector<std::uint64_t> cb = parse_pages(req.copybuf_pages, "copybuf_pages");
    const std::uint64_t objsize = static_cast<std::uint32_t>(len); // dmao_size is 32-bit
    const std::uint64_t need = std::max<std::uint64_t>(1, (objsize + offset + 4095) / 4096);
    if (pages.size() < need)
        throw bad_input(fmt::format("pages: the object needs {} pages, {} given", need, pages.size()));
    std::string fid = trim(req.fidelity);
    if (fid.empty()) fid = "illumos";
    if (fid != "illumos" && fid != "fixed") throw bad_input("fidelity: illumos or fixed");

    kernel::kernel_config cfg;
    cfg.backing_store = false;
    cfg.memory_bytes = std::uint64_t{64} << 30;
    cfg.fidelity = fid == "fixed" ? kernel::fidelity_mode::fixed : kernel::fidelity_mode::illumos;
    cfg.debug_checks = req.debug_checks;
    cfg.iommu = req.iommu ? kernel::iommu_kind::vtd : kernel::iommu_kind::none;
    cfg.copybuf_pages = cb;
    kernel::kernel_context k(cfg);
    dev_info* dip = k.create_dev_info("explorer", 0);

    json out;
    auto finish = [&](int code, json windows) {
        out["result"] = result_name(code);
        out["code"] = code;
        out["nwin"] = windows.size();
        out["windows"] = std::move(windows);
        out["diagnostics"] = diagnostics_of(k);
        return out;
    };
    try {
        ddi_dma_handle_t h = nullptr;
        int rc = ddi_dma_alloc_handle(dip, &attr, DDI_DMA_DONTWAIT, nullptr, &h);
        if (rc != DDI_SUCCESS) return finish(rc, json::array());
        buf_t bp{};
        bp.b_flags = B_BUSY | B_PAGEIO | ((flags & DDI_DMA_READ) ? B_READ : B_WRITE);
        bp.b_bcount = static_cast<size_t>(len);
        bp.b_un.b_addr = reinterpret_cast<caddr_t>(static_cast<std::uintptr_t>(offset));
        bp.b_pages = k.make_page_list(std::span<const std::uint64_t>(pages.data(), need));
        ddi_dma_cookie_t cookie;
        uint_t ccount = 0;
        rc = ddi_dma_buf_bind_handle(h, &bp, flags, DDI_DMA_DONTWAIT, nullptr, &cookie, &ccount);
        json windows = json::array();
        if (rc == DDI_DMA_MAPPED || rc == DDI_DMA_PARTIAL_MAP) {
            uint_t nwin = 0;
            off_t off;
            size_t wlen;
            uint_t cnt;
            if (ddi_dma_numwin(h, &nwin) == DDI_SUCCESS) {
                for (uint_t w = 0; w < nwin; ++w) {
                    if (ddi_dma_getwin(h, w, &off, &wlen, &cookie, &cnt) != DDI_SUCCESS) break;
                    windows.push_back(window_json(h, off, wlen));
                }
            } else if (ddi_dma_getwin(h, 0, &off, &wlen, &cookie, &cnt) == DDI_SUCCESS) {
                windows.push_back(window_json(h, off, wlen)); // slow-path MAPPED
            } else {
                windows.push_back(window_json(h, 0, objsize)); // fast path: the bind's cookies
            }
            ddi_dma_unbind_handle(h);
        }
        ddi_dma_free_handle(&h);
        k.run_softints();
        return finish(rc, std::move(windows));
    } catch (const kernel::panic_error& e) {
        out["result"] = "PANIC";
        out["reason"] = e.what();
        out["diagnostics"] = diagnostics_of(k);
        return out;
    }
}

std::string value_string(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    if (v.is_null()) return "";
    throw bad_input("values must be strings");
}

bool parse_bool(const std::string& s, const char* what) {
    std::string t = trim(s);
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t.empty() || t == "true" || t == "1" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "0" || t == "no" || t == "off") return false;
    throw bad_input(fmt::format("{}: expected true or false", what));
}

json error(const std::string& msg) {
    json o;
    o["result"] = "ERROR";
    o["message"] = msg;
    return o;
}

} // namespace

ddi_dma_attr_t spec_default_attr() {
    ddi_dma_attr_t a{};
    a.dma_attr_version = DMA_ATTR_V0;
    a.dma_attr_addr_lo = 0;
    a.dma_attr_addr_hi = ~std::uint64_t{0};
    a.dma_attr_count_max = 0xFFFFFFFF;
    a.dma_attr_align = 1;
    a.dma_attr_burstsizes = 1;
    a.dma_attr_minxfer = 1;
    a.dma_attr_maxxfer = 0xFFFFFFFF;
    a.dma_attr_seg = 0xFFFFFFFF;
    a.dma_attr_sgllen = -1;
    a.dma_attr_granular = 1;
    a.dma_attr_flags = 0;
    return a;
}

nlohmann::ordered_json explore_bind(const explore_request& req) {
    try {
        return run(req);
    } catch (const bad_input& e) {
        return error(e.what());
    } catch (const std::exception& e) {
        return error(std::string("internal: ") + e.what());
    }
}

std::string explore_batch_line(std::string_view line) {
    json out;
    try {
        const auto in = nlohmann::json::parse(line.begin(), line.end());
        if (!in.is_object()) throw bad_input("each line must be a JSON object");
        explore_request r;
        for (auto it = in.begin(); it != in.end(); ++it) {
            const std::string& key = it.key();
            const std::string v = value_string(it.value());
            if (key == "attr") r.attr = v;
            else if (key == "pages") r.pages = v;
            else if (key == "offset") r.offset = v;
            else if (key == "len") r.len = v;
            else if (key == "flags") r.flags = v;
            else if (key == "copybuf_pages" || key == "copybuf-pages") r.copybuf_pages = v;
            else if (key == "iommu") r.iommu = parse_bool(v, "iommu");
            else if (key == "fidelity") r.fidelity = v;
            else if (key == "debug_checks" || key == "debug-checks") r.debug_checks = parse_bool(v, "debug_checks");
            else throw bad_input("unknown key '" + key + "'");
        }
        out = explore_bind(r);
    } catch (const bad_input& e) {
        out = error(e.what());
    } catch (const std::exception& e) {
        out = error(std::string("bad JSON: ") + e.what());
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void explore_batch(std::istream& in, std::ostream& out) {
    std::string line;
    while (std::getline(in, line)) {
        if (trim(line).empty()) continue;
        out << explore_batch_line(line) << '\n';
    }
    out.flush();
}

} // namespace ddisim::ddi
