// The storage (fio) runner: docs/fio.md's runner contract (storage.h).
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "testbench/workloads/storage.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <optional>

#include <fmt/format.h>
#include <systemc>

#include <sys/buf.h>

#include "sw/drivers/sd.h"
#include "sw/kernel/kernel.h"
#include "tlm/core/splitmix.h"

namespace ddisim::workloads {

namespace {
std::uint64_t now_ps() { return sc_core::sc_time_stamp().value(); }
// Waits ps, or less when `wake` is notified first (a job told to terminate).
void wait_ps(std::uint64_t ps, const sc_core::sc_event& wake) {
    if (ps) sc_core::wait(sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS), wake);
}

// One I/O slot: the buf first, so b_iodone can find its slot.
struct slot {
    struct buf b {};
    caddr_t base = nullptr;
    std::size_t cap = 0;
    config::fio_io io;
    std::uint64_t submit_ps = 0, done_ps = 0;
    bool busy = false;
};
int slot_iodone(struct buf* bp) {
    reinterpret_cast<slot*>(bp)->done_ps = now_ps();
    return 0;
}
} // namespace

struct fio_runner::job_state {
    config::fio_job job;
    std::string owner;
    drivers::sd* disk = nullptr;       // its target's (run)
    std::unique_ptr<config::fio_latency> clat[2];
    std::unique_ptr<config::fio_latency> sync_lat; // with fsync & co.: flush latencies (fio's "sync")
    std::unique_ptr<config::fio_job_logs> logs;    // write_lat_log & co. (null: none)
    std::uint64_t bytes[2] = {0, 0}, ios[2] = {0, 0}, short_ios[2] = {0, 0};
    std::uint64_t completed = 0;       // every completion (progress)
    std::uint64_t failed = 0;          // bufs ending with an error
    std::uint64_t verify_errors = 0, verified = 0;
    // The first verify mismatch: the extent, and with verify=pattern its
    // first wrong byte (its index in the extent, what was read, what was
    // written); results.json's verify_mismatch.
    struct mismatch {
        std::uint64_t offset = 0, length = 0;
        std::optional<std::uint64_t> byte;
        unsigned got = 0, wanted = 0;
    };
    std::optional<mismatch> first_mismatch;
    std::uint64_t syncs = 0;           // flushes done (all, measured or not)
    std::uint64_t start_ps = 0, measure_ps = 0, end_ps = 0;
    int error = 0;
    bool ended_on_error = false;       // a failure continue_on_error does not cover (or none to start): no more I/Os
    bool started = false;              // past its barrier and startdelay
    bool terminate = false;            // told to end by another job's exitall / exitall_on_error
    // rate_min / rate_iops_min: good completions per direction, and the
    // mark of the last check (fio's check_min_rate)
    std::uint64_t good_bytes[2] = {0, 0}, good_ios[2] = {0, 0};
    std::uint64_t mark_bytes[2] = {0, 0}, mark_ios[2] = {0, 0}, mark_ps = 0;
    bool marked = false;
    struct min_miss {
        int dir;
        bool iops;
        double got, min;
        std::uint64_t at_ps;
    };
    std::optional<min_miss> missed;     // the job ended below its minimum rate
    bool done = false;
    sc_core::sc_event wake;            // notified with terminate: cuts the job's sleeps short
};

fio_runner::fio_runner(kernel::kernel_context& k, config::fio_job_file jobs, std::uint64_t run_seed)
    : k_(k), file_(std::move(jobs)), seed_(run_seed),
      total_(std::make_unique<config::fio_latency>("fio", "clat", "completion latency of every fio job's I/Os")),
      ended_(std::make_unique<sc_core::sc_event>()) {
    for (const auto& j : file_.jobs) {
        auto js = std::make_unique<job_state>();
        js->job = j;
        js->owner = fmt::format("fio{}", j.ordinal);
        const std::string who = j.name + (j.clone ? fmt::format(" (clone {})", j.clone) : "");
        js->clat[0] = std::make_unique<config::fio_latency>(js->owner, "read_clat", "completion latency of reads of fio job " + who);
        js->clat[1] = std::make_unique<config::fio_latency>(js->owner, "write_clat", "completion latency of writes of fio job " + who);
        if (j.syncs() && j.writes())
            js->sync_lat = std::make_unique<config::fio_latency>(
                js->owner, "sync_lat", "latency of the cache flushes (fsync, end_fsync …) of fio job " + who);
        auto logs = std::make_unique<config::fio_job_logs>(js->job, static_cast<unsigned>(js_.size() + 1));
        if (logs->any()) js->logs = std::move(logs);
        js_.push_back(std::move(js));
    }
}

