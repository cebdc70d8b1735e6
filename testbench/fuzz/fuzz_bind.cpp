// libFuzzer target for the bind explorer: arbitrary bytes are fed as batch
// input lines (sw/ddi/bind_explorer.h). Every line must produce one JSON
// result object — a bind result, "ERROR" or "PANIC" — never a crash, a hang
// or a sanitizer report. Lines that are not JSON are also wrapped into a
// request (split on '|' into the option strings) so the option parsers and
// the bind engine itself are reached by most inputs.
#include "sw/ddi/bind_explorer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

void check_result(const std::string& out) {
    const auto j = nlohmann::json::parse(out); // must be valid JSON
    if (!j.is_object() || !j.contains("result")) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0; // keep each run short
    const std::string text(reinterpret_cast<const char*>(data), size);

    // 1. raw batch input
    std::istringstream in(text);
    std::ostringstream out;
    ddisim::ddi::explore_batch(in, out);
    std::istringstream lines(out.str());
    std::string line;
    while (std::getline(lines, line)) check_result(line);

    // 2. the same bytes as option strings: attr|pages|offset|len|flags|copybuf|fidelity
    std::vector<std::string> f(7);
    std::size_t k = 0;
    for (char c : text) {
        if (c == '|' && k + 1 < f.size()) ++k;
        else f[k] += c;
    }
    nlohmann::json req = {{"attr", f[0]}, {"pages", f[1]}, {"offset", f[2]}, {"len", f[3]},
                          {"flags", f[4]}, {"copybuf_pages", f[5]}};
    if (!f[6].empty()) req["fidelity"] = (f[6][0] & 1) ? "fixed" : "illumos";
    if (size && (data[0] & 0x80)) req["iommu"] = "true";
    if (size && (data[0] & 0x40)) req["debug_checks"] = "true";
    check_result(ddisim::ddi::explore_batch_line(req.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return 0;
}
