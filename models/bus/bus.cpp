#include "models/bus/bus.h"

#include <algorithm>
#include <stdexcept>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"
#include "tlm/waves.h"

using namespace sc_core;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace ddisim::models {

namespace {
constexpr tlm::ps_t never = ~0ull;
constexpr std::size_t forward_depth = 2; // granted requests waiting per target

std::string hex(std::uint64_t v) {
    static const char* d = "0123456789abcdef";
    std::string s = "0x";
    bool any = false;
    for (int sh = 60; sh >= 0; sh -= 4) {
        const unsigned n = (v >> sh) & 0xf;
        if (n || any || sh == 0) {
            s += d[n];
            any = true;
        }
    }
    return s;
}
std::string describe_region(const bus_region& r) {
    return "'" + r.name + "' [" + hex(r.base) + ", " + hex(r.base + r.size - 1) + "]";
}
} // namespace

// Where an AT transaction came from and what the target saw.
struct bus::route {
    const tlm_generic_payload* key = nullptr;
    unsigned ini = 0, tgt = 0;
    std::uint64_t orig_addr = 0, target_addr = 0;
};

// Open-addressing hash map payload → route (linear probing, backward-shift
// deletion): no allocation per transaction once grown.
struct bus::route_table {
    std::vector<route> slots = std::vector<route>(64);
    std::size_t used = 0;

    std::size_t home(const tlm_generic_payload* p) const {
        auto h = reinterpret_cast<std::uintptr_t>(p);
        h ^= h >> 17;
        h *= 0x9e3779b97f4a7c15ull;
        return (h >> 20) & (slots.size() - 1);
    }
    route* find(const tlm_generic_payload* p) {
        for (std::size_t k = home(p);; k = (k + 1) & (slots.size() - 1)) {
            if (slots[k].key == p) return &slots[k];
            if (!slots[k].key) return nullptr;
        }
    }
    route& insert(const tlm_generic_payload* p) {
        if ((used + 1) * 2 > slots.size()) grow();
        std::size_t k = home(p);
        while (slots[k].key && slots[k].key != p) k = (k + 1) & (slots.size() - 1);
        if (!slots[k].key) ++used;
        slots[k].key = p;
        return slots[k];
    }
    void erase(const tlm_generic_payload* p) {
        const std::size_t mask = slots.size() - 1;
        std::size_t k = home(p);
        while (slots[k].key != p) {
            if (!slots[k].key) return;
            k = (k + 1) & mask;
        }
        slots[k].key = nullptr;
        --used;
        // Backward shift: move later entries of the probe run into the hole.
        for (std::size_t j = (k + 1) & mask; slots[j].key; j = (j + 1) & mask) {
            const std::size_t h = home(slots[j].key);
            const bool movable = (k <= j) ? (h <= k || h > j) : (h <= k && h > j);
            if (movable) {
                slots[k] = slots[j];
                slots[j].key = nullptr;
                k = j;
            }
        }
    }
    void grow() {
        std::vector<route> old(slots.size() * 2);
        old.swap(slots);
        used = 0;
        for (auto& r : old)
            if (r.key) insert(r.key) = r;
    }
};

struct bus::initiator_port {
    // AT
    tlm_generic_payload* pending = nullptr; // BEGIN_REQ waiting for a grant
    tlm::ps_t pending_arrival = 0;
    unsigned pending_target = 0;
    std::uint32_t outstanding = 0;
    std::deque<std::pair<tlm_generic_payload*, tlm::ps_t>> responses; // ready time order
    tlm_generic_payload* resp_in_progress = nullptr;
    // both styles
    tlm::occupancy_timeline req, resp;
    tlm::completion_window lt_window; // LT: completions of the last `outstanding` transactions
    // LT: the latest reservations of the request and the response channel
    // (lt_reserve).
    tlm::recent_reservations req_recent, resp_recent;
    int last_region = -1; // LT: the region this initiator used last (a CPU's and a device's traffic interleave)
    tlm::counter transactions, bytes;
    tlm::time_average outstanding_avg;
    initiator_port(const std::string& me, const std::string& pre)
        : transactions(me, pre + "transactions", "transactions", "transactions completed from this initiator"),
          bytes(me, pre + "bytes", "bytes", "bytes carried for this initiator"),
          outstanding_avg(me, pre + "outstanding", "transactions", "AT transactions in flight from this initiator") {}
};

struct bus::target_port {
    std::deque<std::pair<tlm_generic_payload*, tlm::ps_t>> fwd; // granted, ready time
    tlm_generic_payload* req_in_progress = nullptr;              // forwarded, END_REQ pending
    tlm::occupancy_timeline req, resp;                           // AT
    tlm::shared_timeline lt_req, lt_resp;                        // LT, shared per quantum by initiator
    unsigned rr = 0;
    std::unique_ptr<tlm::formula> utilisation;
};

bus::stats_t::stats_t(const std::string& o)
    : transactions(o, "transactions", "transactions", "transactions completed (all ports)"),
      bytes(o, "bytes", "bytes", "bytes carried (all ports)"),
      decode_errors(o, "decode_errors", "transactions", "transactions to unmapped addresses"),
      arbitration_wait(o, "arbitration_wait", "ns", "request arrival to grant") {}

bus::bus(sc_module_name name, const bus_config& cfg)
    : sc_module(name), in("in", this), out("out"), cfg_(cfg), now_(tlm::sim_time()), period_(tlm::period_ps(cfg.clock)),
      routes_(std::make_unique<route_table>()), stats_(this->name()) {
    if (cfg.data_width == 0) throw std::invalid_argument(std::string(this->name()) + ": data_width must be at least 1");
    if (cfg.max_burst == 0) throw std::invalid_argument(std::string(this->name()) + ": max_burst must be at least 1");
    if (cfg.outstanding == 0) throw std::invalid_argument(std::string(this->name()) + ": outstanding must be at least 1");
    if (cfg.arbitration == "round_robin") fixed_priority_ = false;
    else if (cfg.arbitration == "fixed_priority") fixed_priority_ = true;
    else
        throw std::invalid_argument(std::string(this->name()) + ": arbitration '" + cfg.arbitration +
                                    "' is not round_robin or fixed_priority");
    if (cfg.quantum) ::tlm::tlm_global_quantum::instance().set(tlm::to_sc_time(cfg.quantum));

    out.register_nb_transport_bw(this, &bus::nb_transport_bw);
    out.register_invalidate_direct_mem_ptr(this, &bus::invalidate_direct_mem_ptr);

    SC_METHOD(step);
    sensitive << wake_ << wake_now_;
    dont_initialize();
    tlm::waves::add(this->name(), "outstanding", in_flight_);
    tlm::waves::add(this->name(), "waiting", waiting_requests_);
}

bus::~bus() = default;

void bus::add_region(const bus_region& r) {
    const std::string me = name();
    if (r.size == 0) throw std::invalid_argument(me + ": region '" + r.name + "' has size 0");
    if (r.base + (r.size - 1) < r.base)
        throw std::invalid_argument(me + ": region '" + r.name + "' wraps past the end of the address space");
    for (const auto& o : regions_)
        if (r.base <= o.base + (o.size - 1) && o.base <= r.base + (r.size - 1))
            throw std::invalid_argument(me + ": region " + describe_region(r) + " overlaps region " +
                                        describe_region(o));
    auto pos = std::upper_bound(regions_.begin(), regions_.end(), r.base,
                                [](std::uint64_t a, const bus_region& x) { return a < x.base; });
    regions_.insert(pos, r);
    last_region_ = -1;
    for (auto& p : ini_) p->last_region = -1;
}

int bus::decode(std::uint64_t addr) const {
    if (last_region_ >= 0) {
        const bus_region& r = regions_[last_region_];
        if (addr - r.base < r.size) return last_region_;
    }
    auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                               [](std::uint64_t a, const bus_region& x) { return a < x.base; });
    if (it == regions_.begin()) return -1;
    --it;
    if (addr - it->base > it->size - 1) return -1;
    last_region_ = static_cast<int>(it - regions_.begin());
    return last_region_;
}

