// fio job files: parsing (ini lines -> per-job option lists -> fio_job),
// the per-job I/O stream and the verify log. See fio.h and docs/fio.md.
//
// A job is built by replaying, in order, the [global] options seen before
// its section and then its own options onto a default fio_job, so a later
// option overrides an earlier one exactly as in fio. Block sizes are resolved
// after the replay (bssplit over bsrange over bs, whatever the order).
#include "testbench/config/fio.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "tlm/core/params.h"
#include "tlm/core/splitmix.h"

namespace ddisim::config {

namespace {

std::string format_what(const std::string& file, int line, int column, const std::string& key,
                        const std::string& message) {
    std::string where = line > 0 ? fmt::format("{}:{}:{}", file, line, column) : file;
    if (key.empty()) return fmt::format("{}: {}", where, message);
    return fmt::format("{}: {}: {}", where, key, message);
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (;;) {
        std::size_t e = s.find(sep, b);
        out.push_back(trim(s.substr(b, e == std::string::npos ? std::string::npos : e - b)));
        if (e == std::string::npos) break;
        b = e + 1;
    }
    return out;
}

constexpr std::uint64_t ps_per_us = 1000000ull;
constexpr std::uint64_t ps_per_s = 1000000000000ull;

// Splits "12.5xyz" into a non-negative decimal number and the rest; the value
// is returned as mantissa digits and a decimal exponent so that whole results
// are exact.
struct decimal {
    std::uint64_t digits = 0; // all digits, fraction included
    unsigned frac = 0;        // digits after the point
    std::string rest;
};

decimal split_number(const std::string& s, const char* what) {
    decimal d;
    std::size_t i = 0;
    bool any = false, point = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        any = true;
        if (d.digits > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
            throw std::invalid_argument(fmt::format("{} '{}' is too large", what, s));
        d.digits = d.digits * 10 + static_cast<std::uint64_t>(c - '0');
        if (point && ++d.frac > 18) throw std::invalid_argument(fmt::format("{} '{}' has too many decimals", what, s));
    }
    if (!any) throw std::invalid_argument(fmt::format("expected {}, got '{}'", what, s));
    d.rest = s.substr(i);
    return d;
}

// digits / 10^frac * mult, which must be whole and fit in 64 bits.
std::uint64_t scale(const decimal& d, std::uint64_t mult, const std::string& text, const char* what) {
    unsigned __int128 v = static_cast<unsigned __int128>(d.digits) * mult;
    unsigned __int128 div = 1;
    for (unsigned i = 0; i < d.frac; ++i) div *= 10;
    if (v % div != 0) throw std::invalid_argument(fmt::format("{} '{}' is not a whole number of {}", what, text,
                                                              std::string(what) == "a time" ? "picoseconds" : "bytes"));
    v /= div;
    if (v > std::numeric_limits<std::uint64_t>::max())
        throw std::invalid_argument(fmt::format("{} '{}' is too large", what, text));
    return static_cast<std::uint64_t>(v);
}

using tlm::splitmix64;

std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
    std::uint64_t x = a;
    std::uint64_t h = splitmix64(x);
    x = h ^ b;
    h = splitmix64(x);
    x = h ^ c;
    return splitmix64(x);
}

} // namespace

fio_error::fio_error(std::string file_, int line_, int column_, std::string key_, std::string message_)
    : std::runtime_error(format_what(file_, line_, column_, key_, message_)), file(std::move(file_)), line(line_),
      column(column_), key(std::move(key_)), message(std::move(message_)) {}

std::string fio_note::to_string() const {
    std::string where = line > 0 ? fmt::format("{}:{}", file, line) : file;
    return key.empty() ? fmt::format("{}: {}", where, message) : fmt::format("{}: {}: {}", where, key, message);
}

const char* to_string(fio_rw rw) {
    switch (rw) {
    case fio_rw::read: return "read";
    case fio_rw::write: return "write";
    case fio_rw::randread: return "randread";
    case fio_rw::randwrite: return "randwrite";
    case fio_rw::rw: return "rw";
    case fio_rw::randrw: return "randrw";
    }
    return "?";
}
bool is_random(fio_rw rw) { return rw == fio_rw::randread || rw == fio_rw::randwrite || rw == fio_rw::randrw; }
bool has_reads(fio_rw rw) { return rw == fio_rw::read || rw == fio_rw::randread || rw == fio_rw::rw || rw == fio_rw::randrw; }
bool has_writes(fio_rw rw) { return rw == fio_rw::write || rw == fio_rw::randwrite || rw == fio_rw::rw || rw == fio_rw::randrw; }

std::uint64_t parse_fio_size(const std::string& text, unsigned kb_base) {
    std::string s = lower(trim(text));
    if (s.empty()) throw std::invalid_argument("expected a size such as 4k, got ''");
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
        std::uint64_t v = 0;
        for (std::size_t i = 2; i < s.size(); ++i) {
            char c = s[i];
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
            if (d < 0) throw std::invalid_argument(fmt::format("expected a hex size such as 0x1000, got '{}'", text));
            if (v >> 60) throw std::invalid_argument(fmt::format("size '{}' is too large", text));
            v = v * 16 + static_cast<std::uint64_t>(d);
        }
        return v;
    }
    decimal d = split_number(s, "a size such as 4k");
    std::string u = trim(d.rest);
    if (u.empty() || u == "b") return scale(d, 1, text, "a size");
    static const std::string prefixes = "kmgtpe";
    std::size_t p = prefixes.find(u[0]);
    std::string tail = u.substr(1);
    if (p == std::string::npos || !(tail.empty() || tail == "b" || tail == "i" || tail == "ib"))
        throw std::invalid_argument(
            fmt::format("expected a size such as 4k, 1m or 512 (suffixes k m g t p e), got '{}'", text));
    bool iec = tail == "i" || tail == "ib";
    if (iec && kb_base == 1024)
        throw std::invalid_argument(
            fmt::format("'{}' is ambiguous: with kb_base=1024 (the default) fio reads the KiB-style suffixes as "
                        "powers of 1000; write '{}{}' for powers of 1024, or set kb_base=1000 first",
                        text, trim(text).substr(0, trim(text).size() - d.rest.size()), u[0]));
    std::uint64_t base = (kb_base == 1000) == iec ? 1024 : 1000;
    std::uint64_t mult = 1;
    for (std::size_t i = 0; i <= p; ++i) mult *= base;
    return scale(d, mult, text, "a size");
}

std::uint64_t parse_fio_time(const std::string& text, std::uint64_t default_unit_ps) {
    std::string s = lower(trim(text));
    decimal d = split_number(s, "a time such as 10, 500ms or 2m");
    std::string u = trim(d.rest);
    std::uint64_t mult = 0;
    if (u.empty()) mult = default_unit_ps;
    else if (u == "ns" || u == "nsec") mult = 1000;
    else if (u == "us" || u == "usec") mult = ps_per_us;
    else if (u == "ms" || u == "msec") mult = 1000 * ps_per_us;
    else if (u == "s" || u == "sec") mult = ps_per_s;
    else if (u == "m" || u == "min") mult = 60 * ps_per_s;
    else if (u == "h") mult = 3600 * ps_per_s;
    else if (u == "d") mult = 86400 * ps_per_s;
    else
        throw std::invalid_argument(
            fmt::format("expected a time such as 10, 500ms or 2m (suffixes us ms s m h d), got '{}'", text));
    return scale(d, mult, text, "a time");
}

const std::vector<double>& fio_default_percentiles() {
    static const std::vector<double> p = {1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};
    return p;
}

// ---------------------------------------------------------------- parser

