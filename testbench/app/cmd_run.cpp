// `ddisim run [scenario.yaml] [--set key=value]…`: simulate one scenario.
// Writes into the output folder: results.json (headline metrics + every
// statistic; byte-identical for the same scenario and seed), stats.csv, and
// scenario.yaml (the effective scenario); with fio jobs (--fio FILE or
// workload.kind: fio) also fio.json in fio's JSON layout (docs/fio.md,
// docs/storage.md). Figures that depend on the host (wall time, host cost
// per transaction and per I/O, peak RSS) go to the terminal and to host.json
// only, so the result files never depend on the host. Exit status: 0, 1
// (errors during the run), 2 (a fio job file error, printed as
// file:line:column).
#include "testbench/app/command.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <sys/resource.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "testbench/config/fio.h"
#include "testbench/config/fio_output.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"
#include "testbench/platform/sw_report.h"
#include "testbench/platform/progress.h"
#include "testbench/workloads/storage.h"
#include "tlm/core/params.h"
#include "tlm/core/stats.h"
#include "tlm/core/stats_series.h"
#include "tlm/core/trace_events.h"

namespace {
using namespace ddisim;
namespace fs = std::filesystem;

struct run_opts {
    std::string scenario;
    std::vector<std::string> sets;
    std::string out, waves, trace, fio;
    bool quiet = false;
    bool no_stats_text = false;
};

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write " + p.string());
    f << text;
    if (!f.flush()) throw std::runtime_error("cannot write " + p.string());
}

// What the run cost the host (validation anchors, Part D: host time per bus
// transaction and per I/O, slowdown, kernel activity, peak RSS). Host- and
// load-dependent by nature: written to host.json, never to results.json.
nlohmann::json host_report(double wall, std::uint64_t sim_ps, const nlohmann::json& headline) {
    nlohmann::json h;
    const double sim_s = static_cast<double>(sim_ps) * 1e-12;
    h["wall_s"] = wall;
    h["simulated_s"] = sim_s;
    h["simulated_s_per_wall_s"] = wall > 0 ? sim_s / wall : 0.0;
    h["wall_s_per_simulated_s"] = sim_s > 0 ? wall / sim_s : 0.0;
    h["delta_cycles"] = static_cast<std::uint64_t>(sc_core::sc_delta_count());
    std::uint64_t txns = 0;
    if (const auto* st = tlm::stats_registry::instance().find("bus.transactions"))
        txns = static_cast<std::uint64_t>(st->value());
    h["bus_transactions"] = txns;
    h["host_ns_per_bus_transaction"] = txns ? wall * 1e9 / static_cast<double>(txns) : 0.0;
    if (headline.contains("fio")) {
        const auto ios = headline["fio"]["total"]["ios"].get<std::uint64_t>();
        h["ios"] = ios;
        h["host_us_per_io"] = ios ? wall * 1e6 / static_cast<double>(ios) : 0.0;
        h["ios_per_wall_s"] = wall > 0 ? static_cast<double>(ios) / wall : 0.0;
    }
    if (headline.contains("memcpy")) {
        const auto copies = headline["memcpy"]["copies"].get<std::uint64_t>();
        const auto bytes = headline["memcpy"]["bytes"].get<std::uint64_t>();
        h["copies"] = copies;
        h["host_us_per_copy"] = copies ? wall * 1e6 / static_cast<double>(copies) : 0.0;
        h["copied_bytes_per_wall_s"] = wall > 0 ? static_cast<double>(bytes) / wall : 0.0;
    }
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    h["peak_rss_mib"] = static_cast<double>(ru.ru_maxrss) / 1024.0; // ru_maxrss is in KiB on Linux
    return h;
}

std::string host_line(const nlohmann::json& h) {
    std::string s = fmt::format("host: {:.2f} s wall, {:.3g} simulated s per wall s, {:.0f} ns per bus transaction",
                                h["wall_s"].get<double>(), h["simulated_s_per_wall_s"].get<double>(),
                                h["host_ns_per_bus_transaction"].get<double>());
    if (h.contains("host_us_per_io"))
        s += fmt::format(", {:.1f} us per I/O ({:.3g} I/Os per wall s)", h["host_us_per_io"].get<double>(),
                         h["ios_per_wall_s"].get<double>());
    if (h.contains("host_us_per_copy"))
        s += fmt::format(", {:.1f} us per copy ({:.3g} B copied per wall s)", h["host_us_per_copy"].get<double>(),
                         h["copied_bytes_per_wall_s"].get<double>());
    s += fmt::format(", {} delta cycles, peak RSS {:.1f} MiB", h["delta_cycles"].get<std::uint64_t>(),
                     h["peak_rss_mib"].get<double>());
    return s;
}