std::uint64_t bus::transactions() const { return stats_.transactions.count(); }

void bus::end_of_elaboration() {
    const std::string me = name();
    for (const auto& r : regions_)
        if (r.target >= out.size())
            throw std::invalid_argument(me + ": region '" + r.name + "' names target " + std::to_string(r.target) +
                                        " but only " + std::to_string(out.size()) + " targets are bound");
    for (unsigned i = 0; i < in.size(); ++i) {
        auto p = std::make_unique<initiator_port>(me, "in" + std::to_string(i) + ".");
        p->lt_window.reset(cfg_.outstanding);
        ini_.push_back(std::move(p));
    }
    for (unsigned t = 0; t < out.size(); ++t) {
        auto p = std::make_unique<target_port>();
        auto* tp = p.get();
        p->utilisation = std::make_unique<tlm::formula>(
            me, "out" + std::to_string(t) + ".utilisation", "ratio", "busy share of this target's response channel",
            [tp] {
                const double now = static_cast<double>(sc_time_stamp().value());
                return now > 0 ? static_cast<double>(tp->resp.busy_ps + tp->lt_resp.busy_ps) / now : 0.0;
            });
        const tlm::ps_t q = ::tlm::tlm_global_quantum::instance().get().value();
        p->lt_req.set_window(q);
        p->lt_resp.set_window(q);
        p->lt_req.set_priority(fixed_priority_);
        p->lt_resp.set_priority(fixed_priority_);
        tgt_.push_back(std::move(p));
    }
}