fio_runner::~fio_runner() = default;

bool fio_runner::done() const { return done_; }

std::uint64_t fio_runner::ios_completed() const {
    std::uint64_t n = 0;
    for (const auto& j : js_) n += j->completed;
    return n;
}

std::uint64_t fio_runner::extents_verified() const {
    std::uint64_t n = 0;
    for (const auto& j : js_) n += j->verified;
    return n;
}

std::uint64_t fio_runner::ios_expected() const {
    std::uint64_t n = 0;
    for (const auto& j : file_.jobs) {
        if (!j.number_ios || j.time_based) return 0;
        n += j.number_ios * j.loops;
    }
    return n;
}

std::uint64_t fio_runner::errors() const {
    std::uint64_t n = error_ ? 1 : 0;
    for (const auto& j : js_) n += j->failed + j->short_ios[0] + j->short_ios[1] + j->verify_errors + (j->missed ? 1 : 0);
    return n;
}

std::vector<unsigned> fio_runner::targets() const {
    std::vector<unsigned> t;
    for (const auto& j : file_.jobs) t.push_back(j.target.value_or(0));
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
    return t;
}

void fio_runner::run(const std::map<unsigned, drivers::sd*>& disks) {
    start_ps_ = now_ps();
    sc_core::sc_event all_done;
    running_ = static_cast<unsigned>(js_.size());
    for (auto& jp : js_) jp->disk = disks.at(jp->job.target.value_or(0));
    for (auto& jp : js_) {
        sc_core::sc_spawn_options opt;
        opt.set_stack_size(1 << 20); // sd, SCSA and the DDI are deep C++
        job_state* js = jp.get();
        sc_core::sc_spawn(
            [this, js, &all_done] {
                job_main(*js);
                js->done = true;
                job_ended(*js);
                if (--running_ == 0) all_done.notify(sc_core::SC_ZERO_TIME);
            },
            sc_core::sc_gen_unique_name(js->owner.c_str()), &opt);
    }
    if (running_) sc_core::wait(all_done);
    done_ = true;
}

// fio's exitall / exitall_on_error: the jobs the ended job's exit_what
// names are told to terminate (those not yet started never start). A job
// that never ran its I/O loop terminates nobody (fio's thread_main skips
// it on the way out).
void fio_runner::job_ended(const job_state& js) {
    ended_->notify(sc_core::SC_ZERO_TIME);
    if (!js.started) return;
    const bool failed = js.ended_on_error || (js.job.verify_fatal && js.verify_errors);
    if (!file_.exitall && !(js.job.exitall_on_error && failed)) return;
    for (auto& op : js_) {
        job_state& o = *op;
        if (o.done || o.terminate) continue;
        const bool hit = js.job.exit_what == config::fio_job::exit_scope::all ||
                         (js.job.exit_what == config::fio_job::exit_scope::group && o.job.group == js.job.group) ||
                         (js.job.exit_what == config::fio_job::exit_scope::stonewall && o.started);
        if (!hit) continue;
        o.terminate = true;
        o.wake.notify(sc_core::SC_ZERO_TIME);
    }
}

bool fio_runner::barrier_open(const job_state& js) const {
    for (const auto& op : js_) {
        if (op->job.barrier < js.job.barrier && !op->done) return false;
        if (!js.job.wait_for.empty() && op->job.name == js.job.wait_for && !op->done) return false; // wait_for
    }
    return true;
}

