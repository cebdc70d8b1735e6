// memcpy workload — see memcpy.h.
#include "testbench/workloads/memcpy.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include <sys/sunddi.h>

#include "sw/ddi/checker.h"
#include "sw/drivers/dmac_drv.h"
#include "sw/kernel/kernel.h"

namespace ddisim::workloads {

namespace {

constexpr std::uint64_t page = 4096, four_gib = 1ull << 32;

struct buffer {
    caddr_t base = nullptr; // page-aligned mapping
    std::uint8_t* p = nullptr;
};

bool alloc(kernel::kernel_context& k, const memcpy_workload_config& c, std::uint64_t offset, buffer& b) {
    const std::size_t npages = static_cast<std::size_t>((offset + c.size + page - 1) / page);
    std::uint64_t lo = 0, hi = ~0ull;
    if (c.placement == "low") hi = four_gib - 1;
    else if (c.placement == "high") lo = four_gib;
    b.base = k.kmem_alloc_pages(npages, lo, hi);
    if (!b.base) return false;
    b.p = reinterpret_cast<std::uint8_t*>(b.base) + offset;
    return true;
}

void release(kernel::kernel_context& k, buffer& b) {
    if (b.base) k.kmem_free_pages(b.base);
    b = {};
}

std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void fill(std::uint8_t* p, std::uint64_t n, std::uint64_t seed) {
    for (std::uint64_t i = 0; i < n; i += 8) {
        const std::uint64_t v = splitmix(seed);
        std::memcpy(p + i, &v, std::min<std::uint64_t>(8, n - i));
    }
}

std::uint64_t mismatches(const std::uint8_t* a, const std::uint8_t* b, std::uint64_t n) {
    if (std::memcmp(a, b, n) == 0) return 0;
    std::uint64_t e = 0;
    for (std::uint64_t i = 0; i < n; ++i) e += a[i] != b[i];
    return e;
}

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
}

// The CPU consuming a destination window the driver handed over.
struct consumer {
    kernel::kernel_context* k;
    const std::uint8_t* src = nullptr;
    const std::uint8_t* dst = nullptr;
    bool verify = false;
    std::uint64_t errors = 0;
    static void take(void* arg, std::uint64_t off, std::size_t len) {
        auto* c = static_cast<consumer*>(arg);
        if (!c->dst) return;
        ddi::checker::cpu_read(*c->k, c->dst + off, len);
        if (c->verify) c->errors += mismatches(c->src + off, c->dst + off, len);
    }
};

drivers::dmac_fault parse_fault(const std::string& s) {
    if (s == "skip_sync") return drivers::dmac_fault::skip_sync;
    if (s == "dma_after_unbind") return drivers::dmac_fault::dma_after_unbind;
    return drivers::dmac_fault::none;
}

} // namespace

std::string memcpy_result::describe() const {
    std::ostringstream o;
    o << copies << " copies, " << bytes << " B, " << failed << " failed (first " << first_error << "), "
      << verify_errors << " bytes wrong (" << handover_errors << " at hand-over), " << injected << " injected, "
      << device_errors << " device errors, latency ns min/mean/p50/p99/max " << lat_min_ns << "/" << lat_mean_ns << "/"
      << lat_p50_ns << "/" << lat_p99_ns << "/" << lat_max_ns << ", " << bytes_per_s() / 1e9 << " GB/s";
    return o.str();
}

void memcpy_result::summarise() {
    if (lat_ns.empty()) return;
    double sum = 0;
    for (double v : lat_ns) sum += v;
    lat_mean_ns = sum / static_cast<double>(lat_ns.size());
    lat_min_ns = *std::min_element(lat_ns.begin(), lat_ns.end());
    lat_max_ns = *std::max_element(lat_ns.begin(), lat_ns.end());
    lat_p50_ns = pct(lat_ns, 50);
    lat_p99_ns = pct(lat_ns, 99);
}

memcpy_result run_memcpy_workload(kernel::kernel_context& k, drivers::dmac_drv& drv,
                                  const memcpy_workload_config& c) {
    memcpy_result r;
    run_memcpy_workload(k, drv, c, r);
    return r;
}

void run_memcpy_workload(kernel::kernel_context& k, drivers::dmac_drv& drv, const memcpy_workload_config& c,
                         memcpy_result& r) {
    r = memcpy_result{};
    buffer src, dst;
    std::uint64_t seed = c.seed;
    consumer cons{&k};
    cons.verify = c.verify;
    drv.set_fault(parse_fault(c.inject));
    drv.set_consumer(&consumer::take, &cons);
    const auto st0 = drv.statistics();
    r.start_ns = k.now_ns();
    for (std::uint64_t n = 0; n < c.copies; ++n) {
        if (!src.base || c.new_buffers) {
            release(k, src);
            release(k, dst);
            if (!alloc(k, c, c.src_offset, src) || !alloc(k, c, c.dst_offset, dst)) {
                ++r.alloc_failures;
                release(k, src);
                release(k, dst);
                break;
            }
        }
        // New data each copy, and a destination that differs from it, so a
        // copy that moved nothing cannot pass.
        fill(src.p, c.size, splitmix(seed));
        if (c.verify)
            for (std::uint64_t i = 0; i < c.size; ++i) dst.p[i] = static_cast<std::uint8_t>(~src.p[i]);
        cons.src = src.p;
        cons.dst = dst.p;
        const std::uint64_t t0 = k.now_ns();
        const int rc = drv.memcpy(dst.p, src.p, static_cast<std::size_t>(c.size));
        const std::uint64_t t1 = k.now_ns();
        r.end_ns = t1;
        if (rc != DDI_SUCCESS) {
            if (!r.failed) r.first_error = rc;
            ++r.failed;
            continue;
        }
        ++r.copies;
        r.bytes += c.size;
        r.lat_ns.push_back(static_cast<double>(t1 - t0));
        if (c.verify) r.verify_errors += mismatches(src.p, dst.p, c.size);
    }
    r.end_ns = k.now_ns();
    drv.set_consumer(nullptr, nullptr);
    drv.set_fault(drivers::dmac_fault::none);
    r.handover_errors = cons.errors;
    r.verify_errors += cons.errors;
    r.injected = drv.statistics().injected - st0.injected;
    r.device_errors = drv.statistics().errors - st0.errors;
    release(k, src);
    release(k, dst);
    r.summarise();
}

} // namespace ddisim::workloads