std::uint64_t bus::req_cycles(const tlm_generic_payload& gp) const {
    const std::uint64_t len = gp.get_data_length();
    const std::uint64_t bursts = tlm::beats(len, cfg_.max_burst);
    return bursts + (gp.is_write() ? tlm::beats(len, cfg_.data_width) : 0);
}

std::uint64_t bus::resp_cycles(const tlm_generic_payload& gp) const {
    const std::uint64_t len = gp.get_data_length();
    return gp.is_read() ? tlm::beats(len, cfg_.data_width) : tlm::beats(len, cfg_.max_burst);
}

// ---------------------------------------------------------------- LT

[[gnu::always_inline]] inline void bus::lt_channel_time(std::uint64_t len, ::tlm::tlm_command cmd, tlm::ps_t& rq, tlm::ps_t& rs) {
    if (len != lt_len_ || cmd != lt_cmd_) {
        const std::uint64_t bursts = tlm::beats(len, cfg_.max_burst);
        const std::uint64_t data = tlm::beats(len, cfg_.data_width);
        lt_rq_ = (bursts + (cmd == ::tlm::TLM_WRITE_COMMAND ? data : 0)) * period_;
        lt_rs_ = (cmd == ::tlm::TLM_READ_COMMAND ? data : bursts) * period_;
        lt_len_ = len;
        lt_cmd_ = cmd;
    }
    rq = lt_rq_;
    rs = lt_rs_;
}

