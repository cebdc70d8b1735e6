// ddisim::workloads — the storage (fio) runner: fio jobs (testbench/config/
// fio.h) run through the sd driver on the disks behind the HBA (each job on
// its target's), following docs/fio.md's runner contract.
//
// One simulated software thread per fio job (numjobs clones included),
// spawned with a 1 MiB stack. Each thread waits startdelay, keeps up to
// iodepth bufs in flight with sd::strategy(bp, &waiter), sleeps in
// sd::wait on its own waiter until ANY of them is done (as fio's libaio
// engine), reaps every done buf in submission order and refills each slot
// at once, so exactly iodepth I/Os stay in flight; only the completing
// job's thread is woken (docs/drivers.md). It waits thinktime every thinktime_blocks I/Os, and stops
// issuing when its fio_stream ends or at stop_ps(). Job times count from
// the moment run() is called (after the drivers attached). Completion
// latency is measured from sd::strategy to biodone (b_iodone). With
// verify=crc32c writes are filled with fio_fill_buffer and logged; after the
// write phase (do_verify) every logged extent is read back in offset order
// and checked. A buf ending with B_ERROR, a short transfer or a mismatch
// counts in errors(); the first fio_error (e.g. a region that does not fit
// the disk) ends the job and is kept for the caller.
//
// Per job and direction a registered histogram "fio<N>.<read|write>_clat"
// (ns) holds the completion latencies, "fio.clat" those of all jobs. Call run() from a SystemC thread that
// may block (the platform's software thread).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/config/fio.h"
#include "testbench/config/fio_output.h"

namespace sc_core {
class sc_event;
}
namespace ddisim::kernel {
class kernel_context;
}
namespace ddisim::drivers {
class sd;
}

namespace ddisim::workloads {

class fio_runner {
public:
    // Registers the latency histograms of every job (call at elaboration).
    fio_runner(kernel::kernel_context& k, config::fio_job_file jobs, std::uint64_t run_seed);
    ~fio_runner();
    fio_runner(const fio_runner&) = delete;
    fio_runner& operator=(const fio_runner&) = delete;

    // The HBA targets the jobs run on (fio_job::target, every one set),
    // ascending, each once.
    std::vector<unsigned> targets() const;
    // Runs every job on its target's disk (disks: one sd per targets()
    // entry); blocks the calling SystemC thread until all job threads have
    // ended.
    void run(const std::map<unsigned, drivers::sd*>& disks);

    bool done() const;
    std::uint64_t ios_completed() const;     // all jobs, measured or not (progress)
    std::uint64_t extents_verified() const;  // verify read-backs done, all jobs (progress)
    std::uint64_t ios_expected() const;      // Σ number_ios when every job has one and is not time based, else 0
    std::uint64_t errors() const;            // failed bufs + short bufs + verify mismatches + minimum rates missed + job errors
    const std::optional<config::fio_error>& first_error() const { return error_; }
    const config::fio_job_file& jobs() const { return file_; }

    // fio-style results (jobs in file order) and the report info (notes).
    std::vector<config::fio_job_result> results() const;
    // The jobs' log files (write_lat_log & co.): name and contents, a name
    // shared by several jobs (per_job_logs=0) once, their entries in job order.
    std::vector<std::pair<std::string, std::string>> log_files() const;
    config::fio_report_info report_info() const;
    // Headline: per job and total iops, bw, clat p50/p99/p99.9 (ns).
    nlohmann::json headline() const;

private:
    struct job_state;
    void job_main(job_state& js);
    void job_ended(const job_state& js);
    bool barrier_open(const job_state& js) const;

    kernel::kernel_context& k_;
    config::fio_job_file file_;
    std::uint64_t seed_;
    std::unique_ptr<config::fio_latency> total_;
    std::vector<std::unique_ptr<job_state>> js_;
    std::optional<config::fio_error> error_;
    std::uint64_t start_ps_ = 0;
    unsigned running_ = 0;
    std::unique_ptr<sc_core::sc_event> ended_; // a job ended (stonewall barriers re-check)
    bool done_ = false;
};

} // namespace ddisim::workloads
