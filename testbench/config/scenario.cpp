// The scenario schema: run, platform, software and workload sections.
#include "testbench/config/scenario.h"

namespace ddisim::config {

void describe(tlm::param_group& g, run_config& c) {
    g.count("seed", c.seed, "master seed; every random stream of the run derives from it");
    g.choice("timing", c.timing, {"lt", "at"},
             "timing style: lt = loosely timed (b_transport, quantum, DMI), at = approximately timed (nb_transport, 4 phases)");
    g.time("quantum", c.quantum, "LT temporal-decoupling quantum of every initiator", {.min = 1, .max = {}});
    g.time("duration", c.duration, "simulated time after which the run stops (0 = when the workload ends)");
    g.text("output", c.output, "folder for results (created if missing)");
    g.flag("progress", c.progress, "print progress lines on stderr while running");
    g.text("stats", c.stats, "statistics JSON file, relative to output (empty = none)");
    g.text("waves", c.waves, "VCD file for GTKWave (empty = none)");
    g.text("trace", c.trace, "Perfetto/Chrome JSON transaction trace (empty = none)");
}

void describe(tlm::param_group& g, platform_config& c) {
    describe(g.group("memory", "DRAM: size of the low and high regions, latency, bandwidth"), c.memory);
    describe(g.group("bus", "interconnect: clock, width, bursts, arbitration, latencies"), c.bus);
    g.list_of("traffic", "traffic generators, each an initiator on the bus", c.traffic);
}

void describe(tlm::param_group& g, software_config& c) {
    g.choice("rootnex", c.rootnex, {"x86", "x86-iommu"}, "DDI platform personality: x86 rootnex, or x86 with an IOMMU");
    g.choice("ddi_mode", c.ddi_mode, {"compat", "fixed"},
             "compat reproduces the spec's documented bugs (each with a named diagnostic); fixed behaves as documented");
}

void describe(tlm::param_group& g, workload_config& c) {
    g.choice("kind", c.kind, {"traffic"}, "what drives I/O: traffic = the platform's traffic generators");
}

void describe(tlm::param_group& root, scenario& s) {
    describe(root.group("run", "how the simulation runs and where results go"), s.run);
    describe(root.group("platform", "the hardware: memory, interconnect and the devices on it"), s.platform);
    describe(root.group("software", "the simulated kernel and DDI layer"), s.software);
    describe(root.group("workload", "what drives I/O"), s.workload);
}

} // namespace ddisim::config
