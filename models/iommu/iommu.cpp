#include "models/iommu/iommu.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"
#include "tlm/waves.h"

using namespace sc_core;
using ::tlm::tlm_generic_payload;
namespace pt = ddisim::models::iommu_pt;

namespace ddisim::models {

namespace {
constexpr const char* msg_type = "ddisim/iommu";

::tlm::tlm_response_status fault_response(pt::fault_reason r) {
    switch (r) {
    case pt::fault_reason::read_denied:
    case pt::fault_reason::write_denied: return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
    case pt::fault_reason::bus_error: return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    default: return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
}
} // namespace

iommu_fault iommu_fault::decode(std::uint64_t q0, std::uint64_t q1) {
    iommu_fault f;
    f.iova = q0;
    f.requester = static_cast<std::uint32_t>(q1);
    f.reason = static_cast<pt::fault_reason>((q1 >> 32) & 0xff);
    f.write = (q1 >> 40) & 1;
    f.domain = static_cast<std::uint16_t>(q1 >> 48);
    return f;
}

iommu::stats_t::stats_t(const std::string& o)
    : transactions(o, "transactions", "transactions", "device transactions received"),
      bypassed(o, "bypassed", "transactions", "transactions passed through untranslated (disabled or bypass context)"),
      translations(o, "translations", "pages", "page translations (a page-crossing transaction counts per page)"),
      iotlb_hits(o, "iotlb_hits", "pages", "translations found in the IOTLB"),
      iotlb_misses(o, "iotlb_misses", "pages", "translations that needed a page walk"),
      pwc_hits(o, "pwc_hits", "walks", "walks started below level 4 thanks to the page-walk cache"),
      walk_reads(o, "walk_reads", "reads", "page-table entry reads issued over the bus"),
      context_reads(o, "context_reads", "reads", "context-entry reads issued over the bus"),
      faults(o, "faults", "faults", "translation faults (accesses aborted)"),
      invalidations(o, "invalidations", "commands", "invalidation commands completed"),
      walk_latency(o, "walk_latency", "ns", "page walk time (first read issued to last read complete)"),
      walker_wait(o, "walker_wait", "ns", "time a miss waited for a free walker (walkers > 0)"),
      fill_waits(o, "fill_waits", "lookups",
                 "IOTLB, page-walk-cache and context-cache hits that waited for the read filling the entry"),
      iotlb_hit_rate(o, "iotlb_hit_rate", "ratio", "IOTLB hits / translations", [this] {
          const auto n = iotlb_hits.count() + iotlb_misses.count();
          return n ? static_cast<double>(iotlb_hits.count()) / static_cast<double>(n) : 0.0;
      }) {}

iommu::iommu(sc_module_name name, const iommu_config& cfg)
    : sc_module(name), dev_in("dev_in", this), mem_out("mem_out"), regs("regs"), irq("irq"), cfg_(cfg),
      tlb_(cfg.iotlb_sets, cfg.iotlb_ways), pwc_(cfg.pwc_entries),
      ctx_cache_(cfg.context_cache_entries ? 1 : 0, cfg.context_cache_entries), req_peq_("req_peq"),
      resp_peq_("resp_peq"), irq_q_("irq_q"),
      now_(tlm::sim_time()), walkers_(std::max(cfg.walkers, 1u)), stats_(this->name()) {
    const std::string me = this->name();
    if (cfg.fault_log_entries == 0 || cfg.fault_log_entries > 256)
        throw std::invalid_argument(me + ": fault_log_entries must be 1 … 256");
    if (cfg.iotlb_sets > 65535 || cfg.iotlb_ways > 255 || cfg.pwc_entries > 4095)
        throw std::invalid_argument(me + ": iotlb_sets ≤ 65535, iotlb_ways ≤ 255, pwc_entries ≤ 4095 (CAP fields)");
    fault_rec_.assign(2ull * cfg.fault_log_entries, 0);
    rd_gp_.set_extension(new tlm::requester_id_ext(static_cast<std::uint32_t>(cfg_.walk_requester_id))); // owned by it

    regs.register_b_transport(this, &iommu::regs_b_transport);
    regs.register_nb_transport_fw(this, &iommu::regs_nb_transport_fw);

    SC_METHOD(irq_method);
    sensitive << irq_q_;
    dont_initialize();
    SC_METHOD(inv_method);
    sensitive << inv_ev_;
    dont_initialize();
    SC_METHOD(walk_start_method);
    sensitive << walk_start_q_.ev;
    dont_initialize();
    SC_METHOD(walk_end_method);
    sensitive << walk_end_q_.ev;
    dont_initialize();
    SC_THREAD(at_request_thread);
    SC_THREAD(iq_thread);
    SC_METHOD(at_response_method);
    sensitive << resp_peq_.get_event() << resp_ev_;
    dont_initialize();

    tlm::waves::add(me, "walk_busy", walk_busy_);
    tlm::waves::add(me, "walks", walks_);
    tlm::waves::add(me, "irq", irq_level_);
    tlm::waves::add(me, "faults", faults_wave_);
}

iommu::~iommu() = default;

std::uint64_t iommu::regs_size() const {
    return iommu_reg::fault_rec + iommu_reg::fault_rec_stride * cfg_.fault_log_entries;
}

// ---------------------------------------------------------------- helpers

tlm::ps_t iommu::forward(tlm_generic_payload& gp, tlm::ps_t t) {
    const tlm::ps_t now = now_.value();
    sc_time d = tlm::to_sc_time(t > now ? t - now : 0);
    mem_out->b_transport(gp, d);
    return now_.value() + d.value();
}

bool iommu::bus_read(std::uint64_t pa, void* dst, unsigned len, tlm::ps_t& t) {
    if (rd_busy_) { // nested (another process while this one's read waits): a payload of its own
        tlm_generic_payload gp;
        tlm::requester_id_ext ext(static_cast<std::uint32_t>(cfg_.walk_requester_id));
        gp.set_extension(&ext);
        gp.set_command(::tlm::TLM_READ_COMMAND);
        gp.set_address(pa);
        gp.set_data_ptr(static_cast<unsigned char*>(dst));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        t = forward(gp, t);
        gp.clear_extension(&ext); // the extension lives on this stack frame
        return gp.is_response_ok();
    }
    // The IOMMU's own reads reuse one payload, set up as a new one would be
    // (nothing downstream adds extensions).
    tlm_generic_payload& gp = rd_gp_;
    rd_busy_ = true;
    gp.set_command(::tlm::TLM_READ_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(static_cast<unsigned char*>(dst));
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_gp_option(::tlm::TLM_MIN_PAYLOAD);
    gp.set_dmi_allowed(false);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    t = forward(gp, t);
    rd_busy_ = false;
    return gp.is_response_ok();
}

pt::fault_reason iommu::fetch_context(std::uint32_t rid, tlm::ps_t& t, pt::context_entry& ctx) {
    if (rid >= ctx_count_) return pt::fault_reason::context_not_present;
    std::uint64_t raw[2];
    if (const auto* l = ctx_cache_.lookup(rid, 0)) {
        raw[0] = l->v0;
        raw[1] = l->v1;
        wait_for_fill(l->ready, t);
    } else {
        ++stats_.context_reads;
        std::uint8_t buf[16];
        if (!bus_read(ctx_base_ + 16ull * rid, buf, 16, t)) return pt::fault_reason::bus_error;
        std::memcpy(raw, buf, 16);
        if (raw[0] & 1) ctx_cache_.insert(rid, 0, raw[0], raw[1], t);
    }
    ctx = pt::decode_context(raw);
    return ctx.present ? pt::fault_reason::none : pt::fault_reason::context_not_present;
}

// A cached entry whose read completes after t (filled by an access issued
// earlier in call order but still in flight at t, as LT calls and the AT
// thread's walks can be): the lookup at t waits for it, as a second access
// to a page being walked waits for that walk.
void iommu::wait_for_fill(tlm::ps_t ready, tlm::ps_t& t) {
    if (ready <= t) return;
    ++stats_.fill_waits;
    t = ready;
}

pt::fault_reason iommu::walk(const pt::context_entry& ctx, std::uint64_t iova, tlm::ps_t& t, iotlb_entry& out) {
    if (iova >> pt::iova_bits) return pt::fault_reason::address_width;
    if (cfg_.walkers) {
        const tlm::ps_t free = walkers_.free_at();
        if (free > t) {
            stats_.walker_wait.add(static_cast<double>(free - t) * 1e-3);
            t = free;
        } else {
            stats_.walker_wait.add_zero();
        }
    }
    const tlm::ps_t start = t, now = now_.value();
    walk_start_q_.notify(now, start - now);
    int level = 4;
    std::uint64_t table = ctx.root;
    unsigned perms = pt::perm_rw;
    for (int l = 2; l <= 4; ++l)
        if (const auto h = pwc_.lookup(ctx.domain, l, iova)) {
            level = l - 1;
            table = h->table;
            perms = h->perms;
            ++stats_.pwc_hits;
            wait_for_fill(h->ready, t);
            break;
        }
    pt::fault_reason f = pt::fault_reason::none;
    for (; level >= 1; --level) {
        std::uint64_t e = 0;
        ++stats_.walk_reads;
        if (!bus_read(table + 8ull * pt::pt_index(iova, level), &e, 8, t)) {
            f = pt::fault_reason::bus_error;
            break;
        }
        const pt::step_result s = pt::decode_step(e, level);
        if (s.fault != pt::fault_reason::none) {
            f = s.fault;
            break;
        }
        perms &= pt::entry_perms(e);
        if (s.leaf) {
            out = {s.next, s.page_shift, perms};
            break;
        }
        pwc_.insert(ctx.domain, level, iova, s.next, perms, t);
        table = s.next;
    }
    stats_.walk_latency.add(static_cast<double>(t - start) * 1e-3);
    walk_end_q_.notify(now_.value(), t - now_.value());
    if (cfg_.walkers) walkers_.take(t);
    return f;
}

void iommu::record_fault(std::uint32_t rid, std::uint64_t iova, pt::fault_reason r, bool write,
                         std::uint16_t domain, tlm::ps_t t) {
    ++stats_.faults;
    ++fault_count_;
    faults_wave_ = fault_count_;
    const std::uint64_t n = cfg_.fault_log_entries;
    if (fault_head_ - fault_tail_ >= n) {
        fault_status_ |= iommu_reg::fs_ovf;
    } else {
        const std::uint64_t slot = fault_head_ % n;
        fault_rec_[2 * slot] = iova;
        fault_rec_[2 * slot + 1] = std::uint64_t{rid} | (std::uint64_t(r) << 32) | (std::uint64_t{write} << 40) |
                                   (std::uint64_t{domain} << 48);
        ++fault_head_;
    }
    fault_status_ |= iommu_reg::fs_ppf;
    update_irq(t);
}

void iommu::update_irq(tlm::ps_t t) {
    const tlm::ps_t now = now_.value();
    irq_q_.notify(tlm::to_sc_time(t > now ? t - now : 0));
}

void iommu::irq_method() {
    irq_level_ = (ctrl_ & iommu_reg::ctrl_fie) && (fault_status_ & iommu_reg::fs_ppf);
    irq.write(irq_level_);
}

void iommu::time_queue::notify(tlm::ps_t now, tlm::ps_t delay) {
    const tlm::ps_t t = now + delay;
    if (heap.empty() || t < heap.front()) ev.notify(tlm::to_sc_time(delay));
    heap.push_back(t);
    std::push_heap(heap.begin(), heap.end(), std::greater<>{});
}

void iommu::time_queue::fired(tlm::ps_t now) {
    if (heap.empty()) return;
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    heap.pop_back();
    if (!heap.empty()) ev.notify(tlm::to_sc_time(heap.front() - now));
}

void iommu::walk_start_method() {
    walk_start_q_.fired(now_.value());
    ++walks_;
    walk_busy_ = true;
}

void iommu::walk_end_method() {
    walk_end_q_.fired(now_.value());
    if (walks_) --walks_;
    walk_busy_ = walks_ != 0;
}

void iommu::apply_due(tlm::ps_t t) {
    if (!(inv_cmd_ & iommu_reg::inv_go) || t < inv_due_) return;
    const auto type = static_cast<unsigned>((inv_cmd_ >> 1) & 3);
    // INV_CMD types 0/1/2 are the queue's types 1/2/3; 3 is reserved.
    if (type < 3) invalidate(type + 1, static_cast<std::uint16_t>(inv_cmd_ >> 16), inv_addr_, inv_npages_);
    inv_cmd_ &= ~iommu_reg::inv_go;
    ++inv_done_;
}

// type: iommu_reg::iq_type (global, domain, range).
void iommu::invalidate(unsigned type, std::uint16_t domain, std::uint64_t iova, std::uint64_t npages) {
    switch (type) {
    case iommu_reg::iq_global:
        tlb_.invalidate_all();
        pwc_.invalidate_all();
        ctx_cache_.invalidate_if([](const assoc_cache::line&) { return true; });
        break;
    case iommu_reg::iq_domain:
        tlb_.invalidate_domain(domain);
        pwc_.invalidate_domain(domain);
        break;
    case iommu_reg::iq_range:
        tlb_.invalidate_range(domain, iova, npages);
        pwc_.invalidate_domain(domain);
        break;
    default: return;
    }
    ++stats_.invalidations;
}

// Queued invalidation: one descriptor at a time, in order, each read over
// the bus; the thread waits out every latency (it is the IOMMU's own
// initiator, so it keeps simulated time exactly).
void iommu::iq_thread() {
    for (;;) {
        while (!iq_size_ || iq_head_ == iq_tail_ || (iq_status_ & iommu_reg::iq_iqe)) wait(iq_ev_);
        std::uint64_t d[4] = {};
        tlm::ps_t t = now_.value();
        if (!bus_read(iq_base_ + 32 * (iq_head_ % iq_size_), d, 32, t)) {
            iq_status_ |= iommu_reg::iq_iqe;
            continue;
        }
        wait(tlm::to_sc_time(t - now_.value()));
        const auto type = static_cast<unsigned>(d[0] & 0xf);
        const auto domain = static_cast<std::uint16_t>(d[0] >> 16);
        if (type >= iommu_reg::iq_global && type <= iommu_reg::iq_range) {
            wait(tlm::to_sc_time(cfg_.invalidation_latency));
            invalidate(type, domain, d[1], d[2]);
        } else if (type == iommu_reg::iq_wait) {
            tlm_generic_payload gp;
            tlm::requester_id_ext ext(static_cast<std::uint32_t>(cfg_.walk_requester_id));
            std::uint32_t v = static_cast<std::uint32_t>(d[3]);
            gp.set_extension(&ext);
            gp.set_command(::tlm::TLM_WRITE_COMMAND);
            gp.set_address(d[2]);
            gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
            gp.set_data_length(4);
            gp.set_streaming_width(4);
            gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
            sc_time dl = SC_ZERO_TIME;
            mem_out->b_transport(gp, dl);
            gp.clear_extension(&ext);
            wait(dl);
        } else {
            iq_status_ |= iommu_reg::iq_iqe; // HEAD stays on the bad descriptor
            SC_REPORT_WARNING(msg_type, (std::string(name()) + ": bad invalidation-queue descriptor type " +
                                         std::to_string(type) + "; queue stopped (IQ_STATUS.IQE)").c_str());
            continue;
        }
        iq_head_ = (iq_head_ + 1) % iq_size_;
    }
}

void iommu::inv_method() { apply_due(now_.value()); }

// ---------------------------------------------------------------- dev_in

void iommu::dev_b_transport(tlm_generic_payload& gp, sc_time& delay) {
    const tlm::ps_t now = now_.value();
    tlm::ps_t t = now + delay.value();
    ++stats_.transactions;
    if (!cfg_.enable || !(ctrl_ & iommu_reg::ctrl_te)) {
        ++stats_.bypassed;
        delay = tlm::to_sc_time(forward(gp, t) - now_.value());
        return;
    }
    apply_if_due(t);
    const std::uint64_t addr = gp.get_address();
    const std::uint64_t len = gp.get_data_length();
    const bool write = gp.is_write();
    if (gp.get_streaming_width() < len) {
        gp.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const std::uint32_t rid = tlm::requester_id(gp);
    pt::context_entry ctx;
    pt::fault_reason f = fetch_context(rid, t, ctx);
    if (f != pt::fault_reason::none) {
        record_fault(rid, addr, f, write, 0, t);
        gp.set_response_status(fault_response(f));
        delay = tlm::to_sc_time(t - now);
        return;
    }
    if (!ctx.translate) {
        ++stats_.bypassed;
        delay = tlm::to_sc_time(forward(gp, t) - now_.value());
        return;
    }

    // Translate every page first: a fault must leave memory untouched.
    std::vector<piece>& pieces = pieces_; // no allocation per transaction; dev_b_transport does not nest
    pieces.clear();
    for (std::uint64_t off = 0; off < len;) {
        const std::uint64_t iova = addr + off;
        t += cfg_.lookup_latency;
        ++stats_.translations;
        iotlb_entry e;
        if (const auto hit = tlb_.lookup(ctx.domain, iova)) {
            ++stats_.iotlb_hits;
            e = *hit;
            wait_for_fill(e.ready, t);
        } else {
            ++stats_.iotlb_misses;
            f = walk(ctx, iova, t, e);
            e.ready = t;
            if (f == pt::fault_reason::none) tlb_.insert(ctx.domain, iova, e);
        }
        if (f == pt::fault_reason::none && !(e.perms & (write ? pt::perm_w : pt::perm_r)))
            f = write ? pt::fault_reason::write_denied : pt::fault_reason::read_denied;
        if (f != pt::fault_reason::none) {
            record_fault(rid, iova, f, write, ctx.domain, t);
            gp.set_response_status(fault_response(f));
            delay = tlm::to_sc_time(t - now);
            return;
        }
        const std::uint64_t page_mask = (1ull << e.page_shift) - 1;
        const std::uint64_t n = std::min(len - off, (page_mask - (iova & page_mask)) + 1);
        pieces.push_back({off, n, e.frame | (iova & page_mask)});
        off += n;
    }

    unsigned char* const data = gp.get_data_ptr();
    unsigned char* const be = gp.get_byte_enable_ptr();
    const unsigned be_len = gp.get_byte_enable_length();
    const unsigned sw = gp.get_streaming_width();
    if (be && be_len < len && pieces.size() > 1) {
        gp.set_response_status(::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        delay = tlm::to_sc_time(t - now);
        return;
    }
    tlm::ps_t done = t;
    ::tlm::tlm_response_status status = ::tlm::TLM_OK_RESPONSE;
    // A multi-burst transaction split at a page: each piece carries its own
    // part of the burst sequence.
    tlm::burst_ext* const mb = gp.get_extension<tlm::burst_ext>();
    const bool multi = mb && mb->multi(len);
    if (multi) mb->rt += cfg_.lookup_latency; // one burst's lookup (burst_ext::rt)
    tlm::burst_ext* bx = multi && pieces.size() > 1 ? mb : nullptr;
    const tlm::burst_ext whole = bx ? *bx : tlm::burst_ext{};
    std::uint64_t piece_rt = 0;
    for (const piece& p : pieces) {
        if (bx) *bx = whole.piece(p.off);
        gp.set_address(p.pa);
        gp.set_data_ptr(data + p.off);
        gp.set_data_length(static_cast<unsigned>(p.len));
        gp.set_streaming_width(static_cast<unsigned>(p.len));
        if (be && be_len >= len) {
            gp.set_byte_enable_ptr(be + p.off);
            gp.set_byte_enable_length(static_cast<unsigned>(p.len));
        }
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        done = std::max(done, forward(gp, t));
        if (bx) piece_rt = std::max(piece_rt, bx->rt);
        if (!gp.is_response_ok()) {
            status = gp.get_response_status();
            break;
        }
    }
    if (bx) {
        *bx = whole;
        bx->rt += piece_rt;
    }
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(static_cast<unsigned>(len));
    gp.set_streaming_width(sw);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(be_len);
    gp.set_response_status(status);
    delay = tlm::to_sc_time(done - now_.value());
}

::tlm::tlm_sync_enum iommu::dev_nb_transport_fw(int port, tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_time& delay) {
    if (ph == ::tlm::BEGIN_REQ) {
        if (gp.has_mm()) gp.acquire();
        at_port_[&gp] = port;
        req_peq_.notify(gp, delay);
        ph = ::tlm::END_REQ;
        return ::tlm::TLM_UPDATED;
    }
    if (ph == ::tlm::END_RESP) {
        if (&gp != resp_busy_) SC_REPORT_ERROR(msg_type, "END_RESP for a payload not in its response phase");
        at_done();
        return ::tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR(msg_type, (std::string(name()) + ": unexpected phase on dev_in nb_transport_fw").c_str());
    return ::tlm::TLM_COMPLETED;
}

// AT requests are translated and forwarded (LT downstream) at their arrival
// time from a thread, since a walk's b_transport may wait in general.
void iommu::at_request_thread() {
    for (;;) {
        wait(req_peq_.get_event());
        while (tlm_generic_payload* gp = req_peq_.get_next_transaction()) {
            sc_time d = SC_ZERO_TIME;
            dev_b_transport(*gp, d);
            resp_peq_.notify(*gp, d);
        }
    }
}

void iommu::at_response_method() {
    while (tlm_generic_payload* gp = resp_peq_.get_next_transaction()) resp_queue_.push_back(gp);
    if (resp_busy_ || resp_queue_.empty()) return;
    tlm_generic_payload* gp = resp_queue_.front();
    resp_queue_.pop_front();
    at_send(*gp);
}

void iommu::at_send(tlm_generic_payload& gp) {
    resp_busy_ = &gp;
    ::tlm::tlm_phase ph = ::tlm::BEGIN_RESP;
    sc_time d = SC_ZERO_TIME;
    int port = 0;
    if (auto it = at_port_.find(&gp); it != at_port_.end()) {
        port = it->second;
        at_port_.erase(it);
    }
    const auto r = dev_in[port]->nb_transport_bw(gp, ph, d);
    if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && ph == ::tlm::END_RESP)) at_done();
}

void iommu::at_done() {
    tlm_generic_payload* gp = resp_busy_;
    resp_busy_ = nullptr;
    if (gp && gp->has_mm()) gp->release();
    if (!resp_queue_.empty()) resp_ev_.notify(SC_ZERO_TIME);
}

bool iommu::dev_get_dmi(int, tlm_generic_payload&, ::tlm::tlm_dmi& dmi) {
    dmi.allow_none(); // every access must be translated
    return false;
}

unsigned int iommu::dev_dbg(int, tlm_generic_payload&) { return 0; }

// ---------------------------------------------------------------- regs

std::uint64_t iommu::reg_read(std::uint64_t off, bool& ok) {
    using namespace iommu_reg;
    ok = true;
    switch (off) {
    case cap:
        return std::uint64_t{cfg_.iotlb_sets} | (std::uint64_t{cfg_.iotlb_ways} << 16) |
               (std::uint64_t{cfg_.pwc_entries} << 24) | (std::uint64_t{cfg_.fault_log_entries - 1u} << 36) |
               (1ull << 56);
    case ctrl: return ctrl_;
    case ctx_base: return ctx_base_;
    case ctx_count: return ctx_count_;
    case fault_status: return fault_status_;
    case fault_count: return fault_count_;
    case fault_head: return fault_head_;
    case fault_tail: return fault_tail_;
    case inv_cmd: return inv_cmd_;
    case inv_addr: return inv_addr_;
    case inv_npages: return inv_npages_;
    case inv_done: return inv_done_;
    case iq_base: return iq_base_;
    case iq_size: return iq_size_;
    case iq_head: return iq_head_;
    case iq_tail: return iq_tail_;
    case iq_status: return iq_status_;
    default: break;
    }
    if (off >= fault_rec && off < regs_size()) return fault_rec_[(off - fault_rec) / 8];
    ok = false;
    return 0;
}

void iommu::reg_write(std::uint64_t off, std::uint64_t v, std::uint64_t mask, tlm::ps_t t, bool& ok) {
    using namespace iommu_reg;
    ok = true;
    auto merge = [&](std::uint64_t& r) { r = (r & ~mask) | (v & mask); };
    switch (off) {
    case cap:
    case fault_count:
    case fault_head:
    case inv_done: return; // read-only: writes ignored
    case ctrl:
        merge(ctrl_);
        ctrl_ &= ctrl_te | ctrl_fie;
        update_irq(t);
        return;
    case ctx_base:
        merge(ctx_base_);
        ctx_base_ &= pt::pte_addr_mask;
        ctx_cache_.invalidate_if([](const assoc_cache::line&) { return true; });
        return;
    case ctx_count:
        merge(ctx_count_);
        ctx_count_ &= 0xffff'ffffull;
        ctx_cache_.invalidate_if([](const assoc_cache::line&) { return true; });
        return;
    case fault_status:
        fault_status_ &= ~(v & mask & (fs_ppf | fs_ovf));
        update_irq(t);
        return;
    case fault_tail: {
        std::uint64_t nt = fault_tail_;
        merge(nt);
        if (nt <= fault_head_ && fault_head_ - nt <= cfg_.fault_log_entries) fault_tail_ = nt;
        else SC_REPORT_WARNING(msg_type, (std::string(name()) + ": FAULT_TAIL write outside [HEAD - entries, HEAD] ignored").c_str());
        return;
    }
    case inv_cmd: {
        apply_due(t);
        if (inv_cmd_ & inv_go) {
            SC_REPORT_WARNING(msg_type, (std::string(name()) + ": INV_CMD written while an invalidation is in progress; ignored").c_str());
            return;
        }
        std::uint64_t c = inv_cmd_;
        merge(c);
        inv_cmd_ = c & (inv_go | 6ull | 0xffff'0000ull);
        if (inv_cmd_ & inv_go) {
            inv_due_ = t + cfg_.invalidation_latency;
            inv_ev_.notify(tlm::to_sc_time(inv_due_ - now_.value()));
        }
        return;
    }
    case iq_head: return;
    case iq_base:
        merge(iq_base_);
        iq_base_ &= pt::pte_addr_mask;
        return;
    case iq_size:
        merge(iq_size_);
        iq_size_ &= 0xffff'ffffull;
        iq_head_ = iq_tail_ = 0;
        return;
    case iq_tail:
        merge(iq_tail_);
        if (iq_size_) iq_tail_ %= iq_size_;
        iq_ev_.notify(tlm::to_sc_time(t - now_.value()));
        return;
    case iq_status:
        iq_status_ &= ~(v & mask & iq_iqe);
        iq_ev_.notify(tlm::to_sc_time(t - now_.value()));
        return;
    case inv_addr: merge(inv_addr_); return;
    case inv_npages: merge(inv_npages_); return;
    default: break;
    }
    if (off >= fault_rec && off < regs_size()) return; // read-only
    ok = false;
}

void iommu::regs_b_transport(tlm_generic_payload& gp, sc_time& delay) {
    const tlm::ps_t now = now_.value();
    const tlm::ps_t t = now + delay.value() + cfg_.register_latency;
    const std::uint64_t a = gp.get_address();
    const unsigned len = gp.get_data_length();
    if ((len != 4 && len != 8) || (a & (len - 1)) || gp.get_streaming_width() < len || gp.get_byte_enable_ptr()) {
        gp.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    apply_if_due(t);
    const std::uint64_t off = a & ~7ull;
    const unsigned shift = static_cast<unsigned>(a & 4) * 8;
    const std::uint64_t mask = len == 8 ? ~0ull : (0xffff'ffffull << shift);
    bool ok = false;
    if (gp.is_read()) {
        const std::uint64_t v = reg_read(off, ok) >> shift;
        if (len == 8) std::memcpy(gp.get_data_ptr(), &v, 8); // fixed sizes: plain moves
        else std::memcpy(gp.get_data_ptr(), &v, 4);
    } else if (gp.is_write()) {
        std::uint64_t v = 0;
        if (len == 8) std::memcpy(&v, gp.get_data_ptr(), 8);
        else std::memcpy(&v, gp.get_data_ptr(), 4);
        reg_write(off, v << shift, mask, t, ok);
    } else {
        ok = true;
    }
    gp.set_response_status(ok ? ::tlm::TLM_OK_RESPONSE : ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    delay = tlm::to_sc_time(t - now);
}

::tlm::tlm_sync_enum iommu::regs_nb_transport_fw(tlm_generic_payload& gp, ::tlm::tlm_phase&, sc_time&) {
    SC_REPORT_ERROR(msg_type, (std::string(name()) + ": regs supports b_transport only").c_str());
    gp.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE);
    return ::tlm::TLM_COMPLETED;
}

} // namespace ddisim::models
