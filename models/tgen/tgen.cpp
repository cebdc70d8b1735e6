#include "models/tgen/tgen.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "tlm/core/splitmix.h"
#include "tlm/extensions.h"
#include "tlm/sc_timing.h"
#include "tlm/waves.h"

using namespace sc_core;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace ddisim::models {

namespace {
using tlm::splitmix64;
// Order-dependent 64-bit mix (cheap: one multiply per word).
void fnv(std::uint64_t& h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0x100000001b3ull;
}
} // namespace

// ---------------------------------------------------------------- sequence

tgen_sequence::tgen_sequence(const tgen_config& c)
    : base_(c.base), slots_(c.size ? c.range / c.size : 0), size_(c.size), seed_state_(c.seed),
      random_(c.pattern == "random"), read_fraction_(c.read_fraction) {
    if (c.size == 0 || c.size > 0xffffffffull) throw std::invalid_argument("tgen: size must be 1 byte to 4 GiB");
    if (slots_ == 0) throw std::invalid_argument("tgen: range must hold at least one transaction of `size` bytes");
    if (c.pattern != "sequential" && c.pattern != "random")
        throw std::invalid_argument("tgen: pattern '" + c.pattern + "' is not sequential or random");
    if (!(c.read_fraction >= 0 && c.read_fraction <= 1)) throw std::invalid_argument("tgen: read_fraction must be in [0, 1]");
}

std::uint64_t tgen_sequence::rand() { return splitmix64(seed_state_); }

tgen_sequence::op tgen_sequence::next() {
    op o;
    std::uint64_t slot;
    if (random_) {
        slot = rand() % slots_;
    } else {
        slot = seq_slot_;
        if (++seq_slot_ == slots_) seq_slot_ = 0;
    }
    o.addr = base_ + slot * size_;
    o.size = static_cast<std::uint32_t>(size_);
    if (read_fraction_ >= 1) o.write = false;
    else if (read_fraction_ <= 0) o.write = true;
    else o.write = static_cast<double>(rand() >> 11) * 0x1.0p-53 >= read_fraction_;
    ++k_;
    return o;
}

// ---------------------------------------------------------------- tgen

struct tgen::slot {
    tlm_generic_payload* gp = nullptr;
    std::vector<std::uint8_t> buf, expect;
    tgen_sequence::op op{};
    tlm::ps_t issue = 0;
    bool verify_read = false;
};

tgen::stats_t::stats_t(const std::string& o, const tgen* g)
    : transactions(o, "transactions", "transactions", "transactions completed"),
      reads(o, "reads", "transactions", "reads completed"),
      writes(o, "writes", "transactions", "writes completed"),
      bytes(o, "bytes", "bytes", "bytes moved"),
      errors(o, "errors", "transactions", "responses other than TLM_OK_RESPONSE"),
      verify_errors(o, "verify_errors", "transactions", "reads whose data differed from the pattern written"),
      latency(o, "latency", "ns", "issue to response"),
      outstanding(o, "outstanding", "transactions", "transactions in flight (AT)"),
      bandwidth(o, "bandwidth", "bytes/s", "bytes moved between first issue and last response",
                [g] { return g->bandwidth(); }) {}

tgen::tgen(sc_module_name name, const tgen_config& cfg, style s)
    : sc_module(name), out("out"), cfg_(cfg), style_(s), now_(tlm::sim_time()), stats_(this->name(), this) {
    tgen_sequence check(cfg); // validates
    if (cfg.outstanding == 0) throw std::invalid_argument(std::string(this->name()) + ": outstanding must be at least 1");
    if (cfg.rate < 0) throw std::invalid_argument(std::string(this->name()) + ": rate must not be negative");
    out.bind(*this);
    const unsigned n = s == style::at ? cfg.outstanding : 1;
    payloads_ = std::make_unique<tlm_generic_payload[]>(n);
    slots_ = std::make_unique<slot[]>(n);
    for (unsigned k = 0; k < n; ++k) {
        auto& sl = slots_[k];
        sl.gp = &payloads_[k];
        sl.gp->set_mm(this);
        sl.buf.resize(cfg.size);
        if (cfg.verify) sl.expect.resize(cfg.size);
        sl.gp->set_data_ptr(sl.buf.data());
        sl.gp->set_streaming_width(static_cast<unsigned>(cfg.size));
        sl.gp->set_extension(new tlm::requester_id_ext(cfg.requester_id));
        free_slots_.push_back(&sl);
    }
    SC_THREAD(run);
    tlm::waves::add(this->name(), "outstanding", outstanding_);
}

tgen::~tgen() = default; // payloads_ frees the payloads and their extensions

tgen::slot* tgen::slot_of(const tlm_generic_payload* gp) const {
    const unsigned n = style_ == style::at ? cfg_.outstanding : 1;
    const tlm_generic_payload* first = payloads_.get();
    if (std::less<>()(gp, first) || !std::less<>()(gp, first + n)) return nullptr;
    return &slots_[static_cast<std::size_t>(gp - first)];
}

double tgen::bandwidth() const {
    if (last_response_ <= first_issue_ || first_issue_ == ~0ull) return 0;
    return static_cast<double>(bytes()) / (static_cast<double>(last_response_ - first_issue_) * 1e-12);
}

void tgen::pattern(std::uint64_t addr, std::uint8_t* p, std::uint32_t n) const {
    // A byte pattern that depends on the address and the seed.
    std::uint64_t s = cfg_.seed ^ (addr * 0x9e3779b97f4a7c15ull);
    for (std::uint32_t i = 0; i < n; i += 8) {
        const std::uint64_t v = splitmix64(s);
        std::memcpy(p + i, &v, std::min<std::uint32_t>(8, n - i));
    }
}

[[gnu::always_inline]] inline void tgen::fill(slot& s, const tgen_sequence::op& op, bool verify_read) {
    s.op = op;
    s.verify_read = verify_read;
    tlm_generic_payload& gp = *s.gp;
    gp.set_address(op.addr);
    gp.set_data_length(op.size);
    gp.set_command(op.write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    if (cfg_.verify) {
        if (op.write) pattern(op.addr, s.buf.data(), op.size);
        else if (verify_read) pattern(op.addr, s.expect.data(), op.size);
    }
}

bool tgen::stop_issuing(tlm::ps_t t) const { return cfg_.time_limit && t >= cfg_.time_limit; }

[[gnu::always_inline]] inline void tgen::complete(slot& s, tlm::ps_t at) {
    const tlm_generic_payload& gp = *s.gp;
    ++stats_.transactions;
    if (s.op.write) ++stats_.writes;
    else ++stats_.reads;
    stats_.bytes += s.op.size;
    if (gp.get_response_status() != ::tlm::TLM_OK_RESPONSE) ++stats_.errors;
    else if (s.verify_read && std::memcmp(s.buf.data(), s.expect.data(), s.op.size) != 0) ++stats_.verify_errors;
    const tlm::ps_t lat = at - s.issue;
    stats_.latency.add(static_cast<double>(lat) * 1e-3);
    last_response_ = std::max(last_response_, at);
    fnv(checksum_, s.op.addr);
    fnv(checksum_, (std::uint64_t{s.op.size} << 1) | s.op.write);
    fnv(checksum_, lat);
}

void tgen::run() {
    if (cfg_.start_delay) wait(tlm::to_sc_time(cfg_.start_delay));
    if (style_ == style::lt) run_lt();
    else run_at();
    done_ = true;
    done_ev_.notify(SC_ZERO_TIME);
}

// Verify mode: a write pass over the window, then a read pass comparing.
// Otherwise the configured sequence for `count` transactions / time_limit.
namespace {
struct op_source {
    tgen_sequence seq;
    const tgen_config& c;
    std::uint64_t k = 0, n_slots;
    explicit op_source(const tgen_config& cfg) : seq(cfg), c(cfg), n_slots(cfg.range / cfg.size) {}
    bool next(tgen_sequence::op& o, bool& verify_read) {
        verify_read = false;
        if (c.verify) {
            if (k >= 2 * n_slots) return false;
            const std::uint64_t j = k < n_slots ? k : k - n_slots;
            o = {c.base + j * c.size, static_cast<std::uint32_t>(c.size), k < n_slots};
            verify_read = k >= n_slots;
            ++k;
            return true;
        }
        if (c.count && k >= c.count) return false;
        o = seq.next();
        ++k;
        return true;
    }
};
} // namespace

// The loop reads the kernel time through now_ and decides on quantum syncs
// itself (the quantum keeper's need_sync() asks the kernel for the time on
// every call): next_sync mirrors the keeper's sync point, recomputed exactly
// as tlm_quantumkeeper::reset() does after each sync.
void tgen::run_lt() {
    op_source src(cfg_);
    slot& s = slots_[0];
    tlm::completion_window& window = lt_window_;
    window.reset(cfg_.outstanding);
    double rate_next = 0; // ps
    const double ps_per_byte = cfg_.rate > 0 ? 8e12 / cfg_.rate : 0;
    const auto sync_point = [this] {
        return now_.value() + ::tlm::tlm_global_quantum::instance().compute_local_quantum().value();
    };
    qk_.reset();
    tlm::ps_t next_sync = sync_point();
    tlm::ps_t local = 0; // == qk_.get_local_time().value()
    tgen_sequence::op op;
    bool vr;
    while (src.next(op, vr)) {
        const tlm::ps_t stamp = now_.value();
        tlm::ps_t t = std::max<tlm::ps_t>(stamp + local, window.free_at());
        if (ps_per_byte > 0) t = std::max(t, static_cast<tlm::ps_t>(rate_next));
        if (stop_issuing(t)) break;
        fill(s, op, vr);
        s.issue = t;
        first_issue_ = std::min(first_issue_, t);
        const sc_time issue_offset = tlm::to_sc_time(t - stamp);
        sc_time d = issue_offset;
        out->b_transport(*s.gp, d);
        const tlm::ps_t now = now_.value();
        const tlm::ps_t done = now + d.value();
        complete(s, done);
        window.take(done);
        if (ps_per_byte > 0) rate_next = static_cast<double>(t) + ps_per_byte * op.size;
        // The target may have waited (time moved on): the local offset is
        // then what is left of the issue time, never negative.
        local = t > now ? t - now : 0;
        qk_.set(now == stamp ? issue_offset : tlm::to_sc_time(local));
        if (now + local >= next_sync) {
            qk_.sync();
            local = 0;
            next_sync = sync_point();
        }
    }
    qk_.sync();
    const tlm::ps_t now = now_.value();
    if (last_response_ > now) wait(tlm::to_sc_time(last_response_ - now));
}

void tgen::run_at() {
    op_source src(cfg_);
    double rate_next = 0;
    const double ps_per_byte = cfg_.rate > 0 ? 8e12 / cfg_.rate : 0;
    tgen_sequence::op op;
    bool vr;
    while (src.next(op, vr)) {
        for (;;) {
            while (outstanding_ >= cfg_.outstanding || req_busy_) wait(ev_);
            tlm::ps_t now = now_.value();
            tlm::ps_t t = std::max(now, req_free_at_);
            if (ps_per_byte > 0) t = std::max(t, static_cast<tlm::ps_t>(rate_next));
            if (t == now) break;
            wait(tlm::to_sc_time(t - now));
        }
        const tlm::ps_t now = now_.value();
        if (stop_issuing(now)) break;
        slot& s = *free_slots_.back();
        free_slots_.pop_back();
        fill(s, op, vr);
        s.gp->acquire();
        if (ps_per_byte > 0) rate_next = static_cast<double>(now) + ps_per_byte * op.size;
        issue_at(s);
    }
    while (outstanding_) wait(ev_);
}

void tgen::issue_at(slot& s) {
    const tlm::ps_t now = now_.value();
    s.issue = now;
    first_issue_ = std::min(first_issue_, now);
    req_busy_ = true;
    req_gp_ = s.gp;
    ++outstanding_;
    stats_.outstanding.set(now, outstanding_);
    tlm_phase ph = ::tlm::BEGIN_REQ;
    sc_time d = SC_ZERO_TIME;
    const tlm_sync_enum r = out->nb_transport_fw(*s.gp, ph, d);
    if (r == ::tlm::TLM_ACCEPTED) return;
    req_busy_ = false;
    if (r == ::tlm::TLM_UPDATED && ph == ::tlm::END_REQ) {
        req_free_at_ = now + d.value();
        return;
    }
    if (r == ::tlm::TLM_UPDATED && ph == ::tlm::BEGIN_RESP) {
        // Target answered on the return path: finish with END_RESP.
        tlm_phase e = ::tlm::END_RESP;
        sc_time d2 = SC_ZERO_TIME;
        out->nb_transport_fw(*s.gp, e, d2);
    }
    --outstanding_;
    stats_.outstanding.set(now, outstanding_);
    complete(s, now + d.value());
    s.gp->release();
}

tlm_sync_enum tgen::nb_transport_bw(tlm_generic_payload& gp, tlm_phase& phase, sc_time& delay) {
    const tlm::ps_t now = now_.value();
    if (phase == ::tlm::END_REQ) {
        req_busy_ = false;
        req_free_at_ = now + delay.value();
        ev_.notify();
        return ::tlm::TLM_ACCEPTED;
    }
    if (phase == ::tlm::BEGIN_RESP) {
        if (req_busy_ && req_gp_ == &gp) req_busy_ = false; // implicit END_REQ
        slot* s = slot_of(&gp);
        if (!s) {
            SC_REPORT_ERROR("ddisim/tgen", "BEGIN_RESP for a payload this generator did not issue");
            return ::tlm::TLM_COMPLETED;
        }
        --outstanding_;
        stats_.outstanding.set(now, outstanding_);
        complete(*s, now + delay.value());
        gp.release();
        ev_.notify();
        return ::tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("ddisim/tgen", "unexpected phase on nb_transport_bw");
    return ::tlm::TLM_COMPLETED;
}

void tgen::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) {}

void tgen::free(tlm_generic_payload* gp) {
    if (slot* s = slot_of(gp)) free_slots_.push_back(s);
}

} // namespace ddisim::models