namespace {

struct raw_option {
    std::string key;   // as written, lower-cased
    std::string value; // ${VAR} expanded; "1" for a bare flag
    bool bare = false;
    int line = 0, key_col = 0, value_col = 0;
};

// Accepted with no effect on the model, and why.
const std::map<std::string, std::string>& noted_options() {
    static const std::map<std::string, std::string> m = {
        {"direct", "the model has no page cache: every I/O goes to the disk, as with direct=1"},
        {"buffered", "the model has no page cache: every I/O goes to the disk, as with direct=1"},
        {"directory", "jobs run on a disk of the HBA (filename=/dev/rdsk/c0t<N>d0p0, else workload.fio.target)"},
        {"filename_format", "jobs run on a disk of the HBA (filename=/dev/rdsk/c0t<N>d0p0, else workload.fio.target)"},
        {"group_reporting", "ddisim reports every job (and clone) on its own, and each group's totals"},
        {"description", "not used"},
        {"thread", "every job is a simulated CPU thread"},
        {"invalidate", "the model has no page cache"},
        {"ioscheduler", "the simulated kernel has no I/O scheduler choice"},
        {"cpus_allowed", "CPU affinity is not modelled"},
        {"cpus_allowed_policy", "CPU affinity is not modelled"},
        {"cpumask", "CPU affinity is not modelled"},
        {"nice", "the simulated kernel does not schedule by priority"},
        {"prio", "the simulated kernel does not schedule by priority"},
        {"prioclass", "the simulated kernel does not schedule by priority"},
        {"clat_percentiles", "completion latency percentiles are always reported"},
        {"lat_percentiles", "ddisim reports completion latency percentiles (clat_ns)"},
        {"slat_percentiles", "ddisim reports completion latency percentiles (clat_ns)"},
        {"write_hist_log", "histogram logs are not written; run.stats_interval writes timeseries.csv (per-job completions and mean latency per interval)"},
        {"log_hist_msec", "histogram logs are not written; run.stats_interval writes timeseries.csv (per-job completions and mean latency per interval)"},
        {"log_hist_coarseness", "histogram logs are not written; run.stats_interval writes timeseries.csv (per-job completions and mean latency per interval)"},
        {"log_prio", "I/O priorities are not modelled: the logs' last column is 0"},
        {"log_unix_epoch", "the simulation has no wall clock: log times are ms from the job's start (after ramp_time)"},
        {"log_alternate_epoch", "the simulation has no wall clock: log times are ms from the job's start (after ramp_time)"},
        {"log_compression", "logs are written uncompressed"},
        {"log_store_compressed", "logs are written uncompressed"},
        {"log_entries", "the logs are kept in memory until the job ends"},
        {"disable_lat", "latencies are always measured"},
        {"disable_clat", "latencies are always measured"},
        {"disable_slat", "latencies are always measured"},
        {"disable_bw_measurement", "bandwidth is always measured"},
        {"gtod_reduce", "simulated time is exact; nothing to reduce"},
        {"clocksource", "simulated time is used"},
        {"unlink", "the disk is not a file"},
        {"fallocate", "the disk is not a file"},
        {"create_on_open", "the disk is not a file"},
        {"allow_file_create", "the disk is not a file"},
        {"allow_mounted_write", "the disk has no file system"},
        {"overwrite", "the disk is not a file: nothing is laid out before the job"},
        {"iomem", "I/O buffers come from the simulated kernel's allocator (scenario software.placement)"},
        {"mem", "I/O buffers come from the simulated kernel's allocator (scenario software.placement)"},
        {"lockmem", "I/O buffers are always resident in the model"},
        {"scramble_buffers", "the modelled disks do not compress or deduplicate"},
        {"refill_buffers", "the modelled disks do not compress or deduplicate"},
        {"zero_buffers", "the modelled disks do not compress or deduplicate"},
        {"buffer_compress_percentage", "the modelled disks do not compress or deduplicate"},
        {"dedupe_percentage", "the modelled disks do not compress or deduplicate"},
        {"random_generator", "the model uses its own generators (xoshiro256**): sequences differ from fio's"},
        {"numa_cpu_nodes", "NUMA is not modelled"},
        {"numa_mem_policy", "NUMA is not modelled"},
        {"stats", "statistics are always collected"},
        {"iodepth_batch_submit", "the I/Os a job submits at one time go to the driver together anyway (submitting takes no simulated time beyond the driver's CPU cost)"},
        {"iodepth_batch_complete_max", "every done I/O is reaped at each wait (reaping takes no simulated time)"},
        {"eta", "not used"},
    };
    return m;
}

// Known to fio, would change the result, not modelled.
const std::map<std::string, std::string>& refused_options() {
    static const std::map<std::string, std::string> m = {
        {"rate_ignore_thinktime", "thinktime always adds to the rate's spacing"},
        {"sync", "O_SYNC is not modelled"},
        {"write_barrier", "write barriers are not modelled"},
        {"bs_unaligned", "block sizes are always multiples of the smallest one"},
        {"bs_is_seq_rand", "block sizes are per direction (read,write)"},
        {"zonemode", "zoned I/O is not modelled"},
        {"zonesize", "zoned I/O is not modelled"},
        {"zonerange", "zoned I/O is not modelled"},
        {"zoneskip", "zoned I/O is not modelled"},
        {"nrfiles", "each job uses the one disk"},
        {"openfiles", "each job uses the one disk"},
        {"file_service_type", "each job uses the one disk"},
        {"filesize", "use size"},
        {"rw_sequencer", "only the default (sequential) is modelled"},
        {"offset_align", "offsets are used as given (whole sectors); percentages round down to a sector"},
        {"verify_interval", "the checksum covers each whole I/O"},
        {"verify_offset", "the checksum covers each whole I/O"},
        {"verify_backlog", "verification runs after the write phase"},
        {"verify_backlog_batch", "verification runs after the write phase"},
        {"verify_async", "verification runs in the job's thread"},
        {"verify_only", "the model keeps no data between runs"},
        {"verify_state_save", "the model keeps no data between runs"},
        {"verify_state_load", "the model keeps no data between runs"},
        {"experimental_verify", "verification reads back the logged writes (the replay of seeds is not modelled)"},
        {"trim_percentage", "trim is not modelled"},
        {"trim_verify_zero", "trim is not modelled"},
        {"trim_backlog", "trim is not modelled"},
        {"thinktime_spin", "thinktime is a plain wait"},
        {"thinktime_iotime", "thinktime is a plain wait"},
        {"log_max_value", "averaged log entries give the mean"},
        {"log_issue_time", "log entries give the completion time"},
        {"latency_target", "latency targets are not modelled"},
        {"latency_window", "latency targets are not modelled"},
        {"latency_percentile", "latency targets are not modelled"},
        {"flow", "flow control between jobs is not modelled"},
        {"flow_id", "flow control between jobs is not modelled"},
        {"io_submit_mode", "submission is always inline"},
        {"hugepage-size", "I/O buffers come from the simulated kernel's allocator"},
        {"cgroup", "cgroups are not modelled"},
        {"uid", "not modelled"},
        {"gid", "not modelled"},
    };
    return m;
}

const std::map<std::string, std::string>& aliases() {
    static const std::map<std::string, std::string> m = {
        {"readwrite", "rw"}, {"blocksize", "bs"}, {"blocksize_range", "bsrange"}, {"ba", "blockalign"},
        {"io_limit", "io_size"}, {"timeout", "runtime"}, {"mem_align", "iomem_align"},
        {"fileoffset", "offset"}, {"wait_for_previous", "stonewall"}, {"iodepth_batch", "iodepth_batch_submit"},
        {"iodepth_batch_complete", "iodepth_batch_complete_min"}, {"ratemin", "rate_min"},
        {"ratecycle", "rate_cycle"},
    };
    return m;
}

// The options the model honours (canonical names); the handlers are in apply().
const std::vector<std::string>& supported_options() {
    static const std::vector<std::string> v = {
        "name", "rw", "bs", "bsrange", "bssplit", "blockalign", "rwmixread", "rwmixwrite", "iodepth", "numjobs",
        "size", "offset", "offset_increment", "io_size", "number_ios", "loops", "runtime", "time_based", "ramp_time",
        "startdelay", "thinktime", "thinktime_blocks", "randrepeat", "randseed", "norandommap", "verify",
        "do_verify", "verify_fatal", "continue_on_error", "rate", "rate_iops", "rate_process", "kb_base", "ioengine",
        "iomem_align", "percentile_list", "stonewall", "new_group", "exitall", "exitall_on_error", "exit_what",
        "random_distribution", "percentage_random", "iodepth_low", "iodepth_batch_complete_min", "fsync", "fdatasync", "end_fsync",
        "fsync_on_close", "wait_for", "filename", "rate_min", "rate_iops_min", "rate_cycle", "verify_pattern",
        "buffer_pattern", "write_lat_log", "write_bw_log", "write_iops_log", "log_avg_msec", "log_offset",
        "per_job_logs"};
    return v;
}

const std::set<std::string>& flag_options() {
    static const std::set<std::string> s = {"time_based", "randrepeat", "norandommap", "do_verify", "verify_fatal",
                                            "group_reporting", "new_group", "thread", "direct", "buffered",
                                            "invalidate", "clat_percentiles", "lat_percentiles", "slat_percentiles",
                                            "disable_lat", "disable_clat", "disable_slat",
                                            "disable_bw_measurement", "gtod_reduce", "unlink", "create_on_open",
                                            "allow_file_create", "allow_mounted_write", "overwrite",
                                            "scramble_buffers", "refill_buffers", "zero_buffers", "per_job_logs", "log_offset",
                                            "stats", "stonewall", "exitall",
                                            "exitall_on_error", "fsync_on_close", "end_fsync", "sync",
                                            "bs_unaligned", "bs_is_seq_rand", "verify_async", "verify_only",
                                            "verify_state_save", "experimental_verify", "lockmem"};
    return s;
}

const std::set<std::string>& sync_engines() {
    static const std::set<std::string> s = {"sync", "psync", "vsync", "pvsync", "pvsync2"};
    return s;
}
} // namespace

bool fio_job::synchronous() const { return sync_engines().count(ioengine) != 0; }

namespace {
const std::set<std::string>& async_engines() {
    static const std::set<std::string> s = {"libaio", "io_uring", "posixaio", "solarisaio", "windowsaio"};
    return s;
}

// A job being built from its option list.
struct builder {
    fio_job job;
    unsigned kb_base = 1024;
    unsigned numjobs = 1;
    std::optional<fio_block_sizes> bs[2], range[2], split[2];
    bool ba_set[2] = {false, false};
    int iodepth_line = 0, verify_line = 0, rwmix_line = 0, time_based_line = 0, rate_line = 0, rate_iops_line = 0,
        dist_line = 0, perc_rand_line = 0, iodepth_low_line = 0, batch_min_line = 0, fsync_line = 0,
        wait_for_line = 0, wait_for_col = 0, rate_min_line = 0, verify_pattern_line = 0, buffer_pattern_line = 0;
    bool lat_bare = false, bw_bare = false, iops_bare = false; // write_*_log without a prefix
    // rate (rate_iops) and rate_min (rate_iops_min) given per direction
    // (read,write): only then is a limit on a direction the job never does
    // worth a note (one value applies to both, as in fio)
    bool rate_split = false, rate_min_split = false;
    std::string rwmix_key;
    bool stonewall = false, new_group = false, exitall = false;
    int exitall_line = 0;
};

class parser {
public:
    parser(std::string file, const fio_parse_options& opts) : file_(std::move(file)), opts_(opts) {}

    fio_job_file run(const std::string& text);

private:
    [[noreturn]] void fail(int line, int col, const std::string& key, const std::string& msg) const {
        throw fio_error(file_, line, col, key, msg);
    }
    [[noreturn]] void fail_value(const raw_option& o, const std::string& msg) const {
        fail(o.line, o.value_col, o.key, msg);
    }
    void note(int line, const std::string& key, const std::string& msg) {
        if (noted_.insert({line, key + "\n" + msg}).second) out_.notes.push_back({file_, line, key, msg});
    }
    std::string expand(const std::string& value, int line, int col, const std::string& key) const;
    void apply(builder& b, const raw_option& o);
    void filename(builder& b, const raw_option& o);
    void finish(builder& b, const std::vector<raw_option>& opts);

    std::uint64_t size_of(const raw_option& o, const std::string& s, unsigned kb_base) const {
        try {
            return parse_fio_size(s, kb_base);
        } catch (const std::invalid_argument& e) {
            fail_value(o, e.what());
        }
    }
    std::uint64_t time_of(const raw_option& o, std::uint64_t unit) const {
        try {
            return parse_fio_time(o.value, unit);
        } catch (const std::invalid_argument& e) {
            fail_value(o, e.what());
        }
    }
    // fio reads its integer options as it reads sizes: "10k" is 10 × kb_base
    std::uint64_t count_of(const raw_option& o, std::uint64_t lo, std::uint64_t hi) const {
        std::uint64_t v = 0;
        try {
            v = tlm::parse_count(o.value);
        } catch (const std::invalid_argument&) {
            try {
                v = parse_fio_size(o.value, kb_base_);
            } catch (const std::invalid_argument&) {
                fail_value(o, fmt::format("expected a whole number (a k/m/g suffix as for sizes), got '{}'", o.value));
            }
        }
        if (v < lo || v > hi) fail_value(o, fmt::format("must be {} … {}, got {}", lo, hi, v));
        return v;
    }
    bool flag_of(const raw_option& o) const {
        std::string v = lower(o.value);
        if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
        if (v == "0" || v == "false" || v == "no" || v == "off") return false;
        fail_value(o, fmt::format("expected 0 or 1, got '{}'", o.value));
    }
    unsigned percent_of(const raw_option& o, const std::string& s) const {
        std::string t = trim(s);
        if (t.empty() || t.back() != '%') fail_value(o, fmt::format("expected a percentage, got '{}'", s));
        raw_option p = o;
        p.value = t.substr(0, t.size() - 1);
        return static_cast<unsigned>(count_of(p, 0, 100));
    }
    // "4k" / "4k,8k" / ",8k": per-direction strings (read, write); a third
    // (trim) value is noted and ignored.
    std::array<std::string, 2> per_direction(const raw_option& o);
    void random_distribution(fio_job& j, const raw_option& o, unsigned kb_base);
    double real_of(const raw_option& o, const std::string& s) const {
        try {
            return tlm::parse_real(s);
        } catch (const std::invalid_argument&) {
            fail_value(o, fmt::format("expected a number, got '{}'", s));
        }
    }