void fio_runner::job_main(job_state& js) {
    const auto& job = js.job;
    drivers::sd& disk = *js.disk;
    const std::uint64_t bsz = disk.block_size();
    std::optional<config::fio_stream> stream;
    try {
        stream.emplace(job, seed_, disk.capacity_blocks() * bsz, bsz, file_.file);
    } catch (const config::fio_error& e) {
        if (!error_) error_ = e;
        js.error = 22; // EINVAL
        js.ended_on_error = true;
        return;
    }
    // stonewall: every job of an earlier barrier has ended (wait_for: every
    // clone of the named job); startdelay counts from the start of the run
    // (fio's genesis); runtime and ramp_time from the job's own start.
    while (!js.terminate && !barrier_open(js)) sc_core::wait(*ended_ | js.wake);
    if (const std::uint64_t due = start_ps_ + job.start_ps(); !js.terminate && due > now_ps())
        wait_ps(due - now_ps(), js.wake);
    if (js.terminate) return; // never started
    js.started = true;
    js.start_ps = now_ps();
    js.measure_ps = js.start_ps + job.measure_from_ps() - job.start_ps();
    const std::uint64_t stop = job.stop_ps() ? js.start_ps + job.stop_ps() - job.start_ps() : 0;

    const std::uint64_t max_len = std::max({job.bs[0].max, job.bs[1].max, bsz});
    const std::size_t pages = std::size_t((max_len + job.iomem_align + 4095) / 4096);
    std::vector<slot> slots(std::max(1u, job.iodepth));
    for (auto& s : slots) {
        s.base = k_.kmem_alloc_pages(pages);
        s.cap = pages * 4096;
        if (!s.base) {
            if (!error_) error_ = config::fio_error(file_.file, job.line, 1, "iodepth",
                                                   fmt::format("no memory for {} I/O buffers of {} B", slots.size(), max_len));
            js.error = 12; // ENOMEM
            js.ended_on_error = true;
            for (auto& t : slots)
                if (t.base) k_.kmem_free_pages(t.base);
            return;
        }
    }
    const std::uint64_t fill_seed = job.randseed ^ (job.randrepeat ? 0 : seed_) ^ (std::uint64_t(job.ordinal) << 32);
    config::fio_verify_log vlog;
    const bool verify = !job.verify.empty();
    const bool by_pattern = job.verify == "pattern"; // verify=pattern: every byte against verify_pattern
    std::deque<slot*> inflight;             // submission order
    drivers::sd::waiter waiter(k_);         // this job's wait channel: any of its bufs done
    std::vector<slot*> free_slots;
    for (auto& s : slots) free_slots.push_back(&s);
    bool stream_end = false;
    std::uint64_t since_think = 0;
    // rate / rate_iops: when the next I/O of each direction is due. Linear:
    // issue k at start + (what came before it) / rate, so a job that fell
    // behind catches up at once (as fio); Poisson: exponential gaps of that
    // mean, drawn from the job's seed.
    std::uint64_t next_due[2] = {now_ps(), now_ps()};
    std::uint64_t issued[2] = {0, 0}; // I/Os (rate_iops) or bytes (rate) issued per direction
    std::uint64_t gap_seed = fill_seed ^ 0x7261746570726f63ull;
    const std::uint64_t rate_start = now_ps();
    auto schedule_next = [&](int d, std::uint64_t len) {
        const double per_s = job.rate_iops[d] ? static_cast<double>(job.rate_iops[d]) : static_cast<double>(job.rate[d]);
        if (per_s == 0) return;
        const std::uint64_t units = job.rate_iops[d] ? 1 : len;
        issued[d] += units;
        if (!job.rate_poisson) {
            next_due[d] = rate_start + static_cast<std::uint64_t>(static_cast<double>(issued[d]) * 1e12 / per_s);
        } else {
            // u in (0, 1]: -ln u is exponential with mean 1
            const double u = static_cast<double>((tlm::splitmix64(gap_seed) >> 11) + 1) * 0x1p-53;
            next_due[d] += static_cast<std::uint64_t>(-std::log(u) * static_cast<double>(units) * 1e12 / per_s);
        }
    };

    // fio's rate_ddir for a mixed job: a direction not yet due gives way to
    // the other when that one is due (or has no limit), else to the one due
    // first.
    const bool mixed = job.rw == config::fio_rw::rw || job.rw == config::fio_rw::randrw;
    const auto steer = [&](int d) {
        const int o = d ^ 1;
        const unsigned share_o = o ? 100 - job.rwmixread : job.rwmixread;
        const std::uint64_t now = now_ps();
        if (next_due[d] <= now || !mixed || share_o == 0) return d;
        if (next_due[o] <= now) return o;
        return next_due[d] <= next_due[o] ? d : o;
    };

    auto submit = [&](slot& s, const config::fio_io& io) {
        s.io = io;
        s.b = buf{};
        s.b.b_flags = io.is_write ? B_WRITE : B_READ;
        s.b.b_un.b_addr = s.base + job.iomem_align;
        s.b.b_bcount = io.length;
        s.b.b_lblkno = static_cast<decltype(s.b.b_lblkno)>(io.offset / bsz);
        s.b.b_iodone = slot_iodone;
        s.done_ps = 0;
        s.submit_ps = now_ps();
        s.busy = true;
        disk.strategy(&s.b, &waiter);
        inflight.push_back(&s);
    };
    auto reap = [&](slot& s) {
        s.busy = false;
        ++js.completed;
        const int d = s.io.is_write ? 1 : 0;
        // Completion as fio sees it: when the job reaps the I/O (fio stamps
        // clat when it collects the event), not when biodone ran on another
        // thread; so IOPS x mean clat = iodepth (Little's law) per job.
        const std::uint64_t done = now_ps();
        js.end_ps = std::max(js.end_ps, done);
        const bool failed = (s.b.b_flags & B_ERROR) || s.b.b_error;
        if (verify && s.io.is_write && (failed || s.b.b_resid)) vlog.forget(s.io.offset, s.io.length);
        if (failed) {
            ++js.failed;
            const int err = s.b.b_error ? s.b.b_error : EIO;
            if (!js.error) js.error = err;
            // fio ends the job at the first failure unless continue_on_error
            // covers its direction and the error is a non-fatal one
            const bool go_on = (s.io.is_write ? job.continue_write : job.continue_read) && (err == EIO || err == EILSEQ);
            if (!go_on) js.ended_on_error = true;
        } else if (s.b.b_resid) {
            if (done >= js.measure_ps) ++js.short_ios[d];
        } else {
            // every good completion counts in the rate (rate_min), those
            // after ramp_time in the results
            ++js.good_ios[d];
            js.good_bytes[d] += s.io.length;
            if (done >= js.measure_ps) {
                ++js.ios[d];
                js.bytes[d] += s.io.length;
                const double ns = static_cast<double>(done - s.submit_ps) / 1000.0;
                js.clat[d]->add(ns);
                total_->add(ns);
                if (js.logs) js.logs->io(done - js.measure_ps, d, s.io.length, s.io.offset, done - s.submit_ps);
            }
        }
        free_slots.push_back(&s);
    };
    // Sleeps until ANY of this job's bufs is done (fio with libaio refills
    // on every completion) — iodepth_batch_complete_min of them, or all in
    // flight if fewer — then reaps every done one in submission order.
    auto reap_some = [&] {
        auto enough_done = [&] {
            const std::size_t need = std::min<std::size_t>(std::max(1u, job.batch_complete_min), inflight.size());
            return static_cast<std::size_t>(std::count_if(inflight.begin(), inflight.end(), [](const slot* s) {
                       return (s->b.b_flags & B_DONE) != 0;
                   })) >= need;
        };
        while (!enough_done()) (void)disk.wait(waiter);
        for (auto it = inflight.begin(); it != inflight.end();) {
            if ((*it)->b.b_flags & B_DONE) {
                reap(**it);
                it = inflight.erase(it);
            } else {
                ++it;
            }
        }
    };

    // fio (inline submission) reaps every I/O in flight before it sleeps for
    // its rate or thinks
    auto quiesce = [&] {
        while (!inflight.empty()) reap_some();
    };

    // fsync & co.: the disk's write cache flushed (SYNCHRONIZE CACHE through
    // sd) and waited for. A synchronous engine's write has completed before
    // (fio calls fsync after it); an asynchronous engine's writes in flight
    // go on meanwhile (fio's libaio fsync does not wait for them). A failed
    // flush ends the job, as fio's fsync error.
    std::uint64_t writes_issued = 0;
    // one SYNCHRONIZE CACHE through sd, waited for: 0 or the buf's error
    auto flush_and_wait = [&] {
        struct buf fb {};
        (void)disk.flush(&fb);
        (void)disk.biowait(&fb);
        return fb.b_error ? fb.b_error : (fb.b_flags & B_ERROR) ? EIO : 0;
    };
    auto flush = [&] {
        if (job.synchronous()) quiesce();
        const std::uint64_t t0 = now_ps();
        const int err = flush_and_wait();
        const std::uint64_t done = now_ps();
        if (err) {
            ++js.failed;
            if (!js.error) js.error = err;
            js.ended_on_error = true;
            return;
        }
        ++js.syncs;
        if (done >= js.measure_ps && js.sync_lat) js.sync_lat->add(static_cast<double>(done - t0) / 1000.0);
    };

    // rate_min / rate_iops_min, as fio's check_min_rate: nothing in the
    // job's first 2 s (its settle period), then a mark; from then on, each
    // time rate_cycle has passed since the mark, the rate since it must
    // reach the minimum, else the job ends with EIO (no new I/Os, those in
    // flight complete).
    auto check_min_rate = [&] {
        if (!job.min_rated() || js.ended_on_error) return;
        const std::uint64_t now = now_ps();
        if (now - js.start_ps < 2'000'000'000'000ull) return;
        if (js.marked) {
            const std::uint64_t spent = now - js.mark_ps;
            if (spent < job.rate_cycle) return;
            for (int d = 0; d < 2; ++d) {
                if (!js.good_ios[d]) continue; // a direction with nothing done is not checked (as fio)
                const double secs = static_cast<double>(spent) * 1e-12;
                const double bw = static_cast<double>(js.good_bytes[d] - js.mark_bytes[d]) / secs;
                const double iops = static_cast<double>(js.good_ios[d] - js.mark_ios[d]) / secs;
                const bool low_bw = job.rate_min[d] && bw < static_cast<double>(job.rate_min[d]);
                const bool low_iops = !low_bw && job.rate_iops_min[d] && iops < static_cast<double>(job.rate_iops_min[d]);
                if (!low_bw && !low_iops) continue;
                js.missed = job_state::min_miss{d, low_iops, low_iops ? iops : bw,
                                                static_cast<double>(low_iops ? job.rate_iops_min[d] : job.rate_min[d]),
                                                now};
                if (!js.error) js.error = EIO;
                js.ended_on_error = true;
                return;
            }
        }
        js.marked = true;
        js.mark_ps = now;
        for (int d = 0; d < 2; ++d) {
            js.mark_bytes[d] = js.good_bytes[d];
            js.mark_ios[d] = js.good_ios[d];
        }
    };

    bool draining = false; // iodepth_low: full once, no refill until in flight ≤ iodepth_low
    while (true) {
        const bool stop_now = stream_end || (stop && now_ps() >= stop) || (job.verify_fatal && js.verify_errors) ||
                              js.ended_on_error || js.terminate;
        if (free_slots.empty()) draining = true;
        if (draining && inflight.size() <= job.iodepth_low) draining = false;
        if (!stop_now && !free_slots.empty() && !draining) {
            auto io = job.rated() ? stream->next(steer) : stream->next();
            if (!io) {
                stream_end = true;
                continue;
            }
            if (job.rated()) {
                const int d = io->is_write ? 1 : 0;
                if (next_due[d] > now_ps()) {
                    // ... and sleeps no further than the end of its runtime
                    quiesce();
                    const std::uint64_t until = stop ? std::min(next_due[d], stop) : next_due[d];
                    if (until > now_ps()) wait_ps(until - now_ps(), js.wake);
                    // the time is up, a reaped I/O failed or the job was told to end
                    if ((stop && now_ps() >= stop) || js.ended_on_error || js.terminate) {
                        stream_end = true;
                        continue;
                    }
                }
                schedule_next(d, io->length);
            }
            slot& s = *free_slots.back();
            free_slots.pop_back();
            std::uint8_t* p = reinterpret_cast<std::uint8_t*>(s.base + job.iomem_align);
            if (io->is_write && verify) {
                if (!job.verify_pattern.empty()) job.verify_pattern.fill(p, io->length, io->offset);
                else config::fio_fill_buffer(p, io->length, fill_seed, io->offset, io->index);
                if (by_pattern) vlog.record_extent(io->offset, io->length); // no checksum needed
                else vlog.record_write(io->offset, p, io->length);
            } else if (io->is_write && !job.buffer_pattern.empty()) {
                job.buffer_pattern.fill(p, io->length, io->offset);
            }
            submit(s, *io);
            if (io->is_write && job.syncs()) {
                ++writes_issued;
                if ((job.fsync_blocks && writes_issued % job.fsync_blocks == 0) ||
                    (job.fdatasync_blocks && writes_issued % job.fdatasync_blocks == 0))
                    flush();
            }
            if (job.thinktime && ++since_think >= job.thinktime_blocks) {
                since_think = 0;
                quiesce();
                wait_ps(job.thinktime, js.wake);
            }
            continue;
        }
        if (inflight.empty()) break;
        reap_some();
        check_min_rate();
    }

    if (job.end_fsync && job.writes() && !js.ended_on_error && !js.terminate) flush();
    // Verify phase, as fio's do_verify: the disk's cache flushed first (fio
    // syncs the file so the reads come from the medium), then every logged
    // extent read back in offset order. The first mismatch ends the job
    // with EILSEQ, a failed read with its error, unless continue_on_error
    // covers it (verify / read).
    if (verify && job.do_verify && !(job.verify_fatal && js.verify_errors) && !js.ended_on_error && !js.terminate) {
        (void)flush_and_wait();
        slot& s = slots.front();
        for (const auto& [off, e] : vlog.entries()) {
            if (js.terminate) break;
            const std::uint64_t len = e.first;
            if (len > s.cap - job.iomem_align) continue;
            std::uint8_t* p = reinterpret_cast<std::uint8_t*>(s.base + job.iomem_align);
            std::size_t resid = 0;
            const int rc = disk.rw(false, off / bsz, p, len, &resid);
            ++js.verified;
            if (rc || resid) {
                ++js.failed;
                const int err = rc ? rc : EIO;
                if (!js.error) js.error = err;
                if (!(job.continue_read && (err == EIO || err == EILSEQ))) {
                    js.ended_on_error = true;
                    break;
                }
                continue;
            }
            // verify=pattern: the bytes against the pattern (fio's
            // verify_io_u_pattern); else the extent's checksum
            bool bad;
            if (by_pattern) {
                const std::size_t at = job.verify_pattern.first_mismatch(p, len, off);
                bad = at < len;
                if (bad && !js.first_mismatch)
                    js.first_mismatch = {off, len, at, p[at], job.verify_pattern.at(at % job.verify_pattern.bytes.size(), off)};
            } else {
                bad = vlog.check_read(off, p, len) == config::fio_verify_log::result::mismatch;
                if (bad && !js.first_mismatch) js.first_mismatch = {off, len, std::nullopt, 0, 0};
            }
            if (bad) {
                ++js.verify_errors;
                if (!job.continue_verify) {
                    if (!js.error) js.error = EILSEQ;
                    js.ended_on_error = true;
                    break;
                }
                if (job.verify_fatal) break;
            }
        }
    }
    if (job.fsync_on_close && job.writes() && !js.ended_on_error && !js.terminate) flush();
    for (auto& s : slots) k_.kmem_free_pages(s.base);
    js.end_ps = std::max(js.end_ps, now_ps());
    if (js.logs && js.end_ps > js.measure_ps) js.logs->finish(js.end_ps - js.measure_ps);
}

