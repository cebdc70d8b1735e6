// ddisim::tlm::param_group and the human-unit parsers/formatters.
//
// Numbers are lexed by hand (never strtod/stod, which depend on the C locale
// and accept "inf", "nan" and hex floats). Sizes and times are computed
// exactly in 128-bit integers, so "1.5GiB" is 1610612736 bytes, not a double
// rounded back.
#include "tlm/core/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace ddisim::tlm {

const char* to_string(param_kind k) {
    switch (k) {
    case param_kind::size: return "size";
    case param_kind::time: return "time";
    case param_kind::frequency: return "frequency";
    case param_kind::bitrate: return "bitrate";
    case param_kind::count: return "count";
    case param_kind::integer: return "integer";
    case param_kind::real: return "real";
    case param_kind::flag: return "flag";
    case param_kind::text: return "text";
    case param_kind::choice: return "choice";
    case param_kind::group: return "group";
    case param_kind::list: return "list";
    }
    return "?";
}

namespace {

using u128 = unsigned __int128;
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

[[noreturn]] void fail(const std::string& why) { throw std::invalid_argument(why); }

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    auto b = s.find_first_not_of(ws);
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A non-negative decimal number followed by an optional unit:
// digits [ '.' digits ] [ ' ' ] unit. Exponents are handled by the callers
// that take doubles.
struct lexed {
    std::string whole;   // integer digits, leading zeros stripped ("" = 0)
    std::string frac;    // fraction digits, trailing zeros stripped
    std::string unit;    // the rest, spaces trimmed
    bool negative = false;
    bool hex = false;
    std::uint64_t hex_value = 0;
};

// Returns false when the text does not start like a number.
bool lex_number(const std::string& text, lexed& out, bool allow_hex) {
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        out.negative = text[i] == '-';
        ++i;
    }
    if (allow_hex && i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        std::size_t j = i + 2;
        std::size_t start = j;
        u128 v = 0;
        bool overflow = false;
        while (j < text.size() && std::isxdigit(static_cast<unsigned char>(text[j]))) {
            char c = text[j];
            unsigned d = is_digit(c) ? unsigned(c - '0') : unsigned((c | 0x20) - 'a' + 10);
            v = v * 16 + d;
            if (v > u64_max) overflow = true, v = u64_max;
            ++j;
        }
        if (j == start) return false;
        if (overflow) fail(fmt::format("'{}' does not fit in 64 bits", text));
        out.hex = true;
        out.hex_value = static_cast<std::uint64_t>(v);
        out.unit = trim(text.substr(j));
        return true;
    }
    std::size_t ws = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    out.whole = text.substr(ws, i - ws);
    if (i < text.size() && text[i] == '.') {
        std::size_t fs = ++i;
        while (i < text.size() && is_digit(text[i])) ++i;
        out.frac = text.substr(fs, i - fs);
    }
    if (out.whole.empty() && out.frac.empty()) return false;
    out.whole.erase(0, std::min(out.whole.find_first_not_of('0'), out.whole.size()));
    while (!out.frac.empty() && out.frac.back() == '0') out.frac.pop_back();
    out.unit = trim(text.substr(i));
    return true;
}

struct unit_def {
    const char* name;
    std::uint64_t mult;
};

// Exact value of whole.frac × mult; `what` names the canonical unit for the
// "not a whole number of …" error.
std::uint64_t exact_value(const lexed& n, std::uint64_t mult, const std::string& text, const char* what) {
    if (n.hex) {
        u128 v = u128(n.hex_value) * mult;
        if (v > u64_max) fail(fmt::format("'{}' is too large (it does not fit in 64 bits)", text));
        return static_cast<std::uint64_t>(v);
    }
    if (n.whole.size() > 20) fail(fmt::format("'{}' is too large (it does not fit in 64 bits)", text));
    u128 whole = 0;
    for (char c : n.whole) whole = whole * 10 + unsigned(c - '0');
    if (whole > u64_max) fail(fmt::format("'{}' is too large (it does not fit in 64 bits)", text));
    u128 v = whole * mult;
    if (!n.frac.empty()) {
        if (n.frac.size() > 18) fail(fmt::format("'{}' has too many decimals", text));
        u128 frac = 0, scale = 1;
        for (char c : n.frac) frac = frac * 10 + unsigned(c - '0'), scale *= 10;
        u128 f = frac * mult;
        if (f % scale != 0) fail(fmt::format("'{}' is not a whole number of {}", text, what));
        v += f / scale;
    }
    if (v > u64_max) fail(fmt::format("'{}' is too large (it does not fit in 64 bits)", text));
    return static_cast<std::uint64_t>(v);
}

