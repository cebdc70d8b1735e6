// The validation scenarios (scenarios/validation-*.yaml) that
// scripts/validate.py runs for experiments 2, 4, 5 and 6: each loads, runs
// through the storage path and shows the property its experiment checks, on
// a small job. Each case starts ddisim as a child process.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "run_helpers.h"

using namespace ddisim::test;
namespace fs = std::filesystem;

namespace {
std::string scenario(const char* name) { return std::string("'") + DDISIM_SOURCE_DIR + "/scenarios/" + name + "' "; }

fs::path write_job(const fs::path& dir, const std::string& text) {
    const auto p = dir / "job.fio";
    std::ofstream(p) << text;
    return p;
}

// Runs SCENARIO with the job and --set pairs; returns results.json.
nlohmann::json run(const fs::path& dir, const char* scen, const fs::path& job, const std::string& sets, const char* out) {
    const auto r = run_ddisim("run " + scenario(scen) + "--set workload.fio.file=" + job.string() + " " + sets +
                              " --out " + (dir / out).string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(read_file(dir / out / "results.json"));
}

double stat(const nlohmann::json& j, const char* key) { return j["stats"][key]["value"].get<double>(); }
} // namespace

TEST_CASE("validate: copy buffers copy every byte twice at copy_per_kib and the data verifies") {
    const auto d = scratch("validate_copybuf");
    // 16 random 64 KiB writes, each read back: 2 MiB through the copy buffers
    const auto job = write_job(d, "[w]\nioengine=libaio\nrw=randwrite\nbs=64k\niodepth=4\nsize=1m\nverify=crc32c\n");
    const auto copy = run(d, "validation-copybuf.yaml", job, "", "copy");
    const auto direct = run(d, "validation-copybuf.yaml", job, "--set platform.hba.address_bits=64", "direct");
    for (const auto* j : {&copy, &direct}) {
        const auto& fj = (*j)["headline"]["fio"]["jobs"][0];
        CHECK(fj["ios"] == 16);
        CHECK(fj["verified_extents"] == 16);
        CHECK(fj["verify_errors"] == 0);
    }
    // software time without the interrupt entries (1 us each): the copy-buffer
    // run charges 2 copies x 2 MiB x 60 ns/KiB = 245 760 ns more (rootnex
    // implicit sync at bind/unbind + the SCSA ddi_dma_sync), plus the copies
    // of sd's attach probes (INQUIRY and READ CAPACITY data, 68 bytes: a few ns)
    const double intr = 1000;
    const double extra = (stat(copy, "cpu.charged") - intr * stat(copy, "cpu.interrupts")) -
                         (stat(direct, "cpu.charged") - intr * stat(direct, "cpu.interrupts"));
    CHECK(extra >= 2.0 * 2048 * 60);
    CHECK(extra <= 2.0 * 2048 * 60 + 2 * 68 * 60 / 1024.0 + 4);
}

TEST_CASE("validate: in the unmap scenario strict invalidates twice per I/O, illumos once, no IOMMU never") {
    const auto d = scratch("validate_unmap");
    const auto job = write_job(d, "[r]\nrw=randread\nbs=4k\nnumber_ios=200\n");
    const auto strict = run(d, "validation-unmap.yaml", job, "", "strict");
    const auto never = run(d, "validation-unmap.yaml", job, "--set software.iommu_unmap=never", "never");
    const auto none = run(d, "validation-unmap.yaml", job,
                          "--set platform.iommu.enable=false --set software.iommu=none", "none");
    // a bind invalidates its new range, a strict unbind its old one; attach
    // adds a few global invalidations (context entries) and the probe
    // commands of sd's attach bind too
    const double s = stat(strict, "iommu.invalidations"), n = stat(never, "iommu.invalidations");
    CHECK(s >= 400);
    CHECK(s <= 420);
    CHECK(n >= 200);
    CHECK(n <= 215);
    CHECK((!none["stats"].contains("iommu.invalidations") || stat(none, "iommu.invalidations") == 0));
    // CPU per I/O orders none < never < strict
    CHECK(stat(none, "cpu.charged") < stat(never, "cpu.charged"));
    CHECK(stat(never, "cpu.charged") < stat(strict, "cpu.charged"));
}

TEST_CASE("validate: 8 synchronous jobs keep 8 I/Os outstanding through the HBA (Little's law within 2 %)") {
    const auto d = scratch("validate_little");
    const auto job = write_job(d, "[l]\nrw=randread\nbs=4k\nnumjobs=8\ntime_based\nruntime=14ms\n");
    const auto j = run(d, "validation-little.yaml", job, "", "out");
    const auto& t = j["headline"]["fio"]["total"];
    const double l = t["iops"].get<double>() * t["clat_ns"]["mean"].get<double>() * 1e-9;
    CHECK(l == Approx(8).epsilon(0.02));
}

TEST_CASE("validate: a 7200 rpm disk through the HBA gives 1 / (average seek + half a rotation) within 5 %") {
    const auto d = scratch("validate_hdd");
    const auto job = write_job(d, "[r]\nrw=randread\nbs=4k\nnumber_ios=1000\n");
    const auto j = run(d, "validation-hdd.yaml", job, "", "out");
    // 7.4 ms + 60/7200/2 s = 11.567 ms -> 86.5 IOPS; the model adds its 0.1 ms
    // controller overhead and the transfer (about 1 % slower)
    CHECK(j["headline"]["fio"]["total"]["iops"].get<double>() == Approx(1e3 / (7.4 + 30e3 / 7200)).epsilon(0.05));
}
