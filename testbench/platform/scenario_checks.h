// ddisim::platform::check_scenario — the cross-key checks a platform makes
// before it builds anything (the per-key ones are the scenario loader's).
// No SystemC: `ddisim config --check` and the scenario fuzzer
// (testbench/fuzz/fuzz_scenario.cpp) run them without a design.
#pragma once
#include <string>
#include <vector>

#include "testbench/config/scenario.h"

namespace ddisim::platform {

// A DMA controller or an HBA is present.
bool has_dma_devices(const config::scenario& s);
// The platform maps device registers (and so needs the MMIO window below
// 4 GiB): so far exactly when it has a DMA device.
bool has_mmio_devices(const config::scenario& s);

// Throws std::invalid_argument naming the keys and, where the scenario gave
// the first of them, its file, line and column or --set argument.
void check_scenario(const config::scenario& s);

// What the scenario gets that it may not expect, each naming its key (and
// where the scenario gave it, as check_scenario): so far a clock whose
// period is not a whole number of picoseconds (it runs at the nearest).
std::vector<std::string> scenario_notes(const config::scenario& s);

} // namespace ddisim::platform