std::string unit_list(const std::vector<unit_def>& units) {
    std::string s;
    for (const auto& u : units) {
        if (!*u.name) continue;
        if (!s.empty()) s += ", ";
        s += u.name;
    }
    return s;
}

// A hint for a unit typed in the wrong case ("Mhz" -> "MHz").
std::string unit_hint(const std::string& unit, const std::vector<unit_def>& units) {
    std::vector<std::string> exact;
    for (const auto& u : units) {
        std::string a = unit, b = u.name;
        if (a.size() != b.size() || b.empty()) continue;
        bool same = std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
        });
        if (same) exact.push_back(b);
    }
    if (exact.size() == 1) return fmt::format(" (did you mean '{}'?)", exact.front());
    return {};
}

const std::vector<unit_def>& size_units() {
    static const std::vector<unit_def> u = {
        {"", 1}, {"B", 1},
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40}, {"PiB", 1ull << 50},
        {"kB", 1000ull}, {"MB", 1000000ull}, {"GB", 1000000000ull}, {"TB", 1000000000000ull},
        {"PB", 1000000000000000ull},
    };
    return u;
}

const std::vector<unit_def>& time_units() {
    static const std::vector<unit_def> u = {
        {"ps", 1}, {"ns", 1000ull}, {"us", 1000000ull}, {"\xC2\xB5s", 1000000ull}, {"\xCE\xBCs", 1000000ull},
        {"ms", 1000000000ull}, {"s", 1000000000000ull},
    };
    return u;
}

const std::vector<unit_def>& frequency_units() {
    static const std::vector<unit_def> u = {
        {"Hz", 1}, {"kHz", 1000ull}, {"MHz", 1000000ull}, {"GHz", 1000000000ull}, {"THz", 1000000000000ull},
    };
    return u;
}

const std::vector<unit_def>& bitrate_units() {
    static const std::vector<unit_def> u = [] {
        std::vector<unit_def> v;
        static const char* bit_names[] = {
            "b/s", "bps", "bit/s", "kb/s", "kbps", "kbit/s", "Mb/s", "Mbps", "Mbit/s",
            "Gb/s", "Gbps", "Gbit/s", "Tb/s", "Tbps", "Tbit/s",
        };
        std::uint64_t m = 1;
        for (int p = 0; p < 5; ++p, m *= 1000)
            for (int k = 0; k < 3; ++k) v.push_back({bit_names[p * 3 + k], m});
        v.push_back({"B/s", 8});
        v.push_back({"kB/s", 8000ull});
        v.push_back({"MB/s", 8000000ull});
        v.push_back({"GB/s", 8000000000ull});
        v.push_back({"TB/s", 8000000000000ull});
        v.push_back({"KiB/s", 8ull << 10});
        v.push_back({"MiB/s", 8ull << 20});
        v.push_back({"GiB/s", 8ull << 30});
        v.push_back({"TiB/s", 8ull << 40});
        return v;
    }();
    return u;
}

const unit_def* find_unit(const std::vector<unit_def>& units, const std::string& name) {
    for (const auto& u : units)
        if (name == u.name) return &u;
    return nullptr;
}

// A double from the digits of `n` (locale-independent), plus an optional
// exponent already folded into the text by the caller.
double to_double(const std::string& number_text, const std::string& text) {
    double v = 0;
    const char* b = number_text.data();
    const char* e = b + number_text.size();
    auto r = std::from_chars(b, e, v, std::chars_format::general);
    if (r.ec == std::errc::result_out_of_range || (r.ec == std::errc() && !std::isfinite(v)))
        fail(fmt::format("'{}' is out of range", text));
    if (r.ec != std::errc() || r.ptr != e) fail(fmt::format("'{}' is not a number", text));
    return v;
}

