#include "sw/kernel/kernel.h"

#include "tlm/core/backing_store.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace ddisim::kernel {

namespace {
kernel_context* g_current = nullptr; // the C API's "current kernel"
constexpr std::uint64_t pg = 4096;
} // namespace

// Built-in IOMMU page table used when the configuration enables an IOMMU but
// no platform supplies one (explorer, unit tests without a double): it keeps
// the mapping so nothing is lost, but programs no hardware.
struct kernel_context::null_iommu : iommu_map_ops {
    bool map(std::uint32_t, std::uint64_t, const std::uint64_t*, std::size_t, unsigned) override {
        return true;
    }
    void unmap(std::uint32_t, std::uint64_t, std::size_t) override {}
    void invalidate(std::uint32_t, std::uint64_t, std::size_t) override {}
};

kernel_context::kernel_context(kernel_config cfg)
    : cfg_(std::move(cfg)),
      alloc_(cfg_.first_page, cfg_.memory_bytes, cfg_.placement, cfg_.seed) {
    if (cfg_.backing_store && cfg_.memory_bytes)
        store_ = std::make_unique<tlm::backing_store>(cfg_.memory_bytes, "ddisim-kernel");
    p0_.p_as = nullptr;
    p0_.p_pid = 0;
    prev_current_ = g_current;
    g_current = this;
}

kernel_context::~kernel_context() {
    // The port's interrupt entry still refers to this context, but the port
    // may already be gone (platforms destroy the CPU first): it is not
    // touched here. Call set_platform(nullptr) first if simulation goes on.
    intr_state_.reset();
    // Drop DDI state first: it may still refer to kernel memory.
    ddi_.reset();
    for (auto& [k, m] : kva_)
        if (store_) store_->unmap_pages(m.va, m.pages.size());
    if (g_current == this) g_current = prev_current_;
}

void kernel_context::set_platform(platform_port* p) {
    if (port_ && port_ != p) port_->set_interrupt_entry({});
    port_ = p;
    if (port_) port_->set_interrupt_entry([this] { intr_dispatch(); });
}

kernel_context* kernel_context::current() { return g_current; }
void kernel_context::make_current() { g_current = this; }

iommu_map_ops* kernel_context::iommu_ops() {
    if (port_ && port_->iommu()) return port_->iommu();
    if (!null_iommu_) null_iommu_ = std::make_unique<null_iommu>();
    return null_iommu_.get();
}

std::uint8_t* kernel_context::phys_ptr(std::uint64_t pa, std::uint64_t len) const {
    if (!store_ || !store_->contains(pa, len)) return nullptr;
    return store_->data() + pa;
}

page_t* kernel_context::page_of(std::uint64_t pa) {
    const std::uint64_t pfn = pa / pg;
    auto& p = page_structs_[pfn];
    if (!p) {
        p = std::make_unique<page_t>();
        p->p_pagenum = static_cast<pfn_t>(pfn);
        p->p_next = p->p_prev = p.get();
        p->p_lckcnt = 0;
    }
    return p.get();
}

page_t* kernel_context::make_page_list(std::span<const std::uint64_t> addrs) {
    if (addrs.empty()) return nullptr;
    auto nodes = std::make_unique<page_t[]>(addrs.size());
    const std::size_t n = addrs.size();
    for (std::size_t i = 0; i < n; ++i) {
        nodes[i].p_pagenum = static_cast<pfn_t>(addrs[i] / pg);
        nodes[i].p_next = &nodes[(i + 1) % n];
        nodes[i].p_prev = &nodes[(i + n - 1) % n];
        nodes[i].p_lckcnt = 1;
    }
    page_t* head = &nodes[0];
    page_lists_[head] = std::move(nodes);
    return head;
}

void kernel_context::free_page_list(page_t* head) { page_lists_.erase(head); }

caddr_t kernel_context::kva_map(std::span<const std::uint64_t> addrs) {
    if (!store_) throw std::logic_error("kva_map: kernel has no backing store");
    std::uint8_t* va = store_->map_pages(addrs);
    if (!va) return nullptr;
    kva_[reinterpret_cast<std::uintptr_t>(va)] =
        kva_mapping{va, std::vector<std::uint64_t>(addrs.begin(), addrs.end()), false};
    return reinterpret_cast<caddr_t>(va);
}

