#include "tlm/timing.h"

namespace ddisim::tlm {

bool shared_timeline::others_used(unsigned requester, ps_t t) const {
    if (window_ != 0 && solo_ == requester) return false;
    const std::uint64_t w = window_ ? t / window_ : 0;
    for (unsigned j = 0; j < users_.size(); ++j) {
        if (j == requester) continue;
        const user& u = users_[j];
        if (window_ == 0 ? u.own_until != 0 : u.used_in(w) || (w && u.used_in(w - 1))) return true;
    }
    return false;
}

ps_t shared_timeline::reserve_slow(unsigned requester, ps_t ready, ps_t duration, ps_t& end, ps_t arrival) {
    busy_ps += duration;
    if (window_ == 0) {
        const ps_t start = std::max(ready, fcfs_until_);
        fcfs_until_ = start + duration;
        end = fcfs_until_;
        if (requester >= users_.size()) users_.resize(requester + 1);
        users_[requester].own_until = end; // own_until() in this mode too
        return start;
    }
    if (requester >= users_.size()) users_.resize(requester + 1);
    user& me = users_[requester];
    if (!me.seen) {
        me.seen = true;
        solo_ = ++seen_ == 1 ? requester : ~0u;
    }
    const ps_t start = std::max(ready, me.own_until);
    if (start < me.cur_begin || start >= me.cur_end) me.move_to(start, window_);
    const std::uint64_t w = me.cur_w;
    ps_t stretched = duration;
    // Expected use of requester j in this requester's window w: the most of
    // w and the two previous windows (the other may run ahead of or lag
    // behind this requester by a window, leaving one of them partly filled).
    // When this requester's backlog runs ahead of j's timeline but j still
    // has work reaching to within two windows of this request's arrival, j
    // is competing now: its latest (and latest complete) windows count too.
    // `active`: j was seen in this or the previous window (or, lagging as
    // above, in its own latest two).
    const auto use_of = [&](const user& u, bool& active) __attribute__((always_inline)) {
        const ps_t u0 = u.used_in(w);
        const ps_t u1 = w >= 1 ? u.used_in(w - 1) : 0;
        const ps_t u2 = w >= 2 ? u.used_in(w - 2) : 0;
        ps_t use = std::max(std::max(u0, u1), u2);
        active = u0 || u1;
        if (u.cur_w < w && u.own_until + 2 * window_ > arrival) {
            const ps_t c0 = u.used_in(u.cur_w);
            const ps_t c1 = u.cur_w >= 1 ? u.used_in(u.cur_w - 1) : 0;
            use = std::max(std::max(use, c0), c1);
            active = active || c0 || c1;
        }
        return use;
    };
    // duration × window / avail, rounded up; in 64 bits when it fits.
    const auto stretch = [&](ps_t avail) __attribute__((always_inline)) {
        ps_t prod;
        if (!__builtin_mul_overflow(duration, window_, &prod) && prod <= ~0ull - (avail - 1))
            return (prod + avail - 1) / avail;
        return static_cast<ps_t>((static_cast<unsigned __int128>(duration) * window_ + avail - 1) / avail);
    };
    bool active;
    if (priority_) {
        // Requesters before this one are served first: take their expected
        // use in full, keeping at least 1/16 of the window.
        ps_t others = 0;
        for (unsigned j = 0; j < requester; ++j) others += use_of(users_[j], active);
        if (others) {
            const ps_t avail = std::max(window_ - std::min(others, window_), std::max<ps_t>(window_ / 16, 1));
            stretched = stretch(avail);
        }
    } else if (users_.size() > 1) {
        // Requesters active now compete (fair share window / n); every other
        // requester's expected use counts up to that share. A requester idle
        // for over two windows (nothing charged in w, w-1, w-2, no work
        // reaching within two windows of the arrival) has use 0 and is not
        // active: skipped without looking at its windows.
        constexpr unsigned small = 32;
        ps_t uses[small];
        unsigned m = 0, n = 1;
        const unsigned nu = static_cast<unsigned>(users_.size());
        if (nu <= small) {
            for (unsigned j = 0; j < nu; ++j) {
                if (j == requester) continue;
                const user& u = users_[j];
                if (u.cur_w + 2 < w && u.own_until + 2 * window_ <= arrival) continue;
                uses[m++] = use_of(u, active);
                n += active;
            }
        } else {
            for (unsigned j = 0; j < nu; ++j)
                if (j != requester) {
                    use_of(users_[j], active);
                    n += active;
                }
        }
        if (n > 1) {
            const ps_t fair = window_ / n;
            ps_t others = 0;
            if (nu <= small) {
                for (unsigned k = 0; k < m; ++k) others += std::min(uses[k], fair);
            } else {
                for (unsigned j = 0; j < nu; ++j)
                    if (j != requester) others += std::min(use_of(users_[j], active), fair);
            }
            const ps_t avail = std::max(window_ - std::min(others, window_), fair);
            stretched = stretch(avail);
        }
    }
    me.own_until = start + stretched;
    const unsigned k = w & 3;
    if (me.win[k] != w) {
        me.win[k] = w;
        me.used[k] = 0;
    }
    me.used[k] += duration;
    end = me.own_until;
    return start;
}

void completion_window::insert_early(std::size_t k, ps_t done) {
    // Shift the later completions up one place, from the last backwards
    // (never past the earliest, at next_).
    for (std::size_t m = 1; m < n_; ++m) {
        const std::size_t p = k == 0 ? n_ - 1 : k - 1;
        if (t_[p] <= done) break;
        t_[k] = t_[p];
        k = p;
    }
    t_[k] = done;
}

ps_t shared_timeline::reserve_in_gap(unsigned requester, recent_reservations& recent, ps_t ready, ps_t duration,
                                     ps_t latest_end, ps_t& end) {
    const ps_t at = recent.gap(ready, duration, latest_end);
    if (at >= latest_end) {
        const ps_t s = reserve(requester, at, duration, end, ready);
        recent.note_next(latest_end, s, end);
        return s;
    }
    const ps_t s = reserve_out_of_order(requester, at, duration, end);
    recent.note_early(s, end);
    return s;
}

ps_t shared_timeline::reserve_out_of_order(unsigned requester, ps_t ready, ps_t duration, ps_t& end) {
    if (requester >= users_.size() || ready >= users_[requester].own_until) return reserve(requester, ready, duration, end);
    const ps_t own = users_[requester].own_until;
    users_[requester].own_until = ready;
    const ps_t start = reserve(requester, ready, duration, end);
    users_[requester].own_until = std::max(own, end);
    return start;
}

} // namespace ddisim::tlm