    std::string file_;
    fio_parse_options opts_;
    fio_job_file out_;
    std::string other_device_; // the first /dev/ name that is not an HBA disk's (filename)
    int other_device_line_ = 0;
    unsigned kb_base_ = 1024; // the kb_base of the job being built (count_of's suffixes)
    std::set<std::pair<int, std::string>> noted_;
};

std::string parser::expand(const std::string& value, int line, int col, const std::string& key) const {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '$' && i + 1 < value.size() && value[i + 1] == '{') {
            std::size_t e = value.find('}', i + 2);
            if (e == std::string::npos)
                fail(line, col + static_cast<int>(i), key, "'${' without a closing '}'");
            std::string name = value.substr(i + 2, e - i - 2);
            auto it = opts_.env.find(name);
            if (it != opts_.env.end()) {
                out += it->second;
            } else if (const char* v = opts_.use_process_env ? std::getenv(name.c_str()) : nullptr) {
                out += v;
            } else {
                fail(line, col + static_cast<int>(i), key, fmt::format("environment variable '{}' is not set", name));
            }
            i = e;
        } else {
            out += value[i];
        }
    }
    return out;
}

std::array<std::string, 2> parser::per_direction(const raw_option& o) {
    auto parts = split(o.value, ',');
    if (parts.size() > 3) fail_value(o, fmt::format("expected at most read,write,trim values, got '{}'", o.value));
    if (parts.size() == 3 && !parts[2].empty()) note(o.line, o.key, "the trim value is ignored (trim is not modelled)");
    std::array<std::string, 2> r;
    r[0] = parts[0];
    // "4k" applies to both; "4k,8k" to read and write; "4k," leaves write at the default.
    r[1] = parts.size() >= 2 ? parts[1] : parts[0];
    if (parts.size() >= 2 && parts[1].empty()) r[1] = "";
    return r;
}

// random_distribution=random | zipf[:theta] | pareto[:h] | normal[:dev] |
// zoned:A/S:A/S…[,A/S…] | zoned_abs:A/SIZE:…[,…] (fio's syntax and limits).
void parser::random_distribution(fio_job& j, const raw_option& o, unsigned kb_base) {
    const std::string v = trim(o.value);
    const auto colon = v.find(':');
    const std::string name = lower(trim(v.substr(0, colon)));
    const std::string rest = colon == std::string::npos ? "" : trim(v.substr(colon + 1));
    j.zones[0].clear();
    j.zones[1].clear();
    if (name == "random") {
        if (!rest.empty()) fail_value(o, "random takes no parameter");
        j.distribution = fio_dist::random;
        return;
    }
    if (name == "zipf" || name == "pareto" || name == "normal") {
        if (rest.find(':') != std::string::npos)
            fail_value(o, fmt::format("{}:VALUE:CENTER: a center is not modelled (the hot blocks are scattered over "
                                      "the region either way); give {}:VALUE",
                                      name, name));
        const double def = name == "zipf" ? 1.1 : name == "pareto" ? 0.2 : 0.0; // fio's defaults
        const double x = rest.empty() ? def : real_of(o, rest);
        if (name == "zipf" && !(x > 0 && x != 1.0))
            fail_value(o, fmt::format("zipf theta must be > 0 and not 1 (as in fio), got {}", rest));
        if (name == "pareto" && !(x > 0 && x < 1))
            fail_value(o, fmt::format("pareto h must be in (0, 1), got {}", rest));
        if (name == "normal" && !(x >= 0 && x < 100))
            fail_value(o, fmt::format("normal deviation must be in [0, 100) percent of the region, got {}", rest));
        j.distribution = name == "zipf" ? fio_dist::zipf : name == "pareto" ? fio_dist::pareto : fio_dist::normal;
        j.dist_param = x;
        return;
    }
    if (name != "zoned" && name != "zoned_abs")
        fail_value(o, fmt::format("expected random, zipf, pareto, normal, zoned or zoned_abs, got '{}'", name));
    const bool abs = name == "zoned_abs";
    if (rest.empty()) fail_value(o, fmt::format("{} needs its zones, such as {}:60/10:30/20:10/70", name, name));
    auto dirs = split(rest, ',');
    if (dirs.size() > 3) fail_value(o, "expected at most read,write,trim zone lists");
    if (dirs.size() == 3 && !trim(dirs[2]).empty()) note(o.line, o.key, "the trim zones are ignored (trim is not modelled)");
    for (std::size_t d = 0; d < 2; ++d) {
        const std::string text = d < dirs.size() ? trim(dirs[d]) : "";
        if (text.empty()) {
            if (d == 1) j.zones[1] = j.zones[0]; // writes as reads, unless given
            else fail_value(o, "the read zones are missing");
            continue;
        }
        unsigned access = 0, size_pc = 0;
        for (const auto& part : split(text, ':')) {
            const auto slash = part.find('/');
            if (slash == std::string::npos)
                fail_value(o, fmt::format("expected ACCESS/{} such as 60/{}, got '{}'", abs ? "SIZE" : "SIZE%",
                                          abs ? "1g" : "10", part));
            raw_option a = o;
            a.value = trim(part.substr(0, slash));
            fio_zone z;
            z.access = static_cast<unsigned>(count_of(a, 0, 100));
            if (abs) {
                z.size = size_of(o, trim(part.substr(slash + 1)), kb_base);
                if (z.size == 0) fail_value(o, "a zone size must be > 0");
            } else {
                raw_option sz = o;
                sz.value = trim(part.substr(slash + 1));
                if (!sz.value.empty() && sz.value.back() == '%') sz.value.pop_back();
                z.size_percent = static_cast<unsigned>(count_of(sz, 1, 100));
                size_pc += z.size_percent;
            }
            access += z.access;
            j.zones[d].push_back(z);
        }
        if (access != 100)
            fail_value(o, fmt::format("the {} zones' access percentages add up to {}, not 100", d ? "write" : "read",
                                      access));
        if (size_pc > 100)
            fail_value(o, fmt::format("the {} zones' sizes add up to {}% of the region (more than 100)",
                                      d ? "write" : "read", size_pc));
    }
    j.distribution = abs ? fio_dist::zoned_abs : fio_dist::zoned;
}

// filename: an illumos name of one of the HBA's disks selects its target:
// /dev/rdsk/c0t<T>d0p0 (or …s2, the whole disk; /dev/dsk/… alike; the
// bare c0t<T>d0 too). ddisim's one HBA is controller c0, each target has one
// logical unit (d0), and the disks have no label, so only the whole-disk
// names. Any other name runs on workload.fio.target's disk with a note: a
// file on a file system is on one disk. Two different /dev/ names that are
// not illumos disk names are an error (they would be two disks on the
// machine the file came from, one here).
void parser::filename(builder& b, const raw_option& o) {
    fio_job& j = b.job;
    const std::string& v = o.value;
    if (v.empty()) fail_value(o, "expected a file or disk name");
    if (v.find(':') != std::string::npos)
        fail_value(o, "several files in one job (fio's ':' list) are not modelled: give each disk a job of its own");
    if (auto d = opts_.devices.find(v); d != opts_.devices.end()) { // workload.fio.devices
        j.target = d->second;
        j.filename_line = o.line;
        j.filename_col = o.value_col;
        return;
    }
    static const std::regex illumos(R"(^(?:/dev/r?dsk/)?c([0-9]+)t([0-9A-Fa-f]+)d([0-9]+)(?:([sp])([0-9]+))?$)");
    std::smatch m;
    if (std::regex_match(v, m, illumos)) {
        const std::string t = m[2].str();
        if (t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos)
            fail_value(o, fmt::format("target '{}': a target named by its SAS address (WWN) is not modelled; name the "
                                      "HBA's target by its index, c0t<N>d0 (platform.hba.targets.N)",
                                      t));
        if (m[1].str() != "0")
            fail_value(o, fmt::format("controller c{}: ddisim's one HBA is controller c0", m[1].str()));
        if (std::stoul(m[3].str()) != 0)
            fail_value(o, fmt::format("LUN d{}: each target has one logical unit, d0", m[3].str()));
        if (m[4].matched && !((m[4].str() == "p" && m[5].str() == "0") || (m[4].str() == "s" && m[5].str() == "2")))
            fail_value(o, fmt::format("{}{}: the disks have no label, slices or partitions in the model; name the whole "
                                      "disk (p0 or s2)",
                                      m[4].str() == "s" ? "slice s" : "partition p", m[5].str()));
        j.target = static_cast<unsigned>(std::stoul(t));
        j.filename_line = o.line;
        j.filename_col = o.value_col;
        return;
    }
    j.target.reset();
    if (v.rfind("/dev/", 0) == 0) {
        if (other_device_.empty()) {
            other_device_ = v;
            other_device_line_ = o.line;
        } else if (v != other_device_) {
            fail_value(o, fmt::format("'{}' and '{}' (line {}) would be two disks, but neither names one of the "
                                      "HBA's: every such job runs on workload.fio.target's disk; name the disks "
                                      "/dev/rdsk/c0t<N>d0p0 (target N of platform.hba.targets), or map the names "
                                      "to targets with workload.fio.devices (e.g. {}=0;{}=1)",
                                      v, other_device_, other_device_line_, other_device_, v));
        }
    }
    note(o.line, "filename",
         fmt::format("'{}' is not one of the HBA's disks (/dev/rdsk/c0t<N>d0p0): the job runs on the disk of "
                     "workload.fio.target (workload.fio.devices maps such names to targets)",
                     v));
}

