// ddisim::tlm timing helpers shared by the models: clock periods, transfer
// times and occupancy timelines. Times are integer picoseconds (SystemC's
// default resolution) so the arithmetic is exact and cheap; convert with
// to_sc_time / from_sc_time where a model meets the kernel. No SystemC here.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ddisim::tlm {

using ps_t = std::uint64_t;

// Clock period in ps, rounded to the nearest ps (throws on a bad clock).
inline ps_t period_ps(double clock_hz) {
    if (!(clock_hz > 0) || !std::isfinite(clock_hz)) throw std::invalid_argument("clock must be a positive frequency");
    const double p = std::round(1e12 / clock_hz);
    if (p < 1) throw std::invalid_argument("clock above 1 THz cannot be represented in ps");
    return static_cast<ps_t>(p);
}

// Cycles needed to move `bytes` at `bytes_per_cycle` (at least one cycle).
inline std::uint64_t beats(std::uint64_t bytes, std::uint64_t bytes_per_cycle) {
    return bytes == 0 ? 1 : (bytes + bytes_per_cycle - 1) / bytes_per_cycle;
}

// Time to move `bytes` through a port of `bytes_per_cycle` clocked at
// `clock_hz` (whole cycles): e.g. 4 KiB at 16 B/cycle, 1 GHz = 256 ns.
inline ps_t transfer_time(std::uint64_t bytes, std::uint64_t bytes_per_cycle, double clock_hz) {
    return beats(bytes, bytes_per_cycle) * period_ps(clock_hz);
}

// First clock edge at or after t for a clock of period p starting at 0.
inline ps_t next_edge(ps_t t, ps_t p) { return (t + p - 1) / p * p; }

// A resource that serves one request at a time (a channel, a link). A request
// ready at t starts at max(t, busy_until) and keeps the resource busy for its
// duration; later requests queue behind it. busy_ps accumulates the total
// service time for utilisation statistics.
struct occupancy_timeline {
    ps_t busy_until = 0;
    ps_t busy_ps = 0;

    // Reserves [start, start+duration) and returns start.
    ps_t reserve(ps_t ready, ps_t duration) {
        const ps_t start = std::max(ready, busy_until);
        busy_until = start + duration;
        busy_ps += duration;
        return start;
    }
    // Start time a request ready at t would get, without reserving.
    ps_t start_at(ps_t ready) const { return std::max(ready, busy_until); }
};

// An initiator's outstanding limit in LT: the completion times of its last n
// transactions. A new transaction may issue once the earliest of them has
// completed (it takes the slot that frees first), as in AT, where an
// initiator issues as soon as fewer than n are in flight. Kept sorted, a ring
// from the earliest: completions in issue order (the usual case) just go
// round it, O(1); one that completes before others is moved in front of them
// (a later transaction finishing first: another memory channel, a shorter
// access).
class completion_window {
public:
    explicit completion_window(std::size_t n = 1) { reset(n); }
    void reset(std::size_t n) {
        t_.assign(std::max<std::size_t>(n, 1), 0);
        n_ = t_.size();
        next_ = 0;
    }
    std::size_t size() const { return n_; }
    // When the next transaction's slot is free: the earliest completion.
    ps_t free_at() const { return t_[next_]; }
    // The next transaction took that slot and completes at `done`.
    void take(ps_t done) {
        const std::size_t k = next_;
        if (++next_ == n_) next_ = 0;
        // The slot of the earliest is now the last place; the latest before
        // it is at k - 1.
        if (done >= t_[k == 0 ? n_ - 1 : k - 1]) [[likely]] {
            t_[k] = done;
            return;
        }
        insert_early(k, done);
    }

private:
    void insert_early(std::size_t k, ps_t done); // timing.cpp
    std::vector<ps_t> t_;
    std::size_t n_ = 1, next_ = 0;
};

