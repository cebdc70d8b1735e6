// ddisim::ddi bind explorer — computes one bind without a platform and
// describes the result as JSON (the `ddisim bind` command, docs/ddi.md).
//
// Everything goes through the public C API (ddi_dma_alloc_handle,
// ddi_dma_buf_bind_handle of a B_PAGEIO buf over the given physical pages,
// ddi_dma_numwin, ddi_dma_getwin, ddi_dma_cookie_iter), so the explorer and
// the API cannot disagree. Each request runs in a fresh kernel context with
// no memory behind it (copy-buffer syncs move no bytes). A would-be kernel
// panic gives "result": "PANIC" with the reason; bad input gives
// "result": "ERROR" with a message. These functions never throw.
#pragma once
#include <nlohmann/json.hpp>
#include <sys/ddidmareq.h>

#include <iosfwd>
#include <string>
#include <string_view>

namespace ddisim::ddi {

// One request; every field holds the string the command-line option takes.
struct explore_request {
    std::string attr;          // "sgllen=2,granular=0x200" (ddi_dma_attr_t fields without dma_attr_)
    std::string pages;         // "0x10000,0x30000,0x50000-0x53000" (A-B: contiguous run, inclusive)
    std::string offset = "0";  // offset of the object in its first page
    std::string len;           // object length (bytes)
    std::string flags = "READ"; // READ,WRITE,RDWR,PARTIAL,CONSISTENT,STREAMING
    std::string copybuf_pages; // optional bounce pages, in order
    bool iommu = false;        // bind under the VT-d-like IOMMU path
    std::string fidelity = "illumos"; // illumos | fixed
    bool debug_checks = false; // DEBUG-kernel checks
};

// Result object: {"result", "code", "nwin", "windows": [{"offset","length",
// "cookies": [{"address","size","type"}]}], "diagnostics": [...]} plus
// "message" for ERROR and "reason" for PANIC.
// The default attributes of spec §10: whole 64-bit range, count_max and seg
// 4 GiB - 1, maxxfer 4 GiB - 1, sgllen unlimited, granular 1, align 1.
ddi_dma_attr_t spec_default_attr();

nlohmann::ordered_json explore_bind(const explore_request& req);

// Batch form: one JSON object per line, keys = option names without dashes
// ("attr", "pages", "offset", "len", "flags", "copybuf_pages", "iommu",
// "fidelity", "debug_checks"), values the option strings. Returns one result
// line (no newline). A bad line gives an ERROR result.
std::string explore_batch_line(std::string_view line);
// Reads lines from in, writes one result line per input line to out.
void explore_batch(std::istream& in, std::ostream& out);

} // namespace ddisim::ddi
