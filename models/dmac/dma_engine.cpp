// dma_engine — see dma_engine.h.
#include "models/dmac/dma_engine.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"

namespace ddisim::models {

using namespace sc_core;

dma_engine::stream::stream(unsigned outstanding) { set_outstanding(outstanding); }

void dma_engine::stream::set_outstanding(unsigned n) {
    if (n == 0) throw std::invalid_argument("dma_engine: outstanding must be at least 1");
    window_.assign(n, 0);
    wi_ = 0;
    // Reads may run ahead of writes by half the window, so reads and writes
    // both find free slots in steady state.
    lookahead_ = std::max(1u, n / 2);
}

void dma_engine::stream::abort() {
    active_ = false;
    pending_.clear();
    read_ = written_ = len_ = 0;
}

dma_engine::stats_t::stats_t(const std::string& o)
    : reads(o, "reads", "transactions", "read bursts and single reads issued"),
      writes(o, "writes", "transactions", "write bursts and single writes issued"),
      bytes_read(o, "bytes_read", "bytes", "bytes read"),
      bytes_written(o, "bytes_written", "bytes", "bytes written"),
      errors(o, "errors", "transactions", "transactions answered with an error response"),
      latency(o, "latency", "ns", "issue to completion of each transaction") {}

dma_engine::dma_engine(sc_module_name name, const dma_engine_config& cfg)
    : sc_module(name), out("out"), cfg_(cfg), stats_(this->name()) {
    if (cfg_.burst_size == 0) throw std::invalid_argument(std::string(this->name()) + ": burst_size must be at least 1");
    burst_ = cfg_.burst_size;
    if (cfg_.bus_max_burst) burst_ = std::min(burst_, cfg_.bus_max_burst);
    if (burst_ > (1u << 30)) throw std::invalid_argument(std::string(this->name()) + ": burst too large");
    out.bind(*this);
    gp_.set_extension(new tlm::requester_id_ext(cfg_.requester_id));
    qk_.reset();
}

tlm::ps_t dma_engine::now() const { return sc_time_stamp().value() + qk_.get_local_time().value(); }

void dma_engine::sync() { qk_.sync(); }

void dma_engine::sync_if_needed() {
    if (qk_.need_sync()) qk_.sync();
}

bool dma_engine::needs_sync() const { return qk_.get_local_time() != SC_ZERO_TIME; }

::tlm::tlm_response_status dma_engine::issue(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr,
                                            std::uint8_t* data, unsigned len, tlm::ps_t dep, tlm::ps_t& done) {
    const tlm::ps_t stamp = sc_time_stamp().value();
    const tlm::ps_t t = std::max({s.cursor_, s.window_[s.wi_], dep, stamp});
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
    const tlm::ps_t stamp2 = sc_time_stamp().value();
    done = std::max<tlm::ps_t>(stamp2 + d.value(), t);
    s.window_[s.wi_] = done;
    if (++s.wi_ == s.window_.size()) s.wi_ = 0;
    s.cursor_ = t;
    s.last_done_ = std::max(s.last_done_, done);
    stats_.latency.add(static_cast<double>(done - t) * 1e-3);
    if (cmd == ::tlm::TLM_READ_COMMAND) {
        ++stats_.reads;
        stats_.bytes_read += len;
    } else {
        ++stats_.writes;
        stats_.bytes_written += len;
    }
    // The thread's local time follows the issue times (not the completions),
    // so later transactions overlap with this one.
    if (t > stamp2 && sc_time(tlm::to_sc_time(t - stamp2)) > qk_.get_local_time()) qk_.set(tlm::to_sc_time(t - stamp2));
    // No synchronisation here: the caller decides (sync_if_needed) between
    // its own steps, so its state never changes under it mid-step.
    const auto rs = gp_.get_response_status();
    if (rs != ::tlm::TLM_OK_RESPONSE) ++stats_.errors;
    return rs;
}

std::uint32_t dma_engine::next_chunk(const stream& s) const {
    std::uint64_t n = std::min(s.len_ - s.read_, burst_);
    if (cfg_.boundary) {
        const std::uint64_t src = s.src_ + s.read_, dst = s.dst_ + s.read_;
        n = std::min(n, cfg_.boundary - src % cfg_.boundary);
        n = std::min(n, cfg_.boundary - dst % cfg_.boundary);
    }
    return static_cast<std::uint32_t>(n);
}

void dma_engine::start(stream& s, std::uint64_t src, std::uint64_t dst, std::uint64_t len, tlm::ps_t after) {
    s.src_ = src;
    s.dst_ = dst;
    s.len_ = len;
    s.read_ = s.written_ = s.bursts_ = 0;
    s.after_ = after;
    s.pending_.clear();
    s.next_slot_ = 0;
    s.st_ = status::ok;
    s.active_ = len > 0;
    const std::size_t need = static_cast<std::size_t>(s.lookahead_) * burst_;
    if (s.active_ && s.buf_.size() < need) s.buf_.resize(need);
    s.advance(after);
}

bool dma_engine::step(stream& s) {
    if (!s.active_) return false;
    if (s.read_ < s.len_ && s.pending_.size() < s.lookahead_) {
        const std::uint32_t n = next_chunk(s);
        const std::uint32_t slot = s.next_slot_;
        if (++s.next_slot_ == s.lookahead_) s.next_slot_ = 0;
        tlm::ps_t done;
        const auto rs = issue(s, ::tlm::TLM_READ_COMMAND, s.src_ + s.read_, s.buf_.data() + std::size_t(slot) * burst_,
                              n, s.after_, done);
        if (rs != ::tlm::TLM_OK_RESPONSE) {
            s.st_ = status::read_error;
            s.active_ = false;
            s.pending_.clear();
            return false;
        }
        s.pending_.push_back({s.dst_ + s.read_, n, slot, done});
        s.read_ += n;
        ++s.bursts_;
    } else {
        const stream::chunk c = s.pending_.front();
        s.pending_.pop_front();
        tlm::ps_t done;
        const auto rs = issue(s, ::tlm::TLM_WRITE_COMMAND, c.dst, s.buf_.data() + std::size_t(c.slot) * burst_, c.len,
                              c.ready, done);
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
    tlm::ps_t d;
    const auto rs = issue(s, ::tlm::TLM_READ_COMMAND, addr, static_cast<std::uint8_t*>(data), len, after, d);
    if (done) *done = d;
    return rs;
}

::tlm::tlm_response_status dma_engine::write(stream& s, std::uint64_t addr, const void* data, unsigned len,
                                             tlm::ps_t after, tlm::ps_t* done) {
    // The payload's data pointer is non-const by TLM's design; a write target
    // only reads through it.
    tlm::ps_t d;
    const auto rs = issue(s, ::tlm::TLM_WRITE_COMMAND, addr,
                          const_cast<std::uint8_t*>(static_cast<const std::uint8_t*>(data)), len, after, d);
    if (done) *done = d;
    return rs;
}

::tlm::tlm_sync_enum dma_engine::nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_time&) {
    SC_REPORT_ERROR("ddisim/dmac", (std::string(name()) + ": nb_transport_bw on an LT-only engine").c_str());
    return ::tlm::TLM_COMPLETED;
}

void dma_engine::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) {}

} // namespace ddisim::models