// LT: a channel's latest `cap` reservations [start, end) for one requester,
// a ring in order of start from `next` (the oldest) round to next - 1 (the
// latest). Before the oldest one's start the channel counts as taken (what
// the ring has dropped began earlier and, the reservations not overlapping,
// ended by then). A reservation following the latest one is written over the
// oldest (note_next); one placed before others is inserted in order
// (note_early). gap() finds where a request ready before the latest end
// fits: LT calls come in issue order, but a requester's requests can be
// ready out of that order (a response of a shorter access, threads sharing a
// port at their own local times), and time order serves them as they come.
struct recent_reservations {
    static constexpr std::size_t cap = 64;
    std::pair<ps_t, ps_t> iv[cap] = {};
    std::size_t next = 0;
    ps_t run_from = 0; // from here to the latest end, back to back
    std::pair<ps_t, ps_t>& slot(std::size_t k) { return iv[k & (cap - 1)]; }
    const std::pair<ps_t, ps_t>& slot(std::size_t k) const { return iv[k & (cap - 1)]; }
    // [s, e) after everything so far; `prev_end` was the latest end.
    void note_next(ps_t prev_end, ps_t s, ps_t e) {
        if (s != prev_end) run_from = s;
        slot(next++) = {s, e};
    }
    void note_early(ps_t s, ps_t e) {
        std::size_t k = next;
        for (std::size_t m = 1; m < cap && slot(k - 1).first > s; ++m, --k) slot(k) = slot(k - 1);
        slot(k) = {s, e};
        ++next;
    }
    // Earliest time from t at which `len` fits clear of them; `latest_end`
    // is the latest end (a backlog back to back from before t: that, without
    // a look at the ring).
    ps_t gap(ps_t t, ps_t len, ps_t latest_end) const {
        if (t >= run_from) return latest_end;
        if (t < slot(next).first) t = slot(next).first;
        std::size_t k = next, m = 0;
        while (m < cap && slot(k - 1).second > t) { // back to the first that may end after t
            --k;
            ++m;
        }
        for (; m > 0 && slot(k).first < t + len; ++k, --m)
            if (slot(k).second > t) t = slot(k).second;
        return t;
    }
};

