// fio job files: parser, per-job I/O stream generator and verify log.
//
// `ddisim run [scenario.yaml] --fio JOB.fio` runs fio-style jobs on the
// scenario's platform: each job (and each numjobs clone) is one simulated CPU
// thread that keeps up to `iodepth` I/Os in flight through the sd driver.
// This header is the self-contained front end (no SystemC): it turns a job
// file into fio_job structs, and a fio_job into the deterministic sequence of
// I/Os that thread issues. docs/fio.md lists every option.
//
// Syntax: fio's ini format. `[global]` sections set defaults for the job
// sections after them (a later [global] affects only later jobs, as in fio);
// every other `[name]` is a job. `key=value` or a bare flag (`time_based`),
// whole-line comments starting with ';' or '#', `${VAR}` expanded from the
// environment given in fio_parse_options. Sizes follow fio: with the default
// kb_base=1024, k/K/kb/KB = 1024 (m, g, t, p likewise); "4KiB" is refused,
// because fio reads it as 4000 under kb_base=1024; with kb_base=1000, k = 1000
// and KiB = 1024. Times: a bare number is seconds (runtime, ramp_time,
// startdelay) or microseconds (thinktime); suffixes us, ms, s, m, h, d.
//
// Never silent: options that mean nothing in a model (ioengine, direct,
// filename, group_reporting …) are accepted and give a fio_note; options that
// would change the result but are not modelled throw fio_error, like unknown
// options ("did you mean …?"). Errors read
//   jobs.fio:12:1: bsrange: expected MIN-MAX such as 512-64k, got '4k'
#pragma once
#include <cstdint>
#include <map>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ddisim::config {

struct fio_error : std::runtime_error {
    fio_error(std::string file, int line, int column, std::string key, std::string message);
    std::string file;    // display name of the job file
    int line = 0;        // 1-based; 0 when the error concerns the whole file
    int column = 0;      // 1-based
    std::string key;     // the option ("bsrange"), "" for syntax errors
    std::string message; // the reason alone
};

// An option accepted without effect on the model, with why.
struct fio_note {
    std::string file;
    int line = 0;
    std::string key;
    std::string message;
    std::string to_string() const; // "jobs.fio:3: ioengine: …"
};

enum class fio_rw { read, write, randread, randwrite, rw, randrw };
const char* to_string(fio_rw rw);
bool is_random(fio_rw rw);
bool has_reads(fio_rw rw);
bool has_writes(fio_rw rw);

// Block sizes of one direction: a fixed size (min == max, no split), a range
// (bsrange: multiples of min up to max, uniformly) or a split (bssplit: each
// size with its percentage, the percentages adding up to 100).
struct fio_block_sizes {
    std::uint64_t min = 4096;
    std::uint64_t max = 4096;
    std::vector<std::pair<std::uint64_t, unsigned>> split; // (bytes, percent)
    bool fixed() const { return split.empty() && min == max; }
};

// random_distribution: how a random job draws its offsets (fio's names).
// zipf, pareto and normal draw a rank from that popularity law over the
// region's blockalign units and scatter the ranks over the region by a fixed
// permutation (fio scatters them by a hash); zoned and zoned_abs split the
// region into consecutive zones, each drawn uniformly with its share of the
// I/Os.
enum class fio_dist { random, zipf, pareto, normal, zoned, zoned_abs };

struct fio_zone {
    unsigned access = 0;        // % of the direction's random offsets
    unsigned size_percent = 0;  // zoned: % of the region
    std::uint64_t size = 0;     // zoned_abs: bytes
};

// A data pattern of verify_pattern / buffer_pattern, as fio's lib/pattern
// reads it: "strings", decimal numbers (INT_MIN … INT_MAX, their bytes
// little-endian, as few as hold the value), 0x hex bytes as written, and %o
// (verify_pattern only: 8 bytes, the I/O's offset little-endian), at most
// 512 bytes in all. A buffer holds the pattern repeated from its first byte.
struct fio_pattern {
    std::vector<std::uint8_t> bytes;       // one period; empty: no pattern
    std::vector<std::size_t> offset_at;    // where each %o's 8 bytes start
    bool empty() const { return bytes.empty(); }
    // buf[0, len) as an I/O at io_offset carries it.
    void fill(std::uint8_t* buf, std::size_t len, std::uint64_t io_offset) const;
    // The first byte of data[0, len) that differs from fill(…, io_offset), or len.
    std::size_t first_mismatch(const std::uint8_t* data, std::size_t len, std::uint64_t io_offset) const;
    // Byte i of the pattern as an I/O at io_offset carries it.
    std::uint8_t at(std::size_t i, std::uint64_t io_offset) const;
};
inline constexpr std::size_t fio_pattern_max = 512; // fio's MAX_PATTERN_SIZE

