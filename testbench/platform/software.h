// The scenario's `software:` section as the simulated kernel's config.
#pragma once
#include "sw/kernel/kernel.h"
#include "testbench/config/scenario.h"

namespace ddisim::platform {

// Physical memory comes from the platform's memory section; random page
// placement is seeded from run.seed. Throws std::invalid_argument for a value
// the schema let through but the kernel does not know (a schema/code mismatch).
kernel::kernel_config make_kernel_config(const config::scenario& s);

} // namespace ddisim::platform