void parser::apply(builder& b, const raw_option& o) {
    fio_job& j = b.job;
    kb_base_ = b.kb_base;
    const std::string& k = o.key;
    // (write_lat_log & co. may be bare: the job's name is their prefix)
    if (flag_options().count(k) == 0 && o.bare && k != "write_lat_log" && k != "write_bw_log" && k != "write_iops_log")
        fail(o.line, o.key_col, k, "needs a value (key=value)");

    if (auto it = refused_options().find(k); it != refused_options().end()) {
        // A refused flag set to 0 asks for the model's behaviour: accept it.
        if (flag_options().count(k) && !flag_of(o)) {
            note(o.line, k, "accepted: 0 is what the model does");
            return;
        }
        fail(o.line, o.key_col, k, fmt::format("not supported: {}", it->second));
    }
    if (auto it = noted_options().find(k); it != noted_options().end()) {
        note(o.line, k, fmt::format("accepted, no effect: {}", it->second));
        return;
    }

    if (k == "name") {
        if (o.value.empty()) fail_value(o, "expected a job name");
        j.name = o.value;
    } else if (k == "rw") {
        std::string v = lower(o.value), mod;
        if (auto c = v.find(':'); c != std::string::npos) mod = trim(v.substr(c + 1)), v = trim(v.substr(0, c));
        static const std::map<std::string, fio_rw> names = {
            {"read", fio_rw::read}, {"write", fio_rw::write}, {"randread", fio_rw::randread},
            {"randwrite", fio_rw::randwrite}, {"rw", fio_rw::rw}, {"readwrite", fio_rw::rw},
            {"randrw", fio_rw::randrw}};
        if (v == "trim" || v == "randtrim" || v == "trimwrite" || v == "randtrimwrite")
            fail_value(o, fmt::format("rw={} is not supported: trim (UNMAP) is not modelled", v));
        auto it = names.find(v);
        if (it == names.end())
            fail_value(o, fmt::format("expected read, write, randread, randwrite, rw, readwrite or randrw, got '{}'",
                                      o.value));
        j.rw = it->second;
        j.rw_modifier = 0;
        if (!mod.empty()) {
            if (is_random(j.rw)) {
                raw_option m = o;
                m.value = mod;
                j.rw_modifier = count_of(m, 1, 1u << 20);
            } else {
                j.rw_modifier = size_of(o, mod, b.kb_base);
            }
        }
    } else if (k == "bs" || k == "blockalign") {
        auto d = per_direction(o);
        for (int i = 0; i < 2; ++i) {
            if (d[i].empty()) continue;
            std::uint64_t v = size_of(o, d[i], b.kb_base);
            if (v == 0) fail_value(o, "must be > 0");
            if (k == "bs") {
                fio_block_sizes s;
                s.min = s.max = v;
                b.bs[i] = s;
            } else {
                j.blockalign[i] = v;
                b.ba_set[i] = true;
            }
        }
    } else if (k == "bsrange") {
        auto d = per_direction(o);
        for (int i = 0; i < 2; ++i) {
            if (d[i].empty()) continue;
            std::size_t sep = d[i].find_first_of("-:");
            if (sep == std::string::npos)
                fail_value(o, fmt::format("expected MIN-MAX such as 512-64k, got '{}'", d[i]));
            fio_block_sizes s;
            s.min = size_of(o, d[i].substr(0, sep), b.kb_base);
            s.max = size_of(o, d[i].substr(sep + 1), b.kb_base);
            if (s.min == 0 || s.max < s.min)
                fail_value(o, fmt::format("needs 0 < MIN ≤ MAX, got '{}'", d[i]));
            b.range[i] = s;
        }
    } else if (k == "bssplit") {
        auto d = per_direction(o);
        for (int i = 0; i < 2; ++i) {
            if (d[i].empty()) continue;
            fio_block_sizes s;
            std::vector<std::uint64_t> blank; // sizes without a percentage share what is left
            unsigned total = 0;
            for (const auto& part : split(d[i], ':')) {
                auto slash = part.find('/');
                std::uint64_t size = size_of(o, part.substr(0, slash), b.kb_base);
                if (size == 0) fail_value(o, "block sizes must be > 0");
                std::string perc = slash == std::string::npos ? "" : trim(part.substr(slash + 1));
                if (perc.empty()) {
                    blank.push_back(size);
                    continue;
                }
                raw_option p = o;
                p.value = perc;
                unsigned pc = static_cast<unsigned>(count_of(p, 0, 100));
                total += pc;
                s.split.push_back({size, pc});
            }
            if (total > 100) fail_value(o, fmt::format("the percentages add up to {} (more than 100)", total));
            if (!blank.empty()) {
                unsigned left = 100 - total, each = left / static_cast<unsigned>(blank.size());
                for (std::size_t n = 0; n < blank.size(); ++n)
                    s.split.push_back({blank[n], n + 1 == blank.size() ? left - each * (unsigned)(blank.size() - 1) : each});
                total = 100;
            }
            if (total != 100)
                fail_value(o, fmt::format("the percentages add up to {}, not 100", total));
            std::erase_if(s.split, [](const auto& e) { return e.second == 0; });
            s.min = s.max = s.split.front().first;
            for (const auto& e : s.split) s.min = std::min(s.min, e.first), s.max = std::max(s.max, e.first);
            b.split[i] = s;
        }
    } else if (k == "rwmixread" || k == "rwmixwrite") {
        unsigned v = static_cast<unsigned>(count_of(o, 0, 100));
        j.rwmixread = k == "rwmixread" ? v : 100 - v;
        b.rwmix_line = o.line;
        b.rwmix_key = k;
    } else if (k == "iodepth") {
        j.iodepth = static_cast<unsigned>(count_of(o, 1, 65536));
        b.iodepth_line = o.line;
    } else if (k == "fsync" || k == "fdatasync") {
        (k == "fsync" ? j.fsync_blocks : j.fdatasync_blocks) = static_cast<unsigned>(count_of(o, 0, 1u << 30));
        b.fsync_line = o.line;
    } else if (k == "end_fsync") {
        j.end_fsync = flag_of(o);
        b.fsync_line = o.line;
    } else if (k == "fsync_on_close") {
        j.fsync_on_close = flag_of(o);
        b.fsync_line = o.line;
    } else if (k == "iodepth_low") {
        j.iodepth_low = static_cast<unsigned>(count_of(o, 0, 65536));
        b.iodepth_low_line = o.line;
    } else if (k == "iodepth_batch_complete_min") {
        j.batch_complete_min = static_cast<unsigned>(count_of(o, 0, 65536));
        b.batch_min_line = o.line;
    } else if (k == "numjobs") {
        b.numjobs = static_cast<unsigned>(count_of(o, 1, 4096));
    } else if (k == "size" || k == "offset") {
        bool pc = !o.value.empty() && trim(o.value).back() == '%';
        std::uint64_t v = pc ? percent_of(o, o.value) : size_of(o, o.value, b.kb_base);
        if (k == "size") {
            if (pc && v == 0) fail_value(o, "must be > 0%");
            j.size = pc ? 0 : v;
            j.size_percent = pc ? static_cast<unsigned>(v) : 0;
        } else {
            j.offset = pc ? 0 : v;
            j.offset_percent = pc ? static_cast<unsigned>(v) : 0;
        }
    } else if (k == "offset_increment") {
        j.offset_increment = size_of(o, o.value, b.kb_base);
    } else if (k == "io_size") {
        j.io_size = size_of(o, o.value, b.kb_base);
    } else if (k == "number_ios") {
        j.number_ios = count_of(o, 0, std::numeric_limits<std::uint64_t>::max());
    } else if (k == "loops") {
        j.loops = static_cast<unsigned>(count_of(o, 1, 1u << 20));
    } else if (k == "runtime") {
        j.runtime = time_of(o, ps_per_s);
    } else if (k == "time_based") {
        j.time_based = flag_of(o);
        b.time_based_line = o.line;
    } else if (k == "ramp_time") {
        j.ramp_time = time_of(o, ps_per_s);
    } else if (k == "startdelay") {
        if (o.value.find_first_of("-:") != std::string::npos)
            fail_value(o, "a startdelay range is not supported; give one time");
        j.startdelay = time_of(o, ps_per_s);
    } else if (k == "rate" || k == "rate_iops") {
        auto d = per_direction(o);
        for (int i = 0; i < 2; ++i) {
            if (d[i].empty()) continue;
            raw_option one = o;
            one.value = d[i];
            (k == "rate" ? j.rate : j.rate_iops)[i] =
                k == "rate" ? size_of(one, d[i], b.kb_base) : count_of(one, 0, 1'000'000'000'000ull);
        }
        (k == "rate" ? b.rate_line : b.rate_iops_line) = o.line;
        b.rate_split = b.rate_split || o.value.find(',') != std::string::npos;
    } else if (k == "rate_min" || k == "rate_iops_min") {
        auto d = per_direction(o);
        for (int i = 0; i < 2; ++i) {
            if (d[i].empty()) continue;
            raw_option one = o;
            one.value = d[i];
            (k == "rate_min" ? j.rate_min : j.rate_iops_min)[i] =
                k == "rate_min" ? size_of(one, d[i], b.kb_base) : count_of(one, 0, 1'000'000'000'000ull);
        }
        b.rate_min_line = o.line;
        b.rate_min_split = b.rate_min_split || o.value.find(',') != std::string::npos;
    } else if (k == "rate_cycle") {
        j.rate_cycle = count_of(o, 1, 1'000'000'000ull) * 1'000'000'000ull; // ms
    } else if (k == "rate_process") {
        const std::string v = lower(o.value);
        if (v != "linear" && v != "poisson") fail_value(o, fmt::format("expected linear or poisson, got '{}'", o.value));
        j.rate_poisson = v == "poisson";
    } else if (k == "thinktime") {
        j.thinktime = time_of(o, ps_per_us);
    } else if (k == "thinktime_blocks") {
        j.thinktime_blocks = static_cast<unsigned>(count_of(o, 1, 1u << 20));
    } else if (k == "randrepeat") {
        j.randrepeat = flag_of(o);
    } else if (k == "randseed") {
        j.randseed = count_of(o, 0, std::numeric_limits<std::uint64_t>::max());
    } else if (k == "norandommap") {
        j.norandommap = flag_of(o);
    } else if (k == "verify") {
        std::string v = lower(o.value);
        if (v == "0" || v == "none" || v == "null" || v.empty()) {
            j.verify.clear();
        } else if (v == "crc32c" || v == "crc32c-intel") {
            j.verify = "crc32c";
            if (v != "crc32c") note(o.line, k, "crc32c-intel is computed as crc32c");
        } else if (v == "pattern") {
            j.verify = "pattern";
        } else {
            static const std::set<std::string> known = {"md5", "crc64", "crc32", "crc16", "crc7", "sha1",
                                                        "sha256", "sha512", "sha3-224", "sha3-256", "sha3-384",
                                                        "sha3-512", "xxhash", "meta"};
            if (known.count(v))
                fail_value(o, fmt::format("verify={} is not supported: only verify=crc32c and verify=pattern are "
                                          "modelled",
                                          v));
            fail_value(o, fmt::format("expected crc32c, pattern (or 0 for none), got '{}'", o.value));
        }
        b.verify_line = o.line;
    } else if (k == "write_lat_log" || k == "write_bw_log" || k == "write_iops_log") {
        // the prefix of the log files' names; bare: the job's name (as fio)
        std::string& prefix = k == "write_lat_log" ? j.lat_log : k == "write_bw_log" ? j.bw_log : j.iops_log;
        const bool bare = o.bare || o.value.empty();
        prefix = bare ? "-" : o.value; // "-": the job's name, known at the end (name= may follow)
        (k == "write_lat_log" ? b.lat_bare : k == "write_bw_log" ? b.bw_bare : b.iops_bare) = bare;
        if (prefix.find('/') != std::string::npos)
            fail_value(o, "a name prefix without '/': the logs are written into the run's output directory");
    } else if (k == "log_avg_msec") {
        j.log_avg_ps = count_of(o, 0, 1ull << 32) * 1000000000ull;
    } else if (k == "log_offset") {
        j.log_offset = flag_of(o);
    } else if (k == "per_job_logs") {
        j.per_job_logs = flag_of(o);
    } else if (k == "verify_pattern" || k == "buffer_pattern") {
        const bool verify_p = k == "verify_pattern";
        try {
            (verify_p ? j.verify_pattern : j.buffer_pattern) = parse_fio_pattern(o.value, verify_p);
        } catch (const fio_pattern_error& e) {
            fail(o.line, o.value_col + static_cast<int>(e.pos), k, e.what());
        }
        (verify_p ? b.verify_pattern_line : b.buffer_pattern_line) = o.line;
    } else if (k == "do_verify") {
        j.do_verify = flag_of(o);
    } else if (k == "verify_fatal") {
        j.verify_fatal = flag_of(o);
    } else if (k == "continue_on_error") {
        const std::string v = lower(o.value);
        if (v == "none" || v == "0") {
            j.continue_read = j.continue_write = j.continue_verify = false;
        } else if (v == "read" || v == "write" || v == "io" || v == "all" || v == "1") {
            j.continue_read = v != "write";
            j.continue_write = v != "read";
            j.continue_verify = v == "all" || v == "1";
        } else if (v == "verify") {
            j.continue_read = j.continue_write = false;
            j.continue_verify = true;
        } else {
            fail_value(o, fmt::format("expected none, read, write, io, verify, all, 0 or 1, got '{}'", o.value));
        }
    } else if (k == "percentage_random") {
        auto d = per_direction(o);
        for (int i = 0; i < 2; ++i) {
            if (d[i].empty()) continue;
            raw_option one = o;
            one.value = trim(d[i]);
            if (!one.value.empty() && one.value.back() == '%') one.value.pop_back();
            j.percentage_random[i] = static_cast<unsigned>(count_of(one, 0, 100));
        }
        b.perc_rand_line = o.line;
    } else if (k == "random_distribution") {
        random_distribution(j, o, b.kb_base);
        b.dist_line = o.line;
    } else if (k == "wait_for") {
        if (o.value.empty()) fail_value(o, "expected the name of a job defined before this one");
        j.wait_for = o.value;
        b.wait_for_line = o.line;
        b.wait_for_col = o.value_col;
    } else if (k == "filename") {
        filename(b, o);
    } else if (k == "stonewall") {
        b.stonewall = flag_of(o);
    } else if (k == "new_group") {
        b.new_group = flag_of(o);
    } else if (k == "exitall") {
        b.exitall = flag_of(o);
        b.exitall_line = o.line;
    } else if (k == "exitall_on_error") {
        j.exitall_on_error = flag_of(o);
    } else if (k == "exit_what") {
        const std::string v = lower(o.value);
        if (v == "group") j.exit_what = fio_job::exit_scope::group;
        else if (v == "stonewall") j.exit_what = fio_job::exit_scope::stonewall;
        else if (v == "all") j.exit_what = fio_job::exit_scope::all;
        else fail_value(o, fmt::format("expected group, stonewall or all, got '{}'", o.value));
    } else if (k == "kb_base") {
        std::uint64_t v = count_of(o, 1000, 1024);
        if (v != 1000 && v != 1024) fail_value(o, fmt::format("must be 1000 or 1024, got {}", v));
        b.kb_base = static_cast<unsigned>(v);
    } else if (k == "ioengine") {
        std::string v = lower(o.value);
        if (!sync_engines().count(v) && !async_engines().count(v))
            fail_value(o, fmt::format("ioengine={} is not modelled: use a synchronous engine (sync, psync, "
                                      "pvsync …) or an asynchronous one (libaio, io_uring, posixaio)",
                                      o.value));
        j.ioengine = v;
        note(o.line, k,
             fmt::format("accepted: I/Os go through the simulated sd driver{}",
                         sync_engines().count(v) ? " one at a time (a synchronous engine: iodepth is 1, as in fio)"
                                                 : ", up to iodepth at once"));
    } else if (k == "iomem_align") {
        j.iomem_align = size_of(o, o.value, b.kb_base);
    } else if (k == "percentile_list") {
        std::vector<double> ps;
        for (const auto& p : split(o.value, ':')) {
            double x = 0;
            try {
                x = tlm::parse_real(p);
            } catch (const std::invalid_argument&) {
                fail_value(o, fmt::format("expected percentiles such as 50:99:99.9, got '{}'", o.value));
            }
            if (!(x > 0 && x <= 100)) fail_value(o, fmt::format("percentiles must be in (0, 100], got {}", p));
            ps.push_back(x);
        }
        if (ps.size() > 20) fail_value(o, "at most 20 percentiles");
        j.percentile_list = ps;
    } else {
        std::vector<std::string> all = supported_options();
        for (const auto& [n, _] : noted_options()) all.push_back(n);
        for (const auto& [n, _] : refused_options()) all.push_back(n);
        for (const auto& [n, _] : aliases()) all.push_back(n);
        std::string near = tlm::closest_match(k, all);
        fail(o.line, o.key_col, k,
             near.empty() ? std::string("unknown option") : fmt::format("unknown option (did you mean '{}'?)", near));
    }
}

void parser::finish(builder& b, const std::vector<raw_option>& opts) {
    fio_job& j = b.job;
    const char* dir_names[2] = {"read", "write"};
    for (int i = 0; i < 2; ++i) {
        if (b.split[i]) j.bs[i] = *b.split[i];
        else if (b.range[i]) j.bs[i] = *b.range[i];
        else if (b.bs[i]) j.bs[i] = *b.bs[i];
        if (!b.ba_set[i]) j.blockalign[i] = j.bs[i].min;
        (void)dir_names;
    }
    if (j.synchronous() && j.iodepth > 1) {
        note(b.iodepth_line, "iodepth",
             fmt::format("iodepth={} has no effect with the synchronous ioengine={} (as in fio): depth 1", j.iodepth,
                         j.ioengine));
        j.iodepth = 1;
    }
    // as fio: iodepth_low unset or above iodepth is iodepth; a batch above
    // the depth waits for every I/O in flight
    if (j.iodepth_low > j.iodepth)
        note(b.iodepth_low_line, "iodepth_low",
             fmt::format("{} is above iodepth={}: iodepth is used (as fio)", j.iodepth_low, j.iodepth));
    if (j.iodepth_low == 0 || j.iodepth_low > j.iodepth) j.iodepth_low = j.iodepth;
    if (j.batch_complete_min > j.iodepth)
        note(b.batch_min_line, "iodepth_batch_complete_min",
             fmt::format("{} is above iodepth={}: a wait reaps once every I/O in flight is done", j.batch_complete_min,
                         j.iodepth));
    if (j.syncs() && !j.writes())
        note(b.fsync_line, "fsync", fmt::format("no effect: rw={} never writes", to_string(j.rw)));
    {
        std::string own = j.name; // a job's name as a file name prefix
        std::replace(own.begin(), own.end(), '/', '_');
        if (b.lat_bare) j.lat_log = own;
        if (b.bw_bare) j.bw_log = own;
        if (b.iops_bare) j.iops_log = own;
    }
    // verify_pattern without verify: verify=pattern (as fio); verify=0 given:
    // the pattern is not used (fio fills write buffers for verify only).
    if (!j.verify_pattern.empty() && !b.verify_line) {
        j.verify = "pattern";
        b.verify_line = b.verify_pattern_line;
    } else if (!j.verify_pattern.empty() && j.verify.empty()) {
        note(b.verify_pattern_line, "verify_pattern", "no effect: verify=0 (writes carry the pattern only to verify it)");
    }
    if (j.verify == "pattern" && j.verify_pattern.empty())
        fail(b.verify_line, 1, "verify", "verify=pattern needs verify_pattern (the bytes to write and check)");
    if (!j.buffer_pattern.empty() && !j.verify.empty())
        note(b.buffer_pattern_line, "buffer_pattern",
             fmt::format("no effect with verify={}: writes carry {}, as in fio", j.verify,
                         j.verify_pattern.empty() ? "the verify fill" : "verify_pattern"));
    else if (!j.buffer_pattern.empty() && !j.writes())
        note(b.buffer_pattern_line, "buffer_pattern", fmt::format("no effect: rw={} never writes", to_string(j.rw)));
    if (!j.verify.empty() && !j.writes())
        fail(b.verify_line, 1, b.verify_line == b.verify_pattern_line ? "verify_pattern" : "verify",
             fmt::format("rw={} never writes: verify checks data the job itself wrote (the model keeps no data "
                         "from earlier runs)",
                         to_string(j.rw)));
    for (int i = 0; i < 2; ++i) {
        if (j.rate[i] && j.rate_iops[i])
            fail(std::max(b.rate_line, b.rate_iops_line), 1, b.rate_line > b.rate_iops_line ? "rate" : "rate_iops",
                 fmt::format("rate and rate_iops both limit {}: give one", i ? "writes" : "reads"));
        if (b.rate_split && (j.rate[i] || j.rate_iops[i]) && !(i ? j.writes() : j.reads()))
            note(j.rate[i] ? b.rate_line : b.rate_iops_line, j.rate[i] ? "rate" : "rate_iops",
                 fmt::format("no effect on {}: rw={} does not {}", i ? "writes" : "reads", to_string(j.rw),
                             i ? "write" : "read"));
        if (b.rate_min_split && (j.rate_min[i] || j.rate_iops_min[i]) && !(i ? j.writes() : j.reads()))
            note(b.rate_min_line, j.rate_min[i] ? "rate_min" : "rate_iops_min",
                 fmt::format("no effect on {}: rw={} does not {}", i ? "writes" : "reads", to_string(j.rw),
                             i ? "write" : "read"));
    }
    if (j.min_rated() && (j.runtime ? j.runtime : ~0ull) <= 2'000'000'000'000ull)
        note(b.rate_min_line, "rate_min",
             "checked only after the job's first 2 s (fio's settle period): runtime ends the job before then");
    if (j.time_based && j.runtime == 0)
        fail(b.time_based_line, 1, "time_based", "needs runtime (how long to run)");
    if (!j.verify.empty() && b.numjobs > 1 && (j.size == 0 || j.offset_increment < j.size))
        note(b.verify_line, "verify",
             fmt::format("numjobs={} clones write overlapping regions (offset_increment {} B < size): a block one "
                         "clone wrote and another overwrote fails the first one's verify, as in fio; set "
                         "offset_increment to at least size to give each clone its own region",
                         b.numjobs, j.offset_increment));
    if (b.rwmix_line && j.rw != fio_rw::rw && j.rw != fio_rw::randrw)
        note(b.rwmix_line, b.rwmix_key, fmt::format("no effect with rw={} (only rw and randrw mix)", to_string(j.rw)));
    if (j.distribution != fio_dist::random) {
        if (!is_random(j.rw))
            note(b.dist_line, "random_distribution",
                 fmt::format("no effect with rw={} (only random I/O draws offsets)", to_string(j.rw)));
        else
            j.norandommap = true; // as fio: a non-uniform distribution has no random map
    }
    if (b.perc_rand_line) {
        if (!is_random(j.rw))
            note(b.perc_rand_line, "percentage_random",
                 fmt::format("no effect with rw={} (a sequential job)", to_string(j.rw)));
        else if ((j.percentage_random[0] < 100 || j.percentage_random[1] < 100) && !j.norandommap) {
            j.norandommap = true;
            note(b.perc_rand_line, "percentage_random",
                 "below 100 there is no random map: random offsets may repeat within a pass, and the sequential "
                 "runs may cover blocks the random ones also take (fio's map would skip those)");
        }
    }
    bool offsets_repeat = is_random(j.rw) && j.norandommap;
    if (is_random(j.rw) && !j.norandommap) {
        bool one_size = true;
        std::uint64_t unit = 0;
        for (int i = 0; i < 2; ++i) {
            if (i == 0 ? !j.reads() : !j.writes()) continue;
            if (!j.bs[i].fixed() || j.blockalign[i] != j.bs[i].min || (unit && unit != j.bs[i].min)) one_size = false;
            unit = j.bs[i].min;
        }
        if (!one_size) {
            offsets_repeat = true;
            note(j.line, "norandommap",
                 "the random map needs one fixed block size (and blockalign equal to it): random offsets may repeat "
                 "within a pass, as with norandommap");
        }
    }
    if (!j.verify.empty() && offsets_repeat && j.iodepth > 1)
        note(b.verify_line, "verify",
             fmt::format("random writes whose offsets may repeat, at iodepth={}: two writes to one block can be in "
                         "flight at once and reach the disk in either order (a retried command lets the later "
                         "pass), so verify may fail, as fio warns for norandommap; use iodepth=1 or one fixed block "
                         "size without norandommap",
                         j.iodepth));
    (void)opts;
}

fio_job_file parser::run(const std::string& text) {
    out_.file = file_;
    std::vector<raw_option> global;
    struct section {
        std::string name;
        int line = 0;
        std::vector<raw_option> global_before, own;
    };
    std::vector<section> jobs;
    enum { none, in_global, in_job } where = none;
    std::set<std::string> names;

    std::istringstream in(text);
    std::string raw;
    int line = 0;
    while (std::getline(in, raw)) {
        ++line;
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        std::size_t lead = 0;
        while (lead < raw.size() && std::isspace(static_cast<unsigned char>(raw[lead]))) ++lead;
        std::string s = trim(raw);
        if (s.empty() || s[0] == ';' || s[0] == '#') continue;
        int col = static_cast<int>(lead) + 1;
        if (s[0] == '[') {
            if (s.back() != ']') fail(line, col, "", "a section header needs a closing ']'");
            std::string name = trim(s.substr(1, s.size() - 2));
            if (name.empty()) fail(line, col, "", "empty section name");
            if (name == "global") {
                where = in_global;
            } else {
                if (!names.insert(name).second)
                    fail(line, col, "", fmt::format("a job named '{}' was already defined", name));
                where = in_job;
                jobs.push_back({name, line, global, {}});
            }
            continue;
        }
        if (lower(s.substr(0, 8)) == "include ")
            fail(line, col, "include", "not supported: put everything in one job file");
        if (where == none) fail(line, col, "", "an option before the first [section]; start with [global] or [job]");
        raw_option o;
        o.line = line;
        o.key_col = col;
        std::size_t eq = s.find('=');
        o.key = lower(trim(s.substr(0, eq)));
        if (o.key.empty()) fail(line, col, "", "an option without a name");
        if (eq == std::string::npos) {
            o.bare = true;
            o.value = "1";
            o.value_col = col;
        } else {
            std::size_t vstart = eq + 1;
            while (vstart < s.size() && std::isspace(static_cast<unsigned char>(s[vstart]))) ++vstart;
            o.value_col = col + static_cast<int>(vstart);
            o.value = expand(trim(s.substr(eq + 1)), line, o.value_col, o.key);
        }
        if (auto a = aliases().find(o.key); a != aliases().end()) o.key = a->second;
        if (where == in_global) {
            if (o.key == "name") {
                note(line, "name", "a name in [global] has no effect: job names come from their sections");
                continue;
            }
            global.push_back(o);
            out_.global_options.push_back({o.key, o.value});
        } else {
            jobs.back().own.push_back(o);
        }
    }
    // Options only in [global], with no job after them, are still checked.
    if (jobs.empty()) {
        builder b;
        for (const auto& o : global) apply(b, o);
        fail(0, 0, "", "no job sections: add a [job] section after [global]");
    }
    unsigned ordinal = 0, group = 0, barrier = 0, group_jobs = 0;
    bool exitall_somewhere = false, exitall_everywhere = true;
    int exitall_line = 0;
    for (const auto& sec : jobs) {
        builder b;
        b.job.name = sec.name;
        b.job.line = sec.line;
        std::vector<raw_option> all = sec.global_before;
        all.insert(all.end(), sec.own.begin(), sec.own.end());
        for (const auto& o : all) apply(b, o);
        finish(b, all);
        for (const auto& o : sec.own) b.job.options.push_back({o.key, o.value});
        // fio's numbering: a stonewall or new_group after other jobs starts
        // the next group; a stonewall also the next barrier. Clones share
        // their job's (fio clears both options on them).
        if ((b.stonewall || b.new_group) && group_jobs) {
            ++group;
            group_jobs = 0;
        }
        if (b.stonewall && ordinal) ++barrier;
        // wait_for names a job defined before this one (no forward references, as fio)
        if (!b.job.wait_for.empty()) {
            bool known = false;
            for (const auto& prior : out_.jobs) known = known || prior.name == b.job.wait_for;
            if (!known)
                fail(b.wait_for_line, b.wait_for_col, "wait_for",
                     fmt::format("no job '{}' before this one (wait_for names an earlier job)", b.job.wait_for));
        }
        b.job.group = group;
        b.job.barrier = barrier;
        group_jobs += b.numjobs;
        if (b.exitall) {
            exitall_somewhere = true;
            if (!exitall_line) exitall_line = b.exitall_line;
        } else {
            exitall_everywhere = false;
        }
        for (unsigned c = 0; c < b.numjobs; ++c) {
            fio_job j = b.job;
            j.clone = c;
            j.ordinal = ordinal++;
            out_.jobs.push_back(std::move(j));
        }
    }
    out_.exitall = exitall_somewhere;
    if (exitall_somewhere && !exitall_everywhere)
        note(exitall_line, "exitall",
             "applies to every job, as in fio: the end of any job terminates the jobs its exit_what names (its group "
             "by default)");
    return std::move(out_);
}

} // namespace

