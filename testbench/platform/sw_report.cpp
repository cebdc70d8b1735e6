// software_report — see sw_report.h.
#include "testbench/platform/sw_report.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "sw/ddi/checker.h"
#include "sw/kernel/kernel.h"

namespace ddisim::platform {

namespace {

template <class Items, class Kind, class Entry>
nlohmann::json part(const Items& items, std::size_t max_items, Kind kind, Entry entry) {
    std::map<std::string, std::uint64_t> by;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& it : items) {
        ++by[kind(it)];
        if (list.size() < max_items) list.push_back(entry(it));
    }
    nlohmann::json j;
    j["count"] = items.size();
    j["by_kind"] = nlohmann::json::object();
    for (const auto& [k, n] : by) j["by_kind"][k] = n;
    j["list"] = std::move(list);
    j["truncated"] = items.size() - std::min(items.size(), max_items);
    return j;
}

} // namespace

nlohmann::json software_report(kernel::kernel_context& k, std::size_t max_items) {
    nlohmann::json j;
    j["diagnostics"] = part(
        k.diagnostics(), max_items, [](const kernel::diagnostic& d) { return d.id; },
        [](const kernel::diagnostic& d) { return nlohmann::json{{"id", d.id}, {"message", d.message}}; });
    j["checker"] = part(
        ddi::checker::reports(k), max_items, [](const ddi::checker_report& r) { return r.kind; },
        [](const ddi::checker_report& r) {
            return nlohmann::json{{"kind", r.kind}, {"device", r.device}, {"call", r.call}, {"message", r.message}};
        });
    const auto& ic = k.intr_stats();
    j["interrupts"] = {{"dispatches", ic.dispatches},
                       {"claimed", ic.claimed},
                       {"unclaimed", ic.unclaimed},
                       {"spurious", ic.spurious}};
    return j;
}

std::string software_summary(const nlohmann::json& r) {
    auto one = [](std::ostringstream& o, const nlohmann::json& p, const char* noun) {
        const auto n = p.value("count", std::uint64_t{0});
        o << n << " " << noun;
        if (n) {
            o << " (";
            bool first = true;
            for (const auto& [k, v] : p["by_kind"].items()) {
                o << (first ? "" : ", ") << k << " " << v.get<std::uint64_t>();
                first = false;
            }
            o << ")";
        }
    };
    std::ostringstream o;
    o << "software: ";
    one(o, r.at("diagnostics"), "diagnostics");
    o << ", ";
    one(o, r.at("checker"), "checker reports");
    return o.str();
}

} // namespace ddisim::platform