// A malformed pattern: the reason, and where in the text (0-based).
struct fio_pattern_error : std::invalid_argument {
    std::size_t pos;
    fio_pattern_error(const std::string& what, std::size_t at) : std::invalid_argument(what), pos(at) {}
};
// Parses a pattern (fio_pattern_error when malformed); formats: %o allowed.
fio_pattern parse_fio_pattern(const std::string& text, bool formats);

struct fio_job {
    std::string name;              // the section name (or name=); numjobs clones share it
    unsigned clone = 0;            // 0 … numjobs-1
    unsigned ordinal = 0;          // position among all jobs of the file (clones included)
    int line = 0;                  // line of the [section] header
    fio_rw rw = fio_rw::read;
    std::uint64_t rw_modifier = 0; // rw=randread:8 → 8 I/Os per random offset; rw=write:4k → 4096 B skipped after each I/O
    fio_block_sizes bs[2];         // [0] reads, [1] writes
    std::uint64_t blockalign[2] = {0, 0}; // random offsets are multiples of this (0 = the direction's min bs)
    unsigned rwmixread = 50;       // % of reads in rw/randrw
    unsigned iodepth = 1;          // I/Os in flight (1 for synchronous ioengines)
    unsigned iodepth_low = 0;      // once full, refill only when in flight ≤ this (0 or > iodepth: iodepth)
    unsigned batch_complete_min = 1; // iodepth_batch_complete_min: a wait reaps once this many are done (0: 1)
    std::uint64_t size = 0;        // bytes of the region (0 = from offset to the end of the disk)
    unsigned size_percent = 0;     // size given as % of the disk (takes the place of size when set)
    std::uint64_t offset = 0;      // first byte of the region
    unsigned offset_percent = 0;   // offset given as % of the disk
    std::uint64_t offset_increment = 0; // added to offset once per clone (clone * increment)
    std::uint64_t io_size = 0;     // bytes to transfer per loop (0 = size)
    std::uint64_t number_ios = 0;  // stop after this many I/Os (0 = no limit)
    unsigned loops = 1;            // repeat the job's I/O this many times
    std::uint64_t runtime = 0;     // ps; stop after this long (0 = no limit)
    bool time_based = false;       // run for runtime even when io_size is done (the stream never ends)
    std::uint64_t ramp_time = 0;   // ps at the start not counted in the statistics
    std::uint64_t startdelay = 0;  // ps before the job starts
    std::uint64_t thinktime = 0;   // ps the thread waits after each thinktime_blocks I/Os
    // rate / rate_iops per direction (read, write; 0 = no limit): the job
    // issues no faster than this many bytes or I/Os per second, evenly
    // (rate_process=linear) or as a Poisson process.
    std::uint64_t rate[2] = {0, 0};
    std::uint64_t rate_iops[2] = {0, 0};
    bool rate_poisson = false;
    bool rated() const { return rate[0] || rate[1] || rate_iops[0] || rate_iops[1]; }
    // rate_min / rate_iops_min per direction (0 = none): once the job has
    // run 2 s (fio's settle period), its rate over each rate_cycle must
    // reach them, else it ends with EIO, as fio's check_min_rate.
    std::uint64_t rate_min[2] = {0, 0};
    std::uint64_t rate_iops_min[2] = {0, 0};
    std::uint64_t rate_cycle = 1'000'000'000'000ull; // ps (fio's ratecycle, given in ms; default 1000)
    bool min_rated() const { return rate_min[0] || rate_min[1] || rate_iops_min[0] || rate_iops_min[1]; }
    unsigned thinktime_blocks = 1;
    bool randrepeat = true;        // true: same random sequence in every run; false: the run seed is mixed in
    std::uint64_t randseed = 0x5eed; // base seed of the job's random streams
    bool norandommap = false;      // false: random fixed-size I/O touches each block once per pass
    fio_dist distribution = fio_dist::random; // random_distribution (anything else implies norandommap, as fio)
    double dist_param = 0;         // zipf: theta; pareto: h; normal: dev (% of the region)
    std::vector<fio_zone> zones[2]; // zoned / zoned_abs, per direction (read, write)
    unsigned percentage_random[2] = {100, 100}; // random jobs: % of I/Os at a random offset, the rest follow on
    std::string verify;            // "" = off; "crc32c" (checksum of each write) or "pattern" (verify_pattern)
    fio_pattern verify_pattern;    // with verify: what writes carry (else fio_fill_buffer's bytes)
    fio_pattern buffer_pattern;    // without verify: what writes carry (else the buffers are left as they are)
    // write_lat_log / write_bw_log / write_iops_log: the log files' name
    // prefix ("" = not written; the job's name when the option is bare);
    // log_avg_msec: average over windows of this many ps (0: an entry per
    // I/O; bandwidth and IOPS logs need it); log_offset: entries give the
    // I/O's offset; per_job_logs=0: jobs with one prefix share one file.
    std::string lat_log, bw_log, iops_log;
    std::uint64_t log_avg_ps = 0;
    bool log_offset = false, per_job_logs = true;
    bool do_verify = true;         // with verify: read back and check after the write phase
    bool verify_fatal = false;     // stop the job at the first mismatch
    // continue_on_error: which failed I/Os (EIO or EILSEQ; fio's non-fatal
    // errors) the job goes on after; by default the first failure ends it.
    bool continue_read = false, continue_write = false;
    bool continue_verify = false;  // continue_on_error=verify|all: a verify mismatch does not end the verify phase
    // fsync / fdatasync=N: after every N writes issued the job flushes the
    // disk's write cache (SYNCHRONIZE CACHE through sd) and waits for it, as
    // fio's fsync(2) of a block device; end_fsync: once after the write
    // phase; fsync_on_close: once at the job's end.
    unsigned fsync_blocks = 0, fdatasync_blocks = 0;
    bool end_fsync = false, fsync_on_close = false;
    bool syncs() const { return fsync_blocks || fdatasync_blocks || end_fsync || fsync_on_close; }
    bool synchronous() const; // a synchronous ioengine (psync, sync …): each I/O completes before the next call
    std::uint64_t iomem_align = 0; // I/O buffer alignment offset in bytes (mem_align)
    // Groups, as fio numbers them: `stonewall` (wait_for_previous) or
    // `new_group` on a job with jobs before it starts the next reporting
    // group (fio's groupid; numjobs clones share their job's); `stonewall`
    // also raises the barrier: a job starts only when every job of a lower
    // barrier has ended.
    unsigned group = 0;
    unsigned barrier = 0;
    std::string wait_for;          // wait_for: starts when every clone of this earlier job has ended
    // When this job ends, the jobs it terminates (fio's exit_what): with
    // fio_job_file::exitall always, with exitall_on_error when it ended on
    // an error. Terminated jobs issue no more I/Os (those in flight
    // complete) and skip their verify phase; jobs not yet started never do.
    enum class exit_scope { group, stonewall, all };
    exit_scope exit_what = exit_scope::group; // group: its group; stonewall: the running jobs; all: every job
    bool exitall_on_error = false;
    std::string ioengine = "psync";
    // filename naming one of the HBA's disks (/dev/rdsk/c0t<T>d0p0 …): its
    // target; none: the scenario's workload.fio.target (the platform fills
    // it in before the jobs run). filename_line/col: where it was named.
    std::optional<unsigned> target;
    int filename_line = 0, filename_col = 0;
    std::vector<double> percentile_list; // clat percentiles reported (empty = fio's default list)
    // The options as written for this job (its own section only), for the
    // JSON "job options"; the [global] ones are in fio_job_file.
    std::vector<std::pair<std::string, std::string>> options;