fio_option_tables fio_options() {
    return {supported_options(), noted_options(), refused_options(), aliases()};
}

fio_job_file parse_fio_text(const std::string& text, const std::string& display_name, const fio_parse_options& opts) {
    return parser(display_name, opts).run(text);
}

fio_job_file load_fio_file(const std::string& path, fio_parse_options opts) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw fio_error(path, 0, 0, "", "cannot open the job file");
    std::ostringstream s;
    s << in.rdbuf();
    return parse_fio_text(s.str(), path, opts);
}

// ---------------------------------------------------------------- stream

fio_stream::rng::rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& w : s) w = splitmix64(x);
}

std::uint64_t fio_stream::rng::next() {
    auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
    const std::uint64_t r = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

std::uint64_t fio_stream::rng::below(std::uint64_t n) {
    // Lemire's multiply-and-reject: exactly uniform.
    if (n <= 1) return 0;
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t t = (0 - n) % n;
        while (low < t) {
            m = static_cast<unsigned __int128>(next()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

namespace {
std::uint64_t job_seed(const fio_job& j, std::uint64_t run_seed, std::uint64_t stream) {
    std::uint64_t base = j.randrepeat ? j.randseed : mix(j.randseed, run_seed, 0x72756e);
    return mix(base, j.ordinal, stream);
}
} // namespace

namespace {
// Cycle-walking Feistel permutation of [0, 2^bits) restricted to [0, n)
// (bits even, 2^bits ≥ n), keyed by key and tweak.
std::uint64_t feistel_permute(std::uint64_t i, std::uint64_t n, unsigned bits, std::uint64_t key, std::uint64_t tweak) {
    const unsigned half = bits / 2;
    const std::uint64_t mask = (1ull << half) - 1;
    std::uint64_t x = i;
    do {
        std::uint64_t l = x >> half, r = x & mask;
        for (std::uint64_t round = 0; round < 4; ++round) {
            std::uint64_t nl = r;
            r = l ^ (mix(key, tweak * 4 + round, r) & mask);
            l = nl;
        }
        x = (l << half) | r;
    } while (x >= n);
    return x;
}

unsigned permutation_bits(std::uint64_t n) {
    unsigned bits = 2;
    while (bits < 64 && (1ull << bits) < n) bits += 2;
    return bits;
}

// Zipf by rejection-inversion (Hörmann and Derflinger, "Rejection-inversion
// to generate variates from monotone discrete distributions", 1996): exact
// P(k) ∝ k^-theta on 1 … n in O(1) per draw, without fio's truncated zeta
// sum. H is an antiderivative of h(x) = x^-theta, written with expm1/log1p
// so that theta near 1 keeps its precision.
double zipf_H(double x, double theta) {
    const double lx = std::log(x), t = (1.0 - theta) * lx;
    return (std::abs(t) > 1e-8 ? std::expm1(t) / t : 1.0 + t / 2) * lx;
}
double zipf_H_inv(double y, double theta) {
    const double t = (1.0 - theta) * y;
    return std::exp((std::abs(t) > 1e-8 ? std::log1p(t) / t : 1.0 - t / 2) * y);
}
double zipf_h(double x, double theta) { return std::exp(-theta * std::log(x)); }
} // namespace

fio_stream::fio_stream(const fio_job& job, std::uint64_t run_seed, std::uint64_t capacity, std::uint64_t sector,
                       const std::string& file)
    : job_(job), dir_rng_(job_seed(job, run_seed, 1)), bs_rng_(job_seed(job, run_seed, 2)),
      off_rng_(job_seed(job, run_seed, 3)), seq_rng_(job_seed(job, run_seed, 6)) {
    auto fail = [&](const std::string& msg) {
        throw fio_error(file, job.line, 1, "", fmt::format("job '{}'{}: {}", job.name,
                                                           job.clone ? fmt::format(" (clone {})", job.clone) : "",
                                                           msg));
    };
    if (sector == 0) sector = 1;
    unsigned __int128 off = job.offset_percent
                                ? static_cast<unsigned __int128>(capacity) * job.offset_percent / 100 / sector * sector
                                : job.offset;
    off += static_cast<unsigned __int128>(job.clone) * job.offset_increment;
    if (off >= capacity)
        fail(fmt::format("offset {} is at or beyond the end of the disk ({} bytes)", static_cast<std::uint64_t>(off),
                         capacity));
    start_ = static_cast<std::uint64_t>(off);
    std::uint64_t size = job.size_percent ? static_cast<std::uint64_t>(static_cast<unsigned __int128>(capacity) *
                                                                       job.size_percent / 100 / sector * sector)
                                          : job.size;
    if (size == 0) size = capacity - start_;
    if (size > capacity - start_)
        fail(fmt::format("the region [{}, {}) ends beyond the disk ({} bytes); lower size or offset", start_,
                         static_cast<std::uint64_t>(static_cast<unsigned __int128>(start_) + size), capacity));
    end_ = start_ + size;
    if (start_ % sector) fail(fmt::format("offset {} is not a multiple of the {}-byte sector", start_, sector));
    for (int d = 0; d < 2; ++d) {
        if (d == 0 ? !job.reads() : !job.writes()) continue;
        const char* dn = d ? "write" : "read";
        const auto& b = job.bs[d];
        std::vector<std::uint64_t> sizes = {b.min, b.max};
        for (const auto& e : b.split) sizes.push_back(e.first);
        for (auto s : sizes) {
            if (s % sector) fail(fmt::format("{} block size {} is not a multiple of the {}-byte sector", dn, s, sector));
            if (s > size) fail(fmt::format("{} block size {} is larger than the region ({} bytes)", dn, s, size));
        }
        if (job.blockalign[d] % sector)
            fail(fmt::format("{} blockalign {} is not a multiple of the {}-byte sector", dn, job.blockalign[d], sector));
        std::uint64_t ba = job.blockalign[d] ? job.blockalign[d] : b.min;
        std::uint64_t first = (start_ + ba - 1) / ba * ba;
        if (is_random(job.rw) && (first >= end_ || end_ - first < b.max))
            fail(fmt::format("no {}-aligned place for a {}-byte {} in the region [{}, {})", ba, b.max, dn, start_,
                             end_));
        seq_pos_[d] = start_;
    }
    const unsigned __int128 budget = static_cast<unsigned __int128>(job.io_size ? job.io_size : size) * job.loops;
    budget_ = job.time_based ? 0
                             : static_cast<std::uint64_t>(std::min<unsigned __int128>(
                                   budget, std::numeric_limits<std::uint64_t>::max()));

    // Random map: one fixed block size for every active direction, aligned to itself.
    if (is_random(job.rw) && !job.norandommap) {
        bool ok = true;
        std::uint64_t unit = 0;
        for (int d = 0; d < 2; ++d) {
            if (d == 0 ? !job.reads() : !job.writes()) continue;
            const auto& b = job.bs[d];
            if (!b.fixed() || job.blockalign[d] != b.min || (unit && unit != b.min)) ok = false;
            unit = b.min;
        }
        if (ok && job.rw_modifier <= 1) {
            map_unit_ = unit;
            map_base_ = (start_ + unit - 1) / unit * unit;
            map_blocks_ = (end_ - map_base_) / unit;
            map_bits_ = 2;
            while ((1ull << map_bits_) < map_blocks_) map_bits_ += 2;
            map_key_ = mix(job_seed(job, run_seed, 4), 0);
            use_map_[0] = use_map_[1] = true;
        }
    }

    // random_distribution: ranks over the units where the smallest block
    // fits, scattered by a permutation fixed for the job; or the zones.
    if (is_random(job.rw) && job.distribution != fio_dist::random) {
        for (int d = 0; d < 2; ++d) {
            if (d == 0 ? !job.reads() : !job.writes()) continue;
            dist_state& ds = dist_[d];
            ds.unit = job.blockalign[d] ? job.blockalign[d] : job.bs[d].min;
            ds.first = (start_ + ds.unit - 1) / ds.unit * ds.unit;
            ds.n = (end_ - job.bs[d].min - ds.first) / ds.unit + 1;
            ds.bits = permutation_bits(ds.n);
            ds.key = mix(job_seed(job, run_seed, 5), static_cast<std::uint64_t>(d));
            if (job.distribution == fio_dist::zipf) {
                const double theta = job.dist_param, n = static_cast<double>(ds.n);
                ds.zipf_hx1 = zipf_H(1.5, theta) - 1.0;
                ds.zipf_hn = zipf_H(n + 0.5, theta);
                ds.zipf_s = 2.0 - zipf_H_inv(zipf_H(2.5, theta) - zipf_h(2.0, theta), theta);
            }
            if (job.distribution == fio_dist::zoned || job.distribution == fio_dist::zoned_abs) {
                std::uint64_t at = start_;
                unsigned acc = 0, pct = 0;
                for (std::size_t z = 0; z < job.zones[d].size(); ++z) {
                    const fio_zone& zn = job.zones[d][z];
                    std::uint64_t e;
                    if (job.distribution == fio_dist::zoned) {
                        pct += zn.size_percent;
                        e = start_ + static_cast<std::uint64_t>(static_cast<unsigned __int128>(size) * pct / 100);
                    } else {
                        if (zn.size > end_ - at)
                            fail(fmt::format("random_distribution: {} zone {} ({} bytes from {}) ends beyond the region "
                                             "[{}, {})",
                                             d ? "write" : "read", z + 1, zn.size, at, start_, end_));
                        e = at + zn.size;
                    }
                    const std::uint64_t first = (at + ds.unit - 1) / ds.unit * ds.unit;
                    if (zn.access && (first >= e || e - first < job.bs[d].max))
                        fail(fmt::format("random_distribution: {} zone {} [{}, {}) has no {}-aligned place for a "
                                         "{}-byte block",
                                         d ? "write" : "read", z + 1, at, e, ds.unit, job.bs[d].max));
                    acc += zn.access;
                    ds.zones.push_back({at, e});
                    ds.cum_access.push_back(acc);
                    at = e;
                }
            }
        }
    }
}

std::uint64_t fio_stream::permuted(std::uint64_t i) const {
    return feistel_permute(i, map_blocks_, static_cast<unsigned>(map_bits_), map_key_, map_pass_);
}

// A random offset of a job with a random_distribution (fio_dist).
std::uint64_t fio_stream::distributed_offset(int d, std::uint64_t len) {
    const dist_state& ds = dist_[d];
    auto uniform = [this] { return static_cast<double>(off_rng_.next() >> 11) * 0x1p-53; }; // [0, 1)
    auto place = [&](std::uint64_t lo, std::uint64_t hi) { // uniform aligned start in [lo, hi) where len fits
        const std::uint64_t first = (lo + ds.unit - 1) / ds.unit * ds.unit;
        return first + off_rng_.below((hi - len - first) / ds.unit + 1) * ds.unit;
    };
    if (job_.distribution == fio_dist::zoned || job_.distribution == fio_dist::zoned_abs) {
        const std::uint64_t r = off_rng_.below(100);
        std::size_t z = 0;
        while (ds.cum_access[z] <= r) ++z;
        return place(ds.zones[z].first, ds.zones[z].second);
    }
    std::uint64_t rank = 0; // 0 = the hottest
    const double n = static_cast<double>(ds.n);
    if (job_.distribution == fio_dist::zipf) {
        const double theta = job_.dist_param;
        for (;;) {
            const double u = ds.zipf_hn + uniform() * (ds.zipf_hx1 - ds.zipf_hn);
            const double x = zipf_H_inv(u, theta);
            const double k = std::clamp(std::floor(x + 0.5), 1.0, n);
            if (k - x <= ds.zipf_s || u >= zipf_H(k + 0.5, theta) - zipf_h(k, theta)) {
                rank = static_cast<std::uint64_t>(k) - 1;
                break;
            }
        }
    } else if (job_.distribution == fio_dist::pareto) {
        // the hottest share h of the ranks gets 1 - h of the draws (80/20 at h = 0.2), self-similarly
        const double h = job_.dist_param;
        rank = static_cast<std::uint64_t>((n - 1) * std::pow(uniform(), std::log(h) / std::log(1 - h)));
    } else { // normal, as fio builds it: the mean of 12 uniform ranks, plus a uniform spread of dev % of the region
        double sum = 0;
        for (int i = 0; i < 12; ++i) sum += uniform() * n;
        const auto mean = static_cast<std::int64_t>(sum / 12);
        const auto spread = static_cast<std::int64_t>(std::min(std::ceil(n * job_.dist_param / 100), std::floor(n / 2)));
        std::int64_t dev = spread ? static_cast<std::int64_t>(uniform() * static_cast<double>(spread)) - spread / 2 : 0;
        while (mean + dev < 0 || mean + dev >= static_cast<std::int64_t>(ds.n)) dev /= 2;
        rank = static_cast<std::uint64_t>(mean + dev);
    }
    rank = std::min(rank, ds.n - 1);
    // scattered over the region; a longer block than the smallest that would
    // run past the region's end takes the unit its position wraps to
    std::uint64_t unit = feistel_permute(rank, ds.n, ds.bits, ds.key, 0);
    const std::uint64_t slots = (end_ - len - ds.first) / ds.unit + 1;
    if (unit >= slots) unit %= slots;
    return ds.first + unit * ds.unit;
}

std::uint64_t fio_stream::pick_bs(int d, std::uint64_t limit) {
    const auto& b = job_.bs[d];
    std::uint64_t len;
    if (!b.split.empty()) {
        std::uint64_t r = bs_rng_.below(100), acc = 0;
        len = b.split.back().first;
        for (const auto& e : b.split) {
            acc += e.second;
            if (r < acc) {
                len = e.first;
                break;
            }
        }
        if (len > limit) {
            std::uint64_t best = 0;
            for (const auto& e : b.split)
                if (e.first <= limit) best = std::max(best, e.first);
            len = best;
        }
    } else if (b.min == b.max) {
        len = b.min;
        if (len > limit) len = 0;
    } else {
        len = (1 + bs_rng_.below(b.max / b.min)) * b.min;
        if (len > limit) len = limit / b.min * b.min;
    }
    return len;
}

std::uint64_t fio_stream::pick_random_offset(int d, std::uint64_t len) {
    if (job_.distribution != fio_dist::random) return distributed_offset(d, len);
    if (use_map_[d]) {
        if (map_pos_ == map_blocks_) map_pos_ = 0, ++map_pass_;
        return map_base_ + permuted(map_pos_++) * map_unit_;
    }
    std::uint64_t ba = job_.blockalign[d] ? job_.blockalign[d] : job_.bs[d].min;
    std::uint64_t first = (start_ + ba - 1) / ba * ba;
    std::uint64_t slots = (end_ - len - first) / ba + 1;
    return first + off_rng_.below(slots) * ba;
}

std::map<std::string, std::string> parse_fio_vars(const std::string& text) {
    std::map<std::string, std::string> vars;
    for (const auto& raw : split(text, ';')) {
        const std::string entry = trim(raw);
        if (entry.empty()) continue;
        const auto eq = entry.find('=');
        const std::string name = trim(entry.substr(0, eq));
        const bool ok_name = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                             std::all_of(name.begin(), name.end(), [](char c) {
                                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                             });
        if (eq == std::string::npos || !ok_name)
            throw std::invalid_argument(fmt::format("'{}' is not NAME=VALUE (a name of letters, digits and _)", entry));
        if (!vars.emplace(name, trim(entry.substr(eq + 1))).second)
            throw std::invalid_argument(fmt::format("{} is given twice", name));
    }
    return vars;
}

std::map<std::string, unsigned> parse_fio_devices(const std::string& text) {
    std::map<std::string, unsigned> devs;
    for (const auto& raw : split(text, ';')) {
        const std::string entry = trim(raw);
        if (entry.empty()) continue;
        const auto eq = entry.rfind('=');
        if (eq == std::string::npos || trim(entry.substr(0, eq)).empty())
            throw std::invalid_argument(fmt::format("'{}' is not NAME=TARGET (a device name and a target number)", entry));
        const std::string name = trim(entry.substr(0, eq)), t = trim(entry.substr(eq + 1));
        if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos || std::stoul(t) > 255)
            throw std::invalid_argument(fmt::format("'{}': the target must be a number from 0 to 255, got '{}'", entry, t));
        if (name.find(':') != std::string::npos)
            throw std::invalid_argument(fmt::format("'{}': a device name has no ':' (fio's file list separator)", entry));
        if (!devs.emplace(name, static_cast<unsigned>(std::stoul(t))).second)
            throw std::invalid_argument(fmt::format("{} is given twice", name));
    }
    return devs;
}

std::optional<fio_io> fio_stream::next(const std::function<int(int)>& steer) {
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
    if (!job_.time_based) {
        if (job_.number_ios && ios_ >= job_.number_ios) return std::nullopt;
        if (bytes_ >= budget_) return std::nullopt;
        limit = budget_ - bytes_;
    }
    bool w;
    if (job_.rw == fio_rw::rw || job_.rw == fio_rw::randrw) {
        w = dir_rng_.below(100) >= job_.rwmixread;
        if (steer) w = steer(w ? 1 : 0) != 0;
    } else {
        w = job_.writes();
    }
    const int d = w ? 1 : 0;
    std::uint64_t len = pick_bs(d, limit);
    if (len == 0) {
        budget_ = bytes_; // what is left is less than one block: done
        return std::nullopt;
    }
    std::uint64_t off;
    if (is_random(job_.rw)) {
        if (run_left_[d] > 0 && seq_pos_[d] + len <= end_) {
            off = seq_pos_[d];
            --run_left_[d];
        } else if (job_.percentage_random[d] < 100 && seq_rng_.below(100) >= job_.percentage_random[d]) {
            // percentage_random: this one follows on from the direction's
            // previous I/O (wrapping at the region's end), as fio
            off = seq_pos_[d] + len <= end_ && seq_pos_[d] >= start_ ? seq_pos_[d] : start_;
        } else {
            off = pick_random_offset(d, len);
            run_left_[d] = job_.rw_modifier > 1 ? job_.rw_modifier - 1 : 0;
        }
        seq_pos_[d] = off + len;
    } else {
        off = seq_pos_[d];
        if (off + len > end_ || off < start_) off = start_;
        seq_pos_[d] = off + len + job_.rw_modifier;
    }
    fio_io io{off, len, w, ios_};
    ++ios_;
    bytes_ += len;
    return io;
}

// ---------------------------------------------------------------- verify

std::uint32_t crc32c(const void* data, std::size_t len, std::uint32_t crc) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    const auto* p = static_cast<const std::uint8_t*>(data);
    crc = ~crc;
    for (std::size_t i = 0; i < len; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

void fio_fill_buffer(std::uint8_t* buf, std::size_t len, std::uint64_t seed, std::uint64_t offset,
                     std::uint64_t generation) {
    std::size_t i = 0;
    while (i < len) {
        std::uint64_t pos = offset + i;
        std::uint64_t w = mix(seed, generation, pos >> 3);
        for (unsigned b = static_cast<unsigned>(pos & 7); b < 8 && i < len; ++b, ++i)
            buf[i] = static_cast<std::uint8_t>(w >> (8 * b));
    }
}

// ---------------------------------------------------------------- patterns

fio_pattern parse_fio_pattern(const std::string& text, bool formats) {
    fio_pattern p;
    auto& out = p.bytes;
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    const auto starts_hex = [&](std::size_t i) {
        return i + 2 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
               hex(text[i + 2]);
    };
    if (text.empty()) throw fio_pattern_error("an empty pattern", 0);
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"') {
            const std::size_t end = text.find('"', i + 1);
            if (end == std::string::npos) throw fio_pattern_error("a string without its closing '\"'", i);
            if (end == i + 1) throw fio_pattern_error("an empty string", i);
            out.insert(out.end(), text.begin() + static_cast<std::ptrdiff_t>(i + 1),
                       text.begin() + static_cast<std::ptrdiff_t>(end));
            i = end + 1;
        } else if (c == '\'') {
            throw fio_pattern_error("a pattern from a file ('name') is not supported: give the bytes (\"string\" or 0x…)",
                                    i);
        } else if (c == '%') {
            if (text.compare(i, 2, "%o") != 0)
                throw fio_pattern_error("unknown format: %o (the I/O's offset) is the only one", i);
            if (!formats) throw fio_pattern_error("buffer_pattern takes no formats (%o is for verify_pattern)", i);
            p.offset_at.push_back(out.size());
            out.insert(out.end(), 8, 0);
            i += 2;
        } else if (starts_hex(i)) {
            // 0x and hex digits, bytes as written (an odd count: the first
            // digit alone); "0xff0x14" is two numbers, as in fio.
            std::size_t e = i + 2;
            while (e < text.size() && hex(text[e])) ++e;
            if (e < text.size() && (text[e] == 'x' || text[e] == 'X') && text[e - 1] == '0' && e - 1 > i + 2) --e;
            std::size_t d = i + 2;
            if ((e - d) % 2) {
                out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(d, 1), nullptr, 16)));
                ++d;
            }
            for (; d < e; d += 2) out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(d, 2), nullptr, 16)));
            i = e;
        } else if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c))) {
            // A decimal number, up to a following 0x (fio's look-ahead):
            // its bytes little-endian, as few as hold it (0: one zero byte).
            std::size_t e = i + 1;
            while (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e])) && !starts_hex(e)) ++e;
            const std::string num = text.substr(i, e - i);
            if (num == "-" || num == "+") throw fio_pattern_error("a sign without digits", i);
            long long v = 0;
            try {
                v = std::stoll(num);
            } catch (const std::out_of_range&) {
                v = std::numeric_limits<long long>::max();
            }
            if (v > std::numeric_limits<std::int32_t>::max() || v < std::numeric_limits<std::int32_t>::min())
                throw fio_pattern_error(fmt::format("the decimal number {} is out of range (as in fio: a 32-bit "
                                                    "integer; longer values as 0x hex bytes)",
                                                    num),
                                        i);
            auto u = static_cast<std::uint32_t>(static_cast<std::int32_t>(v));
            if (u == 0) out.push_back(0);
            for (; u; u >>= 8) out.push_back(static_cast<std::uint8_t>(u & 0xff));
            i = e;
        } else {
            throw fio_pattern_error(fmt::format("expected a \"string\", a number (decimal or 0x hex) or %o, got '{}'",
                                                text.substr(i, 1)),
                                    i);
        }
        if (out.size() > fio_pattern_max)
            throw fio_pattern_error(fmt::format("the pattern is longer than fio's {} bytes", fio_pattern_max), 0);
    }
    return p;
}

