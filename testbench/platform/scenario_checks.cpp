// Cross-key scenario checks — see scenario_checks.h.
#include "testbench/platform/scenario_checks.h"

#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "testbench/config/fio.h"
#include "testbench/platform/address_map.h"
#include "tlm/core/params.h"
#include "tlm/timing.h"

namespace ddisim::platform {

bool has_dma_devices(const config::scenario& s) { return s.platform.dmac.present || s.platform.hba.present; }
bool has_mmio_devices(const config::scenario& s) { return has_dma_devices(s); }

// Cross-key checks the per-key schema cannot express. Each names its keys
// and, when the scenario gave the key it names first, where
// ("scenarios/x.yaml:12:5: …" or "--set '…': …").
void check_scenario(const config::scenario& s) {
    auto refuse = [&](const std::string& key, const std::string& msg) {
        throw std::invalid_argument(s.origin(key) + msg);
    };
    // a PCI Express link's width and sizes: the values the specification allows
    auto check_pcie = [&](const std::string& at, const models::pcie_config& c) {
        const char* f = c.enable ? models::pcie_invalid_field(c) : nullptr;
        if (!f) return;
        static const std::map<std::string, std::string> why = {
            {"gen", "the generations are 1 to 5"},
            {"lanes", "a link has 1, 2, 4, 8, 16 or 32 lanes"},
            {"mps", "Max_Payload_Size is a power of 2 from 128 to 4096"},
            {"mrrs", "Max_Read_Request_Size is a power of 2 from 128 to 4096"},
            {"rcb", "the read completion boundary is 64, 128, 256 or 512 (0: completions split by mps)"}};
        const std::string field = f;
        const std::uint64_t v = field == "gen" ? c.gen : field == "lanes" ? c.lanes : field == "mps" ? c.mps
                                : field == "mrrs" ? c.mrrs : c.rcb;
        refuse(at + "." + field, fmt::format("{}.{} is {}: {}", at, field, v, why.at(field)));
    };
    check_pcie("platform.hba.pcie", s.platform.hba.pcie);
    check_pcie("platform.dmac.pcie", s.platform.dmac.pcie);
    for (std::size_t i = 0; i < s.platform.traffic.size(); ++i)
        check_pcie(fmt::format("platform.traffic.{}.pcie", i), s.platform.traffic[i].pcie);
    const auto& m = s.platform.memory;
    if (m.low_size == 0 && m.high_size == 0)
        refuse("platform.memory.low_size", "platform.memory: low_size and high_size are both 0: there is no memory");
    if (has_mmio_devices(s) && m.low_size > address_map::mmio_window_base)
        refuse("platform.memory.low_size",
               fmt::format("platform.memory.low_size ({:#x}) reaches into the MMIO window at {:#x} where the device "
                           "registers live (platform.dmac.present / platform.iommu): make low_size at most {:#x}",
                           m.low_size, address_map::mmio_window_base, address_map::mmio_window_base));
    if (has_mmio_devices(s) && s.platform.intc.vectors <= address_map::hba_vector)
        refuse("platform.intc.vectors",
               fmt::format("platform.intc.vectors ({}) is too small: the platform's devices use vectors up to {}",
                           s.platform.intc.vectors, address_map::hba_vector));
    if (s.workload.kind == "memcpy" && !s.platform.dmac.present)
        refuse("workload.kind", "workload.kind is memcpy but platform.dmac.present is false: there is no DMA "
                                "controller to copy with");
    if (s.workload.kind == "fio" && !s.platform.hba.present)
        refuse("workload.kind", "workload.kind is fio but platform.hba.present is false: there is no HBA and disk to "
                                "run the jobs on");
    if (s.platform.hba.present && s.platform.hba.config.targets.empty())
        refuse("platform.hba.targets", "platform.hba.targets is empty: the HBA needs at least one disk");
    if (s.workload.kind == "fio" && s.workload.fio.target >= s.platform.hba.config.targets.size())
        refuse("workload.fio.target",
               fmt::format("workload.fio.target ({}) is not a target of the HBA: platform.hba.targets has {} disk(s)",
                           s.workload.fio.target, s.platform.hba.config.targets.size()));
    try {
        (void)config::parse_fio_vars(s.workload.fio.vars);
    } catch (const std::invalid_argument& e) {
        refuse("workload.fio.vars", fmt::format("workload.fio.vars: {}", e.what()));
    }
    std::map<std::string, unsigned> devices;
    try {
        devices = config::parse_fio_devices(s.workload.fio.devices);
    } catch (const std::invalid_argument& e) {
        refuse("workload.fio.devices", fmt::format("workload.fio.devices: {}", e.what()));
    }
    for (const auto& [name, t] : devices)
        if (s.workload.kind == "fio" && t >= s.platform.hba.config.targets.size())
            refuse("workload.fio.devices",
                   fmt::format("workload.fio.devices: {} stands for target {}, but platform.hba.targets has {} disk(s)",
                               name, t, s.platform.hba.config.targets.size()));
    if (s.workload.kind == "fio" && s.workload.fio.file.empty() && s.workload.fio.job.empty())
        refuse("workload.kind", "workload.kind is fio but workload.fio.file and workload.fio.job are both empty: give "
                                "a job file (--fio FILE)");
    if (const auto& h = s.platform.hba.config;
        s.workload.kind == "fio" && h.coalesce_count > 1 && h.coalesce_time / 1000 == 0)
        refuse("platform.hba.coalesce_count",
               fmt::format("platform.hba.coalesce_count is {} with no coalescing timer (platform.hba.coalesce_time is "
                           "{} ps, under 1 ns): a reply's interrupt waits for {} more replies, and the disk driver's "
                           "attach sends one command at a time, so it would wait forever; set "
                           "platform.hba.coalesce_time (e.g. 20us) or coalesce_count 1",
                           h.coalesce_count, h.coalesce_time, h.coalesce_count - 1));
    if (s.run.stats_interval && s.run.duration && s.run.duration / s.run.stats_interval > s.run.stats_rows_max)
        refuse("run.stats_interval",
               fmt::format("run.stats_interval {} over run.duration {} is {} rows, above run.stats_rows_max ({}): "
                           "lengthen the interval or raise run.stats_rows_max",
                           tlm::format_time_readable(s.run.stats_interval), tlm::format_time_readable(s.run.duration),
                           s.run.duration / s.run.stats_interval, s.run.stats_rows_max));
    if (s.software.iommu == "vtd" && !s.platform.iommu.enable)
        refuse("software.iommu", "software.iommu is vtd but platform.iommu.enable is false: there is no IOMMU to "
                                 "program");
    for (std::size_t i = 0; i < s.platform.traffic.size(); ++i) {
        const auto& t = s.platform.traffic[i];
        const std::string at = fmt::format("platform.traffic.{}", i);
        if (t.count == 0 && t.time_limit == 0 && s.run.duration == 0)
            refuse(at, fmt::format("{}: count and time_limit are both 0 and run.duration is 0: the run would never "
                                   "end", at));
        if (t.range < t.size)
            refuse(at + ".range", fmt::format("{}: range ({} B) is smaller than size ({} B)", at, t.range, t.size));
    }
}

namespace {
// 1.49925GHz: six significant digits in the largest unit below the value.
std::string approx_frequency(double hz) {
    if (hz >= 1e12) return fmt::format("{:.6g}THz", hz / 1e12);
    if (hz >= 1e9) return fmt::format("{:.6g}GHz", hz / 1e9);
    if (hz >= 1e6) return fmt::format("{:.6g}MHz", hz / 1e6);
    if (hz >= 1e3) return fmt::format("{:.6g}kHz", hz / 1e3);
    return fmt::format("{:.6g}Hz", hz);
}
} // namespace

std::vector<std::string> scenario_notes(const config::scenario& s) {
    std::vector<std::string> notes;
    auto clock = [&](const std::string& key, double hz) {
        const tlm::ps_t p = tlm::period_ps(hz);
        if (static_cast<double>(p) * hz == 1e12) return;
        notes.push_back(fmt::format("{}{}: {} has a period of {:.6g} ps, simulated as {} ps ({}): times are whole "
                                    "picoseconds",
                                    s.origin(key), key, tlm::format_frequency(hz), 1e12 / hz, p,
                                    approx_frequency(1e12 / static_cast<double>(p))));
    };
    clock("platform.bus.clock", s.platform.bus.clock);
    clock("platform.memory.clock", s.platform.memory.clock);
    return notes;
}

} // namespace ddisim::platform