// Splits "1.5e3 GHz" into the number part ("1.5e3") and the unit ("GHz").
// Returns false when there is no leading number.
bool split_real(const std::string& text, std::string& number, std::string& unit, bool& negative) {
    std::size_t i = 0;
    negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    std::size_t start = i;
    std::size_t digits = 0;
    while (i < text.size() && is_digit(text[i])) ++i, ++digits;
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && is_digit(text[i])) ++i, ++digits;
    }
    if (digits == 0) return false;
    // Exponent only when followed by digits ("1e3"), so "1 EiB"-like units
    // are not eaten.
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
        if (j < text.size() && is_digit(text[j])) {
            i = j;
            while (i < text.size() && is_digit(text[i])) ++i;
        }
    }
    number = text.substr(start, i - start);
    unit = trim(text.substr(i));
    return true;
}

double parse_scaled_real(const std::string& s, const std::vector<unit_def>& units, const char* what,
                         const char* example) {
    std::string text = trim(s);
    std::string number, unit;
    bool negative = false;
    if (!split_real(text, number, unit, negative))
        fail(fmt::format("expected {} such as {}, got '{}'", what, example, s));
    if (negative) fail(fmt::format("{} cannot be negative, got '{}'", what, s));
    const unit_def* u = find_unit(units, unit);
    if (unit.empty()) {
        double v = to_double(number, text);
        if (v == 0) return 0;
        fail(fmt::format("'{}' needs a unit, e.g. {} (units: {})", s, example, unit_list(units)));
    }
    if (!u)
        fail(fmt::format("unknown unit '{}' in '{}'{} (units: {})", unit, s, unit_hint(unit, units), unit_list(units)));
    double v = to_double(number, text) * static_cast<double>(u->mult);
    if (!std::isfinite(v)) fail(fmt::format("'{}' is out of range", s));
    return v;
}

// Formats v with at most 3 decimals if that is exact; "" otherwise.
std::string exact_decimal(std::uint64_t v, std::uint64_t unit) {
    if (v < unit) return {};
    std::uint64_t whole = v / unit, rem = v % unit;
    if (rem == 0) return fmt::format("{}", whole);
    u128 scaled = u128(rem) * 1000;
    if (scaled % unit != 0) return {};
    auto frac = static_cast<std::uint64_t>(scaled / unit);
    std::string f = fmt::format("{:03}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    return fmt::format("{}.{}", whole, f);
}

// The shortest exact rendering over the given units (first wins a tie).
std::string format_exact(std::uint64_t v, const std::vector<unit_def>& units, const char* fallback_unit) {
    std::string best = fmt::format("{}{}", v, fallback_unit);
    bool fallback = true; // a unit form wins a tie with the plain number
    for (const auto& u : units) {
        if (!*u.name || u.mult == 1) continue;
        std::string d = exact_decimal(v, u.mult);
        if (d.empty()) continue;
        std::string cand = d + u.name;
        if (cand.size() < best.size() || (fallback && cand.size() == best.size())) best = cand, fallback = false;
    }
    return best;
}

double read_back(const std::string& s) {
    double v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
    return v;
}

// x as 12 significant digits when that reads back exactly, else the shortest
// text that does ("0.1", "1.6", "0.30000000000000004").
std::string format_real_number(double x) {
    std::string s = fmt::format("{:.12g}", x);
    if (read_back(s) == x) return s;
    return fmt::format("{}", x);
}

// v in the largest unit not above it, when number × unit reads back as
// exactly v (what the parsers compute); otherwise in the base unit.
std::string format_scaled(double v, const std::vector<std::pair<const char*, double>>& units) {
    if (v == 0) return fmt::format("0{}", units.front().first);
    const auto* pick = &units.front();
    for (const auto& u : units)
        if (std::fabs(v) >= u.second) pick = &u;
    for (const std::string& n : {fmt::format("{:.12g}", v / pick->second), fmt::format("{}", v / pick->second)})
        if (read_back(n) * pick->second == v) return n + pick->first;
    return fmt::format("{}{}", v, units.front().first);
}

} // namespace

