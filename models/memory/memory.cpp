#include "models/memory/memory.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tlm/core/backing_store.h"
#include "tlm/extensions.h"
#include "tlm/sc_timing.h"
#include "tlm/waves.h"

using namespace sc_core;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace ddisim::models {

namespace {
constexpr std::uint64_t high_base = memory_high_base;

// memcpy, with the cache-line size (most accesses) copied inline.
inline void copy(std::uint8_t* to, const std::uint8_t* from, unsigned len) {
    if (len == 64) std::memcpy(to, from, 64);
    else std::memcpy(to, from, len);
}

void check_config(const memory_config& c) {
    if (c.low_size > high_base)
        throw std::invalid_argument("memory: low_size " + std::to_string(c.low_size) + " exceeds 4 GiB");
    if (c.low_size == 0 && c.high_size == 0) throw std::invalid_argument("memory: low_size and high_size are both 0");
    if (c.channels == 0 || c.channels > 64) throw std::invalid_argument("memory: channels must be 1 to 64");
    if (c.bytes_per_cycle == 0) throw std::invalid_argument("memory: bytes_per_cycle must be at least 1");
    if (c.interleave == 0 || !std::has_single_bit(c.interleave))
        throw std::invalid_argument("memory: interleave must be a power of two");
    if (c.queue_depth == 0) throw std::invalid_argument("memory: queue_depth must be at least 1");
}
} // namespace

memory::stats_t::stats_t(const std::string& o, memory* m)
    : reads(o, "reads", "transactions", "read transactions served"),
      writes(o, "writes", "transactions", "write transactions served"),
      bytes_read(o, "bytes_read", "bytes", "bytes read"),
      bytes_written(o, "bytes_written", "bytes", "bytes written"),
      errors(o, "errors", "transactions", "accesses answered with an error response"),
      dmi_grants(o, "dmi_grants", "grants", "DMI pointers granted"),
      debug_accesses(o, "debug_accesses", "calls", "transport_dbg calls"),
      latency(o, "latency", "ns", "arrival to response, per access"),
      inflight(o, "inflight", "requests", "AT requests accepted and not yet answered"),
      utilisation(o, "utilisation", "ratio", "busy share of all channels over the run", [m] {
          const double now = sc_time_stamp().to_seconds() * 1e12;
          if (now <= 0) return 0.0;
          double busy = 0;
          for (auto& ch : m->channels_) busy += static_cast<double>(ch.line.busy_ps + ch.lt.busy_ps);
          return busy / (now * static_cast<double>(m->channels_.size()));
      }) {}

std::uint64_t memory::store_size(const memory_config& cfg) {
    return cfg.high_size ? high_base + cfg.high_size : cfg.low_size;
}

memory::memory(sc_module_name name, const memory_config& cfg, tlm::backing_store& store)
    : sc_module(name), in("in"), cfg_((check_config(cfg), cfg)), base_(store.data()),
      now_(tlm::sim_time()), period_(tlm::period_ps(cfg.clock)),
      interleave_shift_(static_cast<unsigned>(std::countr_zero(cfg.interleave))),
      channel_mask_(std::has_single_bit(cfg.channels) ? cfg.channels - 1 : 0),
      bpc_shift_(std::has_single_bit(cfg.bytes_per_cycle) ? std::countr_zero(cfg.bytes_per_cycle) : -1),
      channels_(cfg.channels), due_ev_("resp_due"), stats_(this->name(), this) {
    if (store.size() < store_size(cfg))
        throw std::invalid_argument(std::string(this->name()) + ": backing store of " + std::to_string(store.size()) +
                                    " bytes is smaller than the memory map (" + std::to_string(store_size(cfg)) +
                                    " bytes)");
    in.bind(*this);
    SC_METHOD(on_response_due);
    sensitive << due_ev_;
    dont_initialize();
    tlm::waves::add(this->name(), "inflight", inflight_);
}

memory::~memory() = default;

double memory::peak_bandwidth() const { return tlm::peak_bandwidth(cfg_.bytes_per_cycle, cfg_.clock, cfg_.channels); }

bool memory::contains(std::uint64_t addr, std::uint64_t len) const {
    if (addr < high_base) return addr < cfg_.low_size && len <= cfg_.low_size - addr;
    const std::uint64_t off = addr - high_base;
    return off < cfg_.high_size && len <= cfg_.high_size - off;
}

// LT: how much of a turnaround the channel's idle time has already hidden
// for `requester` switching direction at `ready`. Only where no other
// requester has used the channel in the window holding `ready` or the one
// before (the shared timeline's record) is the channel known to have been
// idle since the requester's own previous access there ended: then the time
// since, at most the whole turnaround, as AT counts it. With others about,
// LT cannot tell idle time from their accesses (their order within the
// quantum is unknown) and charges the whole turnaround.
tlm::ps_t memory::hidden_turnaround(const channel& c, unsigned requester, tlm::ps_t ready) const {
    const tlm::ps_t prev = c.lt.own_until(requester);
    if (ready <= prev || c.lt.others_used(requester, ready)) return 0;
    return std::min(cfg_.turnaround, ready - prev);
}

[[gnu::always_inline]] inline void memory::reserve_channel(unsigned ch, tlm::ps_t ready, std::uint64_t bytes, bool write, int requester,
                             tlm::ps_t& end, bool at) {
    auto& c = channels_[ch];
    // beats(): a shift instead of a division for the usual power-of-two width
    const std::uint64_t cycles = bytes == 0       ? 1
                                 : bpc_shift_ >= 0 ? (bytes + cfg_.bytes_per_cycle - 1) >> bpc_shift_
                                                   : tlm::beats(bytes, cfg_.bytes_per_cycle);
    tlm::ps_t dur = cycles * period_;
    const bool turn = c.used && c.last_write != write;
    c.used = true;
    c.last_write = write;
    if (requester >= 0) {
        // Shared timeline (LT and AT). A requester pays the turnaround when
        // its access goes the other way from its own previous access on the
        // channel: its own stream's switches, which do not depend on how the
        // requesters' accesses interleave (unknown under temporal
        // decoupling), so LT and AT charge the same switches. It is extra
        // service time: in AT (calls in time order) as much of it as has not
        // already passed since the channel was last busy, as the plain
        // timeline below does; in LT the whole of it.
        bool own_turn = turn;
        if (requester < 64) {
            const std::uint64_t bit = 1ull << requester;
            const int prev = c.own_dir(bit);
            own_turn = prev >= 0 && prev != static_cast<int>(write);
            c.set_own_dir(bit, write);
        }
        tlm::ps_t extra = 0;
        if (own_turn) {
            if (at) {
                const tlm::ps_t lim = c.line.busy_until + cfg_.turnaround;
                extra = ready < c.line.busy_until ? cfg_.turnaround : ready >= lim ? 0 : lim - ready;
            } else {
                extra = cfg_.turnaround - hidden_turnaround(c, static_cast<unsigned>(requester), ready);
            }
        }
        tlm::ps_t e;
        const auto r = static_cast<unsigned>(requester);
        if (at) {
            c.lt.reserve(r, ready, dur + extra, e);
        } else {
            // LT calls come in each requester's issue order, but its accesses
            // can be ready out of that order (two CPU threads with one id, a
            // device access held up by an IOMMU walk): one ready before the
            // requester's previous one here ends may go before it, as in time
            // order (reserve_channel_early).
            const tlm::ps_t own = c.lt.own_until_known(r); // requester_index sized the timelines
            if (ready < own) [[unlikely]] {
                reserve_channel_early(c, r, ready, own, dur + extra, e);
            } else {
                const tlm::ps_t st = c.lt.reserve(r, ready, dur + extra, e);
                if (c.tracked && r < c.recent.size() && c.recent[r]) c.recent[r]->note_next(own, st, e);
            }
        }
        c.line.busy_until = std::max(c.line.busy_until, e);
        end = std::max(end, e);
        return;
    }
    if (turn) ready = std::max(ready, c.line.busy_until + cfg_.turnaround);
    const tlm::ps_t start = c.line.reserve(ready, dur);
    end = std::max(end, start + dur);
}

// Makes every channel's timeline hold requester indices up to `requester`
// (reserve_channel reads its own_until unchecked).
void memory::size_timelines(int requester) {
    if (requester < 0 || static_cast<std::size_t>(requester) < timeline_users_) return;
    timeline_users_ = static_cast<std::size_t>(requester) + 1;
    for (auto& c : channels_) c.lt.add_users(timeline_users_);
}

// LT: an access of `requester` ready at `ready`, before its previous one on
// channel c ends (`own`). From the requester's first such access on, its
// reservations here are kept (tlm::recent_reservations); that first one
// queues behind the previous ones, as all did before, later ones take the
// first gap from their ready time that fits.
tlm::ps_t memory::reserve_channel_early(channel& c, unsigned requester, tlm::ps_t ready, tlm::ps_t own, tlm::ps_t dur,
                                        tlm::ps_t& e) {
    if (requester >= c.recent.size()) c.recent.resize(requester + 1);
    auto& rr = c.recent[requester];
    c.tracked = true;
    if (!rr) {
        rr = std::make_unique<tlm::recent_reservations>();
        rr->note_next(1, 0, own); // unknown before: taken up to `own`
    }
    return c.lt.reserve_in_gap(requester, *rr, ready, dur, own, e);
}

[[gnu::always_inline]] inline int memory::requester_index(const tlm_generic_payload& gp) {
    const auto* ext = gp.get_extension<tlm::requester_id_ext>(); // as tlm::requester_id(gp), inline
    const std::uint32_t id = ext ? ext->id : 0;
    if (id == last_id_) return last_index_;
    last_id_ = id;
    for (std::size_t k = 0; k < requester_ids_.size(); ++k)
        if (requester_ids_[k] == id) return last_index_ = static_cast<int>(k);
    requester_ids_.push_back(id);
    size_timelines(static_cast<int>(requester_ids_.size() - 1));
    return last_index_ = static_cast<int>(requester_ids_.size() - 1);
}

void memory::end_of_elaboration() {
    const tlm::ps_t q = ::tlm::tlm_global_quantum::instance().get().value();
    for (auto& c : channels_) c.lt.set_window(q);
}

tlm::ps_t memory::schedule(tlm::ps_t arrival, std::uint64_t addr, std::uint64_t len, bool write, int requester, bool at) {
    size_timelines(requester); // a caller of its own (tests) may name any requester
    const unsigned nch = cfg_.channels;
    tlm::ps_t end = arrival;
    if (len == 0) return arrival + cfg_.latency;
    const std::uint64_t il = cfg_.interleave;
    const std::uint64_t first_chunk = addr >> interleave_shift_;
    const std::uint64_t last_chunk = (addr + len - 1) >> interleave_shift_;
    if (first_chunk == last_chunk) {
        // Inside one interleave chunk (every small access): one channel.
        const std::uint64_t ch = nch == 1 ? 0 : channel_mask_ ? first_chunk & channel_mask_ : first_chunk % nch;
        reserve_channel(static_cast<unsigned>(ch), arrival, len, write, requester, end, at);
    } else if (nch == 1) {
        reserve_channel(0, arrival, len, write, requester, end, at);
    } else if (last_chunk - first_chunk < 2ull * nch) {
        // Short access: walk its chunks.
        std::uint64_t a = addr, left = len;
        while (left) {
            const std::uint64_t n = std::min(left, il - (a & (il - 1)));
            reserve_channel(static_cast<unsigned>((a >> interleave_shift_) % nch), arrival, n, write, requester, end, at);
            a += n;
            left -= n;
        }
    } else {
        // Long access: add up the bytes each channel moves, then reserve once
        // per channel (a channel streams its chunks back to back).
        std::array<std::uint64_t, 64> per{};
        const std::uint64_t head = il - (addr & (il - 1));
        per[first_chunk % nch] += head;
        const std::uint64_t tail = ((addr + len - 1) & (il - 1)) + 1;
        per[last_chunk % nch] += tail;
        const std::uint64_t full = last_chunk - first_chunk - 1; // chunks strictly between
        for (unsigned k = 0; k < nch; ++k) {
            // chunks first+1 … first+full; channel of chunk j is j % nch
            const std::uint64_t c0 = (first_chunk + 1 + k) % nch;
            const std::uint64_t n = full > k ? (full - k + nch - 1) / nch : 0;
            per[c0] += n * il;
        }
        for (unsigned k = 0; k < nch; ++k)
            if (per[k]) reserve_channel(k, arrival, per[k], write, requester, end, at);
    }
    return end + cfg_.latency;
}

// LT, a transaction standing for several bursts (tlm::burst_ext): every
// channel is charged what the bursts one by one would cost it — whole cycles
// per burst piece, and a turnaround wherever its direction changes in the
// burst-accurate order: before each alternating burst the other-direction
// burst it followed (bx.opp; without it, every channel the burst touches)
// is replayed on the channels' direction state — in one reservation per
// channel from the arrival, and the latency once (the bursts pipeline). The
// last burst arrives bx.tail after the first, so the access ends no earlier
// than that plus the last burst's own transfer time.
namespace {
// Channel and cycle arithmetic of schedule_bursts: by shift and mask when the
// channel count and the bytes per cycle are powers of two (the usual case),
// else by division.
struct pow2_geometry {
    unsigned shift;          // log2 interleave
    std::uint64_t mask;      // channels - 1
    unsigned bpc_shift;      // log2 bytes per cycle
    bool single() const { return mask == 0; }
    unsigned chan(std::uint64_t b) const { return static_cast<unsigned>((b >> shift) & mask); }
    std::uint64_t cycles(std::uint64_t bytes) const { return (bytes + (1ull << bpc_shift) - 1) >> bpc_shift; }
};
struct any_geometry {
    unsigned shift;
    unsigned nch;
    std::uint64_t bpc;
    bool single() const { return nch == 1; }
    unsigned chan(std::uint64_t b) const { return static_cast<unsigned>((b >> shift) % nch); }
    std::uint64_t cycles(std::uint64_t bytes) const { return tlm::beats(bytes, bpc); }
};

struct burst_tally {
    std::array<std::uint64_t, 64> cycles, turns; // per channel
    std::array<std::int8_t, 64> dir;              // direction each channel last served (-1: none)
    std::uint64_t touched = 0;                    // channel bit mask (channels ≤ 64)
    std::uint64_t marked_first = 0;               // channels an other-direction burst was replayed on first
    tlm::ps_t last = 0;                           // the last burst's time on its slowest channel
};

// Replays the bursts of [addr, addr + len) on the channels' direction state
// (schedule_bursts' comment), adding up cycles and turnarounds per channel.
template <class Geo>
void tally_bursts(const Geo& g, std::uint64_t il, std::uint64_t addr, std::uint64_t len, bool write,
                  const tlm::burst_ext& bx, tlm::ps_t period, tlm::ps_t turnaround, burst_tally& t) {
    const std::int8_t me = write, other = !write;
    // Channel masks in locals, not in t: the int8_t direction stores may
    // alias t's other members, which would reload and store them per piece.
    std::uint64_t touched = 0, marked_first = 0;
    // The channel pieces of a burst at b of n bytes.
    auto split = [&](std::uint64_t b, std::uint64_t n, auto&& f) __attribute__((always_inline)) {
        if (g.single()) return f(0u, n); // one channel: the burst in one piece
        std::uint64_t k = il - (b & (il - 1));
        if (n <= k) return f(g.chan(b), n); // inside one interleave chunk
        for (;;) {
            f(g.chan(b), k);
            b += k;
            n -= k;
            if (!n) return;
            k = std::min(n, il);
        }
    };
    auto piece = [&](unsigned ch, std::uint64_t bytes) __attribute__((always_inline)) {
        const bool turn = t.dir[ch] == other;
        t.dir[ch] = me;
        t.cycles[ch] += g.cycles(bytes);
        t.turns[ch] += turn;
        touched |= 1ull << ch;
    };
    // The last burst also gives its own transfer time on its slowest channel.
    auto last_piece = [&](unsigned ch, std::uint64_t bytes) {
        const tlm::ps_t x = g.cycles(bytes) * period + (t.dir[ch] == other ? turnaround : 0);
        piece(ch, bytes);
        t.last = std::max(t.last, x);
    };
    auto mark_other = [&](unsigned ch, std::uint64_t) __attribute__((always_inline)) {
        t.dir[ch] = other;
        if (!(touched >> ch & 1)) marked_first |= 1ull << ch;
    };
    std::uint64_t a = addr, left = len, idx = 0, blen = bx.first_len();
    while (left) {
        const std::uint64_t n = std::min(left, blen);
        if (bx.alternating(idx)) {
            // The other-direction burst issued just before this one.
            if (bx.opp) split(bx.opp[idx].addr, bx.opp[idx].len, mark_other);
            else split(a, n, mark_other);
        }
        if (n == left) split(a, n, last_piece);
        else split(a, n, piece);
        a += n;
        left -= n;
        ++idx;
        blen = bx.burst;
    }
    t.touched = touched;
    t.marked_first = marked_first;
}
} // namespace

tlm::ps_t memory::schedule_bursts(tlm::ps_t arrival, std::uint64_t addr, std::uint64_t len, bool write,
                                  int requester, const tlm::burst_ext& bx) {
    const unsigned nch = cfg_.channels;
    burst_tally t;
    // Turnarounds by the requester's own previous direction on each channel,
    // as reserve_channel charges them burst by burst (its own stream's
    // switches; the channel's last direction only past 64 requesters).
    const std::uint64_t bit = requester >= 0 && requester < 64 ? 1ull << requester : 0;
    std::uint64_t was_other = 0; // channels whose prior direction is the other one
    for (unsigned ch = 0; ch < nch; ++ch) {
        const auto& c = channels_[ch];
        t.cycles[ch] = t.turns[ch] = 0;
        t.dir[ch] = static_cast<std::int8_t>(bit ? c.own_dir(bit) : c.used ? c.last_write : -1);
        if (t.dir[ch] == static_cast<std::int8_t>(!write)) was_other |= 1ull << ch;
    }
    if ((nch == 1 || channel_mask_) && bpc_shift_ >= 0)
        tally_bursts(pow2_geometry{interleave_shift_, channel_mask_, static_cast<unsigned>(bpc_shift_)},
                     cfg_.interleave, addr, len, write, bx, period_, cfg_.turnaround, t);
    else
        tally_bursts(any_geometry{interleave_shift_, nch, cfg_.bytes_per_cycle}, cfg_.interleave, addr, len, write,
                     bx, period_, cfg_.turnaround, t);
    tlm::ps_t end = arrival + bx.tail + t.last;
    // Channels whose first piece turned from the requester's previous access
    // (its first operation there was a piece of its own, not a replayed
    // other-direction burst).
    const std::uint64_t lead_turn = was_other & t.touched & ~t.marked_first;
    for (unsigned ch = 0; ch < nch; ++ch) {
        if (!(t.touched >> ch & 1)) continue;
        auto& c = channels_[ch];
        c.used = true;
        c.last_write = write;
        // The replay runs the bursts back to back from the arrival, so only a
        // turn of the first piece from the requester's previous access can
        // be hidden: by the time the channel has had since that access ended
        // (as reserve_channel hides it for single accesses in LT).
        tlm::ps_t turns = t.turns[ch] * cfg_.turnaround;
        if (lead_turn >> ch & 1) turns -= hidden_turnaround(c, static_cast<unsigned>(requester), arrival);
        tlm::ps_t e;
        c.lt.reserve(static_cast<unsigned>(requester), arrival, t.cycles[ch] * period_ + turns, e);
        end = std::max(end, e);
    }
    // The requester's direction on each channel after its bursts (those of
    // the other direction replayed here included), for its next access.
    if (bit)
        for (unsigned ch = 0; ch < nch; ++ch)
            if (t.dir[ch] >= 0) channels_[ch].set_own_dir(bit, t.dir[ch]);
    bx.rt += t.last + cfg_.latency; // one burst's unloaded time here (burst_ext::rt)
    return end + cfg_.latency;
}

[[gnu::always_inline]] inline bool memory::access(tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    const auto cmd = gp.get_command();
    if (!contains(addr, len) || (len == 0 && cmd != ::tlm::TLM_IGNORE_COMMAND)) {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ++stats_.errors;
        return false;
    }
    if (gp.get_streaming_width() < len) {
        gp.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
        ++stats_.errors;
        return false;
    }
    std::uint8_t* mem = base_ + addr;
    std::uint8_t* data = gp.get_data_ptr();
    const std::uint8_t* be = gp.get_byte_enable_ptr();
    const unsigned be_len = gp.get_byte_enable_length();
    if (be && be_len == 0) {
        gp.set_response_status(::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        ++stats_.errors;
        return false;
    }
    if (cmd == ::tlm::TLM_READ_COMMAND) {
        if (!be) copy(data, mem, len);
        else
            for (unsigned i = 0; i < len; ++i)
                if (be[i % be_len] == TLM_BYTE_ENABLED) data[i] = mem[i];
        ++stats_.reads;
        stats_.bytes_read += len;
    } else if (cmd == ::tlm::TLM_WRITE_COMMAND) {
        if (!be) copy(mem, data, len);
        else
            for (unsigned i = 0; i < len; ++i)
                if (be[i % be_len] == TLM_BYTE_ENABLED) mem[i] = data[i];
        ++stats_.writes;
        stats_.bytes_written += len;
    }
    gp.set_dmi_allowed(cfg_.dmi);
    gp.set_response_status(::tlm::TLM_OK_RESPONSE);
    return true;
}

void memory::b_transport(tlm_generic_payload& gp, sc_time& delay) {
    if (!access(gp)) return;
    const tlm::ps_t now = now_.value();
    const tlm::ps_t arrival = now + delay.value();
    const std::uint64_t addr = gp.get_address(), len = gp.get_data_length();
    const int requester = requester_index(gp);
    tlm::ps_t done;
    if (const tlm::burst_ext* bx = tlm::multi_burst(gp)) {
        done = schedule_bursts(arrival, addr, len, gp.is_write(), requester, *bx);
    } else if (len && (addr >> interleave_shift_) == ((addr + len - 1) >> interleave_shift_)) {
        // schedule()'s one-chunk case, inline: every small access
        const std::uint64_t chunk = addr >> interleave_shift_;
        const unsigned nch = cfg_.channels;
        const std::uint64_t ch = nch == 1 ? 0 : channel_mask_ ? chunk & channel_mask_ : chunk % nch;
        tlm::ps_t end = arrival;
        reserve_channel(static_cast<unsigned>(ch), arrival, len, gp.is_write(), requester, end);
        done = end + cfg_.latency;
    } else {
        done = schedule(arrival, addr, len, gp.is_write(), requester);
    }
    stats_.latency.add(static_cast<double>(done - arrival) * 1e-3);
    delay = tlm::to_sc_time(done - now);
}

// AT: accept the request (data moved now, response timed by the channels).
void memory::accept_at(tlm_generic_payload& gp, tlm::ps_t arrival) {
    const tlm::ps_t now = now_.value();
    tlm::ps_t done = arrival;
    if (access(gp)) {
        // Same shared channel timelines as LT (the arbitration semantics of
        // memory.h): requests of one requester in order, requesters sharing.
        done = schedule(arrival, gp.get_address(), gp.get_data_length(), gp.is_write(), requester_index(gp), true);
        stats_.latency.add(static_cast<double>(done - arrival) * 1e-3);
    }
    ++inflight_;
    stats_.inflight.set(now, inflight_);
    due_push(gp, done);
}

tlm_sync_enum memory::nb_transport_fw(tlm_generic_payload& gp, tlm_phase& phase, sc_time& delay) {
    if (phase == ::tlm::BEGIN_REQ) {
        const tlm::ps_t arrival = now_.value() + delay.value();
        if (inflight_ < cfg_.queue_depth) {
            accept_at(gp, arrival);
            phase = ::tlm::END_REQ;
            return ::tlm::TLM_UPDATED;
        }
        // Full: END_REQ comes when a response completes (one waiter at most,
        // the base protocol forbids a second BEGIN_REQ before END_REQ).
        if (req_waiting_)
            SC_REPORT_ERROR("ddisim/memory", "BEGIN_REQ while a previous request still waits for END_REQ");
        req_waiting_ = &gp;
        req_waiting_arrival_ = arrival;
        return ::tlm::TLM_ACCEPTED;
    }
    if (phase == ::tlm::END_RESP) {
        if (&gp != resp_in_progress_) SC_REPORT_ERROR("ddisim/memory", "END_RESP for a payload not in the response phase");
        response_done();
        return ::tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("ddisim/memory", "unexpected phase on nb_transport_fw");
    return ::tlm::TLM_COMPLETED;
}

void memory::due_push(tlm_generic_payload& gp, tlm::ps_t t) {
    if (due_head_ == due_.size()) {
        due_.clear();
        due_head_ = 0;
    } else if (due_head_ >= 64 && due_head_ * 2 >= due_.size()) {
        due_.erase(due_.begin(), due_.begin() + static_cast<std::ptrdiff_t>(due_head_)); // amortised O(1)
        due_head_ = 0;
    }
    due_.push_back({t, &gp});
    // After every entry due no later (equal times stay in acceptance order).
    std::size_t k = due_.size() - 1;
    while (k > due_head_ && due_[k - 1].t > t) {
        due_[k] = due_[k - 1];
        --k;
    }
    due_[k] = {t, &gp};
    due_ev_.notify(tlm::to_sc_time(t - now_.value()));
}

// The next response due now, or null (then the event is set for the next).
tlm_generic_payload* memory::due_pop() {
    if (due_head_ == due_.size()) return nullptr;
    const tlm::ps_t now = now_.value();
    const due_entry& e = due_[due_head_];
    if (e.t <= now) {
        ++due_head_;
        return e.gp;
    }
    due_ev_.notify(tlm::to_sc_time(e.t - now));
    return nullptr;
}

void memory::on_response_due() {
    while (tlm_generic_payload* gp = due_pop()) {
        if (resp_in_progress_) resp_queue_.push_back(gp);
        else send_response(*gp);
    }
}

void memory::send_response(tlm_generic_payload& gp) {
    resp_in_progress_ = &gp;
    tlm_phase ph = ::tlm::BEGIN_RESP;
    sc_time d = SC_ZERO_TIME;
    const auto r = in->nb_transport_bw(gp, ph, d);
    if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && ph == ::tlm::END_RESP)) response_done();
}

void memory::response_done() {
    resp_in_progress_ = nullptr;
    --inflight_;
    const tlm::ps_t now = now_.value();
    stats_.inflight.set(now, inflight_);
    if (req_waiting_) {
        auto* gp = req_waiting_;
        req_waiting_ = nullptr;
        accept_at(*gp, std::max(now, req_waiting_arrival_));
        tlm_phase ph = ::tlm::END_REQ;
        sc_time d = SC_ZERO_TIME;
        in->nb_transport_bw(*gp, ph, d);
    }
    if (!resp_in_progress_ && !resp_queue_.empty()) {
        auto* gp = resp_queue_.front();
        resp_queue_.pop_front();
        send_response(*gp);
    }
}

bool memory::get_direct_mem_ptr(tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) {
    const std::uint64_t a = gp.get_address();
    dmi.set_read_latency(tlm::to_sc_time(cfg_.latency));
    dmi.set_write_latency(tlm::to_sc_time(cfg_.latency));
    std::uint64_t start, end;
    bool ok = true;
    if (a < cfg_.low_size) {
        start = 0;
        end = cfg_.low_size - 1;
    } else if (a < high_base) {
        start = cfg_.low_size;
        end = high_base - 1;
        ok = false;
    } else if (a - high_base < cfg_.high_size) {
        start = high_base;
        end = high_base + cfg_.high_size - 1;
    } else {
        start = cfg_.high_size ? high_base + cfg_.high_size : high_base;
        end = ~0ull;
        ok = false;
    }
    dmi.set_start_address(start);
    dmi.set_end_address(end);
    if (!ok || !cfg_.dmi) {
        dmi.set_granted_access(::tlm::tlm_dmi::DMI_ACCESS_NONE);
        return false;
    }
    dmi.set_dmi_ptr(base_ + start);
    dmi.set_granted_access(::tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    ++stats_.dmi_grants;
    return true;
}

unsigned int memory::transport_dbg(tlm_generic_payload& gp) {
    ++stats_.debug_accesses;
    const std::uint64_t addr = gp.get_address();
    std::uint64_t len = gp.get_data_length();
    // Clip to the end of the region holding addr.
    std::uint64_t region_end;
    if (addr < cfg_.low_size) region_end = cfg_.low_size;
    else if (addr >= high_base && addr - high_base < cfg_.high_size) region_end = high_base + cfg_.high_size;
    else {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    len = std::min(len, region_end - addr);
    if (gp.is_read()) std::memcpy(gp.get_data_ptr(), base_ + addr, len);
    else if (gp.is_write()) std::memcpy(base_ + addr, gp.get_data_ptr(), len);
    gp.set_response_status(::tlm::TLM_OK_RESPONSE);
    return static_cast<unsigned>(len);
}

void memory::invalidate_dmi(std::uint64_t start, std::uint64_t end) {
    in->invalidate_direct_mem_ptr(start, end);
}

} // namespace ddisim::models
