#include "testbench/platform/platform.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "models/bus/bus.h"
#include "models/memory/memory.h"
#include "models/tgen/tgen.h"
#include "testbench/platform/progress.h"
#include "tlm/core/backing_store.h"
#include "tlm/core/stats.h"
#include "tlm/core/trace_events.h"
#include "tlm/trace_tap.h"
#include "tlm/waves.h"

namespace ddisim::platform {

struct platform::impl {
    config::scenario sc;
    std::unique_ptr<tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::vector<std::unique_ptr<models::tgen>> tgens;
    std::vector<std::unique_ptr<tlm::trace_tap>> taps; // only with --trace
    bool waves = false;
};

namespace {
// Cross-key checks the per-key schema cannot express. Each names its keys.
void validate(const config::scenario& s) {
    const auto& m = s.platform.memory;
    if (m.low_size == 0 && m.high_size == 0)
        throw std::invalid_argument("platform.memory: low_size and high_size are both 0: there is no memory");
    for (std::size_t i = 0; i < s.platform.traffic.size(); ++i) {
        const auto& t = s.platform.traffic[i];
        if (t.count == 0 && t.time_limit == 0 && s.run.duration == 0)
            throw std::invalid_argument(fmt::format(
                "platform.traffic.{}: count and time_limit are both 0 and run.duration is 0: the run would never end", i));
        if (t.range < t.size)
            throw std::invalid_argument(fmt::format("platform.traffic.{}: range ({} B) is smaller than size ({} B)", i,
                                                    t.range, t.size));
    }
}
} // namespace

platform::platform(const config::scenario& s) : p_(std::make_unique<impl>()) {
    validate(s);
    p_->sc = s;
    auto& sc = p_->sc;
    // run.quantum is the one users set; the bus config carries it to the
    // bus, which installs it as the global quantum.
    sc.platform.bus.quantum = sc.run.quantum;
    ::tlm::tlm_global_quantum::instance().set(sc_core::sc_time(static_cast<double>(sc.run.quantum), sc_core::SC_PS));
    const auto style = sc.run.timing == "at" ? models::tgen::style::at : models::tgen::style::lt;

    const auto& mc = sc.platform.memory;
    const std::uint64_t span = mc.high_size ? models::memory_high_base + mc.high_size : mc.low_size;
    p_->store = std::make_unique<tlm::backing_store>(span);
    p_->mem = std::make_unique<models::memory>("memory", mc, *p_->store);
    p_->bus = std::make_unique<models::bus>("bus", sc.platform.bus);
    unsigned n = 0;
    for (auto tc : sc.platform.traffic) {
        // Each generator draws its own stream from the master seed.
        tc.seed = tc.seed ^ (sc.run.seed * 0x9E3779B97F4A7C15ull);
        const auto name = fmt::format("tgen{}", n++);
        auto t = std::make_unique<models::tgen>(name.c_str(), tc, style);
        if (tlm::trace_events::instance().enabled()) {
            auto tap = std::make_unique<tlm::trace_tap>((name + "_tap").c_str(), name);
            t->out.bind(tap->in);
            tap->out.bind(p_->bus->in);
            p_->taps.push_back(std::move(tap));
        } else {
            t->out.bind(p_->bus->in);
        }
        p_->tgens.push_back(std::move(t));
    }
    if (tlm::trace_events::instance().enabled()) {
        auto tap = std::make_unique<tlm::trace_tap>("memory_tap", "memory");
        p_->bus->out.bind(tap->in);
        tap->out.bind(p_->mem->in);
        p_->taps.push_back(std::move(tap));
    } else {
        p_->bus->out.bind(p_->mem->in);
    }
    if (mc.low_size) p_->bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
    if (mc.high_size)
        p_->bus->add_region(models::bus_region::absolute("dram_high", models::memory_high_base, mc.high_size, 0));
}

platform::~platform() = default;

void platform::enable_waves(const std::string& path) {
    p_->waves = true;
    tlm::waves::open(path);
}

namespace {
std::uint64_t now_ps() { return sc_core::sc_time_stamp().value(); }
} // namespace

run_outcome platform::run(progress_bar& bar) {
    run_outcome o;
    const std::uint64_t limit = p_->sc.run.duration;
    auto all_done = [&] {
        return std::all_of(p_->tgens.begin(), p_->tgens.end(), [](const auto& t) { return t->done(); });
    };
    auto fraction = [&]() -> double {
        if (limit) return std::min(1.0, static_cast<double>(now_ps()) / static_cast<double>(limit));
        std::uint64_t want = 0, have = 0;
        for (std::size_t i = 0; i < p_->tgens.size(); ++i) {
            const auto count = p_->sc.platform.traffic[i].count;
            if (!count) return -1;
            want += count;
            have += std::min(count, p_->tgens[i]->transactions());
        }
        return want ? static_cast<double>(have) / static_cast<double>(want) : -1;
    };
    // Slices grow geometrically from 1 us up to 1 ms of simulated time (or
    // 1/100 of the duration): deterministic, and cheap for long runs.
    std::uint64_t slice = 1'000'000;
    const std::uint64_t max_slice = limit ? std::max<std::uint64_t>(limit / 100, 1'000'000) : 1'000'000'000;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    while (!all_done()) {
        std::uint64_t step = slice;
        if (limit) {
            if (now_ps() >= limit) {
                o.hit_duration = true;
                break;
            }
            step = std::min(step, limit - now_ps());
        }
        sc_core::sc_start(sc_core::sc_time(static_cast<double>(step), sc_core::SC_PS));
        bar.update(fraction(), now_ps());
        if (!sc_core::sc_pending_activity() && !all_done()) break; // starved: nothing left to do
        slice = std::min(slice * 2, max_slice);
    }
    bar.finish();
    o.workload_done = all_done();
    o.end_ps = now_ps();
    for (const auto& t : p_->tgens) o.errors += t->errors() + t->verify_errors();
    tlm::stats_registry::instance().finish(o.end_ps);
    if (p_->waves) tlm::waves::close();
    return o;
}

nlohmann::json platform::headline(const run_outcome& o) const {
    nlohmann::json h = nlohmann::json::object();
    nlohmann::json gens = nlohmann::json::array();
    for (const auto& t : p_->tgens) {
        const auto& lat = t->latency();
        gens.push_back({{"name", t->name()},
                        {"transactions", t->transactions()},
                        {"bytes", t->bytes()},
                        {"bandwidth_bytes_per_s", t->bandwidth()},
                        {"latency_ns", {{"mean", lat.mean()}, {"p50", lat.percentile(50)}, {"p99", lat.percentile(99)}, {"max", lat.max()}}},
                        {"errors", t->errors()},
                        {"verify_errors", t->verify_errors()},
                        {"checksum", fmt::format("{:016x}", t->checksum())}});
    }
    h["traffic"] = gens;
    h["simulated_time_ps"] = o.end_ps;
    h["workload_done"] = o.workload_done;
    return h;
}

} // namespace ddisim::platform