// LT, a transaction standing for several bursts (tlm::burst_ext): one
// address cycle and whole beats per burst, as the bursts one by one. rq_tail:
// request cycles after the first burst's; rs_head: response cycles before
// the last burst's.
void bus::lt_burst_time(const tlm::burst_ext& bx, std::uint64_t len, ::tlm::tlm_command cmd, tlm::ps_t& rq,
                        tlm::ps_t& rs, tlm::ps_t& rq_tail, tlm::ps_t& rs_head) const {
    const std::uint64_t bursts = bx.count(len);
    const std::uint64_t data = bx.units(len, cfg_.data_width);
    const bool write = cmd == ::tlm::TLM_WRITE_COMMAND;
    const std::uint64_t first = 1 + (write ? tlm::beats(std::min<std::uint64_t>(len, bx.first_len()), cfg_.data_width) : 0);
    const std::uint64_t last = cmd == ::tlm::TLM_READ_COMMAND ? tlm::beats(bx.last_len(len), cfg_.data_width) : 1;
    rq = (bursts + (write ? data : 0)) * period_;
    rs = (cmd == ::tlm::TLM_READ_COMMAND ? data : bursts) * period_;
    rq_tail = rq - first * period_;
    rs_head = rs - last * period_;
}

// Hot path of every LT simulation: times are integer ps read from the cached
// kernel time, channel times come from lt_channel_time (same arithmetic as
// req_cycles / resp_cycles), computed once (a target does not change the
// length or command of a payload).
void bus::b_transport(int i, tlm_generic_payload& gp, sc_time& delay) {
    const std::uint64_t addr = gp.get_address();
    initiator_port& ip = *ini_[i];
    // decode(), the initiator's last region checked here without a call
    int ri = ip.last_region;
    if (ri < 0 || addr - regions_[ri].base >= regions_[ri].size) ip.last_region = ri = decode(addr);
    const std::uint64_t len = gp.get_data_length();
    if (ri < 0 || len - 1 > regions_[ri].base + regions_[ri].size - 1 - addr) {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ++stats_.decode_errors;
        return;
    }
    const bus_region& r = regions_[ri];
    target_port& tp = *tgt_[r.target];
    const auto requester = static_cast<unsigned>(i);

    const tlm::ps_t now = now_.value();
    const tlm::ps_t arrival = std::max<tlm::ps_t>(now + delay.value(), ip.lt_window.free_at());
    // Initiator link first, then the target link shared with the others.
    tlm::ps_t rq, rs, rq_tail = 0, rs_head = 0;
    tlm::burst_ext* bx = gp.get_extension<tlm::burst_ext>();
    if (bx && !bx->multi(len)) bx = nullptr;
    if (bx) lt_burst_time(*bx, len, gp.get_command(), rq, rs, rq_tail, rs_head);
    else lt_channel_time(len, gp.get_command(), rq, rs);
    // Each channel pair: the target's shared channel from the later of the
    // ready time and the initiator's own channel, which is then held for the
    // same span (occupancy_timeline::reserve(s, e - s) with s ≥ busy_until).
    tlm::ps_t e1;
    const tlm::ps_t s = lt_reserve(ip.req, ip.req_recent, tp.lt_req, requester, arrival, rq, e1);
    if (s == arrival) stats_.arbitration_wait.add_zero();
    else stats_.arbitration_wait.add(static_cast<double>(s - arrival) * 1e-3);

    gp.set_address(addr - r.base + r.target_base);
    // A multi-burst transaction reaches the target with its first burst; the
    // others stream in behind it (bx->tail).
    const tlm::ps_t at_target = e1 - rq_tail + cfg_.request_latency;
    sc_time d = tlm::to_sc_time(at_target - now);
    if (bx) bx->tail = rq_tail;
    out[r.target]->b_transport(gp, d);
    gp.set_address(addr);

    const tlm::ps_t now2 = now_.value();
    const tlm::ps_t done = now2 + d.value();
    tlm::ps_t ready2 = done;
    if (bx) {
        bx->tail = 0;
        // one burst's unloaded trip through the bus (burst_ext::rt)
        bx->rt += (rq - rq_tail) + (rs - rs_head) + cfg_.request_latency + cfg_.response_latency;
        // Multi-burst: the response beats of all but the last burst overlap
        // the target's work on the later bursts (as burst by burst), not
        // before the request reached it.
        if (rs_head) ready2 = std::max(done - std::min(done, rs_head), at_target);
    }
    tlm::ps_t e2;
    lt_reserve(ip.resp, ip.resp_recent, tp.lt_resp, requester, ready2, rs, e2);
    const tlm::ps_t completion = e2 + cfg_.response_latency;
    ip.lt_window.take(completion);
    ++stats_.transactions;
    stats_.bytes += len;
    ++ip.transactions;
    ip.bytes += len;
    delay = tlm::to_sc_time(completion - now2);
}

