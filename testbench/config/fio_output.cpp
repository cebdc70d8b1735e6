// fio-style JSON results; field names and units in fio_output.h.
#include "testbench/config/fio_output.h"

#include <cmath>

#include <fmt/format.h>

namespace ddisim::config {

namespace {

constexpr double ps_per_s = 1e12;

std::uint64_t ms_rounded(std::uint64_t ps) { return (ps + 500000000ull) / 1000000000ull; }

nlohmann::ordered_json latency_json(const tlm::histogram* h, const std::optional<double>& sum_sq,
                            const std::vector<double>* percentiles) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    const std::uint64_t n = h ? h->count() : 0;
    out["min"] = n ? static_cast<std::uint64_t>(std::llround(h->min())) : 0;
    out["max"] = n ? static_cast<std::uint64_t>(std::llround(h->max())) : 0;
    out["mean"] = n ? h->mean() : 0.0;
    if (n == 0) {
        out["stddev"] = 0.0;
    } else if (sum_sq) {
        // Sample standard deviation, as fio reports it.
        double var = n > 1 ? (*sum_sq - h->sum() * h->mean()) / static_cast<double>(n - 1) : 0.0;
        out["stddev"] = var > 0 ? std::sqrt(var) : 0.0;
    }
    out["N"] = n;
    if (n && percentiles) {
        nlohmann::ordered_json p = nlohmann::ordered_json::object();
        for (double q : *percentiles)
            p[fio_percentile_key(q)] = static_cast<std::uint64_t>(std::llround(h->percentile(q)));
        out["percentile"] = std::move(p);
    }
    return out;
}

nlohmann::ordered_json direction_json(const fio_direction_result& d, const std::vector<double>& percentiles) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    const double secs = static_cast<double>(d.runtime_ps) / ps_per_s;
    const std::uint64_t bw_bytes =
        d.runtime_ps ? static_cast<std::uint64_t>(std::floor(static_cast<double>(d.io_bytes) / secs)) : 0;
    o["io_bytes"] = d.io_bytes;
    o["io_kbytes"] = d.io_bytes / 1024;
    o["bw_bytes"] = bw_bytes;
    o["bw"] = bw_bytes / 1024;
    o["iops"] = d.runtime_ps ? static_cast<double>(d.total_ios) / secs : 0.0;
    o["runtime"] = ms_rounded(d.runtime_ps);
    o["runtime_ns"] = d.runtime_ps / 1000;
    o["total_ios"] = d.total_ios;
    o["short_ios"] = d.short_ios;
    o["drop_ios"] = d.drop_ios;
    o["clat_ns"] = latency_json(d.clat_ns, d.clat_sum_squares, &percentiles);
    if (d.lat_ns) o["lat_ns"] = latency_json(d.lat_ns, d.lat_sum_squares, nullptr);
    return o;
}

nlohmann::ordered_json options_json(const std::vector<std::pair<std::string, std::string>>& opts) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const auto& [k, v] : opts) o[k] = v; // a later value wins, as in the job
    return o;
}

} // namespace

std::string fio_percentile_key(double p) { return fmt::format("{:.6f}", p); }

fio_job_result make_fio_result(const fio_job& job) {
    fio_job_result r;
    r.jobname = job.name;
    r.job_options = job.options;
    r.percentiles = job.percentile_list;
    return r;
}

nlohmann::ordered_json fio_json(const fio_report_info& info, const std::vector<fio_job_result>& jobs) {
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    root["fio version"] = info.version;
    root["global options"] = options_json(info.global_options);
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& j : jobs) {
        const auto& pct = j.percentiles.empty() ? fio_default_percentiles() : j.percentiles;
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        o["jobname"] = j.jobname;
        o["groupid"] = j.groupid;
        o["error"] = j.error;
        o["job options"] = options_json(j.job_options);
        o["read"] = direction_json(j.read, pct);
        o["write"] = direction_json(j.write, pct);
        o["trim"] = direction_json(fio_direction_result{}, pct);
        nlohmann::ordered_json sync = nlohmann::ordered_json::object();
        const tlm::histogram* sh = j.sync_lat ? &j.sync_lat->histogram() : nullptr;
        sync["total_ios"] = sh ? sh->count() : 0;
        sync["lat_ns"] = latency_json(sh, j.sync_lat ? std::optional<double>(j.sync_lat->sum_squares()) : std::nullopt,
                                      &pct);
        o["sync"] = std::move(sync);
        o["job_runtime"] = ms_rounded(j.job_runtime_ps);
        if (j.verify_errors) o["verify_errors"] = *j.verify_errors;
        arr.push_back(std::move(o));
    }
    root["jobs"] = std::move(arr);
    root["ddisim notes"] = info.notes;
    return root;
}

} // namespace ddisim::config

