// dma_engine — see dma_engine.h.
#include "models/dmac/dma_engine.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"

namespace ddisim::models {

using namespace sc_core;

dma_engine::stream::stream(unsigned outstanding) { set_outstanding(outstanding); }

void dma_engine::stream::set_outstanding(unsigned n) {
    if (n == 0) throw std::invalid_argument("dma_engine: outstanding must be at least 1");
    window_.reset(n);
    // Reads may run ahead of writes by half the window, so reads and writes
    // both find free slots in steady state.
    lookahead_ = std::max(1u, n / 2);
}

void dma_engine::stream::reuse(unsigned n) {
    set_outstanding(n);
    cursor_ = last_done_ = after_ = 0;
    src_ = dst_ = len_ = read_ = written_ = bursts_ = 0;
    geo_.clear();
    rdone_.clear();
    rring_.clear();
    wring_.clear();
    pending_.clear();
    buf_.clear();
    next_slot_ = 0;
    st_ = status::ok;
    active_ = false;
    inflight_ = gen_ = 0;
    writes_.clear();
}

void dma_engine::stream::abort() {
    active_ = false;
    ++gen_;
    drop_at();
    pending_.clear();
    read_ = written_ = len_ = 0;
}

// An AT transaction: a pooled payload, its data buffer, and who issued it.
struct dma_engine::txn {
    ::tlm::tlm_generic_payload gp;
    std::vector<std::uint8_t> buf;
    stream* s = nullptr;
    unsigned gen = 0;
    bool done = false;
    tlm::ps_t issued = 0, ready = 0;
    write_done on_done; // a posted write's completion callback (write_posted)
    explicit txn(::tlm::tlm_mm_interface* mm) : gp(mm) {}
};

void dma_engine::stream::drop_at() {
    for (auto& c : pending_)
        if (c.x) c.x->gp.release();
    for (txn* w : writes_) w->gp.release();
    writes_.clear();
}

dma_engine::stats_t::stats_t(const std::string& o)
    : reads(o, "reads", "transactions", "read bursts and single reads issued"),
      writes(o, "writes", "transactions", "write bursts and single writes issued"),
      bytes_read(o, "bytes_read", "bytes", "bytes read"),
      bytes_written(o, "bytes_written", "bytes", "bytes written"),
      errors(o, "errors", "transactions", "transactions answered with an error response"),
      latency(o, "latency", "ns", "issue to completion of each transaction") {}

dma_engine::dma_engine(sc_module_name name, const dma_engine_config& cfg)
    : sc_module(name), out("out"), cfg_(cfg), at_(cfg.timing == "at"), now_(tlm::sim_time()), stats_(this->name()) {
    if (cfg_.timing != "lt" && cfg_.timing != "at")
        throw std::invalid_argument(std::string(this->name()) + ": timing must be lt or at");
    if (cfg_.burst_size == 0) throw std::invalid_argument(std::string(this->name()) + ": burst_size must be at least 1");
    burst_ = cfg_.burst_size;
    if (cfg_.bus_max_burst) burst_ = std::min(burst_, cfg_.bus_max_burst);
    if (burst_ > (1u << 30)) throw std::invalid_argument(std::string(this->name()) + ": burst too large");
    set_lt_transaction_size(cfg_.lt_transaction_size);
    out.bind(*this);
    gp_.set_extension(new tlm::requester_id_ext(cfg_.requester_id));
    // LT: every transaction tells the targets its burst structure.
    bx_ = new tlm::burst_ext;
    bx_->burst = static_cast<std::uint32_t>(burst_);
    gp_.set_extension(bx_);
    qk_.reset();
}

dma_engine::~dma_engine() = default;

void dma_engine::set_lt_transaction_size(std::uint64_t bytes) {
    if (bytes > (1u << 30)) throw std::invalid_argument(std::string(name()) + ": lt_transaction_size too large");
    cfg_.lt_transaction_size = bytes;
    // Whole bursts, so a transaction ends where a burst would.
    chunk_ = !at_ && bytes > burst_ ? bytes / burst_ * burst_ : burst_;
}

tlm::ps_t dma_engine::now() const { return now_.value() + qk_.get_local_time().value(); }

void dma_engine::sync() { qk_.sync(); }

void dma_engine::sync_if_needed() {
    if (qk_.need_sync()) qk_.sync();
}

bool dma_engine::needs_sync() const { return qk_.get_local_time() != SC_ZERO_TIME; }

::tlm::tlm_response_status dma_engine::issue(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr,
                                            std::uint8_t* data, unsigned len, tlm::ps_t dep, tlm::ps_t& done,
                                            std::uint32_t alt_begin, std::uint32_t alt_end, const tlm::ps_t* deps,
                                            tlm::ps_t* per, tlm::ps_t* ring, std::uint64_t k0) {
    bx_->alt_begin = alt_begin;
    bx_->alt_end = alt_end;
    bx_->rt = 0;
    const std::uint64_t m = len > burst_ ? bx_->count(len) : 1;
    const std::uint64_t L = s.lookahead_;
    const tlm::ps_t stamp = now_.value();
    const tlm::ps_t t = m > 1 && ring ? std::max({s.cursor_, ring[k0 % L], dep, stamp})
                                      : std::max({s.cursor_, s.window_.free_at(), dep, stamp});
    gp_.set_command(cmd);
    gp_.set_address(addr);
    gp_.set_data_ptr(data);
    gp_.set_data_length(len);
    gp_.set_streaming_width(len);
    gp_.set_byte_enable_ptr(nullptr);
    gp_.set_byte_enable_length(0);
    gp_.set_dmi_allowed(false);
    gp_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time d = tlm::to_sc_time(t - stamp);
    out->b_transport(gp_, d);
    const tlm::ps_t stamp2 = now_.value();
    done = std::max<tlm::ps_t>(stamp2 + d.value(), t);
    const tlm::ps_t rt = bx_->rt;
    if (m > 1 && ring && rt) {
        // The targets timed the bursts back to back from t. Burst by burst
        // the engine alternates reads and writes, so its window of
        // `outstanding` transactions and its program order hold read burst k
        // until read burst k - lookahead completed, and write burst k until
        // write burst k - lookahead and read burst k did (ring: this
        // direction's last `lookahead` burst completions). A burst completes
        // at least one unloaded round trip (rt, summed by the targets) after
        // its issue; the bursts' completions are spread evenly over the
        // transaction's service time before that.
        const tlm::ps_t spread = done - t > rt ? (done - t - rt) / m : 0;
        tlm::ps_t c = done;
        std::uint64_t r = k0 % L; // ring index of burst j, wrapped without a division per burst
        for (std::uint64_t j = 0; j < m; ++j, r = r + 1 == L ? 0 : r + 1) {
            tlm::ps_t& slot = ring[r];
            tlm::ps_t a = std::max(t, slot);
            if (deps) a = std::max(a, deps[j]);
            c = std::max(done - (m - 1 - j) * spread, a + rt);
            slot = c;
            if (per) per[j] = c;
        }
        done = c;
    } else if (per) {
        for (std::uint64_t j = 0; j < m; ++j) per[j] = done;
    }
    s.window_.take(done);
    s.cursor_ = t;
    s.last_done_ = std::max(s.last_done_, done);
    account(cmd, len, t, done);
    // The thread's local time follows the issue times (not the completions),
    // so later transactions overlap with this one.
    if (t > stamp2 && sc_time(tlm::to_sc_time(t - stamp2)) > qk_.get_local_time()) qk_.set(tlm::to_sc_time(t - stamp2));
    // No synchronisation here: the caller decides (sync_if_needed) between
    // its own steps, so its state never changes under it mid-step.
    const auto rs = gp_.get_response_status();
    if (rs != ::tlm::TLM_OK_RESPONSE) ++stats_.errors;
    return rs;
}

void dma_engine::account(::tlm::tlm_command cmd, unsigned len, tlm::ps_t issued, tlm::ps_t done) {
    stats_.latency.add(static_cast<double>(done - issued) * 1e-3);
    if (cmd == ::tlm::TLM_READ_COMMAND) {
        ++stats_.reads;
        stats_.bytes_read += len;
    } else {
        ++stats_.writes;
        stats_.bytes_written += len;
    }
}

// Multi-burst LT transactions only where the stream's window covers one:
// then all its bursts could be in flight together burst by burst, which is
// how the targets charge them (back to back, latency once). A smaller window
// makes the copy latency-bound at burst level, which the transaction-level
// charge does not reproduce (docs/dmac.md): it stays burst accurate.
namespace {
// n, cut so that neither [src, src + n) nor [dst, dst + n) crosses a
// multiple of bnd (0: no boundary); by mask for a power of two.
std::uint64_t within_boundary(std::uint64_t bnd, std::uint64_t src, std::uint64_t dst, std::uint64_t n) {
    if (!bnd) return n;
    const std::uint64_t mask = std::has_single_bit(bnd) ? bnd - 1 : 0;
    const auto off = [&](std::uint64_t a) { return mask ? a & mask : a % bnd; };
    return std::min({n, bnd - off(src), bnd - off(dst)});
}
} // namespace

std::uint32_t dma_engine::next_chunk(const stream& s) const {
    const std::uint64_t n = std::min(s.len_ - s.read_, page_window(s) ? chunk_ : burst_);
    return static_cast<std::uint32_t>(within_boundary(cfg_.boundary, s.src_ + s.read_, s.dst_ + s.read_, n));
}

// The bursts of s's transfer as step() cuts them burst by burst.
void dma_engine::cut_bursts(stream& s) const {
    s.geo_.clear();
    for (std::uint64_t pos = 0; pos < s.len_;) {
        const std::uint64_t n = within_boundary(cfg_.boundary, s.src_ + pos, s.dst_ + pos, std::min(s.len_ - pos, burst_));
        s.geo_.push_back({pos, n});
        pos += n;
    }
}

void dma_engine::start(stream& s, std::uint64_t src, std::uint64_t dst, std::uint64_t len, tlm::ps_t after) {
    s.src_ = src;
    s.dst_ = dst;
    s.len_ = len;
    s.read_ = s.written_ = s.bursts_ = 0;
    s.after_ = after;
    s.drop_at();
    s.pending_.clear();
    s.next_slot_ = 0;
    s.st_ = status::ok;
    s.active_ = len > 0;
    if (at_) return; // AT: every transaction has its own buffer
    if (chunk_ > burst_ && page_window(s)) { // multi-burst (next_chunk)
        cut_bursts(s);
        const std::size_t per = static_cast<std::size_t>(s.lookahead_) * (chunk_ / burst_);
        if (s.rdone_.size() < per) s.rdone_.resize(per);
        s.rring_.resize(s.lookahead_);
        s.wring_.resize(s.lookahead_);
    }
    const std::size_t need = static_cast<std::size_t>(s.lookahead_) * chunk_;
    if (s.active_ && s.buf_.size() < need) s.buf_.resize(need);
    s.advance(after);
}

bool dma_engine::step(stream& s) {
    if (!s.active_) return false;
    if (at_) return step_at(s);
    if (s.read_ < s.len_ && s.pending_.size() < s.lookahead_) {
        const std::uint32_t n = next_chunk(s);
        const std::uint32_t slot = s.next_slot_;
        if (++s.next_slot_ == s.lookahead_) s.next_slot_ = 0;
        // Burst by burst, reads after the first `lookahead` follow a write
        // (tlm::burst_ext::alt_begin).
        // Read k follows write k - lookahead, whose bytes it names.
        const std::uint64_t g = s.bursts_;
        const std::uint64_t L = s.lookahead_;
        const auto alt_begin = static_cast<std::uint32_t>(g >= L ? 0 : L - g);
        if (n > burst_) {
            opp_.resize((n + burst_ - 1) / burst_);
            for (std::uint64_t j = alt_begin; j < opp_.size(); ++j) {
                const auto& b = s.geo_[g + j - L];
                opp_[j] = {s.dst_ + b.addr, b.len};
            }
            bx_->opp = opp_.data();
        }
        tlm::ps_t done;
        tlm::ps_t* per = n > burst_ ? s.rdone_.data() + std::size_t(slot) * (chunk_ / burst_) : nullptr;
        const auto rs = issue(s, ::tlm::TLM_READ_COMMAND, s.src_ + s.read_, s.buf_.data() + std::size_t(slot) * chunk_,
                              n, s.after_, done, alt_begin, ~0u, nullptr, per, s.rring_.data(), g);
        bx_->opp = nullptr;
        if (rs != ::tlm::TLM_OK_RESPONSE) {
            s.st_ = status::read_error;
            s.active_ = false;
            s.pending_.clear();
            return false;
        }
        s.pending_.push_back({s.dst_ + s.read_, n, slot, done, nullptr, g});
        s.read_ += n;
        s.bursts_ += chunk_ == burst_ ? 1 : (n + burst_ - 1) / burst_;
    } else {
        const stream::chunk c = s.pending_.front();
        s.pending_.pop_front();
        // Burst by burst, write k follows read k + lookahead - 1 while there
        // is one (k ≤ total - lookahead), and the first write always follows a read.
        const std::uint64_t total = s.geo_.size(), L = s.lookahead_;
        const std::uint64_t last_alt = total > L ? total - L : 0; // highest alternating index
        const auto alt_end = static_cast<std::uint32_t>(last_alt >= c.burst ? last_alt - c.burst + 1 : 0);
        if (c.len > burst_) {
            opp_.resize((c.len + burst_ - 1) / burst_);
            for (std::uint64_t j = 0; j < opp_.size() && j < alt_end; ++j) {
                const auto& b = s.geo_[std::min(c.burst + j + L - 1, total - 1)];
                opp_[j] = {s.src_ + b.addr, b.len};
            }
            bx_->opp = opp_.data();
        }
        tlm::ps_t done;
        // Multi-burst: its first burst may go once the first read burst is
        // in; the later ones wait for theirs (deps).
        const tlm::ps_t* deps = c.len > burst_ ? s.rdone_.data() + std::size_t(c.slot) * (chunk_ / burst_) : nullptr;
        const auto rs = issue(s, ::tlm::TLM_WRITE_COMMAND, c.dst, s.buf_.data() + std::size_t(c.slot) * chunk_, c.len,
                              deps ? deps[0] : c.ready, done, 0, alt_end, deps, nullptr, s.wring_.data(), c.burst);
        bx_->opp = nullptr;
        if (rs != ::tlm::TLM_OK_RESPONSE) {
            s.st_ = status::write_error;
            s.active_ = false;
            s.pending_.clear();
            return false;
        }
        s.written_ += c.len;
    }
    if (s.read_ == s.len_ && s.pending_.empty()) s.active_ = false;
    return s.active_;
}

dma_engine::status dma_engine::copy(stream& s, std::uint64_t src, std::uint64_t dst, std::uint64_t len,
                                    tlm::ps_t after) {
    start(s, src, dst, len, after);
    while (step(s)) sync_if_needed();
    sync_if_needed();
    return s.result();
}

::tlm::tlm_response_status dma_engine::read(stream& s, std::uint64_t addr, void* data, unsigned len, tlm::ps_t after,
                                            tlm::ps_t* done) {
    if (at_) return single_at(s, ::tlm::TLM_READ_COMMAND, addr, static_cast<std::uint8_t*>(data), len, after, done);
    tlm::ps_t d;
    const auto rs =
        issue(s, ::tlm::TLM_READ_COMMAND, addr, static_cast<std::uint8_t*>(data), len, after, d, 0, 0, nullptr, nullptr,
              nullptr, 0);
    if (done) *done = d;
    return rs;
}

::tlm::tlm_response_status dma_engine::write(stream& s, std::uint64_t addr, const void* data, unsigned len,
                                             tlm::ps_t after, tlm::ps_t* done) {
    // The payload's data pointer is non-const by TLM's design; a write target
    // only reads through it.
    if (at_)
        return single_at(s, ::tlm::TLM_WRITE_COMMAND, addr,
                         const_cast<std::uint8_t*>(static_cast<const std::uint8_t*>(data)), len, after, done);
    tlm::ps_t d;
    const auto rs = issue(s, ::tlm::TLM_WRITE_COMMAND, addr,
                          const_cast<std::uint8_t*>(static_cast<const std::uint8_t*>(data)), len, after, d, 0, 0,
                          nullptr, nullptr, nullptr, 0);
    if (done) *done = d;
    return rs;
}

bool dma_engine::write_posted(stream& s, std::uint64_t addr, const void* data, unsigned len, tlm::ps_t after,
                              write_done on_done) {
    if (!at_) { // b_transport: the answer is there when write() returns
        tlm::ps_t done;
        const auto rs = write(s, addr, data, len, after, &done);
        on_done(rs, done);
        return true;
    }
    txn* x = issue_at(s, ::tlm::TLM_WRITE_COMMAND, addr, static_cast<const std::uint8_t*>(data), len, after, &on_done);
    if (!x) return false;
    x->gp.release(); // the caller's reference: nobody waits for this one
    return true;
}

void dma_engine::drain(stream& s) {
    while (s.inflight_) wait(s.done_ev_); // each of its responses (complete_at)
}

// ---------------------------------------------------------------- AT

dma_engine::txn* dma_engine::issue_at(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr,
                                      const std::uint8_t* wdata, unsigned len, tlm::ps_t dep, write_done* on_done) {
    const unsigned gen = s.gen_;
    for (;;) {
        if (s.gen_ != gen) return nullptr; // aborted while waiting
        const tlm::ps_t now = sc_time_stamp().value();
        const tlm::ps_t t = std::max({s.cursor_, dep, req_free_at_});
        if (t > now) {
            wait(tlm::to_sc_time(t - now));
            continue;
        }
        if (s.inflight_ >= s.window_.size()) {
            wait(s.done_ev_);
            continue;
        }
        if (req_busy_) {
            wait(req_ev_);
            continue;
        }
        break;
    }
    const tlm::ps_t now = sc_time_stamp().value();
    txn* x;
    if (free_.empty()) {
        pool_.push_back(std::make_unique<txn>(this));
        x = pool_.back().get();
        x->gp.set_extension(new tlm::requester_id_ext(cfg_.requester_id));
        index_.emplace(&x->gp, x);
    } else {
        x = free_.back();
        free_.pop_back();
    }
    if (x->buf.size() < len) x->buf.resize(std::max<std::size_t>(len, burst_));
    if (wdata) std::memcpy(x->buf.data(), wdata, len);
    ::tlm::tlm_generic_payload& gp = x->gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(x->buf.data());
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    x->s = &s;
    x->gen = gen;
    x->done = false;
    x->issued = now;
    if (on_done) x->on_done = std::move(*on_done);
    gp.acquire(); // the caller's reference
    gp.acquire(); // the transport's, released at the response
    ++s.inflight_;
    s.cursor_ = now;
    req_busy_ = true;
    req_gp_ = &gp;
    ::tlm::tlm_phase ph = ::tlm::BEGIN_REQ;
    sc_time d = SC_ZERO_TIME;
    const auto r = out->nb_transport_fw(gp, ph, d);
    if (r == ::tlm::TLM_ACCEPTED) return x;
    req_busy_ = false;
    if (r == ::tlm::TLM_UPDATED && ph == ::tlm::END_REQ) {
        req_free_at_ = now + d.value();
        return x;
    }
    if (r == ::tlm::TLM_UPDATED && ph == ::tlm::BEGIN_RESP) {
        ::tlm::tlm_phase e = ::tlm::END_RESP;
        sc_time d2 = SC_ZERO_TIME;
        out->nb_transport_fw(gp, e, d2);
    }
    complete_at(x, now + d.value()); // TLM_COMPLETED, or a response on the return path
    return x;
}

void dma_engine::complete_at(txn* x, tlm::ps_t t) {
    x->done = true;
    x->ready = t;
    stream& s = *x->s;
    --s.inflight_;
    if (x->gen == s.gen_) s.last_done_ = std::max(s.last_done_, t);
    account(x->gp.get_command(), x->gp.get_data_length(), x->issued, t);
    if (x->gp.get_response_status() != ::tlm::TLM_OK_RESPONSE) ++stats_.errors;
    s.done_ev_.notify(SC_ZERO_TIME);
    if (x->on_done) {
        const write_done f = std::move(x->on_done);
        x->on_done = nullptr;
        f(x->gp.get_response_status(), t);
    }
    x->gp.release();
}

bool dma_engine::wait_done(stream& s, txn* x, unsigned gen) {
    for (;;) {
        if (s.gen_ != gen) return false;
        const tlm::ps_t now = sc_time_stamp().value();
        if (x->done && x->ready <= now) return true;
        if (x->done) wait(tlm::to_sc_time(x->ready - now));
        else wait(s.done_ev_);
    }
}

void dma_engine::fail_at(stream& s, status st) {
    s.st_ = st;
    s.active_ = false;
    s.drop_at();
    s.pending_.clear();
}

bool dma_engine::step_at(stream& s) {
    const unsigned gen = s.gen_;
    // Retire writes whose responses have arrived (errors stop the transfer).
    while (!s.writes_.empty() && s.writes_.front()->done && s.writes_.front()->ready <= sc_time_stamp().value()) {
        txn* w = s.writes_.front();
        s.writes_.pop_front();
        const bool ok = w->gp.get_response_status() == ::tlm::TLM_OK_RESPONSE;
        w->gp.release();
        if (!ok) {
            fail_at(s, status::write_error);
            return false;
        }
    }
    if (s.read_ < s.len_ && s.pending_.size() < s.lookahead_) {
        const std::uint32_t n = next_chunk(s);
        txn* x = issue_at(s, ::tlm::TLM_READ_COMMAND, s.src_ + s.read_, nullptr, n, s.after_);
        if (!x) return false;
        s.pending_.push_back({s.dst_ + s.read_, n, 0, 0, x, 0});
        s.read_ += n;
        ++s.bursts_;
        return true;
    }
    if (!s.pending_.empty()) {
        const stream::chunk c = s.pending_.front();
        s.pending_.pop_front();
        const bool arrived = wait_done(s, c.x, gen);
        const bool ok = arrived && c.x->gp.get_response_status() == ::tlm::TLM_OK_RESPONSE;
        txn* w = nullptr;
        if (ok) w = issue_at(s, ::tlm::TLM_WRITE_COMMAND, c.dst, c.x->buf.data(), c.len, c.x->ready);
        c.x->gp.release();
        if (!arrived) return false;
        if (!ok) {
            fail_at(s, status::read_error);
            return false;
        }
        if (!w) return false;
        if (s.gen_ != gen) { // aborted during the request phase
            w->gp.release();
            return false;
        }
        s.writes_.push_back(w);
        s.written_ += c.len;
        return true;
    }
    // Everything issued: the transfer ends with its last write response.
    while (!s.writes_.empty()) {
        txn* w = s.writes_.front();
        if (!wait_done(s, w, gen)) return false;
        s.writes_.pop_front();
        const bool ok = w->gp.get_response_status() == ::tlm::TLM_OK_RESPONSE;
        w->gp.release();
        if (!ok) {
            fail_at(s, status::write_error);
            return false;
        }
    }
    s.active_ = false;
    return false;
}

::tlm::tlm_response_status dma_engine::single_at(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr,
                                                 std::uint8_t* data, unsigned len, tlm::ps_t after, tlm::ps_t* done) {
    const unsigned gen = s.gen_;
    txn* x = issue_at(s, cmd, addr, cmd == ::tlm::TLM_WRITE_COMMAND ? data : nullptr, len, after);
    if (!x) return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    const bool arrived = wait_done(s, x, gen);
    const auto rs = arrived ? x->gp.get_response_status() : ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    if (arrived && cmd == ::tlm::TLM_READ_COMMAND) std::memcpy(data, x->buf.data(), len);
    if (done) *done = arrived ? x->ready : sc_time_stamp().value();
    x->gp.release();
    return rs;
}

::tlm::tlm_sync_enum dma_engine::nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                                 sc_time& delay) {
    if (!at_) {
        SC_REPORT_ERROR("ddisim/dmac", (std::string(name()) + ": nb_transport_bw on an LT engine").c_str());
        return ::tlm::TLM_COMPLETED;
    }
    const tlm::ps_t now = sc_time_stamp().value();
    if (phase == ::tlm::END_REQ) {
        if (req_gp_ == &gp) req_busy_ = false;
        req_free_at_ = now + delay.value();
        req_ev_.notify(SC_ZERO_TIME);
        return ::tlm::TLM_ACCEPTED;
    }
    if (phase == ::tlm::BEGIN_RESP) {
        if (req_busy_ && req_gp_ == &gp) { // implicit END_REQ
            req_busy_ = false;
            req_ev_.notify(SC_ZERO_TIME);
        }
        const auto it = index_.find(&gp);
        if (it == index_.end()) {
            SC_REPORT_ERROR("ddisim/dmac", (std::string(name()) + ": BEGIN_RESP for a payload it did not issue").c_str());
            return ::tlm::TLM_COMPLETED;
        }
        complete_at(it->second, now + delay.value());
        return ::tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("ddisim/dmac", (std::string(name()) + ": unexpected phase on nb_transport_bw").c_str());
    return ::tlm::TLM_COMPLETED;
}

void dma_engine::free(::tlm::tlm_generic_payload* gp) {
    const auto it = index_.find(gp);
    if (it != index_.end()) free_.push_back(it->second);
}

void dma_engine::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) {}

} // namespace ddisim::models