// LT: `len` of a target's shared channel `tl` and of the initiator's own
// channel (`own`, its latest reservations `recent`) together, for a request
// or response ready at `ready`; returns the start, `end` gets the end.
// Usually the initiator's channel is free by then and the reservation
// follows its latest one. When it is not, the call may still be early: LT
// calls come in issue order, but responses are ready in completion order (a
// later access may finish first: another memory channel, a shorter access),
// and threads sharing a port (two CPU threads) issue at their own local
// times; AT serves both in time order. So the reservation takes the earliest
// time from `ready` that fits clear of the channel's recent reservations,
// which is before the latest one where there is room.
[[gnu::always_inline]] inline tlm::ps_t bus::lt_reserve(tlm::occupancy_timeline& own, tlm::recent_reservations& recent,
                                                        tlm::shared_timeline& tl, unsigned requester, tlm::ps_t ready,
                                                        tlm::ps_t len, tlm::ps_t& end) {
    tlm::ps_t s;
    if (ready >= own.busy_until) [[likely]] {
        s = tl.reserve(requester, ready, len, end, ready);
        recent.note_next(own.busy_until, s, end);
        own.busy_until = end;
    } else {
        s = lt_reserve_early(own, recent, tl, requester, ready, len, end);
    }
    own.busy_ps += end - s;
    return s;
}

tlm::ps_t bus::lt_reserve_early(tlm::occupancy_timeline& own, tlm::recent_reservations& recent, tlm::shared_timeline& tl,
                                unsigned requester, tlm::ps_t ready, tlm::ps_t len, tlm::ps_t& end) {
    const tlm::ps_t s = tl.reserve_in_gap(requester, recent, ready, len, own.busy_until, end);
    own.busy_until = std::max(own.busy_until, end);
    return s;
}

// ---------------------------------------------------------------- AT

void bus::wake_at(tlm::ps_t t) {
    const tlm::ps_t now = now_.value();
    if (t < now) t = now;
    if (wake_pending_ != never && wake_pending_ <= t) return; // an earlier wake is already due
    if (t == now) {
        // A second event for "now", so that wake_'s timed notification (the
        // next thing due later) stays in the kernel's queue instead of being
        // cancelled and issued again after this delta.
        wake_pending_ = t;
        wake_now_.notify(SC_ZERO_TIME);
        return;
    }
    if (timed_pending_ > now && timed_pending_ <= t) { // wake_ still set for then
        wake_pending_ = timed_pending_;
        return;
    }
    wake_pending_ = timed_pending_ = t;
    wake_.notify(tlm::to_sc_time(t - now));
}

