// fio-style JSON results (`--output-format=json` shape) for `ddisim run --fio`,
// written beside the summary so that scripts made for fio read ddisim runs.
//
// The runner fills one fio_job_result per job (and numjobs clone) from its
// counters and latency histograms; fio_json() lays them out as fio does:
//
//   {"fio version": "ddisim", "global options": {...}, "jobs": [
//     {"jobname": "...", "groupid": 0, "error": 0, "job options": {...},
//      "read":  {"io_bytes", "io_kbytes", "bw_bytes", "bw", "iops", "runtime",
//                "total_ios", "short_ios", "drop_ios",
//                "clat_ns": {"min", "max", "mean", "stddev", "N",
//                            "percentile": {"1.000000": …, "99.900000": …}},
//                "lat_ns": {…} (when given), "runtime_ns"},
//      "write": {…}, "trim": {… zeros},
//      "sync": {"total_ios", "lat_ns": {…}} (cache flushes: fsync & co.),
//      "job_runtime"}],
//    "ddisim notes": [...]}
//
// Units as fio: io_kbytes KiB; bw KiB/s and bw_bytes B/s (integers, rounded
// down); iops per second (real); runtime and job_runtime in ms (rounded to
// nearest); latencies in ns, percentile values whole ns. Rates are computed
// from the exact simulated time, so runs shorter than a millisecond still get
// their bandwidth; "runtime_ns" (a ddisim addition) gives that time. No wall
// clock appears ("timestamp" is left out), so the same run gives the same
// bytes. Plain C++, no SystemC.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/config/fio.h"
#include "tlm/core/stats.h"

namespace ddisim::config {

// Completion latencies of one job direction: a registered tlm::histogram (for
// percentiles, under "<owner>.<name>" in the statistics) and Σx² (for stddev).
class fio_latency {
public:
    fio_latency(const std::string& owner, const std::string& name, const std::string& desc)
        : hist_(owner, name, "ns", desc) {}
    void add(double ns) {
        hist_.add(ns);
        sum_sq_ += ns * ns;
    }
    const tlm::histogram& histogram() const { return hist_; }
    double sum_squares() const { return sum_sq_; }

private:
    tlm::histogram hist_;
    double sum_sq_ = 0;
};

struct fio_direction_result {
    std::uint64_t io_bytes = 0;   // bytes completed after ramp_time
    std::uint64_t total_ios = 0;  // I/Os completed after ramp_time
    std::uint64_t short_ios = 0;  // completed with a residual (b_resid > 0)
    std::uint64_t drop_ios = 0;
    std::uint64_t runtime_ps = 0; // simulated time the direction was measured over
    const tlm::histogram* clat_ns = nullptr; // completion latency (submit → completion), ns
    std::optional<double> clat_sum_squares;  // Σ clat² in ns², for "stddev" (left out when unknown)
    const tlm::histogram* lat_ns = nullptr;  // optional total latency, ns
    std::optional<double> lat_sum_squares;
    // Fills clat_ns and clat_sum_squares from a fio_latency.
    void set_clat(const fio_latency& l) {
        clat_ns = &l.histogram();
        clat_sum_squares = l.sum_squares();
    }
};

struct fio_job_result {
    std::string jobname;
    int groupid = 0;
    int error = 0;                 // 0, or the errno-like code that ended the job
    std::uint64_t job_runtime_ps = 0;
    fio_direction_result read, write;
    std::vector<std::pair<std::string, std::string>> job_options;
    std::vector<double> percentiles; // empty: fio's default list
    std::optional<std::uint64_t> verify_errors; // with verify: blocks whose checksum did not match
    const fio_latency* sync_lat = nullptr;      // flush latencies (fsync & co.), ns; null: none issued
};

// jobname, options and percentile list taken from the parsed job.
fio_job_result make_fio_result(const fio_job& job);

// fio's log files of one job (write_lat_log: _lat, _clat, _slat;
// write_bw_log: _bw; write_iops_log: _iops), from its completions after
// ramp_time. Each line "time, value, ddir, bs[, offset], prio" as fio writes
// it: time in ms since the end of ramp_time (fio's epoch), ddir 0 read / 1
// write, prio 0. Per I/O: the latency in ns, the bandwidth as fio's
// add_bw_sample computes it (bytes × 10⁶ / latency in ns: bytes per ms),
// IOPS 1; the I/O's size (and offset with log_offset). With log_avg_msec: latency logs give the mean of the
// samples since the direction's last entry once a window has passed (at
// that sample's time, as fio), and what is left at the job's end; bandwidth
// (KiB/s) and IOPS logs give each full window's rate at its end, for the
// directions with I/O in it; bs and offset are 0 in averaged entries.
// ddisim's clat runs from the submission to the driver, so lat equals clat
// and slat is 0.
class fio_job_logs {
public:
    // number: fio's job number (1-based, clones included, in job order)
    fio_job_logs(const fio_job& job, unsigned number);
    bool any() const { return lat_ || bw_ || iops_; }
    // A good completion t_ps after the epoch, latency lat_ps.
    void io(std::uint64_t t_ps, int ddir, std::uint64_t bytes, std::uint64_t offset, std::uint64_t lat_ps);
    // The job ended t_ps after the epoch.
    void finish(std::uint64_t t_ps);
    // (file name, contents) of each log; a name may repeat across jobs
    // (per_job_logs=0): the files are then appended in job order.
    std::vector<std::pair<std::string, std::string>> files() const;

private:
    void line(std::string& out, std::uint64_t ms, std::uint64_t value, int ddir, std::uint64_t bs,
              std::uint64_t offset) const;
    void windows_until(std::uint64_t t_ps);
    void flush_lat(int ddir, std::uint64_t ms);
    std::string name(const std::string& prefix, const char* type) const;
    const fio_job& job_;
    unsigned number_;
    bool lat_, bw_, iops_;
    std::uint64_t avg_ps_;
    std::string lat_text_, slat_text_, bw_text_, iops_text_; // lat_text_: the lat and the clat log (equal)
    // averaged latency windows per direction (fio's avg_window, avg_last)
    std::uint64_t lat_sum_[2] = {0, 0}, lat_n_[2] = {0, 0}, avg_last_ms_[2] = {0, 0};
    // bandwidth / IOPS windows: the next boundary, bytes and I/Os since the last
    std::uint64_t next_ps_ = 0, win_bytes_[2] = {0, 0}, win_ios_[2] = {0, 0};
};

struct fio_report_info {
    std::string version = "ddisim";
    std::vector<std::pair<std::string, std::string>> global_options;
    std::vector<std::string> notes; // fio_note::to_string() of each note
};

// Keys keep fio's order (ordered_json), so the text reads like fio's.
nlohmann::ordered_json fio_json(const fio_report_info& info, const std::vector<fio_job_result>& jobs);

// The percentile key fio uses ("99.900000").
std::string fio_percentile_key(double p);

} // namespace ddisim::config