std::uint64_t parse_size(const std::string& s) {
    std::string text = trim(s);
    lexed n;
    if (!lex_number(text, n, true)) fail(fmt::format("expected a size such as 4KiB, got '{}'", s));
    if (n.negative) fail(fmt::format("a size cannot be negative, got '{}'", s));
    if (n.unit == "KB" || n.unit == "K" || n.unit == "k" || n.unit == "Kb")
        fail(fmt::format("ambiguous unit '{}' in '{}': write KiB (1024 bytes) or kB (1000 bytes)", n.unit, s));
    const unit_def* u = find_unit(size_units(), n.unit);
    if (!u)
        fail(fmt::format("unknown size unit '{}' in '{}'{} (units: B, KiB, MiB, GiB, TiB, PiB, kB, MB, GB, TB, PB)",
                         n.unit, s, unit_hint(n.unit, size_units())));
    if (n.hex && !n.unit.empty()) fail(fmt::format("a hex size takes no unit, got '{}'", s));
    return exact_value(n, u->mult, s, "bytes");
}

std::uint64_t parse_time_ps(const std::string& s) {
    std::string text = trim(s);
    lexed n;
    if (!lex_number(text, n, false)) fail(fmt::format("expected a time such as 10ns, got '{}'", s));
    if (n.negative) fail(fmt::format("a time cannot be negative, got '{}'", s));
    if (n.unit.empty()) {
        if (n.whole.empty() && n.frac.empty()) return 0;
        fail(fmt::format("'{}' needs a unit, e.g. 10ns (units: ps, ns, us, ms, s)", s));
    }
    const unit_def* u = find_unit(time_units(), n.unit);
    if (!u)
        fail(fmt::format("unknown time unit '{}' in '{}'{} (units: ps, ns, us, ms, s)", n.unit, s,
                         unit_hint(n.unit, time_units())));
    return exact_value(n, u->mult, s, "picoseconds");
}

double parse_frequency(const std::string& s) {
    return parse_scaled_real(s, frequency_units(), "a frequency", "1.5GHz");
}

double parse_bitrate(const std::string& s) {
    return parse_scaled_real(s, bitrate_units(), "a bit rate", "12Gb/s");
}

std::uint64_t parse_count(const std::string& s) {
    std::string text = trim(s);
    lexed n;
    if (!lex_number(text, n, true) || !n.unit.empty())
        fail(fmt::format("expected a whole number such as 16, got '{}'", s));
    if (n.negative) fail(fmt::format("a count cannot be negative, got '{}'", s));
    if (!n.frac.empty()) fail(fmt::format("expected a whole number, got '{}'", s));
    return exact_value(n, 1, s, "units");
}

std::int64_t parse_integer(const std::string& s) {
    std::string text = trim(s);
    lexed n;
    if (!lex_number(text, n, true) || !n.unit.empty() || !n.frac.empty())
        fail(fmt::format("expected an integer such as -3, got '{}'", s));
    lexed mag = n;
    mag.negative = false;
    std::uint64_t m = exact_value(mag, 1, s, "units");
    constexpr std::uint64_t lim = std::uint64_t(std::numeric_limits<std::int64_t>::max());
    if (n.negative) {
        if (m > lim + 1) fail(fmt::format("'{}' does not fit in a 64-bit integer", s));
        return m == lim + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(m);
    }
    if (m > lim) fail(fmt::format("'{}' does not fit in a 64-bit integer", s));
    return static_cast<std::int64_t>(m);
}

double parse_real(const std::string& s) {
    std::string text = trim(s);
    std::string number, unit;
    bool negative = false;
    if (!split_real(text, number, unit, negative) || !unit.empty())
        fail(fmt::format("expected a number such as 0.5, got '{}'", s));
    double v = to_double(number, text);
    return negative ? -v : v;
}

