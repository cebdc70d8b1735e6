// ddisim::config::scenario — everything one run needs: run settings, the
// platform (one config struct per hardware model), software settings and the
// workload. The schema is the describe() functions: each field is listed once
// with key, kind, unit, range and doc, and the parser, `ddisim config
// --reference` and docs/scenario-reference.md are all built from them.
//
// Defaults here are the documented defaults: a scenario file overlays these
// C++ defaults (it does not overlay scenarios/default.yaml, which is just the
// scenario `ddisim run` uses when given none). Plain C++, no SystemC.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/bus/bus_config.h"
#include "models/dmac/dmac_config.h"
#include "models/hba/hba_config.h"
#include "models/intc/intc_config.h"
#include "models/iommu/iommu_config.h"
#include "models/memory/memory_config.h"
#include "models/pcie/pcie_config.h"
#include "models/tgen/tgen_config.h"
#include "testbench/workloads/memcpy_config.h"
#include "tlm/core/params.h"

namespace ddisim::config {

// `run:` — how the simulation is run and where results go.
struct run_config {
    std::uint64_t seed = 1;          // master seed; every random stream derives from it
    std::string timing = "lt";       // lt (loosely timed, b_transport + quantum) | at (approximately timed)
    std::uint64_t quantum = 1000000; // ps, LT temporal-decoupling quantum
    std::uint64_t duration = 0;      // ps of simulated time before the run stops (0 = until the workload ends)
    std::uint64_t stall_timeout = 10'000'000'000'000; // ps without workload progress before the run stops (0 = never)
    std::uint64_t stats_interval = 0; // ps between rows of timeseries.csv (0 = no time series)
    std::uint64_t stats_rows_max = 1000000; // rows of timeseries.csv at most (beyond: the series stops, with a note)
    std::string output = "out";      // folder for results (created if missing)
    bool progress = true;            // print progress lines on stderr while running
    std::string stats = "stats.json";// statistics file inside `output` ("" = none)
    std::string waves = "";          // VCD file for GTKWave ("" = none; relative to the working folder)
    std::string trace = "";          // Perfetto/Chrome JSON transaction trace ("" = none)
};

// `platform.dmac:` — the DMA controller is optional; its fields are the
// model's own config (models/dmac/dmac_config.h).
struct dmac_slot {
    bool present = false;           // a DMA controller on the bus (behind the IOMMU when there is one)
    unsigned address_bits = 64;     // DMA addressing of the device: 32 makes its driver declare dma_attr_addr_hi 0xffffffff
    models::dmac_config config;
    models::pcie_config pcie;       // its PCI Express link to the root complex (off: none)
};

// `platform.hba:` — the SCSI host bus adapter and its disks (optional); its
// fields are the model's own config (models/hba/hba_config.h).
struct hba_slot {
    bool present = false;           // an HBA on the bus (behind the IOMMU when there is one)
    unsigned address_bits = 64;     // data DMA addressing: 32 makes its driver declare data dma_attr_addr_hi 0xffffffff
    models::hba_config config;
    models::pcie_config pcie;       // its PCI Express link to the root complex (off: none)
};

// `platform:` — the hardware. Device registers live in the MMIO window
// below 4 GiB (testbench/platform/address_map.h); low DRAM must end below it.
struct platform_config {
    models::memory_config memory;
    models::bus_config bus;
    models::iommu_config iommu;               // between the DMA-capable devices and the bus
    models::intc_config intc;                 // interrupt controller (built when a device has an interrupt)
    dmac_slot dmac;
    hba_slot hba;
    std::vector<models::tgen_config> traffic; // traffic generators on the bus
};

// `software.costs:` — CPU time the simulated software charges (ps here; the
// kernel's cost_model keeps ns).
struct cost_config {
    std::uint64_t bind_base = 300000;        // one bind call, fixed part
    std::uint64_t bind_per_page = 40000;     // per page piece of a bind
    std::uint64_t unbind = 150000;           // one unbind
    std::uint64_t copy_per_kib = 60000;      // copy-buffer bcopy, per KiB
    std::uint64_t iommu_map_per_page = 80000; // IOMMU PTE setup, per page (the PTE writes cost bus time on top)
    std::uint64_t intr_latency = 1000000;    // interrupt controller output → handler starts
};

// `software:` — the simulated kernel and DDI DMA layer (sw/kernel, sw/ddi).
// Plain values here; testbench/platform/software.cpp turns them into the
// kernel's own config (sw/kernel/kernel.h), so this header needs no sw/.
// Limits use 0 for "unlimited".
struct software_config {
    std::string fidelity = "illumos";   // illumos: reproduce the spec's §8 behaviours (named diagnostics) | fixed
    bool debug_checks = false;          // DEBUG-kernel checks: BADATTR, INUSE, sync range/direction
    bool dma_api_checker = true;        // DMA-API misuse checker (double unbind, missing sync, leaks …)
    std::string placement = "contiguous"; // physical page placement: contiguous | random | high_first
    std::string iommu = "none";         // none | vtd: the DDI's IOMMU path (devices in translated domains)
    std::string iommu_unmap = "by_fidelity"; // by_fidelity | strict | deferred | never
    bool iommu_fault_interrupt = true;  // the IOMMU driver takes the fault interrupt (diagnostic iommu-fault per record)
    unsigned iommu_deferred_batch = 16; // unbinds per IOTLB flush with iommu_unmap = deferred
    std::uint64_t iommu_deferred_timeout = 0; // ps; deferred also flushes once the oldest queued unbind is this old (0 = no bound)
    std::uint64_t copybuf_max = 0x101000; // largest copy buffer per bind (dma_max_copybuf_size)
    std::uint64_t copybuf_space = 0;    // bytes of copy buffers in use at once (0 = unlimited)
    std::uint64_t handle_limit = 0;     // live DMA handles (0 = unlimited)
    std::uint64_t dvma_space = 0;       // bytes of DVMA space per IOMMU domain (0 = unlimited)
    bool sync_ignore_params = false;    // rootnex_sync_ignore_params: sync whole windows
    std::uint64_t sd_max_xfer = 1ull << 20; // sd's largest transfer per command (sd_max_xfer_size); dma-max lowers it
    unsigned cpus = 0;                  // CPUs the software threads share (0: one per thread, no contention)
    cost_config costs;
};

// `workload:` — what drives I/O. The platform's traffic generators always
// run; `kind` adds the software workload on the simulated CPU.
// `workload.fio:` — fio jobs on the HBA's disks (docs/fio.md, docs/storage.md).
struct fio_workload_config {
    std::string file = "";   // fio job file (relative to the working folder); "" = use `job`
    std::string job = "";    // inline job-file text, used when file is ""
    std::string vars = "";   // "NAME=VALUE;…": ${NAME} in the job text or file (before the environment)
    unsigned target = 0;     // the HBA target the jobs run on (a job's filename may name another)
    std::string devices = ""; // "NAME=TARGET;…": filename values (e.g. Linux /dev/sdb) standing for HBA targets
};

struct workload_config {
    std::string kind = "traffic";    // traffic: only the traffic generators | memcpy: DMA-controller copies through the DDI | fio: fio jobs through sd and the HBA
    workloads::memcpy_workload_config memcpy; // kind = memcpy
    fio_workload_config fio;                  // kind = fio
};

// `sweep:` — the grid `ddisim sweep` runs (docs/guide-sweeps.md); `ddisim
// run` ignores it. Each entry sweeps one key over comma-separated values;
// the grid is every combination (first entry varies slowest).
struct sweep_param {
    std::string key;    // scenario key path, as for --set (platform.memory.latency)
    std::string values; // comma-separated values ("45ns,60ns,90ns")
};
struct sweep_config {
    std::vector<sweep_param> params;
    unsigned jobs = 0;  // points run at once (0 = one per CPU core)
};

struct scenario {
    run_config run;
    platform_config platform;
    software_config software;
    workload_config workload;
    sweep_config sweep;
    // Where each key given explicitly came from, for errors the schema cannot
    // catch (cross-key checks): key path -> "scenarios/x.yaml:12:5" or
    // "--set 'platform.bus.clock=2GHz'". Not part of the schema; keys left
    // at their defaults are absent. origin() reads it.
    std::map<std::string, std::string> origins;
    // "<where>: " for a key given explicitly, "" otherwise.
    std::string origin(const std::string& key_path) const {
        const auto it = origins.find(key_path);
        return it == origins.end() ? std::string() : it->second + ": ";
    }
};

void describe(tlm::param_group& g, run_config& c);
void describe(tlm::param_group& g, platform_config& c);
void describe(tlm::param_group& g, software_config& c);
void describe(tlm::param_group& g, workload_config& c);
void describe(tlm::param_group& g, sweep_param& c);
void describe(tlm::param_group& g, sweep_config& c);
// The whole schema: root has the groups run, platform, software, workload, sweep.
void describe(tlm::param_group& root, scenario& s);

} // namespace ddisim::config
