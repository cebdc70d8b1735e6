// seek_curve — the HDD seek-time curve fitted to three datasheet figures
// (track-to-track, average, full-stroke). Header-only so that config
// validation (which the scenario parser runs without linking the models) can
// check that a fit exists. docs/disk.md §HDD derives the formulas.
//
//   t(0) = 0
//   t(d) = a + b·sqrt(d)                 1 ≤ d ≤ x   (acceleration-limited)
//   t(d) = a + b·sqrt(x) + s·(d − x)     x < d ≤ D   (coast at top speed)
//   with a = t1 − b (so t(1) = track_to_track), s = b / (2·sqrt(x)) (slope
//   continuous at the break x), b from t(D) = full_stroke, and x chosen by
//   bisection so that the mean over uniformly random start and end positions
//   (distance density p(d) = 2(D − d)/D²) equals average_seek.
#pragma once
#include <cmath>
#include <cstdint>

namespace ddisim::models {

struct seek_curve {
    double a = 0, b = 0, s = 0, x = 1, D = 1;  // times in ps, distances in cylinders

    // Seek time in ps for a distance of d cylinders.
    double operator()(double d) const {
        if (d <= 0) return 0;
        if (d <= x) return a + b * std::sqrt(d);
        return a + b * std::sqrt(x) + s * (d - x);
    }

    // Curve with break x through (1, t1) and (D, full).
    static seek_curve with_break(double t1, double full, double D, double x) {
        seek_curve c;
        c.D = D;
        c.x = x;
        double rx = std::sqrt(x);
        c.b = (full - t1) / (rx - 1 + (D - x) / (2 * rx));
        c.a = t1 - c.b;
        c.s = c.b / (2 * rx);
        return c;
    }

    // Mean seek time over random start/end positions (continuous distances).
    double mean() const {
        auto P = [&](double u) { return 2 / (D * D) * (D * u - u * u / 2); };
        auto Q = [&](double u) { return 2 / (D * D) * (D * 2.0 / 3.0 * std::pow(u, 1.5) - 2.0 / 5.0 * std::pow(u, 2.5)); };
        auto M = [&](double u) { return 2 / (D * D) * (D * u * u / 2 - u * u * u / 3); };
        double c0 = a + b * std::sqrt(x);
        return a * P(x) + b * Q(x) + (c0 - s * x) * (1 - P(x)) + s * (M(D) - M(x));
    }

    // Means reachable for these end points: [linear curve, pure sqrt curve].
    static double min_mean(double t1, double full, double D) { return with_break(t1, full, D, 1).mean(); }
    static double max_mean(double t1, double full, double D) { return with_break(t1, full, D, D).mean(); }

    // The fit; the caller has checked min_mean ≤ avg ≤ max_mean.
    static seek_curve fit(double t1, double avg, double full, double D) {
        double lo = 1, hi = D;
        for (int i = 0; i < 200 && hi - lo > 1e-9 * D; ++i) {
            double mid = (lo + hi) / 2;
            if (with_break(t1, full, D, mid).mean() < avg) lo = mid;
            else hi = mid;
        }
        return with_break(t1, full, D, (lo + hi) / 2);
    }
};

} // namespace ddisim::models