tlm_sync_enum bus::nb_transport_fw(int i, tlm_generic_payload& gp, tlm_phase& phase, sc_time& delay) {
    if (phase == ::tlm::BEGIN_REQ) {
        const std::uint64_t addr = gp.get_address();
        const int ri = decode(addr);
        const std::uint64_t len = gp.get_data_length();
        if (ri < 0 || len - 1 > regions_[ri].base + regions_[ri].size - 1 - addr) {
            gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
            ++stats_.decode_errors;
            return ::tlm::TLM_COMPLETED;
        }
        initiator_port& ip = *ini_[i];
        if (ip.pending) {
            SC_REPORT_ERROR("ddisim/bus", (std::string(name()) + ": BEGIN_REQ on in[" + std::to_string(i) +
                                           "] before END_REQ of the previous request")
                                              .c_str());
            return ::tlm::TLM_ACCEPTED;
        }
        const bus_region& r = regions_[ri];
        route& rt = routes_->insert(&gp);
        rt.ini = static_cast<unsigned>(i);
        rt.tgt = r.target;
        rt.orig_addr = addr;
        rt.target_addr = addr - r.base + r.target_base;
        ip.pending = &gp;
        ip.pending_arrival = now_.value() + delay.value();
        ip.pending_target = r.target;
        ++waiting_requests_;
        wake_at(tlm::next_edge(ip.pending_arrival, period_));
        return ::tlm::TLM_ACCEPTED;
    }
    if (phase == ::tlm::END_RESP) {
        on_end_resp(static_cast<unsigned>(i), gp);
        return ::tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("ddisim/bus", (std::string(name()) + ": unexpected phase on nb_transport_fw").c_str());
    return ::tlm::TLM_COMPLETED;
}

void bus::on_end_resp(unsigned i, tlm_generic_payload& gp) {
    initiator_port& ip = *ini_[i];
    if (ip.resp_in_progress != &gp) {
        SC_REPORT_ERROR("ddisim/bus", (std::string(name()) + ": END_RESP for a payload not in its response phase").c_str());
        return;
    }
    finish(i, gp);
    wake_at(now_.value());
}

void bus::finish(unsigned i, tlm_generic_payload& gp) {
    initiator_port& ip = *ini_[i];
    ip.resp_in_progress = nullptr;
    --ip.outstanding;
    --in_flight_;
    ip.outstanding_avg.set(now_.value(), ip.outstanding);
    routes_->erase(&gp);
    const std::uint64_t len = gp.get_data_length();
    ++stats_.transactions;
    stats_.bytes += len;
    ++ip.transactions;
    ip.bytes += len;
}

tlm_sync_enum bus::nb_transport_bw(int t, tlm_generic_payload& gp, tlm_phase& phase, sc_time& delay) {
    target_port& tp = *tgt_[t];
    const tlm::ps_t now = now_.value();
    if (phase == ::tlm::END_REQ) {
        if (tp.req_in_progress == &gp) tp.req_in_progress = nullptr;
        wake_at(now + delay.value());
        return ::tlm::TLM_ACCEPTED;
    }
    if (phase == ::tlm::BEGIN_RESP) {
        if (tp.req_in_progress == &gp) {
            tp.req_in_progress = nullptr;
            wake_at(now + delay.value());
        }
        target_response(static_cast<unsigned>(t), gp, now + delay.value());
        return ::tlm::TLM_COMPLETED; // the bus buffers the response: END_RESP is implicit
    }
    SC_REPORT_ERROR("ddisim/bus", (std::string(name()) + ": unexpected phase on nb_transport_bw").c_str());
    return ::tlm::TLM_COMPLETED;
}

void bus::forward(unsigned t, tlm_generic_payload& gp) {
    target_port& tp = *tgt_[t];
    route* rt = routes_->find(&gp);
    gp.set_address(rt->target_addr);
    tp.req_in_progress = &gp;
    tlm_phase ph = ::tlm::BEGIN_REQ;
    sc_time d = SC_ZERO_TIME;
    const auto r = out[t]->nb_transport_fw(gp, ph, d);
    if (r == ::tlm::TLM_ACCEPTED) return;
    if (tp.req_in_progress == &gp) tp.req_in_progress = nullptr;
    if (r == ::tlm::TLM_COMPLETED || ph == ::tlm::BEGIN_RESP)
        target_response(t, gp, now_.value() + d.value());
}

void bus::target_response(unsigned t, tlm_generic_payload& gp, tlm::ps_t ready) {
    route* rt = routes_->find(&gp);
    if (!rt) {
        SC_REPORT_ERROR("ddisim/bus", (std::string(name()) + ": response for an unknown payload").c_str());
        return;
    }
    gp.set_address(rt->orig_addr);
    initiator_port& ip = *ini_[rt->ini];
    target_port& tp = *tgt_[t];
    const tlm::ps_t rs = resp_cycles(gp) * period_;
    // The target's response channel is shared between initiators exactly as
    // in LT (tlm::shared_timeline), the initiator's own channel in order.
    tlm::ps_t e;
    const tlm::ps_t s = tp.lt_resp.reserve(rt->ini, std::max(ready, ip.resp.busy_until), rs, e, ready);
    ip.resp_recent.note_next(ip.resp.busy_until, s, e); // for LT calls on the same port (lt_reserve)
    ip.resp.reserve(s, e - s);
    const tlm::ps_t at = e + cfg_.response_latency;
    ip.responses.emplace_back(&gp, at);
    if (!ip.resp_in_progress && ip.responses.size() == 1) wake_at(at);
}

void bus::send_response(unsigned i, tlm::ps_t now) {
    initiator_port& ip = *ini_[i];
    while (!ip.resp_in_progress && !ip.responses.empty() && ip.responses.front().second <= now) {
        tlm_generic_payload& gp = *ip.responses.front().first;
        ip.responses.pop_front();
        ip.resp_in_progress = &gp;
        tlm_phase ph = ::tlm::BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        const auto r = in[i]->nb_transport_bw(gp, ph, d);
        if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && ph == ::tlm::END_RESP)) finish(i, gp);
    }
}