bool parse_flag(const std::string& s) {
    std::string t = trim(s);
    if (t == "true" || t == "True" || t == "TRUE" || t == "yes" || t == "Yes" || t == "on" || t == "On") return true;
    if (t == "false" || t == "False" || t == "FALSE" || t == "no" || t == "No" || t == "off" || t == "Off")
        return false;
    fail(fmt::format("expected true or false, got '{}'", s));
}

std::string format_size(std::uint64_t bytes) {
    if (bytes == 0) return "0B";
    static const std::vector<unit_def> u = {
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40}, {"PiB", 1ull << 50},
        {"kB", 1000ull}, {"MB", 1000000ull}, {"GB", 1000000000ull}, {"TB", 1000000000000ull},
        {"PB", 1000000000000000ull},
    };
    // Binary units first: on a tie ("1KiB" vs "1kB" never ties, but "2MiB"
    // vs "2MB" could for other values) the binary form wins.
    return format_exact(bytes, u, "B");
}

std::string format_time_ps(std::uint64_t ps) {
    if (ps == 0) return "0ns";
    static const std::vector<unit_def> u = {
        {"ns", 1000ull}, {"us", 1000000ull}, {"ms", 1000000000ull}, {"s", 1000000000000ull},
    };
    return format_exact(ps, u, "ps");
}

std::string format_time_readable(std::uint64_t ps) {
    static const std::pair<const char*, std::uint64_t> units[] = {
        {"s", 1000000000000ull}, {"ms", 1000000000ull}, {"us", 1000000ull}, {"ns", 1000ull}};
    for (const auto& [name, mult] : units) {
        if (ps < mult) continue;
        std::string f = fmt::format("{:0{}}", ps % mult, fmt::formatted_size("{}", mult) - 1);
        while (!f.empty() && f.back() == '0') f.pop_back();
        return fmt::format("{}{}{}{}", ps / mult, f.empty() ? "" : ".", f, name);
    }
    return ps ? fmt::format("{}ps", ps) : "0ns";
}

std::string format_frequency(double hz) {
    return format_scaled(hz, {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}, {"THz", 1e12}});
}

std::string format_bitrate(double bits_per_s) {
    return format_scaled(bits_per_s, {{"b/s", 1}, {"kb/s", 1e3}, {"Mb/s", 1e6}, {"Gb/s", 1e9}, {"Tb/s", 1e12}});
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    // Long inputs cannot be near any key; skip the quadratic work.
    if (word.empty() || word.size() > 64) return {};
    const std::size_t limit = word.size() <= 3 ? 1 : 2;
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        if (c.size() > word.size() + limit || word.size() > c.size() + limit) continue;
        std::size_t d = edit_distance(word, c);
        if (d < best_d) best_d = d, best = c;
    }
    return best;
}

// ---------------------------------------------------------------- param

namespace {

std::string format_bound(const param& p, double v) {
    auto as_u64 = [](double x) -> std::uint64_t {
        if (x <= 0) return 0;
        if (x >= 18446744073709551615.0) return u64_max;
        return static_cast<std::uint64_t>(x);
    };
    switch (p.kind) {
    case param_kind::size: return format_size(as_u64(v));
    case param_kind::time: return format_time_ps(as_u64(v));
    case param_kind::frequency: return format_frequency(v);
    case param_kind::bitrate: return format_bitrate(v);
    case param_kind::count:
    case param_kind::integer:
        if (v == std::floor(v) && std::fabs(v) < 9.2e18) return fmt::format("{}", static_cast<std::int64_t>(v));
        return format_real_number(v);
    default: return format_real_number(v) + (p.unit.empty() ? "" : " " + p.unit);
    }
}

void check_range(const param& p, double v, const std::string& shown) {
    if (p.range.min && v < *p.range.min)
        fail(fmt::format("must be \u2265 {}, got {}", format_bound(p, *p.range.min), shown));
    if (p.range.max && v > *p.range.max)
        fail(fmt::format("must be \u2264 {}, got {}", format_bound(p, *p.range.max), shown));
}

} // namespace