void kernel_context::kva_unmap(caddr_t va) {
    auto it = kva_.find(reinterpret_cast<std::uintptr_t>(va));
    if (it == kva_.end()) return;
    if (kva_hint_ == &it->second) kva_hint_ = nullptr;
    store_->unmap_pages(it->second.va, it->second.pages.size());
    if (it->second.owns_pages)
        for (auto pa : it->second.pages) alloc_.free_page(pa);
    kva_.erase(it);
}

caddr_t kernel_context::kmem_alloc_pages(std::size_t npages, std::uint64_t lo, std::uint64_t hi) {
    if (!store_ || npages == 0) return nullptr;
    std::vector<std::uint64_t> got;
    got.reserve(npages);
    for (std::size_t i = 0; i < npages; ++i) {
        auto p = alloc_.alloc_page(lo, hi);
        if (!p) {
            for (auto pa : got) alloc_.free_page(pa);
            return nullptr;
        }
        got.push_back(*p);
    }
    caddr_t va = kva_map(got);
    kva_[reinterpret_cast<std::uintptr_t>(va)].owns_pages = true;
    return va;
}

void kernel_context::kmem_free_pages(caddr_t va) { kva_unmap(va); }

const kernel_context::kva_mapping* kernel_context::find_mapping(const void* va) const {
    const auto v = reinterpret_cast<std::uintptr_t>(va);
    if (kva_hint_) {
        const auto s = reinterpret_cast<std::uintptr_t>(kva_hint_->va);
        if (v >= s && v < s + kva_hint_->pages.size() * pg) return kva_hint_;
    }
    auto it = kva_.upper_bound(v);
    if (it == kva_.begin()) return nullptr;
    --it;
    const auto s = it->first;
    if (v >= s + it->second.pages.size() * pg) return nullptr;
    kva_hint_ = &it->second;
    return kva_hint_;
}

bool kernel_context::kva_to_pa(const void* va, std::uint64_t& pa) const {
    const kva_mapping* m = find_mapping(va);
    if (!m) return false;
    const auto off = reinterpret_cast<std::uintptr_t>(va) - reinterpret_cast<std::uintptr_t>(m->va);
    pa = m->pages[off / pg] + (off % pg);
    return true;
}

dev_info* kernel_context::create_dev_info(const std::string& name, int instance,
                                          bool iommu_translated) {
    dev_info& d = devs_.emplace_back();
    d.kernel = this;
    d.name = name;
    d.instance = instance;
    // one major number per driver name, shared by its instances (the
    // once-per-driver bind warning is keyed by it, spec §4.4 step 3)
    auto [it, fresh] = majors_.try_emplace(name, static_cast<major_t>(majors_.size() + 1));
    (void)fresh;
    d.major = it->second;
    d.iommu_translated = iommu_translated;
    d.iommu_domain = static_cast<std::uint32_t>(devs_.size());
    d.requester_id = static_cast<std::uint32_t>(devs_.size());
    return &d;
}

struct as* kernel_context::as_create() {
    struct as& a = spaces_.emplace_back();
    a.kernel = this;
    return &a;
}

void kernel_context::as_map_locked(struct as* a, std::uint64_t va,
                                   std::span<const std::uint64_t> addrs) {
    for (std::size_t i = 0; i < addrs.size(); ++i) a->pages[(va & ~(pg - 1)) + i * pg] = addrs[i];
}

bool kernel_context::as_to_pa(const struct as* a, std::uint64_t va, std::uint64_t& pa) const {
    auto it = a->pages.find(va & ~(pg - 1));
    if (it == a->pages.end()) return false;
    pa = it->second + (va & (pg - 1));
    return true;
}

proc_t* kernel_context::proc_create(struct as* a) {
    proc_t& p = procs_.emplace_back();
    p.p_as = a;
    p.p_pid = static_cast<pid_t>(procs_.size());
    return &p;
}

void kernel_context::softcall(std::function<void()> fn) { softq_.push_back(std::move(fn)); }

std::size_t kernel_context::run_softints() {
    std::size_t n = 0;
    while (!softq_.empty()) {
        auto fn = std::move(softq_.front());
        softq_.pop_front();
        fn();
        ++n;
    }
    return n;
}

