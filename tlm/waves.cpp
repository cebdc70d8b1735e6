#include "tlm/waves.h"

#include <stdexcept>
#include <systemc>
#include <variant>
#include <vector>

namespace ddisim::tlm::waves {

namespace {
struct signal {
    std::string name;
    std::variant<const bool*, const std::uint32_t*, const std::uint64_t*, const double*> var;
};
std::vector<signal>& signals() {
    static std::vector<signal> s;
    return s;
}
sc_core::sc_trace_file* file = nullptr;
} // namespace

void add(const std::string& m, const char* s, const bool& v) { signals().push_back({m + "." + s, &v}); }
void add(const std::string& m, const char* s, const std::uint32_t& v) { signals().push_back({m + "." + s, &v}); }
void add(const std::string& m, const char* s, const std::uint64_t& v) { signals().push_back({m + "." + s, &v}); }
void add(const std::string& m, const char* s, const double& v) { signals().push_back({m + "." + s, &v}); }

std::size_t count() { return signals().size(); }

void open(const std::string& path) {
    if (file) throw std::logic_error("waves::open called twice");
    std::string base = path;
    // sc_create_vcd_trace_file appends ".vcd" itself.
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
    file = sc_core::sc_create_vcd_trace_file(base.c_str());
    if (!file) throw std::runtime_error("cannot create VCD file " + path);
    // 1 ps: device and software events (interrupt latency, register
    // accesses) happen at sub-nanosecond times.
    file->set_time_unit(1, sc_core::SC_PS);
    for (const auto& s : signals()) {
        std::visit([&](auto* p) { sc_core::sc_trace(file, *p, s.name); }, s.var);
    }
}

void close() {
    if (file) {
        sc_core::sc_close_vcd_trace_file(file);
        file = nullptr;
    }
}

} // namespace ddisim::tlm::waves
