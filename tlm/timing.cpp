#include "tlm/timing.h"

namespace ddisim::tlm {

ps_t shared_timeline::reserve_slow(unsigned requester, ps_t ready, ps_t duration, ps_t& end, ps_t arrival) {
    busy_ps += duration;
    if (window_ == 0) {
        const ps_t start = std::max(ready, fcfs_until_);
        fcfs_until_ = start + duration;
        end = fcfs_until_;
        return start;
    }
    if (requester >= users_.size()) users_.resize(requester + 1);
    user& me = users_[requester];
    const ps_t start = std::max(ready, me.own_until);
    if (start < me.cur_begin || start >= me.cur_end) {
        me.cur_w = start / window_;
        me.cur_begin = me.cur_w * window_;
        me.cur_end = me.cur_begin + window_;
        const unsigned k0 = me.cur_w & 3;
        if (me.win[k0] != me.cur_w) {
            me.win[k0] = me.cur_w;
            me.used[k0] = 0;
        }
    }
    const std::uint64_t w = me.cur_w;
    ps_t stretched = duration;
    // Expected use of requester j in this requester's window w: the most of
    // w and the two previous windows (the other may run ahead of or lag
    // behind this requester by a window, leaving one of them partly filled).
    // When this requester's backlog runs ahead of j's timeline but j still
    // has work reaching to within two windows of this request's arrival, j
    // is competing now: its latest (and latest complete) windows count too.
    const auto use_of = [&](const user& u) {
        ps_t use = u.used_in(w);
        if (w >= 1) use = std::max(use, u.used_in(w - 1));
        if (w >= 2) use = std::max(use, u.used_in(w - 2));
        if (u.cur_w < w && u.own_until + 2 * window_ > arrival) {
            use = std::max(use, u.used_in(u.cur_w));
            if (u.cur_w >= 1) use = std::max(use, u.used_in(u.cur_w - 1));
        }
        return use;
    };
    if (priority_) {
        // Requesters before this one are served first: take their expected
        // use in full, keeping at least 1/16 of the window.
        ps_t others = 0;
        for (unsigned j = 0; j < requester; ++j) others += use_of(users_[j]);
        if (others) {
            const ps_t avail = std::max(window_ - std::min(others, window_), std::max<ps_t>(window_ / 16, 1));
            stretched = static_cast<ps_t>((static_cast<unsigned __int128>(duration) * window_ + avail - 1) / avail);
        }
    } else if (users_.size() > 1) {
        // Requesters seen in this or the previous window compete (or, as in
        // use_of, behind this one's window but still busy).
        unsigned n = 1;
        for (unsigned j = 0; j < users_.size(); ++j) {
            if (j == requester) continue;
            const user& u = users_[j];
            if (u.used_in(w) || (w && u.used_in(w - 1)) ||
                (u.cur_w < w && u.own_until + 2 * window_ > arrival &&
                 (u.used_in(u.cur_w) || (u.cur_w && u.used_in(u.cur_w - 1)))))
                ++n;
        }
        if (n > 1) {
            const ps_t fair = window_ / n;
            ps_t others = 0;
            for (unsigned j = 0; j < users_.size(); ++j)
                if (j != requester) others += std::min(use_of(users_[j]), fair);
            const ps_t avail = std::max(window_ - std::min(others, window_), fair);
            // duration × window / avail, rounded up
            stretched = static_cast<ps_t>((static_cast<unsigned __int128>(duration) * window_ + avail - 1) / avail);
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

} // namespace ddisim::tlm