// ---- hardware interrupts ----

std::uint64_t kernel_context::intr_add(unsigned vector, intr_fn fn) {
    const std::uint64_t id = intr_next_id_++;
    intr_table_.push_back({id, vector, std::move(fn)});
    return id;
}

void kernel_context::intr_remove(std::uint64_t id) {
    std::erase_if(intr_table_, [id](const intr_entry& e) { return e.id == id; });
}

std::size_t kernel_context::intr_handlers(unsigned vector) const {
    return static_cast<std::size_t>(
        std::count_if(intr_table_.begin(), intr_table_.end(), [vector](const intr_entry& e) { return e.vector == vector; }));
}

void kernel_context::intr_enable(unsigned vector, bool on) {
    if (on)
        intr_on_.insert(vector);
    else
        intr_on_.erase(vector);
    if (port_ && cfg_.intc) {
        const std::uint32_t v = vector;
        port_->bus_write(cfg_.intc_base + (on ? intc_prog::ENABLE_SET : intc_prog::ENABLE_CLR), &v, sizeof v);
    }
}

bool kernel_context::intr_deliver(unsigned vector) {
    bool claimed = false;
    // Handlers may remove themselves (or others): walk a snapshot of the ids.
    std::vector<std::uint64_t> ids;
    for (const auto& e : intr_table_)
        if (e.vector == vector) ids.push_back(e.id);
    for (auto id : ids) {
        auto it = std::find_if(intr_table_.begin(), intr_table_.end(), [id](const intr_entry& e) { return e.id == id; });
        if (it == intr_table_.end()) continue;
        intr_fn fn = it->fn; // the handler may erase its own entry
        if (fn && fn()) claimed = true;
    }
    if (claimed)
        ++intr_stats_.claimed;
    else
        ++intr_stats_.unclaimed;
    return claimed;
}

std::size_t kernel_context::intr_dispatch() {
    ++intr_stats_.dispatches;
    if (!port_ || !cfg_.intc) return 0;
    port_->charge_cpu(cfg_.costs.intr_latency_ns);
    std::size_t served = 0;
    for (;;) {
        std::uint32_t v = intc_prog::claim_none;
        port_->bus_read(cfg_.intc_base + intc_prog::CLAIM, &v, sizeof v);
        if (v == intc_prog::claim_none) {
            if (served == 0) ++intr_stats_.spurious;
            break;
        }
        if (!intr_deliver(v))
            report_once("intr-unclaimed-" + std::to_string(v),
                        "interrupt vector " + std::to_string(v) + " was claimed by no handler");
        port_->bus_write(cfg_.intc_base + intc_prog::EOI, &v, sizeof v);
        ++served;
    }
    return served;
}

// ---- kcondvar ----

void kcondvar::wait() {
    if (platform_port* p = k_.platform()) p->sleep(this, 0);
}

bool kcondvar::timedwait(std::uint64_t deadline_ns) {
    platform_port* p = k_.platform();
    if (!p) return false;
    if (deadline_ns == 0) deadline_ns = 1; // 0 means "no deadline" to the port
    return p->sleep(this, deadline_ns);
}

void kcondvar::signal() {
    if (platform_port* p = k_.platform()) p->wakeup(this, false);
}

void kcondvar::broadcast() {
    if (platform_port* p = k_.platform()) p->wakeup(this, true);
}

void kernel_context::report(const std::string& id, const std::string& message) {
    diags_.push_back({id, message});
}

void kernel_context::report_once(const std::string& id, const std::string& message) {
    if (reported_.insert(id).second) report(id, message);
}

void kernel_context::panic(const std::string& reason) {
    report("panic", reason);
    if (panic_hook_) panic_hook_(reason);
    throw panic_error(reason);
}

std::string kernel_context::panic_report(const std::string& reason) const {
    std::string r = "panic[ddisim kernel]: " + reason + "\n";
    if (!diags_.empty()) {
        r += "diagnostics before the panic:\n";
        for (const auto& d : diags_)
            if (d.id != "panic") r += "  [" + d.id + "] " + d.message + "\n";
    }
    return r;
}

std::string kernel_context::dev_name(const dev_info* d) {
    if (!d) return "<no device>";
    return d->name + "#" + std::to_string(d->instance);
}

} // namespace ddisim::kernel