std::vector<std::pair<std::string, std::string>> fio_runner::log_files() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& js : js_) {
        if (!js->logs) continue;
        for (auto& file : js->logs->files()) {
            auto it = std::find_if(out.begin(), out.end(), [&](const auto& f) { return f.first == file.first; });
            if (it == out.end()) out.push_back(std::move(file));
            else it->second += file.second;
        }
    }
    return out;
}

std::vector<config::fio_job_result> fio_runner::results() const {
    std::vector<config::fio_job_result> out;
    for (const auto& jp : js_) {
        const auto& js = *jp;
        auto r = config::make_fio_result(js.job);
        r.groupid = static_cast<int>(js.job.group);
        r.error = js.error;
        const std::uint64_t from = std::max(js.measure_ps, js.start_ps);
        const std::uint64_t span = js.end_ps > from ? js.end_ps - from : 0;
        r.job_runtime_ps = span;
        config::fio_direction_result* d[2] = {&r.read, &r.write};
        for (int i = 0; i < 2; ++i) {
            d[i]->io_bytes = js.bytes[i];
            d[i]->total_ios = js.ios[i];
            d[i]->short_ios = js.short_ios[i];
            d[i]->runtime_ps = (i == 0 ? js.job.reads() : js.job.writes()) ? span : 0;
            d[i]->set_clat(*js.clat[i]);
        }
        if (!js.job.verify.empty()) r.verify_errors = js.verify_errors;
        r.sync_lat = js.sync_lat.get();
        out.push_back(std::move(r));
    }
    return out;
}

