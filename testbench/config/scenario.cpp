// The scenario schema: run, platform, software and workload sections.
#include "testbench/config/scenario.h"

namespace ddisim::config {

void describe(tlm::param_group& g, run_config& c) {
    g.count("seed", c.seed, "master seed; every random stream of the run derives from it");
    g.choice("timing", c.timing, {"lt", "at"},
             "timing style: lt = loosely timed (b_transport, quantum, DMI), at = approximately timed (nb_transport, 4 phases)");
    g.time("quantum", c.quantum, "LT temporal-decoupling quantum of every initiator", {.min = 1, .max = {}});
    g.time("duration", c.duration, "simulated time after which the run stops (0 = when the workload ends)");
    g.time("stall_timeout", c.stall_timeout,
           "simulated time without workload progress (no I/O, copy or generator transaction completed) after which "
           "the run stops as stalled, e.g. software retrying for DMA resources that never free (0 = never; raise it "
           "for fio startdelay or thinktime longer than this)");
    g.time("stats_interval", c.stats_interval,
           "write timeseries.csv into the output folder: a row of statistics every this much simulated time, "
           "counters as their increase, time averages and histogram counts and means over the interval (0 = none)");
    g.count("stats_rows_max", c.stats_rows_max,
            "timeseries.csv holds at most this many rows: a run.duration that would need more is refused; a run "
            "without one that gets there stops the series, says so and runs on",
            {1, 1e12});
    g.text("output", c.output, "folder for results (created if missing)");
    g.flag("progress", c.progress, "print progress lines on stderr while running");
    g.text("stats", c.stats, "statistics JSON file, relative to output (empty = none)");
    g.text("waves", c.waves, "VCD file for GTKWave (empty = none)");
    g.text("trace", c.trace, "Perfetto/Chrome JSON transaction trace (empty = none)");
}

void describe(tlm::param_group& g, platform_config& c) {
    describe(g.group("memory", "DRAM: size of the low and high regions, latency, bandwidth"), c.memory);
    describe(g.group("bus", "interconnect: clock, width, bursts, arbitration, latencies"), c.bus);
    describe(g.group("iommu", "I/O MMU between the DMA devices and the bus: IOTLB, walk cache, latencies"), c.iommu);
    describe(g.group("intc", "interrupt controller: MSI-style vectors to the CPU"), c.intc);
    auto& d = g.group("dmac", "DMA controller: channels, bursts, outstanding transactions");
    d.flag("present", c.dmac.present, "a DMA controller on the bus (behind the IOMMU when iommu.enable)");
    d.count("address_bits", c.dmac.address_bits,
            "DMA addressing of the device: 32 makes its driver declare dma_attr_addr_hi 0xffffffff (copy buffers or the IOMMU for high memory)",
            {32, 64});
    describe(d, c.dmac.config);
    describe(d.group("pcie", "the DMA controller's PCI Express link to the root complex (docs/pcie.md)"), c.dmac.pcie);
    auto& h = g.group("hba", "SCSI host bus adapter and the disks behind it");
    h.flag("present", c.hba.present, "an HBA on the bus (behind the IOMMU when iommu.enable), with its disks");
    h.count("address_bits", c.hba.address_bits,
            "data DMA addressing of the HBA: 32 makes its driver declare data dma_attr_addr_hi 0xffffffff (copy buffers or the IOMMU for high memory)",
            {32, 64});
    describe(h, c.hba.config);
    describe(h.group("pcie", "the HBA's PCI Express link to the root complex (docs/pcie.md)"), c.hba.pcie);
    g.list_of("traffic", "traffic generators, each an initiator on the bus", c.traffic);
}

void describe(tlm::param_group& g, software_config& c) {
    g.choice("fidelity", c.fidelity, {"illumos", "fixed"},
             "illumos reproduces the spec's documented bugs (each reported once as a named diagnostic); fixed behaves as documented");
    g.flag("debug_checks", c.debug_checks, "DEBUG-kernel checks: BADATTR at handle allocation, INUSE on re-bind, sync range and direction");
    g.flag("dma_api_checker", c.dma_api_checker, "DMA-API misuse checker: bind of a bound handle, double unbind, missing sync, leaked handles");
    g.choice("placement", c.placement, {"contiguous", "random", "high_first"},
             "physical page placement of kernel allocations (random is seeded from run.seed)");
    g.choice("iommu", c.iommu, {"none", "vtd"}, "DDI IOMMU path: none (x86 rootnex) or vtd (Intel VT-d-like DVMA binds)");
    g.choice("iommu_unmap", c.iommu_unmap, {"by_fidelity", "strict", "deferred", "never"},
             "IOMMU unbind policy: strict invalidates at every unbind, deferred batches, never keeps stale entries (illumos); by_fidelity = never under illumos, strict under fixed");
    g.flag("iommu_fault_interrupt", c.iommu_fault_interrupt,
           "the IOMMU driver enables the fault interrupt: its handler reads each fault record when it is logged and reports it as diagnostic iommu-fault (false: records stay in the IOMMU's fault ring; iommu.faults counts them either way)");
    g.count("iommu_deferred_batch", c.iommu_deferred_batch, "unbinds per IOTLB flush with iommu_unmap: deferred", {1, 1 << 20});
    g.time("iommu_deferred_timeout", c.iommu_deferred_timeout,
           "with iommu_unmap: deferred, also flush once the oldest queued unbind is this old, checked at the next bind or unbind (0 = no time bound)");
    g.size("copybuf_max", c.copybuf_max, "largest copy buffer per bind (dma_max_copybuf_size)", {4096, double(1ull << 32)});
    g.size("copybuf_space", c.copybuf_space, "bytes of copy buffers in use at once (0 = unlimited)");
    g.count("handle_limit", c.handle_limit, "live DMA handles before allocation fails with NORESOURCES (0 = unlimited)");
    g.size("dvma_space", c.dvma_space, "bytes of DVMA space per IOMMU domain (0 = unlimited)");
    g.flag("sync_ignore_params", c.sync_ignore_params, "rootnex_sync_ignore_params: ddi_dma_sync always covers the whole window");
    g.size("sd_max_xfer", c.sd_max_xfer,
           "sd's largest transfer per command (illumos sd_max_xfer_size), lowered to the HBA's dma-max at attach; larger bufs are broken up into chunks transferred one after another",
           {512, double(1ull << 32)});
    g.count("cpus", c.cpus,
            "CPUs the software threads share: 0 = one per thread (CPU time never contends); n: each piece of CPU time "
            "(the costs below, interrupt entry, busy-wait polling) runs on the CPU free first from the thread's time, "
            "and a thread waits when all are busy (cpu.cpu_wait, cpu.utilisation)",
            {0, 4096});
    auto& k = g.group("costs", "CPU time the simulated software charges per operation");
    k.time("bind_base", c.costs.bind_base, "one DMA bind call, fixed part");
    k.time("bind_per_page", c.costs.bind_per_page, "DMA bind, per page piece walked");
    k.time("unbind", c.costs.unbind, "one DMA unbind");
    k.time("copy_per_kib", c.costs.copy_per_kib, "copy-buffer bcopy, per KiB copied");
    k.time("iommu_map_per_page", c.costs.iommu_map_per_page, "IOMMU mapping work per page (the PTE writes also cost bus time)");
    k.time("intr_latency", c.costs.intr_latency, "from the interrupt controller raising the CPU's line to the handler starting");
}

void describe(tlm::param_group& g, workload_config& c) {
    g.choice("kind", c.kind, {"traffic", "memcpy", "fio"},
             "software workload on the simulated CPU besides the traffic generators: traffic = none; memcpy = copies by the DMA controller driver (needs platform.dmac.present); fio = fio jobs through sd and the HBA driver (needs platform.hba.present)");
    describe(g.group("memcpy", "kind memcpy: buffer copies through the DMA controller, every byte checked"), c.memcpy);
    auto& f = g.group("fio", "kind fio: fio jobs on the HBA's disks (docs/fio.md; `ddisim run --fio FILE` sets file)");
    f.text("file", c.fio.file, "fio job file (empty: the inline job text)");
    f.text("job", c.fio.job, "inline fio job-file text, used when file is empty");
    f.text("vars", c.fio.vars,
           "values for ${NAME} in the job text or file, as NAME=VALUE separated by ';' (e.g. QD=8;RATE=20000); "
           "they come before the environment, and let ddisim sweep vary fio options");
    f.count("target", c.fio.target,
            "HBA target (index into platform.hba.targets) the jobs run on, unless a job's filename names another", {0, 255});
    f.text("devices", c.fio.devices,
           "device names of the job file standing for HBA targets, as NAME=TARGET separated by ';' (e.g. "
           "/dev/sdb=0;/dev/sdc=1): a job whose filename is NAME runs on that target, so a job file written for "
           "another machine runs unchanged (illumos names, /dev/rdsk/c0t<N>d0p0, need no entry)");
}

void describe(tlm::param_group& g, sweep_param& c) {
    g.text("key", c.key, "scenario key path to sweep, as for --set (e.g. platform.memory.latency)");
    g.text("values", c.values, "the values, comma-separated (e.g. 45ns,60ns,90ns)");
}

void describe(tlm::param_group& g, sweep_config& c) {
    g.list_of("params", "swept keys for `ddisim sweep` (the grid is every combination; the first varies slowest)", c.params);
    g.count("jobs", c.jobs, "points `ddisim sweep` runs at once (0 = one per CPU core; -j overrides)", {0, 4096});
}

void describe(tlm::param_group& root, scenario& s) {
    describe(root.group("run", "how the simulation runs and where results go"), s.run);
    describe(root.group("platform", "the hardware: memory, interconnect and the devices on it"), s.platform);
    describe(root.group("software", "the simulated kernel and DDI layer"), s.software);
    describe(root.group("workload", "what drives I/O"), s.workload);
    describe(root.group("sweep", "parameter sweep run by `ddisim sweep` (ignored by `ddisim run`)"), s.sweep);
}

} // namespace ddisim::config