namespace ddisim::config {

// ---------------------------------------------------------------- log files

namespace {
constexpr std::uint64_t ps_per_ms = 1000000000ull;
}

fio_job_logs::fio_job_logs(const fio_job& job, unsigned number)
    : job_(job), number_(number), lat_(!job.lat_log.empty()), bw_(!job.bw_log.empty()), iops_(!job.iops_log.empty()),
      avg_ps_(job.log_avg_ps), next_ps_(job.log_avg_ps) {}

void fio_job_logs::line(std::string& out, std::uint64_t ms, std::uint64_t value, int ddir, std::uint64_t bs,
                        std::uint64_t offset) const {
    if (job_.log_offset)
        out += fmt::format("{}, {}, {}, {}, {}, 0\n", ms, value, ddir, bs, offset);
    else
        out += fmt::format("{}, {}, {}, {}, 0\n", ms, value, ddir, bs);
}

void fio_job_logs::flush_lat(int ddir, std::uint64_t ms) {
    const std::uint64_t mean = lat_sum_[ddir] / lat_n_[ddir];
    line(lat_text_, ms, mean, ddir, 0, 0);
    line(slat_text_, ms, 0, ddir, 0, 0);
    lat_sum_[ddir] = lat_n_[ddir] = 0;
}

void fio_job_logs::windows_until(std::uint64_t t_ps) {
    const std::uint64_t avg_ms = avg_ps_ / ps_per_ms;
    while (t_ps > next_ps_) {
        for (int d = 0; d < 2; ++d) {
            if (!win_ios_[d]) continue; // no entry for a window without I/O, as fio
            if (bw_) line(bw_text_, next_ps_ / ps_per_ms, win_bytes_[d] * 1000 / avg_ms / 1024, d, 0, 0);
            if (iops_) line(iops_text_, next_ps_ / ps_per_ms, win_ios_[d] * 1000 / avg_ms, d, 0, 0);
            win_bytes_[d] = win_ios_[d] = 0;
        }
        next_ps_ += avg_ps_;
    }
}

void fio_job_logs::io(std::uint64_t t_ps, int ddir, std::uint64_t bytes, std::uint64_t offset, std::uint64_t lat_ps) {
    const std::uint64_t ms = t_ps / ps_per_ms, ns = lat_ps / 1000;
    if (lat_) {
        if (!avg_ps_) {
            line(lat_text_, ms, ns, ddir, bytes, offset);
            line(slat_text_, ms, 0, ddir, bytes, offset);
        } else {
            // fio's add_log_sample: the sample joins the window; once the
            // window since the last entry has passed, the mean is logged
            const std::uint64_t avg_ms = avg_ps_ / ps_per_ms;
            lat_sum_[ddir] += ns;
            ++lat_n_[ddir];
            if (ms >= avg_last_ms_[ddir] && ms - avg_last_ms_[ddir] >= avg_ms) {
                flush_lat(ddir, ms);
                avg_last_ms_[ddir] = ms - ms % avg_ms;
            }
        }
    }
    if ((bw_ || iops_) && !avg_ps_) {
        // fio's per-I/O samples: the I/O's bytes over its latency (bytes per
        // ms: fio's add_bw_sample), and 1 for IOPS
        if (bw_) line(bw_text_, ms, ns ? bytes * 1000000 / ns : 0, ddir, bytes, offset);
        if (iops_) line(iops_text_, ms, 1, ddir, bytes, offset);
    } else if (bw_ || iops_) {
        windows_until(t_ps);
        win_bytes_[ddir] += bytes;
        ++win_ios_[ddir];
    }
}

void fio_job_logs::finish(std::uint64_t t_ps) {
    if (lat_ && avg_ps_)
        for (int d = 0; d < 2; ++d)
            if (lat_n_[d]) flush_lat(d, t_ps / ps_per_ms);
    if ((bw_ || iops_) && avg_ps_) windows_until(t_ps);
}

std::string fio_job_logs::name(const std::string& prefix, const char* type) const {
    return job_.per_job_logs ? fmt::format("{}_{}.{}.log", prefix, type, number_) : fmt::format("{}_{}.log", prefix, type);
}

std::vector<std::pair<std::string, std::string>> fio_job_logs::files() const {
    std::vector<std::pair<std::string, std::string>> out;
    if (lat_) {
        out.emplace_back(name(job_.lat_log, "lat"), lat_text_);
        out.emplace_back(name(job_.lat_log, "clat"), lat_text_); // ddisim's clat is fio's lat
        out.emplace_back(name(job_.lat_log, "slat"), slat_text_);
    }
    if (bw_) out.emplace_back(name(job_.bw_log, "bw"), bw_text_);
    if (iops_) out.emplace_back(name(job_.iops_log, "iops"), iops_text_);
    return out;
}

} // namespace ddisim::config