config::fio_report_info fio_runner::report_info() const {
    config::fio_report_info info;
    info.global_options = file_.global_options;
    for (const auto& n : file_.notes) info.notes.push_back(n.to_string());
    return info;
}

nlohmann::json fio_runner::headline() const {
    nlohmann::json jobs = nlohmann::json::array();
    // I/Os, bytes and measured span of all jobs and of each group (fio's
    // "Run status group N"); a job that never started adds no span.
    struct span {
        std::uint64_t ios = 0, bytes = 0, from = ~0ull, end = 0;
        void add(std::uint64_t n, std::uint64_t b, std::uint64_t f, std::uint64_t e) {
            ios += n;
            bytes += b;
            from = std::min(from, f);
            end = std::max(end, e);
        }
        double secs() const { return end > from && from != ~0ull ? double(end - from) * 1e-12 : 0; }
        double per_s(std::uint64_t x) const { return secs() > 0 ? double(x) / secs() : 0.0; }
    };
    span tot;
    std::vector<span> groups(file_.groups());
    // jobs on several disks: each job's target and each disk's totals
    const std::vector<unsigned> tg = targets();
    std::map<unsigned, span> per_disk;
    const bool grouped = groups.size() > 1;
    // each job's start, when jobs may start apart (stonewall groups, wait_for)
    const bool starts = grouped || std::any_of(file_.jobs.begin(), file_.jobs.end(),
                                               [](const config::fio_job& j) { return !j.wait_for.empty(); });
    for (const auto& jp : js_) {
        const auto& js = *jp;
        const std::uint64_t from = std::max(js.measure_ps, js.start_ps);
        const double secs = js.end_ps > from ? double(js.end_ps - from) * 1e-12 : 0;
        const std::uint64_t ios = js.ios[0] + js.ios[1], bytes = js.bytes[0] + js.bytes[1];
        if (js.started) {
            tot.add(ios, bytes, from, js.end_ps);
            groups[js.job.group].add(ios, bytes, from, js.end_ps);
            per_disk[js.job.target.value_or(0)].add(ios, bytes, from, js.end_ps);
        }
        nlohmann::json j = {{"name", js.job.name},
                            {"clone", js.job.clone},
                            {"rw", config::to_string(js.job.rw)},
                            {"iodepth", js.job.iodepth},
                            {"ios", ios},
                            {"bytes", bytes},
                            {"iops", secs > 0 ? double(ios) / secs : 0.0},
                            {"bw_bytes_per_s", secs > 0 ? double(bytes) / secs : 0.0},
                            {"runtime_ps", js.end_ps > from ? js.end_ps - from : 0},
                            {"errors", js.failed + js.short_ios[0] + js.short_ios[1]},
                            {"error", js.error}};
        if (grouped) j["group"] = js.job.group;
        if (tg.size() > 1) j["target"] = js.job.target.value_or(0);
        if (starts) j["start_ns"] = js.started ? double(js.start_ps - start_ps_) * 1e-3 : 0.0;
        if (js.missed) // rate_min / rate_iops_min not met: the job ended with EIO
            j["min_rate_missed"] = {{"direction", js.missed->dir ? "write" : "read"},
                                    {"unit", js.missed->iops ? "IOPS" : "B/s"},
                                    {"got", js.missed->got},
                                    {"min", js.missed->min},
                                    {"at_ns", double(js.missed->at_ps - start_ps_) * 1e-3}};
        if (js.terminate) {
            j["terminated"] = true; // by another job's exitall or exitall_on_error
            j["started"] = js.started;
        }
        for (int d = 0; d < 2; ++d) {
            const auto& h = js.clat[d]->histogram();
            if (!h.count()) continue;
            j[d ? "write_clat_ns" : "read_clat_ns"] = {{"mean", h.mean()},
                                                       {"p50", h.percentile(50)},
                                                       {"p99", h.percentile(99)},
                                                       {"p99.9", h.percentile(99.9)},
                                                       {"max", h.max()}};
        }
        if (!js.job.verify.empty()) {
            j["verify_errors"] = js.verify_errors;
            j["verified_extents"] = js.verified;
            if (const auto& m = js.first_mismatch) {
                nlohmann::json x = {{"offset", m->offset}, {"length", m->length}};
                if (m->byte) {
                    x["byte"] = *m->byte;
                    x["got"] = m->got;
                    x["wanted"] = m->wanted;
                }
                j["verify_mismatch"] = std::move(x);
            }
        }
        if (js.sync_lat) {
            const auto& h = js.sync_lat->histogram();
            j["fsyncs"] = js.syncs;
            if (h.count())
                j["sync_lat_ns"] = {{"mean", h.mean()}, {"p50", h.percentile(50)}, {"p99", h.percentile(99)}, {"max", h.max()}};
        }
        jobs.push_back(std::move(j));
    }
    const auto& all = total_->histogram();
    nlohmann::json total = {{"ios", tot.ios},
                            {"bytes", tot.bytes},
                            {"iops", tot.per_s(tot.ios)},
                            {"bw_bytes_per_s", tot.per_s(tot.bytes)},
                            {"clat_ns", {{"mean", all.mean()}, {"p50", all.percentile(50)}, {"p99", all.percentile(99)},
                                         {"p99.9", all.percentile(99.9)}, {"max", all.max()}}},
                            {"errors", errors()}};
    nlohmann::json out = {{"jobs", jobs}, {"total", total}};
    if (grouped) {
        nlohmann::json gs = nlohmann::json::array();
        for (const auto& g : groups)
            gs.push_back({{"ios", g.ios},
                          {"bytes", g.bytes},
                          {"iops", g.per_s(g.ios)},
                          {"bw_bytes_per_s", g.per_s(g.bytes)},
                          {"start_ns", g.from == ~0ull ? 0.0 : double(g.from - start_ps_) * 1e-3},
                          {"runtime_ns", g.end > g.from && g.from != ~0ull ? double(g.end - g.from) * 1e-3 : 0.0}});
        out["groups"] = std::move(gs);
    }
    if (tg.size() > 1) {
        nlohmann::json ds = nlohmann::json::array();
        for (const unsigned t : tg) {
            const span& d = per_disk[t];
            ds.push_back({{"target", t},
                          {"ios", d.ios},
                          {"bytes", d.bytes},
                          {"iops", d.per_s(d.ios)},
                          {"bw_bytes_per_s", d.per_s(d.bytes)}});
        }
        out["disks"] = std::move(ds);
    }
    return out;
}

} // namespace ddisim::workloads