int run_scenario(const run_opts& o) {
    auto sc = o.scenario.empty() ? config::load_default_scenario(o.sets) : config::load_scenario(o.scenario, o.sets);
    // Paths are assigned as given (not re-parsed as YAML through --set).
    if (!o.out.empty()) sc.run.output = o.out;
    if (!o.waves.empty()) sc.run.waves = o.waves;
    if (!o.trace.empty()) sc.run.trace = o.trace;
    if (!o.fio.empty()) {
        sc.workload.kind = "fio";
        sc.workload.fio.file = o.fio;
    }
    const fs::path out = sc.run.output;
    fs::create_directories(out);
    write_file(out / "scenario.yaml", config::dump_yaml(sc));

    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    if (!sc.run.trace.empty()) tlm::trace_events::instance().enable(true);
    platform::platform plat(sc);
    if (!sc.run.waves.empty()) {
        if (!sc.run.waves.ends_with(".vcd")) throw std::runtime_error("--waves: the file name must end in .vcd");
        if (fs::path(sc.run.waves).has_parent_path()) fs::create_directories(fs::path(sc.run.waves).parent_path());
        plat.enable_waves(sc.run.waves);
    }
    const bool bar_on = sc.run.progress && !o.quiet && platform::progress_bar::stderr_is_terminal();
    platform::progress_bar bar(bar_on);
    const auto t0 = std::chrono::steady_clock::now();
    std::ofstream series_file;
    std::unique_ptr<tlm::stats_series> series;
    if (sc.run.stats_interval) {
        series_file.open(out / "timeseries.csv");
        if (!series_file) throw std::runtime_error("cannot write " + (out / "timeseries.csv").string());
        series = std::make_unique<tlm::stats_series>(series_file);
    }
    const auto res = plat.run(bar, series.get());
    if (series && !series_file.flush()) throw std::runtime_error("cannot write " + (out / "timeseries.csv").string());
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    nlohmann::json j;
    j["ddisim_version"] = "0.1.0";
    j["seed"] = sc.run.seed;
    j["timing"] = sc.run.timing;
    j["headline"] = plat.headline(res);
    // What the simulated kernel and the DMA-API checker noticed.
    j["software"] = platform::software_report(plat.kernel());
    if (res.series_stopped_ps) // timeseries.csv reached run.stats_rows_max
        j["timeseries"] = {{"rows", series->rows()}, {"stopped_at_ns", res.series_stopped_ps / 1000}};
    j["stats"] = tlm::stats_registry::instance().to_json();
    write_file(out / "results.json", j.dump(2) + "\n");
    std::size_t fio_logs = 0;     // write_lat_log & co.: how many, and the first one's name
    std::string first_fio_log;
    if (const auto* fr = plat.fio()) {
        write_file(out / "fio.json", config::fio_json(fr->report_info(), fr->results()).dump(2) + "\n");
        for (const auto& [name, text] : fr->log_files()) {
            write_file(out / name, text);
            if (!fio_logs++) first_fio_log = name;
        }
    }
    const auto host = host_report(wall, res.end_ps, j["headline"]);
    write_file(out / "host.json", host.dump(2) + "\n");
    {
        std::ofstream csv(out / "stats.csv");
        tlm::stats_registry::instance().write_csv(csv);
    }
    if (!sc.run.trace.empty()) {
        const fs::path tp = sc.run.trace;
        if (tp.has_parent_path()) fs::create_directories(tp.parent_path());
        std::ofstream tf(tp);
        tlm::trace_events::instance().write(tf);
        if (!tf) throw std::runtime_error("cannot write " + sc.run.trace);
    }

    if (!o.quiet) {
        const auto& h = j["headline"];
        std::cout << fmt::format("ddisim run: {} timing, seed {}, simulated {} in {:.2f} s wall ({})\n",
                                 sc.run.timing, sc.run.seed, tlm::format_time_readable(res.end_ps), wall,
                                 !res.software_error.empty() ? "stopped: the software could not run the workload"
                                 : res.workload_done    ? "workload complete"
                                 : !res.panic.empty() ? "stopped: simulated kernel panic"
                                 : res.stalled        ? "stopped: no workload progress for run.stall_timeout"
                                 : res.hit_duration   ? "stopped at run.duration"
                                 : res.starved        ? "stopped: no activity left, workload not complete"
                                                      : "stopped: no activity");
        for (const auto& g : h["traffic"]) {
            std::cout << fmt::format("  {:<8} {:>9} txns {:>12} B  {:>10.1f} MB/s  latency mean {:.1f} ns p50 {:.1f} p99 {:.1f}  errors {}\n",
                                     g["name"].get<std::string>(), g["transactions"].get<std::uint64_t>(),
                                     g["bytes"].get<std::uint64_t>(), g["bandwidth_bytes_per_s"].get<double>() / 1e6,
                                     g["latency_ns"]["mean"].get<double>(), g["latency_ns"]["p50"].get<double>(),
                                     g["latency_ns"]["p99"].get<double>(),
                                     g["errors"].get<std::uint64_t>() + g["verify_errors"].get<std::uint64_t>());
        }
        if (h.contains("memcpy")) {
            const auto& m = h["memcpy"];
            std::cout << fmt::format("  memcpy   {:>9} copies {:>11} B  {:>10.1f} MB/s  latency mean {:.1f} ns p50 {:.1f} p99 {:.1f}  "
                                     "failed {} verify errors {}  ({} descriptors, {} windows, {} copy-buffer binds)\n",
                                     m["copies"].get<std::uint64_t>(), m["bytes"].get<std::uint64_t>(),
                                     m["bandwidth_bytes_per_s"].get<double>() / 1e6, m["latency_ns"]["mean"].get<double>(),
                                     m["latency_ns"]["p50"].get<double>(), m["latency_ns"]["p99"].get<double>(),
                                     m["failed"].get<std::uint64_t>(), m["verify_errors"].get<std::uint64_t>(),
                                     m["descriptors"].get<std::uint64_t>(), m["windows"].get<std::uint64_t>(),
                                     m["copybuf_binds"].get<std::uint64_t>());
            if (m.contains("error")) std::cout << "  memcpy   could not run: " << m["error"].get<std::string>() << "\n";
        }
        if (h.contains("fio")) {
            const auto& f = h["fio"];
            auto lat = [](const nlohmann::json& l) {
                return fmt::format("clat p50 {:.1f} us p99 {:.1f} us p99.9 {:.1f} us", l["p50"].get<double>() / 1e3,
                                   l["p99"].get<double>() / 1e3, l["p99.9"].get<double>() / 1e3);
            };
            const std::string disk = f.value("disk", std::string());
            std::cout << fmt::format("  fio on {}:\n", disk.empty() ? "no disk (not attached)" : disk);
            for (const auto& jb : f["jobs"]) {
                std::string l;
                if (jb.contains("read_clat_ns")) l += "  read " + lat(jb["read_clat_ns"]);
                if (jb.contains("write_clat_ns")) l += "  write " + lat(jb["write_clat_ns"]);
                if (jb.contains("sync_lat_ns"))
                    l += fmt::format("  {} fsyncs p50 {:.1f} us p99 {:.1f} us", jb["fsyncs"].get<std::uint64_t>(),
                                     jb["sync_lat_ns"]["p50"].get<double>() / 1e3,
                                     jb["sync_lat_ns"]["p99"].get<double>() / 1e3);
                if (jb.contains("group")) l += fmt::format("  group {}", jb["group"].get<unsigned>());
                if (jb.contains("target")) l += fmt::format("  on t{}", jb["target"].get<unsigned>());
                if (jb.contains("min_rate_missed")) {
                    const auto& m = jb["min_rate_missed"];
                    l += fmt::format("  (min {} rate not met: {:.0f} {} < {:.0f})", m["direction"].get<std::string>(),
                                     m["got"].get<double>(), m["unit"].get<std::string>(), m["min"].get<double>());
                }
                if (jb.value("terminated", false))
                    l += jb.value("started", true) ? "  (terminated)" : "  (terminated before it started)";
                std::cout << fmt::format("  {:<16} {:<9} QD {:<3} {:>9} I/Os {:>11.0f} IOPS {:>9.1f} MB/s{}  errors {}{}\n",
                                         jb["name"].get<std::string>() +
                                             (jb["clone"].get<unsigned>() ? fmt::format(".{}", jb["clone"].get<unsigned>()) : ""),
                                         jb["rw"].get<std::string>(), jb["iodepth"].get<unsigned>(), jb["ios"].get<std::uint64_t>(),
                                         jb["iops"].get<double>(), jb["bw_bytes_per_s"].get<double>() / 1e6, l,
                                         jb["errors"].get<std::uint64_t>(),
                                         jb.contains("verify_errors")
                                             ? fmt::format(", verify errors {}", jb["verify_errors"].get<std::uint64_t>())
                                             : "");
                if (jb.contains("verify_mismatch")) {
                    const auto& m = jb["verify_mismatch"];
                    std::cout << fmt::format("    first verify mismatch: the {}-byte write at offset {}", m["length"].get<std::uint64_t>(),
                                             m["offset"].get<std::uint64_t>());
                    if (m.contains("byte"))
                        std::cout << fmt::format(", byte {}: read 0x{:02x}, wrote 0x{:02x}", m["byte"].get<std::uint64_t>(),
                                                 m["got"].get<unsigned>(), m["wanted"].get<unsigned>());
                    else
                        std::cout << ": its crc32c differs";
                    std::cout << "\n";
                }
            }
            if (f.contains("groups")) {
                // fio's "Run status group N": stonewall / new_group groups
                unsigned g = 0;
                for (const auto& gr : f["groups"])
                    std::cout << fmt::format("  {:<16} {:<9} {:<6} {:>9} I/Os {:>11.0f} IOPS {:>9.1f} MB/s  from {:.3f} ms for {:.3f} ms\n",
                                             fmt::format("group {}", g++), "", "", gr["ios"].get<std::uint64_t>(),
                                             gr["iops"].get<double>(), gr["bw_bytes_per_s"].get<double>() / 1e6,
                                             gr["start_ns"].get<double>() / 1e6, gr["runtime_ns"].get<double>() / 1e6);
            }
            if (f.contains("disks")) {
                // jobs on several disks: each disk's totals and its sd's counts
                static const nlohmann::json no_sd = nlohmann::json::object(); // the disk was never attached
                for (const auto& d : f["disks"]) {
                    const auto& sd = d.contains("sd") ? d["sd"] : no_sd;
                    std::cout << fmt::format("  {:<16} {:<9} {:<6} {:>9} I/Os {:>11.0f} IOPS {:>9.1f} MB/s  {}, sd: {} "
                                             "commands, {} retries, {} bufs failed\n",
                                             fmt::format("disk t{}", d["target"].get<unsigned>()), "", "",
                                             d["ios"].get<std::uint64_t>(), d["iops"].get<double>(),
                                             d["bw_bytes_per_s"].get<double>() / 1e6, d.value("disk", std::string("not attached")),
                                             sd.value("commands", std::uint64_t{0}), sd.value("retries", std::uint64_t{0}),
                                             sd.value("errors", std::uint64_t{0}));
                }
            }
            const auto& t = f["total"];
            std::cout << fmt::format("  {:<16} {:<9} {:<6} {:>9} I/Os {:>11.0f} IOPS {:>9.1f} MB/s  {}\n", "total", "", "",
                                     t["ios"].get<std::uint64_t>(), t["iops"].get<double>(),
                                     t["bw_bytes_per_s"].get<double>() / 1e6, lat(t["clat_ns"]));
            if (f.contains("error")) std::cout << "  fio      could not run: " << f["error"].get<std::string>() << "\n";
            const auto& sd = f["sd"];
            std::cout << fmt::format("  sd: {} commands ({} windows and {} chunks beyond each buf's first), {} retries, "
                                     "{} bufs failed; hba: {} commands, {} interrupts\n",
                                     sd["commands"].get<std::uint64_t>(), sd.value("windows", std::uint64_t{0}),
                                     sd["chunks"].get<std::uint64_t>(), sd["retries"].get<std::uint64_t>(),
                                     sd["errors"].get<std::uint64_t>(), f["hba"]["commands"].get<std::uint64_t>(),
                                     f["hba"]["interrupts"].get<std::uint64_t>());
        }
        if (h.contains("cpu") && h["cpu"]["charged_ns"].get<std::uint64_t>() > 0) {
            const auto& c = h["cpu"];
            std::string per;
            if (h.contains("fio"))
                per = fmt::format(", {:.2f} us per I/O (+ {:.2f} us in its own bus accesses)",
                                  h["fio"]["cpu_ns_per_io"].get<double>() / 1e3,
                                  h["fio"].value("cpu_bus_wait_ns_per_io", 0.0) / 1e3);
            if (h.contains("memcpy"))
                per = fmt::format(", {:.2f} us per copy (+ {:.2f} us in its own bus accesses)",
                                  h["memcpy"]["cpu_ns_per_copy"].get<double>() / 1e3,
                                  h["memcpy"].value("cpu_bus_wait_ns_per_copy", 0.0) / 1e3);
            if (c.contains("cpus"))
                per += fmt::format("; {} CPU{} {:.1f} % busy, {:.3f} ms waited for one", c["cpus"].get<unsigned>(),
                                   c["cpus"].get<unsigned>() == 1 ? "" : "s", c["utilisation"].get<double>() * 100,
                                   c["cpu_wait_ns"].get<double>() / 1e6);
            std::cout << fmt::format("  cpu: {:.3f} ms charged by the software ({:.1f} % of simulated time){}\n",
                                     c["charged_ns"].get<double>() / 1e6, c["busy_fraction"].get<double>() * 100, per);
        }
        std::cout << "  " << platform::software_summary(j["software"]) << "\n";
        std::cout << "  " << host_line(host) << "\n";
        if (!o.no_stats_text) {
            std::cout << "statistics:\n";
            tlm::stats_registry::instance().write_text(std::cout);
        }
        std::cout << fmt::format("results: {}  {}  {}", (out / "results.json").string(), (out / "stats.csv").string(),
                                 (out / "host.json").string());
        if (plat.fio()) {
            std::cout << "  " << (out / "fio.json").string();
            if (fio_logs) std::cout << fmt::format("  {} fio log file(s) ({} …)", fio_logs, (out / first_fio_log).string());
        }
        if (series) std::cout << "  " << (out / "timeseries.csv").string();
        if (!sc.run.waves.empty()) std::cout << "  waves: " << sc.run.waves;
        if (!sc.run.trace.empty()) std::cout << "  trace: " << sc.run.trace;
        std::cout << "\n";
    }
    for (const auto& n : platform::scenario_notes(sc)) std::cerr << "note: " << n << "\n";
    if (res.series_stopped_ps)
        std::cerr << fmt::format("note: timeseries.csv stops at {} rows (run.stats_rows_max), at {}; the run went on "
                                 "to {}\n",
                                 series->rows(), tlm::format_time_readable(res.series_stopped_ps),
                                 tlm::format_time_readable(res.end_ps));
    if (const auto* fr = plat.fio()) {
        for (const auto& n : fr->jobs().notes) std::cerr << "note: " << n.to_string() << "\n";
        if (const auto& e = fr->first_error()) {
            std::cerr << "ddisim run: " << e->what() << "\n";
            return 2;
        }
    }
    if (!res.software_error.empty())
        std::cerr << "ddisim run: the software could not run the workload: " << res.software_error
                  << " (exit status 1)\n";
    if (!res.panic.empty())
        std::cerr << "ddisim run: the simulated kernel panicked: " << res.panic
                  << "; the run ended there (exit status 1)\n";
    if (res.starved)
        std::cerr << fmt::format("ddisim run: the software did not finish: at {} nothing was left to simulate while "
                                 "it still waited (for an interrupt or a completion that never came); see the "
                                 "statistics for what was outstanding (exit status 1)\n",
                                 tlm::format_time_readable(res.end_ps));
    if (res.stalled)
        std::cerr << fmt::format("ddisim run: no workload progress for {} of simulated time (no I/O, copy or generator "
                                 "transaction completed): stopped at {}; the software was still running, e.g. "
                                 "retrying for DMA resources that never free (run.stall_timeout; exit status 1)\n",
                                 tlm::format_time_readable(sc.run.stall_timeout), tlm::format_time_readable(res.end_ps));
    if (const std::uint64_t other = res.transaction_errors())
        std::cerr << fmt::format("ddisim run: {} transactions ended with an error or failed verification (exit status 1)\n",
                                 other);
    return res.errors ? 1 : 0;
}