void bus::arbitrate(tlm::ps_t now, tlm::ps_t& next) {
    const unsigned n = static_cast<unsigned>(ini_.size());
    for (unsigned t = 0; t < tgt_.size() && waiting_requests_; ++t) {
        target_port& tp = *tgt_[t];
        const bool target_free = tp.fwd.size() < forward_depth && tp.req.busy_until <= now;
        unsigned winner = n;
        for (unsigned k = 0; k < n; ++k) {
            unsigned i = k;
            if (!fixed_priority_ && (i += tp.rr) >= n) i -= n; // (rr + k) % n, rr < n
            initiator_port& ip = *ini_[i];
            if (!ip.pending || ip.pending_target != t) continue;
            if (ip.pending_arrival > now) {
                next = std::min(next, tlm::next_edge(ip.pending_arrival, period_));
                continue;
            }
            if (ip.outstanding >= cfg_.outstanding) continue; // woken by finish()
            if (!target_free) {
                if (tp.fwd.size() < forward_depth) next = std::min(next, tlm::next_edge(tp.req.busy_until, period_));
                continue; // else woken when the target takes a request
            }
            if (ip.req.busy_until > now) {
                next = std::min(next, tlm::next_edge(ip.req.busy_until, period_));
                continue;
            }
            if (winner == n) winner = i;
            else next = std::min(next, now + period_); // loser: try again next cycle
        }
        if (winner == n) continue;
        initiator_port& ip = *ini_[winner];
        tlm_generic_payload& gp = *ip.pending;
        stats_.arbitration_wait.add(static_cast<double>(now - ip.pending_arrival) * 1e-3);
        ip.pending = nullptr;
        --waiting_requests_;
        ++ip.outstanding;
        ++in_flight_;
        ip.outstanding_avg.set(now, ip.outstanding);
        const tlm::ps_t rq = req_cycles(gp) * period_;
        // ip.req's reservation below, recorded for LT calls on the same port
        const tlm::ps_t req_start = ip.req.start_at(now);
        ip.req_recent.note_next(ip.req.busy_until, req_start, req_start + rq);
        ip.req.reserve(now, rq);
        tp.req.reserve(now, rq);
        const tlm::ps_t ready = now + rq + cfg_.request_latency;
        tp.fwd.emplace_back(&gp, ready);
        next = std::min(next, ready);
        tp.rr = winner + 1 == n ? 0 : winner + 1;
        tlm_phase ph = ::tlm::END_REQ;
        sc_time d = SC_ZERO_TIME;
        in[winner]->nb_transport_bw(gp, ph, d);
    }
}