void param::assign(const std::string& text) const {
    switch (kind) {
    case param_kind::size: {
        std::uint64_t v = parse_size(text);
        check_range(*this, static_cast<double>(v), format_size(v));
        set_uint(v);
        return;
    }
    case param_kind::time: {
        std::uint64_t v = parse_time_ps(text);
        check_range(*this, static_cast<double>(v), format_time_ps(v));
        set_uint(v);
        return;
    }
    case param_kind::frequency: {
        double v = parse_frequency(text);
        check_range(*this, v, format_frequency(v));
        set_number(v);
        return;
    }
    case param_kind::bitrate: {
        double v = parse_bitrate(text);
        check_range(*this, v, format_bitrate(v));
        set_number(v);
        return;
    }
    case param_kind::count: {
        std::uint64_t v = parse_count(text);
        check_range(*this, static_cast<double>(v), fmt::format("{}", v));
        set_uint(v);
        return;
    }
    case param_kind::integer: {
        std::int64_t v = parse_integer(text);
        check_range(*this, static_cast<double>(v), fmt::format("{}", v));
        set_int(v);
        return;
    }
    case param_kind::real: {
        double v = parse_real(text);
        check_range(*this, v, format_real_number(v));
        set_number(v);
        return;
    }
    case param_kind::flag: set_flag(parse_flag(text)); return;
    case param_kind::text: set_text(text); return;
    case param_kind::choice: {
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
            set_text(text);
            return;
        }
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
        std::string near = closest_match(text, choices);
        fail(fmt::format("expected one of {}, got '{}'{}", all, text,
                         near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
    }
    case param_kind::group:
    case param_kind::list: break;
    }
    fail(fmt::format("'{}' is a {}, not a value", path, to_string(kind)));
}

std::string param::range_text() const {
    if (kind == param_kind::choice) {
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : " | ") + c;
        return all;
    }
    if (range.min && range.max)
        return fmt::format("{} \u2026 {}", format_bound(*this, *range.min), format_bound(*this, *range.max));
    if (range.min) return fmt::format("\u2265 {}", format_bound(*this, *range.min));
    if (range.max) return fmt::format("\u2264 {}", format_bound(*this, *range.max));
    return {};
}

std::string param::unit_text() const {
    switch (kind) {
    case param_kind::size: return "B, KiB, MiB, GiB, TiB, kB, MB, GB, TB";
    case param_kind::time: return "ps, ns, us, ms, s";
    case param_kind::frequency: return "Hz, kHz, MHz, GHz";
    case param_kind::bitrate: return "b/s, kb/s, Mb/s, Gb/s; B/s, MB/s, GB/s, MiB/s, GiB/s";
    default: return unit;
    }
}

// ---------------------------------------------------------------- param_group

param_group::param_group(std::string path, std::string doc) : path_(std::move(path)), doc_(std::move(doc)) {}
param_group::~param_group() = default;

const param* param_group::find(const std::string& key) const {
    for (const auto& p : params_)
        if (p->key == key) return p.get();
    return nullptr;
}

param& param_group::add(const char* key, param_kind kind, const char* doc) {
    auto p = std::make_unique<param>();
    p->key = key;
    p->path = path_.empty() ? std::string(key) : path_ + "." + key;
    p->kind = kind;
    p->doc = doc ? doc : "";
    params_.push_back(std::move(p));
    return *params_.back();
}

namespace {

// Integral setters that keep set_number usable (it truncates toward zero and
// saturates, for callers that only have a double).
std::uint64_t double_to_u64(double v) {
    if (!(v > 0)) return 0;
    if (v >= 18446744073709551615.0) return u64_max;
    return static_cast<std::uint64_t>(v);
}

void bind_u64(param& p, std::uint64_t& field) {
    p.set_uint = [&field](std::uint64_t v) { field = v; };
    p.set_number = [&field](double v) { field = double_to_u64(v); };
}

} // namespace