    bool reads() const { return has_reads(rw); }
    bool writes() const { return has_writes(rw); }
    // Simulated-time bounds, in ps from the start of the run for a job no
    // stonewall holds back: the thread starts issuing at start_ps(); I/Os
    // completing before measure_from_ps() are not counted; it stops issuing
    // at stop_ps() (0 = when the stream ends). A job a stonewall holds back
    // past start_ps() starts when the barrier opens, and the other two move
    // with it (runtime and ramp_time count from the job's own start, as fio).
    std::uint64_t start_ps() const { return startdelay; }
    std::uint64_t measure_from_ps() const { return startdelay + ramp_time; }
    std::uint64_t stop_ps() const { return runtime ? startdelay + ramp_time + runtime : 0; }
};

struct fio_job_file {
    std::string file;                // display name
    std::vector<fio_job> jobs;       // numjobs clones expanded, in file order
    std::vector<fio_note> notes;     // options accepted without effect, with the reason
    std::vector<std::pair<std::string, std::string>> global_options; // every [global] option as written
    // exitall in any job (fio's global switch): every job's end terminates
    // the jobs its exit_what names.
    bool exitall = false;
    unsigned groups() const { return jobs.empty() ? 0 : jobs.back().group + 1; }
};

struct fio_parse_options {
    std::map<std::string, std::string> env; // ${VAR} values
    bool use_process_env = false;            // also look ${VAR} up with getenv (after env)
    std::map<std::string, unsigned> devices; // filename values standing for HBA targets (workload.fio.devices)
};

