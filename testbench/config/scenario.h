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
#include <string>
#include <vector>

#include "models/bus/bus_config.h"
#include "models/memory/memory_config.h"
#include "models/tgen/tgen_config.h"
#include "tlm/core/params.h"

namespace ddisim::config {

// `run:` — how the simulation is run and where results go.
struct run_config {
    std::uint64_t seed = 1;          // master seed; every random stream derives from it
    std::string timing = "lt";       // lt (loosely timed, b_transport + quantum) | at (approximately timed)
    std::uint64_t quantum = 1000000; // ps, LT temporal-decoupling quantum
    std::uint64_t duration = 0;      // ps of simulated time before the run stops (0 = until the workload ends)
    std::string output = "out";      // folder for results (created if missing)
    bool progress = true;            // print progress lines on stderr while running
    std::string stats = "stats.json";// statistics file inside `output` ("" = none)
    std::string waves = "";          // VCD file for GTKWave ("" = none; relative to the working folder)
    std::string trace = "";          // Perfetto/Chrome JSON transaction trace ("" = none)
};

// `platform:` — the hardware.
struct platform_config {
    models::memory_config memory;
    models::bus_config bus;
    std::vector<models::tgen_config> traffic; // traffic generators on the bus
};

// `software:` — the simulated kernel and DDI layer (filled in by later issues).
struct software_config {
    std::string rootnex = "x86";     // x86 | x86-iommu: DDI platform personality
    std::string ddi_mode = "compat"; // compat (reproduce the spec's bugs, with diagnostics) | fixed
};

// `workload:` — what drives I/O (filled in by later issues).
struct workload_config {
    std::string kind = "traffic";    // traffic: the platform's traffic generators drive the bus
};

struct scenario {
    run_config run;
    platform_config platform;
    software_config software;
    workload_config workload;
};

void describe(tlm::param_group& g, run_config& c);
void describe(tlm::param_group& g, platform_config& c);
void describe(tlm::param_group& g, software_config& c);
void describe(tlm::param_group& g, workload_config& c);
// The whole schema: root has the groups run, platform, software, workload.
void describe(tlm::param_group& root, scenario& s);

} // namespace ddisim::config