void bus::step() {
    const tlm::ps_t now = now_.value();
    wake_pending_ = never;
    tlm::ps_t next = never;
    for (unsigned t = 0; t < tgt_.size(); ++t) {
        target_port& tp = *tgt_[t];
        while (!tp.req_in_progress && !tp.fwd.empty()) {
            if (tp.fwd.front().second > now) {
                next = std::min(next, tp.fwd.front().second);
                break;
            }
            tlm_generic_payload* gp = tp.fwd.front().first;
            tp.fwd.pop_front();
            forward(t, *gp);
        }
    }
    for (unsigned i = 0; i < ini_.size(); ++i) {
        send_response(i, now);
        initiator_port& ip = *ini_[i];
        if (!ip.resp_in_progress && !ip.responses.empty()) next = std::min(next, ip.responses.front().second);
    }
    if (waiting_requests_) {
        if (now % period_ == 0) arbitrate(now, next);
        else next = std::min(next, tlm::next_edge(now, period_));
    }
    if (next != never) wake_at(next);
}

// ---------------------------------------------------------------- DMI, debug

bool bus::get_direct_mem_ptr(int i, tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) {
    const std::uint64_t addr = gp.get_address();
    const int ri = decode(addr);
    if (ri < 0) {
        // No DMI in the gap between regions.
        auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                                   [](std::uint64_t a, const bus_region& x) { return a < x.base; });
        dmi.set_start_address(it == regions_.begin() ? 0 : std::prev(it)->base + std::prev(it)->size);
        dmi.set_end_address(it == regions_.end() ? ~0ull : it->base - 1);
        dmi.set_granted_access(::tlm::tlm_dmi::DMI_ACCESS_NONE);
        return false;
    }
    const bus_region& r = regions_[ri];
    gp.set_address(addr - r.base + r.target_base);
    const bool ok = out[r.target]->get_direct_mem_ptr(gp, dmi);
    gp.set_address(addr);
    // Target range → bus range, clipped to the region.
    const std::uint64_t lo = r.target_base, hi = r.target_base + (r.size - 1);
    std::uint64_t s = dmi.get_start_address(), e = dmi.get_end_address();
    if (s < lo) {
        if (ok) dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (lo - s));
        s = lo;
    }
    e = std::min(e, hi);
    dmi.set_start_address(s - r.target_base + r.base);
    dmi.set_end_address(e - r.target_base + r.base);
    const sc_time lat = tlm::to_sc_time(cfg_.request_latency + cfg_.response_latency + 2 * period_);
    dmi.set_read_latency(dmi.get_read_latency() + lat);
    dmi.set_write_latency(dmi.get_write_latency() + lat);
    return ok;
}

unsigned int bus::transport_dbg(int i, tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    const int ri = decode(addr);
    if (ri < 0) {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    const bus_region& r = regions_[ri];
    // Clip to the region: the debug access never spills into a neighbour.
    const std::uint64_t room = r.base + (r.size - 1) - addr + 1;
    const unsigned len = gp.get_data_length();
    if (room < len) gp.set_data_length(static_cast<unsigned>(room));
    gp.set_address(addr - r.base + r.target_base);
    const unsigned n = out[r.target]->transport_dbg(gp);
    gp.set_address(addr);
    gp.set_data_length(len);
    return n;
}

void bus::invalidate_direct_mem_ptr(int t, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (const auto& r : regions_) {
        if (r.target != static_cast<unsigned>(t)) continue;
        const std::uint64_t lo = r.target_base, hi = r.target_base + (r.size - 1);
        if (end < lo || start > hi) continue;
        const std::uint64_t s = std::max<std::uint64_t>(start, lo) - lo + r.base;
        const std::uint64_t e = std::min<std::uint64_t>(end, hi) - lo + r.base;
        for (unsigned i = 0; i < in.size(); ++i) in[i]->invalidate_direct_mem_ptr(s, e);
    }
}

} // namespace ddisim::models