// "NAME=VALUE;NAME=VALUE" (workload.fio.vars) as a map; throws
// std::invalid_argument on a malformed entry or a name used twice.
std::map<std::string, std::string> parse_fio_vars(const std::string& text);
// "NAME=TARGET;…" (workload.fio.devices: a device name, as a job's
// filename gives it, standing for an HBA target) as a map; throws
// std::invalid_argument on a malformed entry, a target that is no number
// below 256 or a name given twice.
std::map<std::string, unsigned> parse_fio_devices(const std::string& text);

// Parse job-file text; display_name is used as the file in errors and notes.
fio_job_file parse_fio_text(const std::string& text, const std::string& display_name,
                            const fio_parse_options& opts = {});
// Read and parse the file at path (${VAR} from the process environment too).
fio_job_file load_fio_file(const std::string& path,
                           fio_parse_options opts = {.env = {}, .use_process_env = true, .devices = {}});

// fio's size syntax ("4k", "1m", "0x1000", "512b"); throws std::invalid_argument.
std::uint64_t parse_fio_size(const std::string& s, unsigned kb_base = 1024);
// fio's time syntax ("10", "500ms", "2m") in ps; a bare number is in default_unit_ps.
std::uint64_t parse_fio_time(const std::string& s, std::uint64_t default_unit_ps);

// The option tables, for docs/fio.md and its test: the options the model
// honours, those accepted with a note (key -> why), those refused (key -> why)
// and the aliases (alias -> option).
struct fio_option_tables {
    const std::vector<std::string>& supported;
    const std::map<std::string, std::string>& noted;
    const std::map<std::string, std::string>& refused;
    const std::map<std::string, std::string>& aliases;
};
fio_option_tables fio_options();

// fio's default clat percentile list (1, 5, 10, 20 … 99.99).
const std::vector<double>& fio_default_percentiles();

// ---------------------------------------------------------------- I/O stream

struct fio_io {
    std::uint64_t offset = 0; // byte offset on the disk
    std::uint64_t length = 0; // bytes
    bool is_write = false;
    std::uint64_t index = 0;  // 0, 1, 2 … in issue order
};

// The deterministic I/O sequence of one job. Same job, run seed and capacity:
// same sequence. Offsets lie in [region_start, region_end), are multiples of
// the blockalign (random) or follow each other (sequential, wrapping to the
// region start at its end) and every I/O fits in the region. Separate random
// streams choose direction, block size and offset, so changing rwmixread does
// not move the offsets of the other direction.
//
// The constructor resolves percentages against the capacity and throws
// fio_error (at the job's line) when the region does not fit the disk, a
// block size is not a multiple of sector_size or is larger than the region.
class fio_stream {
public:
    fio_stream(const fio_job& job, std::uint64_t run_seed, std::uint64_t capacity_bytes,
               std::uint64_t sector_size = 512, const std::string& file = "");