param& param_group::size(const char* key, std::uint64_t& bytes, const char* doc, param_range r) {
    param& p = add(key, param_kind::size, doc);
    p.range = r;
    bind_u64(p, bytes);
    p.get_text = [&bytes] { return format_size(bytes); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::time(const char* key, std::uint64_t& ps, const char* doc, param_range r) {
    param& p = add(key, param_kind::time, doc);
    p.range = r;
    bind_u64(p, ps);
    p.get_text = [&ps] { return format_time_ps(ps); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::frequency(const char* key, double& hz, const char* doc, param_range r) {
    param& p = add(key, param_kind::frequency, doc);
    p.range = r;
    p.set_number = [&hz](double v) { hz = v; };
    p.get_text = [&hz] { return format_frequency(hz); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::bitrate(const char* key, double& bits_per_s, const char* doc, param_range r) {
    param& p = add(key, param_kind::bitrate, doc);
    p.range = r;
    p.set_number = [&bits_per_s](double v) { bits_per_s = v; };
    p.get_text = [&bits_per_s] { return format_bitrate(bits_per_s); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::count(const char* key, std::uint64_t& n, const char* doc, param_range r) {
    param& p = add(key, param_kind::count, doc);
    p.range = r;
    bind_u64(p, n);
    p.get_text = [&n] { return fmt::format("{}", n); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::count(const char* key, unsigned& n, const char* doc, param_range r) {
    param& p = add(key, param_kind::count, doc);
    p.range = r;
    p.set_uint = [&n](std::uint64_t v) {
        if (v > std::numeric_limits<unsigned>::max())
            fail(fmt::format("must be \u2264 {}, got {}", std::numeric_limits<unsigned>::max(), v));
        n = static_cast<unsigned>(v);
    };
    p.set_number = [&n](double v) {
        n = static_cast<unsigned>(std::min<std::uint64_t>(double_to_u64(v), std::numeric_limits<unsigned>::max()));
    };
    p.get_text = [&n] { return fmt::format("{}", n); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::integer(const char* key, std::int64_t& n, const char* doc, param_range r) {
    param& p = add(key, param_kind::integer, doc);
    p.range = r;
    p.set_int = [&n](std::int64_t v) { n = v; };
    p.set_number = [&n](double v) {
        if (std::isnan(v)) v = 0;
        v = std::clamp(v, -9.2e18, 9.2e18);
        n = static_cast<std::int64_t>(v);
    };
    p.get_text = [&n] { return fmt::format("{}", n); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::real(const char* key, double& x, const char* doc, param_range r) {
    param& p = add(key, param_kind::real, doc);
    p.range = r;
    p.set_number = [&x](double v) { x = v; };
    p.get_text = [&x] { return format_real_number(x); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::flag(const char* key, bool& b, const char* doc) {
    param& p = add(key, param_kind::flag, doc);
    p.set_flag = [&b](bool v) { b = v; };
    p.get_text = [&b] { return std::string(b ? "true" : "false"); };
    p.default_text = p.get_text();
    return p;
}

param& param_group::text(const char* key, std::string& s, const char* doc) {
    param& p = add(key, param_kind::text, doc);
    p.set_text = [&s](const std::string& v) { s = v; };
    p.get_text = [&s] { return s; };
    p.default_text = p.get_text();
    return p;
}

param& param_group::choice(const char* key, std::string& s, std::vector<std::string> choices, const char* doc) {
    param& p = add(key, param_kind::choice, doc);
    p.choices = std::move(choices);
    p.set_text = [&s](const std::string& v) { s = v; };
    p.get_text = [&s] { return s; };
    p.default_text = p.get_text();
    return p;
}

param_group& param_group::group(const char* key, const char* doc) {
    param& p = add(key, param_kind::group, doc);
    p.sub = std::make_unique<param_group>(p.path, p.doc);
    return *p.sub;
}

void param_group::list(const char* key, const char* doc, std::function<void(std::size_t)> resize,
                       list_binder make_element, std::function<std::size_t()> length) {
    param& p = add(key, param_kind::list, doc);
    p.resize = std::move(resize);
    p.make_element = std::move(make_element);
    p.length = std::move(length);
    if (p.length) p.default_text = p.length() == 0 ? "[]" : fmt::format("{} elements", p.length());
    p.element_doc = p.doc;
}

} // namespace ddisim::tlm