// A resource shared by several requesters (a memory channel, a bus target's
// request or response channel): the arbitration model of ddisim, the same in
// LT and AT (docs/architecture.md, "Arbitration").
//
// Semantics: each requester has its own queue, served in order; the resource
// is divided between the requesters that use it as round robin at burst
// granularity divides it in the fluid limit (generalised processor sharing):
//   fair (default) — equal shares of service time (bytes, for a resource
//     whose service time is proportional to bytes): a requester alone gets
//     the full rate; n saturating requesters get 1/n each whatever their
//     transaction sizes; a light requester keeps its demand and leaves the
//     rest to the others, and its requests are not queued behind another
//     requester's backlog (a 64 B access does not wait for 4 KiB ahead of it).
//   priority — requester 0 first, then 1, …: a requester gets what the
//     lower-numbered ones leave (at least 1/16 of the window, so a
//     low-priority requester slows down but is never stopped outright).
// Implementation: each requester gets its own timeline and its service times
// are stretched by the share of the resource it can expect in its current
// window (one quantum): the others' use in the recent windows (fair: each
// counted up to a fair share; priority: the higher-priority ones in full) is
// taken off. Being a function of per-requester history rather than of the
// global arrival order, the same computation holds under temporal decoupling
// (LT, where the initiator that runs first in a quantum would otherwise
// reserve the whole quantum) and in AT (arrivals in time order), so the two
// styles agree. Two saturating requesters each get half from the second
// window on (the first window is over-committed, a one-window transient).
// window 0 = plain first come first served (no sharing).
class shared_timeline {
public:
    explicit shared_timeline(ps_t window = 0) : window_(window) {}
    void set_window(ps_t w) {
        window_ = w;
        if (w == 0) solo_ = ~0u; // first come first served: reserve_slow only
    }
    ps_t window() const { return window_; }
    // Priority sharing (lower requester id first) instead of fair sharing.
    void set_priority(bool p) { priority_ = p; }
    bool priority() const { return priority_; }
    // Reserves `duration` of service for `requester` (small integer id)
    // ready at `ready`; returns the start and sets `end` (start + stretched
    // duration). `arrival` (≤ ready) is when the request reached the
    // resource if `ready` also includes the requester's own backlog kept
    // elsewhere; it tells which other requesters are still active.
    ps_t reserve(unsigned requester, ps_t ready, ps_t duration, ps_t& end, ps_t arrival = ~0ull) {
        // Fast path: the only requester so far. Nobody else's use can
        // stretch its service, so it is reserve_slow's result without the
        // look at the others (a register block has only the CPU, an idle
        // system's memory only one device); moving to a later window (a
        // sparse requester does so on most calls) included.
        if (requester == solo_) {
            user& me = users_[requester];
            const ps_t start = ready > me.own_until ? ready : me.own_until;
            if (start >= me.cur_end) me.move_to(start, window_);
            busy_ps += duration;
            me.own_until = end = start + duration;
            me.used[me.cur_w & 3] += duration;
            return start;
        }
        return reserve_slow(requester, ready, duration, end, arrival < ready ? arrival : ready);
    }
    // As reserve, for a request the caller has found room for at `ready`
    // although the requester's latest reservation ends later (a response
    // ready before one reserved earlier in call order): it starts at `ready`
    // instead of queueing behind that reservation, whose end stays the
    // requester's own_until. Window 0 (first come first served): as reserve.
    ps_t reserve_out_of_order(unsigned requester, ps_t ready, ps_t duration, ps_t& end);
    // LT: `duration` for `requester` ready at `ready`, before `latest_end`, the
    // end of its latest reservation on this channel as `recent` (its latest
    // reservations here) knows it: in the first gap from `ready` that fits,
    // else after `latest_end`; recorded in `recent`. Returns the start.
    ps_t reserve_in_gap(unsigned requester, recent_reservations& recent, ps_t ready, ps_t duration, ps_t latest_end,
                        ps_t& end);
    ps_t busy_ps = 0; // total unstretched service reserved
    // Makes room for requesters 0 … n - 1 (none of them reserving yet), so
    // that own_until_known may be used for them.
    void add_users(std::size_t n) {
        if (users_.size() < n) users_.resize(n);
    }
    ps_t own_until_known(unsigned requester) const { return users_[requester].own_until; }
    // End of requester's latest reservation (0 before its first).
    ps_t own_until(unsigned requester) const {
        return requester < users_.size() ? users_[requester].own_until : 0;
    }
    // Whether any other requester has reserved service in the window holding
    // t or in the one before (window 0, first come first served: whether any
    // other requester has reserved at all).
    bool others_used(unsigned requester, ps_t t) const;

private:
    struct user {
        ps_t own_until = 0;
        std::uint64_t cur_w = 0;          // window holding [cur_begin, cur_end)
        ps_t cur_begin = 0, cur_end = 0;  // cached to avoid a division per call
        std::uint64_t win[4] = {~0ull, ~0ull, ~0ull, ~0ull}; // window ids of used[]
        ps_t used[4] = {};                                   // service charged per window
        bool seen = false;                                   // has reserved here
        ps_t used_in(std::uint64_t w) const { return win[w & 3] == w ? used[w & 3] : 0; }
        // Makes the window holding t (window length `window`) the current one.
        void move_to(ps_t t, ps_t window) {
            cur_w = t / window;
            cur_begin = cur_w * window;
            cur_end = cur_begin + window;
            const unsigned k = cur_w & 3;
            if (win[k] != cur_w) {
                win[k] = cur_w;
                used[k] = 0;
            }
        }
    };
    ps_t reserve_slow(unsigned requester, ps_t ready, ps_t duration, ps_t& end, ps_t arrival);
    ps_t window_;
    bool priority_ = false;
    ps_t fcfs_until_ = 0;
    std::vector<user> users_;
    // The one requester that has reserved so far (window ≠ 0): ~0u before
    // the first, and for good once a second one has.
    unsigned solo_ = ~0u;
    unsigned seen_ = 0; // requesters that have reserved
};

// Bytes/s of a port: bytes_per_cycle × clock.
inline double peak_bandwidth(std::uint64_t bytes_per_cycle, double clock_hz, unsigned lanes = 1) {
    return static_cast<double>(bytes_per_cycle) * clock_hz * lanes;
}

} // namespace ddisim::tlm