    // The next I/O, or nullopt when the job's I/O is done: io_size (× loops)
    // bytes or number_ios I/Os, whichever comes first. A time_based job never
    // ends here; its thread stops at runtime.
    // steer (optional) may turn the direction drawn for a mixed job (0 read,
    // 1 write) to the other, as fio's rate limiting does.
    std::optional<fio_io> next(const std::function<int(int)>& steer = nullptr);

    std::uint64_t region_start() const { return start_; }
    std::uint64_t region_end() const { return end_; }
    std::uint64_t issued_ios() const { return ios_; }
    std::uint64_t issued_bytes() const { return bytes_; }
    std::uint64_t byte_budget() const { return budget_; } // io_size × loops (0 when time_based)

private:
    struct rng {
        std::uint64_t s[4];
        explicit rng(std::uint64_t seed);
        std::uint64_t next();
        std::uint64_t below(std::uint64_t n); // uniform in [0, n)
    };
    std::uint64_t pick_bs(int dir, std::uint64_t limit);
    std::uint64_t pick_random_offset(int dir, std::uint64_t len);
    std::uint64_t permuted(std::uint64_t i) const;
    std::uint64_t distributed_offset(int dir, std::uint64_t len);

    fio_job job_;
    std::uint64_t start_ = 0, end_ = 0, budget_ = 0;
    std::uint64_t ios_ = 0, bytes_ = 0;
    rng dir_rng_, bs_rng_, off_rng_, seq_rng_; // seq_rng_: percentage_random's draws
    std::uint64_t seq_pos_[2] = {0, 0};   // next sequential offset per direction
    std::uint64_t run_left_[2] = {0, 0};  // I/Os left in a rw=randX:N sequential run
    // Random map: fixed block size, no norandommap → a permutation of the
    // region's blocks, a new one each pass.
    bool use_map_[2] = {false, false};
    std::uint64_t map_blocks_ = 0, map_pos_ = 0, map_pass_ = 0, map_bits_ = 0;
    std::uint64_t map_key_ = 0, map_base_ = 0, map_unit_ = 0;
    // random_distribution other than random, per direction (fio.cpp)
    struct dist_state {
        std::uint64_t first = 0, unit = 0; // first aligned offset, blockalign
        std::uint64_t n = 0;               // ranks: units where the smallest block fits
        unsigned bits = 0;                 // permutation scattering the ranks
        std::uint64_t key = 0;
        double zipf_hx1 = 0, zipf_hn = 0, zipf_s = 0; // zipf: rejection-inversion constants
        std::vector<std::pair<std::uint64_t, std::uint64_t>> zones; // zoned: [start, end) in bytes
        std::vector<unsigned> cum_access;  // zoned: cumulative access %
    };
    dist_state dist_[2];
};

// ---------------------------------------------------------------- verify

// CRC-32C (Castagnoli, reflected, as fio's verify=crc32c and iSCSI use).
std::uint32_t crc32c(const void* data, std::size_t len, std::uint32_t crc = 0);

// Deterministic buffer contents for a write: a function of the job's seed,
// the offset and a generation number (so a rewrite of the same block differs).
void fio_fill_buffer(std::uint8_t* buf, std::size_t len, std::uint64_t seed, std::uint64_t offset,
                     std::uint64_t generation);

// What was written where, for verify=crc32c: the checksum of each written
// extent, keyed by offset. A later write replaces whatever it overlaps (the
// overlapped older extents are dropped, as fio's verify log does).
class fio_verify_log {
public:
    void record_write(std::uint64_t offset, const std::uint8_t* data, std::size_t len);
    // verify=pattern: the extent alone, no checksum (its bytes are checked
    // against the pattern, not with check_read)
    void record_extent(std::uint64_t offset, std::size_t len);
    // Drops every extent overlapping [offset, offset + len): a write there
    // failed, so the blocks may hold the old data, the new or a mix (fio
    // unlogs a failed write the same way).
    void forget(std::uint64_t offset, std::size_t len);
    enum class result { match, mismatch, not_written };
    // Checks data read at offset against every recorded extent it fully
    // covers; not_written when it covers none.
    result check_read(std::uint64_t offset, const std::uint8_t* data, std::size_t len) const;
    std::size_t extents() const { return log_.size(); }
    const std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>>& entries() const { return log_; }

private:
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> log_; // offset -> (length, crc)
};

} // namespace ddisim::config
