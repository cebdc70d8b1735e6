// disk_config — parameters of a SCSI direct-access target (models/disk/):
// its medium (sparse store or raw image), identity strings, timing model
// (HDD, SSD or RAM disk), the HBA-port link it sits on, and injected faults.
// Plain C++ (the scenario parser includes it). Units: bytes, ps, Hz, bit/s.
// Formulas behind the timing fields: docs/disk.md.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/disk/seek_curve.h"
#include "tlm/core/params.h"

namespace ddisim::models {

// HDD: seek curve t(d) = a + b·sqrt(d) up to a break distance, linear beyond,
// fitted to the three seek figures (docs/disk.md §HDD); rotation from rpm.
struct disk_hdd_config {
    double rpm = 7200;                         // spindle speed, revolutions per minute
    std::uint64_t track_to_track = 230000000;  // ps, seek over one cylinder (WD HC310: 0.23 ms)
    std::uint64_t average_seek = 7400000000;   // ps, mean seek over uniformly random positions (HC310: 7.4 ms)
    std::uint64_t full_stroke = 15000000000;   // ps, seek across all cylinders
    std::uint64_t write_settle = 0;            // ps added to every seek of a write (HC310: ~0.8 ms)
    std::uint64_t cylinders = 100000;          // seek positions across the stroke
    double media_rate = 250e6 * 8;             // bit/s sustained media rate at the outer zone
    double inner_media_rate = 0;               // bit/s at the inner zone; 0 = same as media_rate (no zones)
    std::uint64_t overhead = 100000000;        // ps of controller time per media command (cache miss)
    std::uint64_t cache_hit = 50000000;        // ps to serve a read entirely from the cache
    std::uint64_t cache_size = 64ull << 20;    // bytes of read cache (0 = no cache)
    std::uint64_t read_ahead = 256ull << 10;   // bytes read past the end of a read miss into the cache
    bool write_cache = false;                  // write-back cache (WCE): writes complete once buffered
    // Command queue: "sptf" (shortest positioning time first, as tagged/native
    // command queueing drives do) or "fifo" (arrival order). With sptf, a media
    // command that finds the mechanism busy waits, and when it frees the
    // queued command that needs the least seek and rotation goes next; one
    // that has waited reorder_age_limit goes next whatever its position.
    std::string scheduling = "sptf";
    std::uint64_t reorder_age_limit = 500000000000; // ps (500 ms); 0 = no limit
};

// SSD: LBA → parallel unit by page striping; each unit is a busy-until timeline.
struct disk_ssd_config {
    std::uint64_t read_latency = 60000000;         // ps to read one page from flash (60 us)
    std::uint64_t program_latency = 600000000;     // ps to program one page (600 us)
    unsigned units = 16;                           // independent parallel units (dies/planes)
    std::uint64_t page_size = 16384;               // bytes per flash page (striping unit)
    std::uint64_t controller_overhead = 10000000;  // ps of controller time per command (10 us)
};

// RAM disk: fixed latency plus a shared bandwidth timeline.
struct disk_ram_config {
    std::uint64_t latency = 5000000;  // ps per command (5 us)
    double bandwidth = 32e9;          // bit/s of the data path (4 GB/s)
};

// Link of the HBA port: line rate and its encoding.
struct disk_link_config {
    double rate = 12e9;                // bit/s line rate of one lane (SAS-3 12 Gb/s)
    std::string encoding = "8b10b";    // 8b10b (SAS-1/2/3) | 128b130b | 128b150b (SAS-4) | none
    double efficiency = 1.0;           // fraction of the encoded rate left after framing (B5: ≈0.92)
};

// A run of LBAs whose reads fail with MEDIUM ERROR / UNRECOVERED READ ERROR.
struct disk_medium_error {
    std::uint64_t lba = 0;    // first failing LBA
    std::uint64_t count = 1;  // number of consecutive failing LBAs
    bool write = false;       // writes to them fail too (MEDIUM ERROR / WRITE ERROR)
};

// A time window during which every command is answered with BUSY or TASK SET FULL.
struct disk_busy_window {
    std::uint64_t from = 0;           // ps, first arrival time affected
    std::uint64_t until = 0;          // ps, end of the window (exclusive)
    std::string status = "busy";      // busy | task_set_full
};

struct disk_fault_config {
    std::vector<disk_medium_error> medium_errors;  // LBA runs with unrecoverable errors
    std::uint64_t medium_error_delay = 0;          // ps of retries a drive spends before reporting a medium error
    std::uint64_t busy_every = 0;                  // every Nth command gets BUSY (0 = never)
    std::uint64_t task_set_full_every = 0;         // every Nth command gets TASK SET FULL (0 = never)
    double busy_probability = 0;                   // each command gets BUSY with this probability
    double task_set_full_probability = 0;          // … TASK SET FULL with this probability
    std::uint64_t seed = 1;                        // the probabilities' draws: a hash of this and the command's number
    std::vector<disk_busy_window> busy_windows;    // time windows answered with BUSY / TASK SET FULL
    std::uint64_t reset_at = 0;                    // ps, time of a target reset (0 = none); next command sees UNIT ATTENTION
    bool power_on_unit_attention = false;          // the first command after power-on sees UNIT ATTENTION too
};

struct disk_config {
    std::string kind = "hdd";                  // hdd | ssd | ram: timing model
    std::uint64_t capacity = 1000000000000;    // bytes (1 TB); with an image, 0 = the image's size
    std::uint64_t block_size = 512;            // bytes per logical block: 512 or 4096
    std::string image = "";                    // raw image file backing the medium ("" = sparse store, zeros)
    bool writable = false;                     // image opened read-write (else WRITE gets DATA PROTECT)
    unsigned luns = 1;                         // logical units 0..luns-1 (each its own sparse medium)
    std::string vendor = "DDISIM";             // T10 vendor identification (≤ 8 ASCII)
    std::string product = "VIRTUAL DISK";      // product identification (≤ 16 ASCII)
    std::string revision = "0001";             // product revision level (≤ 4 ASCII)
    std::string serial = "DDS0000001";         // unit serial number (≤ 20 ASCII), also seeds the NAA id
    std::uint64_t command_overhead = 20000000; // ps to answer a non-media command (INQUIRY, MODE SENSE, …)
    disk_hdd_config hdd;
    disk_ssd_config ssd;
    disk_ram_config ram;
    disk_link_config link;
    disk_fault_config faults;
};

inline void describe(ddisim::tlm::param_group& g, disk_medium_error& c) {
    g.count("lba", c.lba, "first LBA whose reads fail");
    g.count("count", c.count, "consecutive failing LBAs", {1, {}});
    g.flag("write", c.write, "writes to these LBAs fail as well");
}

inline void describe(ddisim::tlm::param_group& g, disk_busy_window& c) {
    g.time("from", c.from, "first arrival time answered with the status");
    g.time("until", c.until, "end of the window (exclusive)");
    g.choice("status", c.status, {"busy", "task_set_full"}, "status byte returned: BUSY (0x08) or TASK SET FULL (0x28)");
}

inline void describe(ddisim::tlm::param_group& g, disk_config& c) {
    g.choice("kind", c.kind, {"hdd", "ssd", "ram"}, "timing model of the medium");
    g.size("capacity", c.capacity, "medium size; with an image 0 means the image's size", {0, double(1ull << 50)});
    g.size("block_size", c.block_size, "logical block length: 512 or 4096", {512, 4096});
    g.text("image", c.image, "raw image file holding the medium (empty: sparse store reading zeros)");
    g.flag("writable", c.writable, "open the image read-write (otherwise writes get DATA PROTECT)");
    g.count("luns", c.luns, "logical units 0..luns-1 reported by REPORT LUNS (sparse media only when > 1)", {1, 16});
    g.text("vendor", c.vendor, "T10 vendor identification in INQUIRY (at most 8 ASCII characters)");
    g.text("product", c.product, "product identification in INQUIRY (at most 16 ASCII characters)");
    g.text("revision", c.revision, "product revision level in INQUIRY (at most 4 ASCII characters)");
    g.text("serial", c.serial, "unit serial number (VPD 0x80, at most 20 ASCII characters); seeds the NAA identifier");
    g.time("command_overhead", c.command_overhead, "service time of a command that does not touch the medium", {0, 1e12});

    auto& h = g.group("hdd", "hard disk timing (kind: hdd)");
    h.real("rpm", c.hdd.rpm, "spindle speed", {1000, 30000}).unit = "rpm";
    h.time("track_to_track", c.hdd.track_to_track, "seek time over one cylinder", {1e6, 1e11});
    h.time("average_seek", c.hdd.average_seek, "mean seek time over random positions", {1e6, 1e11});
    h.time("full_stroke", c.hdd.full_stroke, "seek time across the whole stroke", {1e6, 1e11});
    h.time("write_settle", c.hdd.write_settle, "extra settle time added to each seek of a write", {0, 1e11});
    h.count("cylinders", c.hdd.cylinders, "seek positions across the stroke", {16, 1e7});
    h.bitrate("media_rate", c.hdd.media_rate, "sustained media transfer rate at the outer zone", {1e6, 1e12});
    h.bitrate("inner_media_rate", c.hdd.inner_media_rate, "media rate at the inner zone (0: no zones)", {0, 1e12});
    h.time("overhead", c.hdd.overhead, "controller overhead per media access", {0, 1e11});
    h.time("cache_hit", c.hdd.cache_hit, "service time of a read served from the cache", {0, 1e11});
    h.size("cache_size", c.hdd.cache_size, "read cache size (0: none)", {0, double(1ull << 32)});
    h.size("read_ahead", c.hdd.read_ahead, "bytes read ahead into the cache after a read miss", {0, double(1ull << 30)});
    h.flag("write_cache", c.hdd.write_cache, "write-back cache (WCE): writes complete when buffered, FUA forces the medium");
    h.choice("scheduling", c.hdd.scheduling, {"sptf", "fifo"}, "order of queued media commands: shortest positioning time first (command queueing) or arrival order");
    h.time("reorder_age_limit", c.hdd.reorder_age_limit, "sptf: a command queued this long goes next whatever its position (0 = no limit)", {0, 1e14});

    auto& s = g.group("ssd", "flash timing (kind: ssd)");
    s.time("read_latency", c.ssd.read_latency, "time to read one flash page", {1, 1e11});
    s.time("program_latency", c.ssd.program_latency, "time to program one flash page", {1, 1e11});
    s.count("units", c.ssd.units, "independent parallel units (dies/planes)", {1, 4096});
    s.size("page_size", c.ssd.page_size, "flash page size, the striping unit (multiple of block_size)", {512, double(1 << 20)});
    s.time("controller_overhead", c.ssd.controller_overhead, "controller time per command", {0, 1e11});

    auto& r = g.group("ram", "RAM disk timing (kind: ram)");
    r.time("latency", c.ram.latency, "fixed latency per command", {0, 1e11});
    r.bitrate("bandwidth", c.ram.bandwidth, "data path bandwidth shared by all commands", {1e6, 1e13});

    auto& l = g.group("link", "HBA port link");
    l.bitrate("rate", c.link.rate, "line rate of the port (e.g. 12Gb/s for SAS-3)", {1e6, 1e12});
    l.choice("encoding", c.link.encoding, {"8b10b", "128b130b", "128b150b", "none"}, "line encoding: 8b10b (SAS-1..3), 128b150b (SAS-4), 128b130b (PCIe 3+), none");
    l.real("efficiency", c.link.efficiency, "fraction of the decoded rate left after framing and protocol overhead", {0.1, 1.0});

    auto& f = g.group("faults", "fault injection");
    f.list_of("medium_errors", "LBA runs whose reads end in MEDIUM ERROR / UNRECOVERED READ ERROR", c.faults.medium_errors);
    f.time("medium_error_delay", c.faults.medium_error_delay, "retry time spent before a medium error is reported", {0, 1e13});
    f.count("busy_every", c.faults.busy_every, "every Nth command is answered with BUSY (0: never)");
    f.count("task_set_full_every", c.faults.task_set_full_every, "every Nth command is answered with TASK SET FULL (0: never)");
    f.real("busy_probability", c.faults.busy_probability,
           "each command is answered with BUSY with this probability (independently of busy_every)", {0, 1});
    f.real("task_set_full_probability", c.faults.task_set_full_probability,
           "each command is answered with TASK SET FULL with this probability", {0, 1});
    f.count("seed", c.faults.seed,
            "seed of the probability draws (a hash of it and the command's number; the platform mixes in run.seed and "
            "the target's index)");
    f.list_of("busy_windows", "time windows in which every command gets BUSY or TASK SET FULL", c.faults.busy_windows);
    f.time("reset_at", c.faults.reset_at, "time of a target reset (0: none); the next command per LUN gets UNIT ATTENTION");
    f.flag("power_on_unit_attention", c.faults.power_on_unit_attention, "the first command per LUN gets UNIT ATTENTION (power on)");
}

// Cross-field checks the per-field ranges cannot express. Throws
// std::invalid_argument naming the key (relative to the disk's group). The
// image size is checked when the target opens it (scsi_target's constructor).
inline void validate(const disk_config& c) {
    auto fail = [](const std::string& m) { throw std::invalid_argument(m); };
    auto ascii = [&](const char* key, const std::string& s, std::size_t max) {
        if (s.size() > max) fail(std::string(key) + ": at most " + std::to_string(max) + " characters, got '" + s + "'");
        for (char ch : s)
            if (ch < 0x20 || ch > 0x7e) fail(std::string(key) + ": printable ASCII only, got '" + s + "'");
    };
    if (c.kind != "hdd" && c.kind != "ssd" && c.kind != "ram") fail("kind: expected hdd, ssd or ram, got '" + c.kind + "'");
    if (c.block_size != 512 && c.block_size != 4096)
        fail("block_size: must be 512 or 4096, got " + std::to_string(c.block_size));
    if (c.capacity % c.block_size != 0)
        fail("capacity: " + std::to_string(c.capacity) + " bytes is not a multiple of block_size " + std::to_string(c.block_size));
    if (c.image.empty() && c.capacity == 0) fail("capacity: 0 is only allowed with an image (it then means the image's size)");
    if (!c.image.empty() && c.luns > 1) fail("luns: more than one logical unit needs the sparse store (image is set)");
    ascii("vendor", c.vendor, 8);
    ascii("product", c.product, 16);
    ascii("revision", c.revision, 4);
    ascii("serial", c.serial, 20);
    if (c.serial.empty()) fail("serial: must not be empty");

    const auto& h = c.hdd;
    if (!(h.rpm >= 1000 && h.rpm <= 30000)) fail("hdd.rpm: must lie in 1000 … 30000");
    if (h.cylinders < 16) fail("hdd.cylinders: at least 16");
    if (!(h.media_rate > 0)) fail("hdd.media_rate: must be positive");
    if (!(h.track_to_track < h.average_seek && h.average_seek < h.full_stroke))
        fail("hdd: need track_to_track < average_seek < full_stroke");
    double D = double(h.cylinders - 1);
    double lo = seek_curve::min_mean(double(h.track_to_track), double(h.full_stroke), D);
    double hi = seek_curve::max_mean(double(h.track_to_track), double(h.full_stroke), D);
    if (double(h.average_seek) < lo || double(h.average_seek) > hi)
        fail("hdd.average_seek: no seek curve through these track_to_track and full_stroke has this mean; it must lie in [" +
             tlm::format_time_ps(std::uint64_t(std::ceil(lo))) + ", " + tlm::format_time_ps(std::uint64_t(hi)) + "]");
    if (h.inner_media_rate > h.media_rate) fail("hdd.inner_media_rate: must not exceed media_rate (outer zone)");
    if (h.read_ahead > h.cache_size) fail("hdd.read_ahead: must not exceed cache_size");

    if (c.ssd.units == 0) fail("ssd.units: at least 1");
    if (!(c.ram.bandwidth > 0)) fail("ram.bandwidth: must be positive");
    if (!(c.link.rate > 0) || !(c.link.efficiency > 0 && c.link.efficiency <= 1))
        fail("link: rate must be positive and efficiency in (0, 1]");
    if (c.ssd.page_size == 0 || c.ssd.page_size % c.block_size != 0)
        fail("ssd.page_size: must be a multiple of block_size " + std::to_string(c.block_size));

    std::uint64_t blocks = c.capacity / c.block_size;
    for (std::size_t i = 0; i < c.faults.medium_errors.size(); ++i) {
        const auto& m = c.faults.medium_errors[i];
        if (c.capacity != 0 && (m.lba >= blocks || m.count > blocks - m.lba))
            fail("faults.medium_errors[" + std::to_string(i) + "]: LBAs " + std::to_string(m.lba) + "+" +
                 std::to_string(m.count) + " lie beyond the last LBA " + std::to_string(blocks - 1));
        if (m.count == 0) fail("faults.medium_errors[" + std::to_string(i) + "].count: must be at least 1");
    }
    for (std::size_t i = 0; i < c.faults.busy_windows.size(); ++i) {
        const auto& w = c.faults.busy_windows[i];
        if (w.until <= w.from) fail("faults.busy_windows[" + std::to_string(i) + "]: until must be after from");
        if (w.status != "busy" && w.status != "task_set_full")
            fail("faults.busy_windows[" + std::to_string(i) + "].status: expected busy or task_set_full");
    }
}

} // namespace ddisim::models
