// The IOMMU driver (iommu_driver.h): tables in kernel pages, entries written
// with CPU bus writes, invalidations through INV_CMD with a polled
// completion wait.
#include "sw/ddi/iommu_driver.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace ddisim::ddi {

using kernel::kernel_context;

namespace {
constexpr std::uint64_t page = 4096;
const std::array<std::uint8_t, page> zero_page{};
} // namespace

vtd_iommu_driver::vtd_iommu_driver(kernel_context& k, kernel::platform_port& port, vtd_iommu_driver_config cfg)
    : k_(k), port_(port), cfg_(cfg), lock_cv_(k) {}

vtd_iommu_driver::guard::guard(vtd_iommu_driver& d) : d_(d) {
    if (d_.busy_) {
        ++d_.stats_.lock_waits;
        ++d_.waiters_;
        d_.lock_cv_.wait_until([this] { return !d_.busy_; });
        --d_.waiters_;
    }
    d_.busy_ = true;
}

vtd_iommu_driver::guard::~guard() {
    d_.busy_ = false;
    if (d_.waiters_) d_.lock_cv_.signal();
}

vtd_iommu_driver::~vtd_iommu_driver() {
    if (intr_id_) k_.intr_remove(intr_id_);
    for (auto pa : owned_pages_) k_.pages().free_page(pa);
}

void vtd_iommu_driver::reg_write(std::uint64_t off, std::uint64_t v) {
    port_.bus_write(cfg_.reg_base + off, &v, sizeof v);
    ++stats_.reg_writes;
}

std::uint64_t vtd_iommu_driver::reg_read(std::uint64_t off) {
    std::uint64_t v = 0;
    port_.bus_read(cfg_.reg_base + off, &v, sizeof v);
    ++stats_.reg_reads;
    return v;
}

std::uint64_t vtd_iommu_driver::alloc_table() {
    auto pa = k_.pages().alloc_page(cfg_.table_lo, cfg_.table_hi);
    if (!pa) return 0;
    owned_pages_.push_back(*pa);
    k_.charge(cfg_.table_alloc_ns);
    // a reused page may hold old bytes: zero it in memory (one bus write)
    port_.bus_write(*pa, zero_page.data(), page);
    ++stats_.bus_writes;
    ++stats_.table_pages;
    tables_[*pa] = std::make_unique<table>();
    return *pa;
}

bool vtd_iommu_driver::init() {
    guard g(*this);
    if (ctx_table_) return true;
    const std::uint64_t bytes = std::uint64_t{cfg_.context_entries} * vtd::ctx_entry_size;
    const std::uint64_t npages = std::max<std::uint64_t>(1, (bytes + page - 1) / page);
    auto pa = k_.pages().alloc_contig(npages, cfg_.table_lo, cfg_.table_hi, page, 0);
    if (!pa) return false;
    for (std::uint64_t i = 0; i < npages; ++i) {
        owned_pages_.push_back(*pa + i * page);
        port_.bus_write(*pa + i * page, zero_page.data(), page);
        ++stats_.bus_writes;
        ++stats_.table_pages;
    }
    k_.charge(cfg_.table_alloc_ns * npages);
    ctx_table_ = *pa;
    ctx_pages_ = npages;
    fault_entries_ = ((reg_read(vtd::reg_cap) >> vtd::cap_fault_entries_shift) & 0xff) + 1;
    reg_write(vtd::reg_ctx_base, ctx_table_);
    reg_write(vtd::reg_ctx_count, cfg_.context_entries);
    const bool fie = cfg_.fault_interrupt;
    if (fie && cfg_.fault_vector != ~0u && !intr_id_) {
        // handler first, then the controller's enable, then the IOMMU's
        intr_id_ = k_.intr_add(cfg_.fault_vector, [this] { return on_fault_interrupt(); });
        k_.intr_enable(cfg_.fault_vector, true);
    }
    reg_write(vtd::reg_ctrl, vtd::ctrl_te | (fie ? vtd::ctrl_fie : 0));
    return true;
}

const char* vtd_iommu_driver::reason_name(unsigned reason) {
    switch (reason) {
    case 0: return "none";
    case 1: return "context_not_present";
    case 2: return "not_present";
    case 3: return "read_denied";
    case 4: return "write_denied";
    case 5: return "bad_entry";
    case 6: return "bus_error";
    case 7: return "address_width";
    default: return "unknown";
    }
}

