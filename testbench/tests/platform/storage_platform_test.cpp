// The platform's storage path (platform.hba + workload.kind fio): cross-key
// checks, and fio jobs through sd → SCSA → hba_drv → DDI → HBA → IOMMU →
// bus → DRAM with every written block read back and checked.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "sw/drivers/hba_drv.h"
#include "sw/kernel/kernel.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"
#include "testbench/platform/progress.h"
#include "tlm/core/stats.h"

using namespace ddisim;

namespace {
std::string refusal(const config::scenario& s) {
    try {
        platform::platform p(s);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}
double stat_value(const std::string& name) {
    const auto* s = tlm::stats_registry::instance().find(name);
    return s ? s->value() : -1;
}
// The default scenario with `sets` and the fio job text `job`, run to its
// end; its headline in *headline (if given); `after` runs while the platform
// (and so its statistics) still lives.
platform::run_outcome run_job(std::vector<std::string> sets, const std::string& job,
                              nlohmann::json* headline = nullptr, const std::function<void()>& after = {}) {
    sets.push_back("run.progress=false");
    auto s = config::load_default_scenario(sets);
    s.workload.fio.job = job;
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    if (headline) *headline = p.headline(o);
    if (after) after();
    return o;
}
} // namespace

TEST_CASE("storage platform: the DMA controller and the HBA share the IOMMU, each in its own domain") {
    auto s = config::load_default_scenario({"platform.dmac.present=true", "run.progress=false"});
    s.workload.fio.job = "[r]\nioengine=libaio\nrw=randread\nbs=4k\niodepth=8\nnumber_ios=200\n";
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    // Two devices, two requester ids, two domains: both context entries read.
    CHECK(stat_value("iommu.faults") == 0);
    CHECK(stat_value("iommu.translations") > 0);
    CHECK(stat_value("iommu.context_reads") >= 1);
}

TEST_CASE("storage platform: workload.fio.target beyond the HBA's targets is refused") {
    const auto e = refusal(config::load_default_scenario({"workload.fio.target=3"}));
    CHECK(e.find("workload.fio.target (3)") != std::string::npos);
    CHECK(e.find("1 disk") != std::string::npos);
}

TEST_CASE("storage platform: workload.kind fio without an HBA is refused") {
    const auto e = refusal(config::load_default_scenario({"platform.hba.present=false"}));
    CHECK(e.find("platform.hba.present is false") != std::string::npos);
}

TEST_CASE("storage platform: random writes with verify through a 32-bit HBA and the IOMMU (strict), fragmented high buffers") {
    auto s = config::load_default_scenario({"platform.hba.address_bits=32", "software.placement=high_first",
                                            "run.progress=false"});
    s.workload.fio.job = "[w]\nioengine=libaio\nrw=randwrite\nbsrange=512-64k\niodepth=16\nsize=8m\n"
                         "verify=crc32c\n";
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    const auto h = p.headline(o);
    INFO(h.dump(2));
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    const auto& j = h["fio"]["jobs"][0];
    // The job ends when io_size (= size, 8 MiB) has been written.
    CHECK(j["bytes"] == 8ull << 20);
    CHECK(j["ios"].get<std::uint64_t>() >= (8ull << 20) / (64 << 10));
    CHECK(j["errors"] == 0);
    CHECK(j["verify_errors"] == 0);
    CHECK(j["verified_extents"].get<std::uint64_t>() > 0);
    // Every data transfer went through the IOMMU: DVMA addresses translated.
    CHECK(stat_value("iommu.translations") > 0);
}

// ---------------------------------------------------------------- the HBA's own limits
// max_sgl_entries and max_transfer are the controller's: the driver reads
// them (MAX_SGL, MAX_XFER) and narrows its data attributes, so a bind never
// yields an SGL or a length the HBA refuses; larger I/O goes in windows.
// Before the registers existed every such command failed with BAD_SGL /
// BAD_LENGTH and sd gave up after its retries.

namespace {
// 12 sequential reads of `bs`.
platform::run_outcome run_reads(const std::vector<std::string>& sets, const std::string& bs,
                                nlohmann::json* fio_out = nullptr, double* host_errors = nullptr,
                                double* translations = nullptr) {
    nlohmann::json h;
    const auto o = run_job(sets, "[r]\nioengine=libaio\nrw=read\nbs=" + bs + "\niodepth=4\nsize=64m\nnumber_ios=12\n", &h,
                           [&] {
                               if (host_errors) *host_errors = stat_value("hba.host_errors");
                               if (translations) *translations = stat_value("iommu.translations");
                           });
    if (fio_out) *fio_out = h["fio"];
    return o;
}
} // namespace

namespace {
// 12 reads of 1 MiB without the IOMMU (the buffers' random pages give about
// one cookie per page) under an HBA limit: all complete, no host error, no
// retry, in at least min_commands commands.
void check_reads_complete(const std::string& limit, double min_commands) {
    nlohmann::json f;
    double host_errors = -1;
    const auto o = run_reads({limit, "software.iommu=none", "platform.iommu.enable=false"}, "1m", &f, &host_errors);
    INFO(f.dump());
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    CHECK(f["total"]["ios"] == 12);
    CHECK(f["sd"]["retries"] == 0);
    CHECK(host_errors == 0);
    CHECK(f["sd"]["commands"].get<double>() >= min_commands);
}
} // namespace

TEST_CASE("storage platform: an HBA with a short SGL (max_sgl_entries 4) completes fragmented 1 MiB reads") {
    // ≤ 4 cookies per window: about 256 / 4 windows per buf (fewer where
    // neighbouring pages happen to merge into one cookie).
    check_reads_complete("platform.hba.max_sgl_entries=4", 12 * 48);
}

TEST_CASE("storage platform: an HBA with max_transfer 64 KiB completes 1 MiB reads in 64 KiB commands") {
    check_reads_complete("platform.hba.max_transfer=64KiB", 12 * 16);
}

// Behind the IOMMU there are no PARTIAL windows (spec §8.9): a bind above
// maxxfer fails NOMAPPING. sd takes the HBA's dma-max as its largest
// transfer and breaks bigger bufs up into chunks, one command each.
namespace {
// The 12 reads of run_reads completed, each in `chunks` chunks of one command.
void check_read_in_chunks(const platform::run_outcome& o, const nlohmann::json& f, unsigned chunks) {
    INFO(f.dump());
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    CHECK(f["total"]["ios"] == 12);
    CHECK(f["sd"]["chunks"] == 12 * (chunks - 1));
    CHECK(f["sd"]["commands"] == 12 * chunks);
}
} // namespace

TEST_CASE("storage platform: behind the IOMMU, an HBA with max_transfer 64 KiB completes 1 MiB reads in 64 KiB chunks") {
    nlohmann::json f;
    double host_errors = -1, translations = -1;
    const auto o = run_reads({"platform.hba.max_transfer=64KiB"}, "1m", &f, &host_errors, &translations);
    check_read_in_chunks(o, f, 16);
    CHECK(f["sd"]["retries"] == 0);
    CHECK(host_errors == 0);
    CHECK(translations > 0);
}

TEST_CASE("storage platform: sd breaks 4 MiB bufs into chunks of software.sd_max_xfer (1 MiB by default)") {
    nlohmann::json f;
    const auto o = run_reads({}, "4m", &f);
    check_read_in_chunks(o, f, 4);
}

// Found by the soak: with the throttle down to one command (TASK SET FULL
// or, here, BUSY retries), a thread slept untimed in biowait counting on the
// command in flight; its completion woke the other job's thread, which ran
// the queues and left with a BUSY retry still waiting, so nobody ever sent
// that retry and the run starved. A thread leaving such work behind now
// wakes a sleeper to time its sleep for it.
TEST_CASE("storage platform: a BUSY retry left behind by the thread that took the last completion is still sent") {
    nlohmann::json h;
    const auto o = run_job({"software.placement=contiguous", "software.iommu=none", "platform.hba.coalesce_count=4",
                            "platform.hba.coalesce_time=20us", "platform.hba.targets.0.kind=ram",
                            "platform.hba.targets.0.faults.busy_every=7", "platform.hba.targets.0.faults.reset_at=300us"},
                           "[j]\nioengine=libaio\nrw=write\nbs=64k\niodepth=4\nsize=16m\nnumber_ios=200\nnumjobs=2\n"
                           "offset_increment=1g\nverify=crc32c\n",
                           &h);
    const auto& f = h["fio"];
    INFO(f.dump());
    CHECK_FALSE(o.starved);
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    for (const auto& j : f["jobs"]) {
        CHECK(j["ios"] == 200);
        CHECK(j["verified_extents"] == 200);
        CHECK(j["verify_errors"] == 0);
    }
    CHECK(f["sd"]["retries"].get<std::uint64_t>() > 50);
}

// Found by the soak: random BUSY replies held the disk's attach up (scsi_poll
// tries a refused command again 10 ms later) past a target reset at 300 us,
// so READ CAPACITY met the reset's UNIT ATTENTION and the attach failed. sd
// now retries a UNIT ATTENTION in its attach commands, as its retry path
// does for I/O.
TEST_CASE("storage platform: a target reset during sd's attach (UNIT ATTENTION on READ CAPACITY) is ridden out") {
    nlohmann::json h;
    const auto o = run_job({"run.seed=933779", "software.iommu=none", "platform.hba.targets.0.faults.busy_probability=0.1",
                            "platform.hba.targets.0.faults.reset_at=300us"},
                           "[j]\nioengine=libaio\nrw=randwrite\nbs=64k\niodepth=1\nsize=16m\nnumber_ios=50\n", &h);
    INFO(h.dump());
    CHECK(o.software_error.empty());
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    CHECK(h["fio"]["total"]["ios"] == 50);
}

// A disk that refuses every command: the attach fails (scsi_poll gives up
// after pkt_time × 100 tries), the software ends with the HBA driver still
// attached, and the platform's end must not let it touch the bus (it did:
// SystemC error E519 from a register write outside the simulation).
TEST_CASE("storage platform: a disk that never attaches ends the run as a software failure, and the platform ends cleanly") {
    nlohmann::json h;
    const auto o = run_job({"platform.hba.targets.0.faults.busy_every=1", "run.stall_timeout=0"},
                           "[r]\nrw=read\nnumber_ios=10\n", &h);
    INFO(h.dump());
    CHECK(o.software_error.find("sd: attach of target 0 failed") != std::string::npos);
    CHECK_FALSE(o.workload_done);
    CHECK(o.errors == 1);
    CHECK(o.transaction_errors() == 0);
    CHECK(h["workload_done"] == false);
    CHECK(h["fio"]["error"].get<std::string>().find("TEST UNIT READY") != std::string::npos);
}

TEST_CASE("storage platform: interrupt coalescing by count without a timer is refused, naming the keys") {
    const auto e = refusal(config::load_default_scenario({"platform.hba.coalesce_count=4"}));
    CHECK(e.find("platform.hba.coalesce_count is 4") != std::string::npos);
    CHECK(e.find("platform.hba.coalesce_time") != std::string::npos);
    // with a timer it runs
    CHECK(refusal(config::load_default_scenario({"platform.hba.coalesce_count=4", "platform.hba.coalesce_time=20us"}))
              .empty());
}

// ---------------------------------------------------------------- how a run ends

TEST_CASE("storage platform: a simulated kernel panic stops the run and names its reason, time and thread") {
    // sgllen 1 (MAX_SGL 1) with a fragmented PARTIAL bind: the divide by zero
    // of spec §8.3, where illumos panics.
    nlohmann::json f;
    const auto o = run_reads({"platform.hba.max_sgl_entries=1", "software.iommu=none", "platform.iommu.enable=false"},
                             "64k", &f);
    INFO(o.panic);
    CHECK_FALSE(o.workload_done);
    CHECK_FALSE(o.starved);
    REQUIRE_FALSE(o.panic.empty());
    CHECK(o.panic.find("rootnex_setup_windows") != std::string::npos);
    CHECK(o.panic.find("§8.3") != std::string::npos);
    CHECK(o.panic.find("in software.fio") != std::string::npos);
    CHECK(o.errors >= 1);
    CHECK(f["total"]["ios"] == 0);
}

TEST_CASE("storage platform: software that waits for good is reported as starved, not as transaction errors") {
    auto s = config::load_default_scenario({"workload.kind=traffic", "platform.traffic=[]", "run.progress=false"});
    platform::platform p(s);
    bool reached = false;
    p.run_on_hba([&](drivers::hba_drv&) {
        reached = true;
        kernel::kcondvar cv(p.kernel()); // nobody ever signals it
        cv.wait();
    });
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    CHECK(reached);
    CHECK_FALSE(o.workload_done);
    CHECK_FALSE(o.hit_duration);
    CHECK(o.starved);
    CHECK(o.panic.empty());
    CHECK(o.errors == 1);
}

TEST_CASE("storage platform: a workload that stops making progress is stopped after run.stall_timeout") {
    // 1 MiB writes from buffers above 4 GiB through a 32-bit HBA need copy
    // buffers; 64 KiB of copy-buffer space never suffices, and sd retries for
    // DMA resources forever, as illumos sd does. Simulated time passes,
    // nothing completes.
    auto s = config::load_default_scenario({"platform.hba.address_bits=32", "software.placement=high_first",
                                            "software.copybuf_space=64KiB", "software.iommu=none",
                                            "platform.iommu.enable=false", "run.stall_timeout=20ms",
                                            "run.progress=false"});
    s.workload.fio.job = "[w]\nioengine=libaio\nrw=write\nbs=1m\niodepth=4\nsize=16m\nnumber_ios=8\n";
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    CHECK(o.stalled);
    CHECK_FALSE(o.workload_done);
    CHECK_FALSE(o.starved);
    CHECK(o.errors == 1);
    // the last progress (the disk's attach) plus 20 ms, to a slice (≤ 1 ms)
    CHECK(o.end_ps >= 20'000'000'000ull);
    CHECK(o.end_ps <= 22'000'000'000ull + 1'000'000'000ull);
    CHECK(p.headline(o)["stalled"] == true);
}

TEST_CASE("storage platform: fio's verify read-back counts as progress for run.stall_timeout") {
    // 8 MiB of random 256 KiB writes to a disk with a 4 MiB cache, then the
    // read-back, one extent at a time, each a seek (several ms): the
    // read-back phase outlasts the 100 ms stall timeout by far but completes
    // an extent every few ms.
    nlohmann::json h;
    const auto o = run_job({"platform.hba.targets.0.kind=hdd", "platform.hba.targets.0.hdd.cache_size=4MiB",
                            "run.stall_timeout=100ms"},
                           "[w]\nioengine=libaio\nrw=randwrite\nbs=256k\niodepth=4\nsize=1g\nnumber_ios=32\nverify=crc32c\n", &h);
    const auto& f = h["fio"];
    INFO(f.dump());
    CHECK_FALSE(o.stalled);
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    CHECK(f["jobs"][0]["verified_extents"] == 32);
    CHECK(o.end_ps > 300'000'000'000ull); // several timeouts long
}

TEST_CASE("storage platform: a cross-key refusal names where the scenario gave the key: file, line, column or --set") {
    const std::string text = "workload:\n  kind: fio\n  fio:\n    job: \"[r]\\nrw=read\\n\"\nplatform:\n  hba:\n"
                             "    present: true\n    coalesce_count: 4\n";
    const auto e = refusal(config::load_scenario_text(text, "scenarios/x.yaml"));
    CHECK(e.rfind("scenarios/x.yaml:8:5: platform.hba.coalesce_count is 4", 0) == 0);
    const auto f = refusal(config::load_default_scenario({"platform.hba.coalesce_count=4"}));
    CHECK(f.rfind("--set 'platform.hba.coalesce_count=4': platform.hba.coalesce_count is 4", 0) == 0);
    const auto g = refusal(config::load_scenario_text("platform:\n  traffic:\n    - size: 8KiB\n      range: 4KiB\n",
                                                      "t.yaml"));
    CHECK(g == "t.yaml:4:7: platform.traffic.0: range (4096 B) is smaller than size (8192 B)");
    // the refusal points at the key it names first (workload.kind, line 2)
    const auto h = refusal(config::load_scenario_text("workload:\n  kind: memcpy\n", "m.yaml"));
    CHECK(h.rfind("m.yaml:2:3: workload.kind is memcpy", 0) == 0);
}