std::uint8_t fio_pattern::at(std::size_t i, std::uint64_t io_offset) const {
    for (const std::size_t f : offset_at)
        if (i >= f && i < f + 8) return static_cast<std::uint8_t>(io_offset >> (8 * (i - f)));
    return bytes[i];
}

void fio_pattern::fill(std::uint8_t* buf, std::size_t len, std::uint64_t io_offset) const {
    const std::size_t n = bytes.size();
    for (std::size_t i = 0; i < std::min(n, len); ++i) buf[i] = at(i, io_offset);
    // the first period, doubled until the buffer is full
    for (std::size_t have = n; have < len; have *= 2) std::memcpy(buf + have, buf, std::min(have, len - have));
}

std::size_t fio_pattern::first_mismatch(const std::uint8_t* data, std::size_t len, std::uint64_t io_offset) const {
    const std::size_t n = bytes.size();
    std::vector<std::uint8_t> period(n);
    for (std::size_t i = 0; i < n; ++i) period[i] = at(i, io_offset);
    for (std::size_t i = 0; i < len; ++i)
        if (data[i] != period[i % n]) return i;
    return len;
}

void fio_verify_log::forget(std::uint64_t offset, std::size_t len) {
    const std::uint64_t end = offset + len;
    auto it = log_.lower_bound(offset);
    if (it != log_.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second.first > offset) it = prev;
    }
    while (it != log_.end() && it->first < end) it = log_.erase(it);
}

void fio_verify_log::record_extent(std::uint64_t offset, std::size_t len) {
    forget(offset, len);
    log_[offset] = {len, 0};
}

void fio_verify_log::record_write(std::uint64_t offset, const std::uint8_t* data, std::size_t len) {
    forget(offset, len);
    log_[offset] = {len, crc32c(data, len)};
}

fio_verify_log::result fio_verify_log::check_read(std::uint64_t offset, const std::uint8_t* data,
                                                  std::size_t len) const {
    const std::uint64_t end = offset + len;
    bool any = false;
    for (auto it = log_.lower_bound(offset); it != log_.end() && it->first < end; ++it) {
        const auto [elen, crc] = it->second;
        if (it->first + elen > end) continue;
        any = true;
        if (crc32c(data + (it->first - offset), elen) != crc) return result::mismatch;
    }
    return any ? result::match : result::not_written;
}

} // namespace ddisim::config