bool vtd_iommu_driver::on_fault_interrupt() {
    ++stats_.fault_interrupts;
    const auto faults = read_faults();
    const std::uint64_t now = port_.now_ns();
    for (const auto& f : faults) {
        ++stats_.faults_reported;
        k_.report("iommu-fault",
                  fmt::format("IOMMU fault read by the fault interrupt at {:.3f} us: requester {:#x} (domain {}) {} "
                              "DVMA {:#x}: {}",
                              static_cast<double>(now) * 1e-3, f.requester, f.domain,
                              f.write ? "write to" : "read from", f.iova, reason_name(f.reason)));
    }
    return !faults.empty();
}

std::uint64_t vtd_iommu_driver::domain_root(std::uint32_t domain, bool create) {
    auto it = roots_.find(domain);
    if (it != roots_.end()) return it->second;
    if (!create) return 0;
    const std::uint64_t r = alloc_table();
    if (r) roots_[domain] = r;
    return r;
}

std::uint64_t vtd_iommu_driver::root(std::uint32_t domain) const {
    auto it = roots_.find(domain);
    return it == roots_.end() ? 0 : it->second;
}

bool vtd_iommu_driver::attach(dev_info* dip) {
    guard g(*this);
    if (!ctx_table_ || !dip || dip->requester_id >= cfg_.context_entries) return false;
    if (dip->iommu_domain == 0) {
        while (roots_.count(next_domain_)) ++next_domain_;
        dip->iommu_domain = next_domain_++;
    }
    if (dip->iommu_domain > 0xffff) return false; // DID is 16 bits
    std::uint64_t e[2] = {vtd::ctx_present | (std::uint64_t{dip->iommu_domain} << vtd::ctx_did_shift), 0};
    if (dip->iommu_translated) {
        const std::uint64_t r = domain_root(dip->iommu_domain, true);
        if (!r) return false;
        e[0] |= vtd::ctx_translate;
        e[1] = r & vtd::ctx_root_mask;
    }
    port_.bus_write(ctx_table_ + vtd::ctx_entry_size * dip->requester_id, e, sizeof e);
    ++stats_.bus_writes;
    ++stats_.entries_written;
    // the model drops cached context entries only on a global invalidation
    invalidate_all_locked();
    return true;
}

void vtd_iommu_driver::write_entries(std::uint64_t table_pa, unsigned first, unsigned n) {
    const table& t = *tables_.at(table_pa);
    port_.bus_write(table_pa + 8ull * first, &t[first], 8ull * n);
    ++stats_.bus_writes;
    stats_.entries_written += n;
}

std::uint64_t vtd_iommu_driver::leaf_table(std::uint64_t root, std::uint64_t iova, bool create) {
    std::uint64_t t = root;
    for (unsigned level = vtd::levels; level > 1; --level) {
        const unsigned idx = vtd::pt_index(iova, level);
        std::uint64_t& e = (*tables_.at(t))[idx];
        if (!(e & vtd::pte_present)) {
            if (!create) return 0;
            const std::uint64_t nt = alloc_table();
            if (!nt) return 0;
            // non-leaf entries allow everything; the leaf decides
            (*tables_.at(t))[idx] = nt | vtd::pte_present | vtd::pte_read | vtd::pte_write;
            write_entries(t, idx, 1);
        }
        t = (*tables_.at(t))[idx] & vtd::pte_addr_mask;
    }
    return t;
}

bool vtd_iommu_driver::map(std::uint32_t domain, std::uint64_t dvma, const std::uint64_t* pa, std::size_t npages,
                           unsigned perms) {
    guard g(*this);
    return map_locked(domain, dvma, pa, npages, perms);
}

bool vtd_iommu_driver::map_locked(std::uint32_t domain, std::uint64_t dvma, const std::uint64_t* pa,
                                  std::size_t npages, unsigned perms) {
    if (!ctx_table_ || (dvma >> vtd::iova_bits) || ((dvma + npages * page - 1) >> vtd::iova_bits)) return false;
    const std::uint64_t root = domain_root(domain, true);
    if (!root) {
        ++stats_.map_failures;
        return false;
    }
    const std::uint64_t bits = vtd::pte_present | ((perms & perm_read) ? vtd::pte_read : 0) |
                               ((perms & perm_write) ? vtd::pte_write : 0);
    std::size_t i = 0;
    while (i < npages) {
        const std::uint64_t iova = dvma + i * page;
        const std::uint64_t t = leaf_table(root, iova, true);
        if (!t) {
            ++stats_.map_failures;
            unmap_locked(domain, dvma, i);
            return false;
        }
        const unsigned idx = vtd::pt_index(iova, 1);
        const auto run = static_cast<unsigned>(std::min<std::size_t>(npages - i, vtd::entries_per_table - idx));
        table& tb = *tables_.at(t);
        for (unsigned j = 0; j < run; ++j) tb[idx + j] = (pa[i + j] & vtd::pte_addr_mask) | bits;
        write_entries(t, idx, run);
        i += run;
    }
    return true;
}

