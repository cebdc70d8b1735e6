// ddisim::platform::software_report — what the simulated software noticed
// during a run, as JSON for results.json and the run summary:
//   diagnostics  the kernel's named diagnostics (kernel_context::diagnostics(),
//                e.g. the spec §8 behaviours reproduced under fidelity illumos)
//   checker      the DMA-API checker's reports (sw/ddi/checker.h: missing-sync,
//                dma-after-unbind, dma-unbound, leak, cookie-rule, …)
//   interrupts   the kernel's interrupt dispatch counts: dispatches (entries
//                of the dispatch loop), claimed / unclaimed (vectors some
//                handler / no handler claimed), spurious (entries that found
//                nothing to claim)
// Each of the first two parts has "count" (all entries), "by_kind" (entries per id / kind,
// sorted by name) and "list" (the first max_items entries in the order they
// were raised; "truncated" says how many were left out). IOMMU faults are not
// here: they are the IOMMU model's statistics (iommu.faults).
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace ddisim::kernel {
class kernel_context;
}

namespace ddisim::platform {

nlohmann::json software_report(kernel::kernel_context& k, std::size_t max_items = 100);

// One line for the run summary, e.g.
// "software: 0 diagnostics, 3 checker reports (missing-sync 3)".
std::string software_summary(const nlohmann::json& report);

} // namespace ddisim::platform