int run(const run_opts& o) {
    try {
        return run_scenario(o);
    } catch (const config::fio_error& e) {
        std::cerr << "ddisim run: " << e.what() << "\n";
        return 2;
    }
}

app::command_registrar reg{"run", 10, [](CLI::App& root) {
    auto o = std::make_shared<run_opts>();
    auto* c = root.add_subcommand("run", "Simulate a scenario (no file: the embedded default scenario)");
    c->add_option("scenario", o->scenario, "Scenario YAML file")->check(CLI::ExistingFile);
    c->add_option("--set", o->sets, "Override a scenario key, e.g. --set platform.bus.clock=2GHz (repeatable)")
        ->allow_extra_args(false);
    c->add_option("--out", o->out, "Output folder (overrides run.output)");
    c->add_option("--waves", o->waves, "Write a VCD waveform file (FILE.vcd) for GTKWave");
    c->add_option("--fio", o->fio, "Run the fio job file FILE on the HBA's disk (sets workload.kind fio)")
        ->check(CLI::ExistingFile);
    c->add_option("--trace", o->trace, "Write a Chrome/Perfetto trace-event JSON file");
    c->add_flag("-q,--quiet", o->quiet, "No progress bar and no summary");
    c->add_flag("--brief", o->no_stats_text, "Summary without the statistics listing");
    c->callback([o] { app::set_exit_status(run(*o)); });
}};

} // namespace