void vtd_iommu_driver::unmap(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) {
    guard g(*this);
    unmap_locked(domain, dvma, npages);
}

void vtd_iommu_driver::unmap_locked(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) {
    const std::uint64_t root = domain_root(domain, false);
    if (!root) return;
    std::size_t i = 0;
    while (i < npages) {
        const std::uint64_t iova = dvma + i * page;
        const unsigned idx = vtd::pt_index(iova, 1);
        const auto run = static_cast<unsigned>(std::min<std::size_t>(npages - i, vtd::entries_per_table - idx));
        if (const std::uint64_t t = leaf_table(root, iova, false)) {
            table& tb = *tables_.at(t);
            std::fill_n(tb.begin() + idx, run, 0);
            write_entries(t, idx, run);
        }
        i += run;
    }
}

void vtd_iommu_driver::run_invalidation(std::uint64_t cmd) {
    reg_write(vtd::reg_inv_cmd, cmd | vtd::inv_go);
    // completion wait: GO reads 1 until the IOMMU has finished
    for (std::uint64_t n = 0;; ++n) {
        ++stats_.polls;
        if (!(reg_read(vtd::reg_inv_cmd) & vtd::inv_go)) return;
        if (n >= cfg_.max_polls) {
            k_.report("iommu-inv-timeout",
                      fmt::format("IOMMU invalidation {:#x} not complete after {} polls", cmd, n + 1));
            return;
        }
        k_.charge(cfg_.poll_ns);
    }
}

void vtd_iommu_driver::invalidate(std::uint32_t domain, std::uint64_t dvma, std::size_t npages) {
    if (npages == 0) return;
    guard g(*this);
    if (!ctx_table_) return;
    const std::uint64_t did = std::uint64_t{domain & 0xffff} << vtd::inv_did_shift;
    if (npages > cfg_.domain_inv_threshold) {
        ++stats_.domain_invalidations;
        run_invalidation(did | (std::uint64_t{vtd::inv_domain} << vtd::inv_type_shift));
        return;
    }
    ++stats_.range_invalidations;
    reg_write(vtd::reg_inv_addr, dvma & ~(page - 1));
    reg_write(vtd::reg_inv_npages, npages);
    run_invalidation(did | (std::uint64_t{vtd::inv_range} << vtd::inv_type_shift));
}

void vtd_iommu_driver::invalidate_domain(std::uint32_t domain) {
    guard g(*this);
    if (!ctx_table_) return;
    ++stats_.domain_invalidations;
    run_invalidation((std::uint64_t{domain & 0xffff} << vtd::inv_did_shift) |
                     (std::uint64_t{vtd::inv_domain} << vtd::inv_type_shift));
}

void vtd_iommu_driver::invalidate_all() {
    guard g(*this);
    invalidate_all_locked();
}

void vtd_iommu_driver::invalidate_all_locked() {
    if (!ctx_table_) return;
    ++stats_.global_invalidations;
    run_invalidation(std::uint64_t{vtd::inv_global} << vtd::inv_type_shift);
}

std::vector<vtd_iommu_driver::fault> vtd_iommu_driver::read_faults() {
    std::vector<fault> out;
    guard g(*this);
    if (!ctx_table_) return out;
    const std::uint64_t head = reg_read(vtd::reg_fault_head);
    std::uint64_t tail = reg_read(vtd::reg_fault_tail);
    if (head - tail > fault_entries_) tail = head - fault_entries_; // overwritten records are gone
    for (; tail < head; ++tail) {
        const std::uint64_t slot = vtd::reg_fault_rec + vtd::fault_rec_stride * (tail % fault_entries_);
        const std::uint64_t q0 = reg_read(slot), q1 = reg_read(slot + 8);
        fault f;
        f.iova = q0;
        f.requester = static_cast<std::uint32_t>(q1);
        f.reason = static_cast<unsigned>((q1 >> vtd::fault_reason_shift) & 0xff);
        f.write = (q1 >> vtd::fault_write_bit) & 1;
        f.domain = static_cast<std::uint16_t>(q1 >> vtd::fault_domain_shift);
        out.push_back(f);
    }
    reg_write(vtd::reg_fault_tail, head);
    reg_write(vtd::reg_fault_status, vtd::fs_ppf | vtd::fs_ovf);
    return out;
}

} // namespace ddisim::ddi
