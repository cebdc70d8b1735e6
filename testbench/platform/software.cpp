#include "testbench/platform/software.h"

#include <limits>
#include <stdexcept>

#include "models/memory/memory_config.h"

namespace ddisim::platform {

namespace {
template <class E>
E pick(const std::string& key, const std::string& v, std::initializer_list<std::pair<const char*, E>> m) {
    for (const auto& [name, e] : m)
        if (v == name) return e;
    throw std::invalid_argument("software." + key + ": unknown value '" + v + "'");
}
std::uint64_t or_unlimited(std::uint64_t v) { return v ? v : std::numeric_limits<std::uint64_t>::max(); }
} // namespace

kernel::kernel_config make_kernel_config(const config::scenario& s) {
    const auto& sw = s.software;
    const auto& mem = s.platform.memory;
    kernel::kernel_config k;
    k.memory_bytes = mem.high_size ? models::memory_high_base + mem.high_size : mem.low_size;
    k.seed = s.run.seed;
    k.fidelity = pick<kernel::fidelity_mode>("fidelity", sw.fidelity,
                                             {{"illumos", kernel::fidelity_mode::illumos}, {"fixed", kernel::fidelity_mode::fixed}});
    k.debug_checks = sw.debug_checks;
    k.checker = sw.dma_api_checker;
    k.placement = pick<kernel::placement_policy>("placement", sw.placement,
                                                 {{"contiguous", kernel::placement_policy::contiguous},
                                                  {"random", kernel::placement_policy::random},
                                                  {"high_first", kernel::placement_policy::high_first}});
    k.iommu = pick<kernel::iommu_kind>("iommu", sw.iommu, {{"none", kernel::iommu_kind::none}, {"vtd", kernel::iommu_kind::vtd}});
    k.iommu_unmap = pick<kernel::iommu_unmap_policy>("iommu_unmap", sw.iommu_unmap,
                                                     {{"by_fidelity", kernel::iommu_unmap_policy::by_fidelity},
                                                      {"strict", kernel::iommu_unmap_policy::strict},
                                                      {"deferred", kernel::iommu_unmap_policy::deferred},
                                                      {"never", kernel::iommu_unmap_policy::never}});
    k.iommu_deferred_batch = sw.iommu_deferred_batch;
    k.copybuf_max = sw.copybuf_max;
    k.copybuf_space = or_unlimited(sw.copybuf_space);
    k.handle_limit = static_cast<std::size_t>(or_unlimited(sw.handle_limit));
    k.dvma_space = or_unlimited(sw.dvma_space);
    k.sync_ignore_params = sw.sync_ignore_params;
    k.iommu_deferred_timeout_ns = sw.iommu_deferred_timeout / 1000;
    const auto ns = [](std::uint64_t ps) { return ps / 1000; };
    k.costs.bind_base_ns = ns(sw.costs.bind_base);
    k.costs.bind_per_page_ns = ns(sw.costs.bind_per_page);
    k.costs.unbind_ns = ns(sw.costs.unbind);
    k.costs.copy_per_kib_ns = ns(sw.costs.copy_per_kib);
    k.costs.iommu_map_per_page_ns = ns(sw.costs.iommu_map_per_page);
    k.costs.intr_latency_ns = ns(sw.costs.intr_latency);
    return k;
}

} // namespace ddisim::platform
