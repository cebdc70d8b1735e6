// fio job files: parsing, notes and errors, the I/O stream generator, verify
// and the fio-style JSON results.
#include "testbench/config/fio.h"
#include "testbench/config/fio_output.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <map>
#include <set>
#include <string>

using namespace ddisim::config;

namespace {

std::string source_dir() {
    if (const char* d = std::getenv("DDISIM_SOURCE_DIR")) return d;
    return DDISIM_SOURCE_DIR;
}

fio_job_file parse(const std::string& text, const fio_parse_options& o = {}) {
    return parse_fio_text(text, "jobs.fio", o);
}

fio_error error_of(const std::string& text, const fio_parse_options& o = {}) {
    try {
        parse(text, o);
    } catch (const fio_error& e) {
        return e;
    }
    FAIL("parsed without error: " << text);
    throw 0;
}

bool has_note(const fio_job_file& f, const std::string& key, const std::string& part = "") {
    for (const auto& n : f.notes)
        if (n.key == key && n.message.find(part) != std::string::npos) return true;
    return false;
}

constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::uint64_t ps_s = 1000000000000ull;

} // namespace

TEST_CASE("fio: job sections inherit global, override it, and numjobs clones") {
    auto f = parse("; comment\n"
                   "[global]\n"
                   "rw=randread\n"
                   "bs=4k\n"
                   "iodepth=32\n"
                   "ioengine=libaio\n"
                   "\n"
                   "[a]\n"
                   "# another comment\n"
                   "numjobs=3\n"
                   "[b]\n"
                   "rw = write\n"
                   "bs=128k\n"
                   "[global]\n"
                   "iodepth=4\n"
                   "[c]\n");
    REQUIRE(f.jobs.size() == 5);
    for (unsigned i = 0; i < 3; ++i) {
        CHECK(f.jobs[i].name == "a");
        CHECK(f.jobs[i].clone == i);
        CHECK(f.jobs[i].ordinal == i);
        CHECK(f.jobs[i].rw == fio_rw::randread);
        CHECK(f.jobs[i].iodepth == 32);
        CHECK(f.jobs[i].line == 8);
    }
    CHECK(f.jobs[3].name == "b");
    CHECK(f.jobs[3].rw == fio_rw::write);
    CHECK(f.jobs[3].bs[0].min == 131072);
    CHECK(f.jobs[3].bs[1].max == 131072);
    CHECK(f.jobs[3].iodepth == 32);
    // A later [global] affects only the jobs after it.
    CHECK(f.jobs[4].name == "c");
    CHECK(f.jobs[4].iodepth == 4);
    CHECK(f.jobs[4].rw == fio_rw::randread);
    CHECK(f.jobs[3].options == std::vector<std::pair<std::string, std::string>>{{"rw", "write"}, {"bs", "128k"}});
    CHECK(f.global_options.size() == 5);
}

TEST_CASE("fio: sizes use fio's units (k = 1024 by default, KiB refused as ambiguous)") {
    CHECK(parse_fio_size("4k") == 4096);
    CHECK(parse_fio_size("4K") == 4096);
    CHECK(parse_fio_size("4kb") == 4096);
    CHECK(parse_fio_size("1m") == 1048576);
    CHECK(parse_fio_size("2G") == 2 * GiB);
    CHECK(parse_fio_size("1t") == 1024 * GiB);
    CHECK(parse_fio_size("512") == 512);
    CHECK(parse_fio_size("4096B") == 4096);
    CHECK(parse_fio_size("0x1000") == 4096);
    CHECK(parse_fio_size("1.5k") == 1536);
    CHECK(parse_fio_size("4k", 1000) == 4000);
    CHECK(parse_fio_size("4KiB", 1000) == 4096);
    CHECK_THROWS_WITH(parse_fio_size("4KiB"), Catch::Contains("ambiguous") && Catch::Contains("kb_base=1000"));
    CHECK_THROWS_AS(parse_fio_size("4q"), std::invalid_argument);
    CHECK_THROWS_AS(parse_fio_size("k"), std::invalid_argument);
    CHECK_THROWS_AS(parse_fio_size("1.0001k"), std::invalid_argument); // 1024.1024 bytes is not whole
    CHECK_THROWS_AS(parse_fio_size("99999999999e"), std::invalid_argument);

    auto f = parse("[global]\nkb_base=1000\n[j]\nbs=4KiB\nsize=1k\n");
    CHECK(f.jobs[0].bs[0].min == 4096);
    CHECK(f.jobs[0].size == 1000);
}

TEST_CASE("fio: times default to seconds (thinktime to microseconds) and take suffixes") {
    constexpr std::uint64_t us = 1000000;
    CHECK(parse_fio_time("10", ps_s) == 10 * ps_s);
    CHECK(parse_fio_time("500ms", ps_s) == ps_s / 2);
    CHECK(parse_fio_time("2m", ps_s) == 120 * ps_s);
    CHECK(parse_fio_time("1h", ps_s) == 3600 * ps_s);
    CHECK(parse_fio_time("250us", ps_s) == 250 * us);
    CHECK(parse_fio_time("1.5s", ps_s) == 1500000000000ull);
    CHECK_THROWS_AS(parse_fio_time("10parsecs", ps_s), std::invalid_argument);
    auto f = parse("[j]\nruntime=30\ntime_based\nramp_time=2s\nstartdelay=100ms\nthinktime=50\nthinktime_blocks=4\n");
    const auto& j = f.jobs[0];
    CHECK(j.runtime == 30 * ps_s);
    CHECK(j.time_based);
    CHECK(j.ramp_time == 2 * ps_s);
    CHECK(j.startdelay == ps_s / 10);
    CHECK(j.thinktime == 50 * us);
    CHECK(j.thinktime_blocks == 4);
    // Bounds: start at 100 ms, count from 2.1 s, stop at 32.1 s.
    CHECK(j.start_ps() == ps_s / 10);
    CHECK(j.measure_from_ps() == 21 * ps_s / 10);
    CHECK(j.stop_ps() == 321 * ps_s / 10);
    CHECK(parse("[k]\n").jobs[0].stop_ps() == 0);
}

TEST_CASE("fio: bs, bsrange and bssplit per direction, bssplit over bsrange over bs") {
    auto f = parse("[a]\nbs=4k,8k\n"
                   "[b]\nbsrange=512-64k\n"
                   "[c]\nbsrange=1k:4k,2k-8k\n"
                   "[d]\nbssplit=4k/50:64k/50\nbs=16k\n"
                   "[e]\nbssplit=4k/10:8k:16k,32k\n"
                   "[f]\nbs=,8k\n"
                   "[g]\nbs=8k\nblockalign=512\n");
    CHECK(f.jobs[0].bs[0].min == 4096);
    CHECK(f.jobs[0].bs[1].min == 8192);
    CHECK(f.jobs[1].bs[0].min == 512);
    CHECK(f.jobs[1].bs[0].max == 65536);
    CHECK(f.jobs[1].bs[1].max == 65536);
    CHECK(f.jobs[1].blockalign[0] == 512); // default blockalign: the smallest block size
    CHECK(f.jobs[2].bs[0].min == 1024);
    CHECK(f.jobs[2].bs[0].max == 4096);
    CHECK(f.jobs[2].bs[1].min == 2048);
    CHECK(f.jobs[2].bs[1].max == 8192);
    // bssplit wins over bs whatever the order.
    REQUIRE(f.jobs[3].bs[0].split.size() == 2);
    CHECK(f.jobs[3].bs[0].split[1] == std::pair<std::uint64_t, unsigned>{65536, 50});
    CHECK(f.jobs[3].bs[0].min == 4096);
    CHECK(f.jobs[3].bs[0].max == 65536);
    // Sizes without a percentage share what is left; "32k" alone is 100 %.
    REQUIRE(f.jobs[4].bs[0].split.size() == 3);
    CHECK(f.jobs[4].bs[0].split[1].second == 45);
    CHECK(f.jobs[4].bs[0].split[2].second == 45);
    CHECK(f.jobs[4].bs[1].split == std::vector<std::pair<std::uint64_t, unsigned>>{{32768, 100}});
    CHECK(f.jobs[5].bs[0].min == 4096); // read keeps the default
    CHECK(f.jobs[5].bs[1].min == 8192);
    CHECK(f.jobs[6].blockalign[0] == 512);
    CHECK(f.jobs[6].blockalign[1] == 512);

    CHECK(error_of("[j]\nbssplit=4k/60:8k/60\n").message.find("more than 100") != std::string::npos);
    CHECK(error_of("[j]\nbssplit=4k/60:8k/30\n").message.find("not 100") != std::string::npos);
    CHECK(error_of("[j]\nbsrange=64k-4k\n").message.find("MIN ≤ MAX") != std::string::npos);
    CHECK(error_of("[j]\nbsrange=4k\n").message.find("MIN-MAX") != std::string::npos);
}

TEST_CASE("fio: rw values, the :N modifier, rwmix and trim refused") {
    auto f = parse("[a]\nrw=randread:8\n[b]\nrw=write:4k\n[c]\nreadwrite=randrw\nrwmixwrite=30\n[d]\nrw=readwrite\n");
    CHECK(f.jobs[0].rw == fio_rw::randread);
    CHECK(f.jobs[0].rw_modifier == 8);
    CHECK(f.jobs[1].rw == fio_rw::write);
    CHECK(f.jobs[1].rw_modifier == 4096);
    CHECK(f.jobs[2].rw == fio_rw::randrw);
    CHECK(f.jobs[2].rwmixread == 70);
    CHECK(f.jobs[3].rw == fio_rw::rw);
    CHECK(f.jobs[3].rwmixread == 50);
    auto e = error_of("[j]\nrw=randtrim\n");
    CHECK(e.line == 2);
    CHECK(e.key == "rw");
    CHECK(e.message.find("trim") != std::string::npos);
    CHECK(error_of("[j]\nrw=sideways\n").message.find("expected read, write") != std::string::npos);
    auto n = parse("[j]\nrw=randread\nrwmixread=70\n");
    CHECK(has_note(n, "rwmixread", "no effect"));
}

TEST_CASE("fio: options without meaning in a model are accepted with a note naming the line") {
    auto f = parse("[global]\nioengine=libaio\ndirect=1\nfilename=/dev/sdb\ngroup_reporting\nname=ignored\n"
                   "[j]\niodepth=16\n[k]\n");
    CHECK(f.jobs[0].iodepth == 16);
    CHECK(f.jobs[0].ioengine == "libaio");
    CHECK(has_note(f, "ioengine", "up to iodepth"));
    CHECK(has_note(f, "direct", "page cache"));
    CHECK(has_note(f, "filename"));
    CHECK(has_note(f, "group_reporting"));
    CHECK(has_note(f, "name"));
    // Global notes are given once, not once per job.
    int direct_notes = 0;
    for (const auto& n : f.notes) direct_notes += n.key == "direct";
    CHECK(direct_notes == 1);
    for (const auto& n : f.notes)
        if (n.key == "direct") CHECK(n.to_string() == "jobs.fio:3: direct: accepted, no effect: the model has no page "
                                                      "cache: every I/O goes to the disk, as with direct=1");

    // A synchronous engine runs at depth 1, as fio does, and says so.
    auto s = parse("[j]\nioengine=psync\niodepth=32\n");
    CHECK(s.jobs[0].iodepth == 1);
    CHECK(has_note(s, "iodepth", "synchronous"));
    // A refused flag explicitly off is the model's behaviour.
    auto z = parse("[j]\nbs_unaligned=0\n");
    CHECK(has_note(z, "bs_unaligned"));
}

TEST_CASE("fio: stonewall and new_group number groups and barriers as fio does, and clones share their job's") {
    const auto f = parse("[a]\n[b]\n[c]\nstonewall\nnumjobs=2\n[d]\nnew_group\n[e]\n[f]\nwait_for_previous\n");
    REQUIRE(f.jobs.size() == 7);
    std::vector<std::pair<unsigned, unsigned>> gb;
    for (const auto& j : f.jobs) gb.push_back({j.group, j.barrier});
    // a b | c c' (stonewall: next group, next barrier) | d e (new_group: next
    // group, same barrier) | f (wait_for_previous is stonewall)
    CHECK(gb == std::vector<std::pair<unsigned, unsigned>>{{0, 0}, {0, 0}, {1, 1}, {1, 1}, {2, 1}, {2, 1}, {3, 2}});
    CHECK(f.groups() == 4);
    // on the first job neither opens anything: there is nothing before it
    const auto first = parse("[a]\nstonewall\nnew_group\n[b]\n");
    CHECK(first.jobs[0].group == 0);
    CHECK(first.jobs[0].barrier == 0);
    CHECK(first.jobs[1].group == 0);
    CHECK(first.groups() == 1);
    // in [global] every job waits for the ones before it
    const auto g = parse("[global]\nstonewall\n[a]\n[b]\nnumjobs=2\n[c]\n");
    std::vector<unsigned> barriers;
    for (const auto& j : g.jobs) barriers.push_back(j.barrier);
    CHECK(barriers == std::vector<unsigned>{0, 1, 1, 2});
    CHECK(g.groups() == 3);
    CHECK(parse("[a]\nstonewall=0\n[b]\nstonewall=0\n").groups() == 1);
    CHECK(error_of("[a]\n[b]\nstonewall=maybe\n").key == "stonewall");
}

TEST_CASE("fio: exitall is for every job, as fio's switch, while exit_what and exitall_on_error are per job") {
    CHECK_FALSE(parse("[a]\n[b]\n").exitall);
    const auto g = parse("[global]\nexitall\n[a]\n[b]\nexit_what=all\n[c]\nexit_what=stonewall\nexitall_on_error\n");
    CHECK(g.exitall);
    CHECK(g.jobs[0].exit_what == fio_job::exit_scope::group); // fio's default
    CHECK(g.jobs[1].exit_what == fio_job::exit_scope::all);
    CHECK(g.jobs[2].exit_what == fio_job::exit_scope::stonewall);
    CHECK_FALSE(g.jobs[1].exitall_on_error);
    CHECK(g.jobs[2].exitall_on_error);
    CHECK_FALSE(has_note(g, "exitall"));
    // in one job only it still applies to all, and a note says so
    const auto one = parse("[a]\n[b]\nexitall\n");
    CHECK(one.exitall);
    CHECK(has_note(one, "exitall", "every job"));
    const auto e = error_of("[a]\nexit_what=some\n");
    CHECK(e.key == "exit_what");
    CHECK(e.line == 2);
    CHECK(std::string(e.what()).find("expected group, stonewall or all") != std::string::npos);
}

TEST_CASE("fio: iodepth_low and iodepth_batch_complete_min as fio, the other batch options noted") {
    const auto j = parse("[j]\nioengine=libaio\niodepth=32\niodepth_low=8\niodepth_batch_complete=4\n").jobs[0];
    CHECK(j.iodepth_low == 8);
    CHECK(j.batch_complete_min == 4); // iodepth_batch_complete is its alias
    CHECK(parse("[j]\nioengine=libaio\niodepth=32\n").jobs[0].iodepth_low == 32); // unset: iodepth
    const auto over = parse("[j]\nioengine=libaio\niodepth=4\niodepth_low=8\niodepth_batch_complete_min=9\n");
    CHECK(over.jobs[0].iodepth_low == 4);
    CHECK(has_note(over, "iodepth_low", "above iodepth=4"));
    CHECK(has_note(over, "iodepth_batch_complete_min", "every I/O in flight"));
    const auto noted = parse("[j]\nioengine=libaio\niodepth=8\niodepth_batch=8\niodepth_batch_complete_max=8\n");
    CHECK(has_note(noted, "iodepth_batch_submit", "no simulated time"));
    CHECK(has_note(noted, "iodepth_batch_complete_max", "no simulated time"));
    CHECK(error_of("[j]\niodepth_low=-1\n").key == "iodepth_low");
}

TEST_CASE("fio: fsync, fdatasync, end_fsync and fsync_on_close are read, and sync (O_SYNC) stays refused") {
    const auto j = parse("[j]\nrw=write\nfsync=8\nfdatasync=3\nend_fsync=1\nfsync_on_close\n").jobs[0];
    CHECK(j.fsync_blocks == 8);
    CHECK(j.fdatasync_blocks == 3);
    CHECK(j.end_fsync);
    CHECK(j.fsync_on_close);
    CHECK(j.syncs());
    CHECK_FALSE(parse("[j]\nrw=write\n").jobs[0].syncs());
    CHECK(has_note(parse("[j]\nrw=randread\nfsync=1\n"), "fsync", "never writes"));
    CHECK(error_of("[j]\nrw=write\nsync=1\n").message.find("O_SYNC") != std::string::npos);
    CHECK(error_of("[j]\nrw=write\nfsync=x\n").key == "fsync");
    CHECK(parse("[j]\nioengine=psync\n").jobs[0].synchronous());
    CHECK_FALSE(parse("[j]\nioengine=libaio\n").jobs[0].synchronous());
}

TEST_CASE("fio: integer options take size suffixes as fio reads them (kb_base)") {
    const auto j = parse("[j]\nioengine=libaio\niodepth=1k\nrate_iops=10k\nnumber_ios=2m\n").jobs[0];
    CHECK(j.iodepth == 1024);
    CHECK(j.rate_iops[0] == 10240);
    CHECK(j.number_ios == 2ull << 20);
    CHECK(parse("[j]\nkb_base=1000\nrate_iops=10k\n").jobs[0].rate_iops[0] == 10000);
    CHECK(error_of("[j]\niodepth=128k\n").message.find("must be 1") != std::string::npos); // 131072: out of range
    CHECK(error_of("[j]\niodepth=lots\n").message.find("k/m/g suffix") != std::string::npos);
}

TEST_CASE("fio: continue_on_error selects the directions whose failures the job goes on after") {
    auto of = [](const std::string& v) {
        const auto j = parse("[j]\nrw=randrw\ncontinue_on_error=" + v + "\n").jobs.at(0);
        return std::pair{j.continue_read, j.continue_write};
    };
    CHECK(parse("[j]\nrw=randrw\n").jobs.at(0).continue_read == false);
    CHECK(of("none") == std::pair{false, false});
    CHECK(of("0") == std::pair{false, false});
    CHECK(of("read") == std::pair{true, false});
    CHECK(of("write") == std::pair{false, true});
    CHECK(of("io") == std::pair{true, true});
    CHECK(of("all") == std::pair{true, true});
    CHECK(of("1") == std::pair{true, true});
    CHECK(of("verify") == std::pair{false, false});
    auto verify_of = [](const std::string& v) {
        return parse("[j]\nrw=randrw\ncontinue_on_error=" + v + "\n").jobs.at(0).continue_verify;
    };
    CHECK(verify_of("verify"));
    CHECK(verify_of("all"));
    CHECK(verify_of("1"));
    CHECK_FALSE(verify_of("io"));
    CHECK_FALSE(parse("[j]\nrw=randrw\n").jobs.at(0).continue_verify);
    const auto e = error_of("[j]\nrw=randrw\ncontinue_on_error=sometimes\n");
    CHECK(e.line == 3);
    CHECK(std::string(e.what()).find("expected none, read, write") != std::string::npos);
}

TEST_CASE("fio: rate and rate_iops limit each direction, and rate_process picks linear or poisson") {
    const auto j = parse("[j]\nrw=randrw\nrate=1m,512k\n").jobs.at(0);
    CHECK(j.rate[0] == 1u << 20);
    CHECK(j.rate[1] == 512u << 10);
    CHECK(j.rated());
    CHECK_FALSE(j.rate_poisson);
    const auto w = parse("[j]\nrw=randrw\nrate_iops=,2000\nrate_process=poisson\n").jobs.at(0);
    CHECK(w.rate_iops[0] == 0);
    CHECK(w.rate_iops[1] == 2000);
    CHECK(w.rate_poisson);
    CHECK_FALSE(parse("[j]\nrw=read\n").jobs.at(0).rated());
    // both limits on one direction
    const auto both = error_of("[j]\nrw=read\nrate=1m\nrate_iops=100\n");
    CHECK(both.line == 4);
    CHECK(both.message.find("rate and rate_iops both limit reads") != std::string::npos);
    CHECK(error_of("[j]\nrate_process=bursty\n").message.find("linear or poisson") != std::string::npos);
    // a limit on a direction the job never does; one value for both
    // directions is no such limit
    CHECK(has_note(parse("[j]\nrw=read\nrate=,1m\n"), "rate", "no effect on writes"));
    CHECK_FALSE(has_note(parse("[j]\nrw=read\nrate=1m\n"), "rate"));
}

TEST_CASE("fio: verify with clones writing one region gets a note, with offset_increment >= size none") {
    auto f = parse("[j]\nrw=write\nbs=64k\nsize=16m\nnumjobs=2\nverify=crc32c\n");
    CHECK(has_note(f, "verify", "overlapping regions"));
    auto g = parse("[j]\nrw=write\nbs=64k\nsize=16m\nnumjobs=2\noffset_increment=16m\nverify=crc32c\n");
    CHECK_FALSE(has_note(g, "verify"));
    auto h = parse("[j]\nrw=write\nbs=64k\nsize=16m\nverify=crc32c\n");
    CHECK_FALSE(has_note(h, "verify"));
}

TEST_CASE("fio: verify of random writes whose offsets may repeat, at depth > 1, gets a note, at depth 1 or with a random map none") {
    const std::string ioengine = "ioengine=libaio\n";
    auto f = parse("[j]\n" + ioengine + "rw=randwrite\nbsrange=4k-64k\niodepth=8\nverify=crc32c\n");
    CHECK(has_note(f, "verify", "either order"));
    CHECK(f.notes.back().line == 6); // the verify line
    auto g = parse("[j]\n" + ioengine + "rw=randrw\nbs=4k\nnorandommap\niodepth=4\nverify=crc32c\n");
    CHECK(has_note(g, "verify", "either order"));
    auto one = parse("[j]\n" + ioengine + "rw=randwrite\nbsrange=4k-64k\niodepth=1\nverify=crc32c\n");
    CHECK_FALSE(has_note(one, "verify"));
    auto mapped = parse("[j]\n" + ioengine + "rw=randwrite\nbs=4k\niodepth=8\nverify=crc32c\n");
    CHECK_FALSE(has_note(mapped, "verify"));
    auto seq = parse("[j]\n" + ioengine + "rw=write\nbsrange=4k-64k\niodepth=8\nverify=crc32c\n");
    CHECK_FALSE(has_note(seq, "verify"));
}

TEST_CASE("fio: errors name file, line, column and option, with a suggestion for misspellings") {
    auto e = error_of("[global]\nbs=4k\n[j]\n  iodpeth=8\n");
    CHECK(e.file == "jobs.fio");
    CHECK(e.line == 4);
    CHECK(e.column == 3);
    CHECK(e.key == "iodpeth");
    CHECK(std::string(e.what()) == "jobs.fio:4:3: iodpeth: unknown option (did you mean 'iodepth'?)");
    CHECK(error_of("[j]\nfrobnicate=1\n").message == "unknown option");

    auto v = error_of("[j]\niodepth=lots\n");
    CHECK(v.column == 9); // the value
    CHECK(v.message.find("whole number") != std::string::npos);

    CHECK(error_of("[j]\nlatency_target=10ms\n").message.find("not supported: latency targets") != std::string::npos);
    CHECK(error_of("[j]\nwrite_barrier=1\n").message.find("not supported") != std::string::npos);
    CHECK(error_of("[j]\nrw=write\nverify=md5\n").message.find("only verify=crc32c") != std::string::npos);
    CHECK(error_of("[j]\nrw=randread\nverify=crc32c\n").message.find("never writes") != std::string::npos);
    CHECK(error_of("[j]\ntime_based\n").message.find("needs runtime") != std::string::npos);
    CHECK(error_of("[j]\nioengine=mmap\n").message.find("not modelled") != std::string::npos);
    CHECK(error_of("bs=4k\n[j]\n").message.find("before the first [section]") != std::string::npos);
    CHECK(error_of("[global]\nbs=4k\n").message.find("no job sections") != std::string::npos);
    CHECK(error_of("[j]\n[j]\n").message.find("already defined") != std::string::npos);
    CHECK(error_of("[j\n").message.find("closing ']'") != std::string::npos);
    CHECK(error_of("[j]\niodepth\n").message.find("needs a value") != std::string::npos);
    CHECK(error_of("[j]\ninclude other.fio\n").key == "include");
    CHECK(error_of("[j]\nsize=150%\n").message.find("0 … 100") != std::string::npos);
    // An error in [global] is found even with no job using it yet.
    CHECK(error_of("[global]\nbs=huge\n").key == "bs");
}

TEST_CASE("fio: ${VAR} is expanded from the given environment and an unset one is an error") {
    fio_parse_options o;
    o.env["DEPTH"] = "64";
    o.env["RW"] = "randwrite";
    auto f = parse("[j]\nioengine=libaio\niodepth=${DEPTH}\nrw=${RW}\n", o);
    CHECK(f.jobs[0].iodepth == 64);
    CHECK(f.jobs[0].rw == fio_rw::randwrite);
    auto e = error_of("[j]\nsize=${NOPE}\n", o);
    CHECK(e.message.find("'NOPE' is not set") != std::string::npos);
    CHECK(e.column == 6);
    // Error columns count from the written line, before expansion.
    CHECK(error_of("[j]\nrw=${RW}\nbs=${NOPE}\n", o).column == 4);
}

TEST_CASE("fio: verify, randrepeat, offsets in percent, io_size and number_ios reach the job") {
    auto f = parse("[j]\nrw=randwrite\nverify=crc32c\ndo_verify=0\nverify_fatal=1\nrandrepeat=0\nrandseed=42\n"
                   "norandommap\nsize=50%\noffset=10%\nio_size=1g\nnumber_ios=1000\nloops=2\n"
                   "offset_increment=1m\nmem_align=512\npercentile_list=50:99:99.9\n");
    const auto& j = f.jobs[0];
    CHECK(j.verify == "crc32c");
    CHECK_FALSE(j.do_verify);
    CHECK(j.verify_fatal);
    CHECK_FALSE(j.randrepeat);
    CHECK(j.randseed == 42);
    CHECK(j.norandommap);
    CHECK(j.size_percent == 50);
    CHECK(j.offset_percent == 10);
    CHECK(j.io_size == GiB);
    CHECK(j.number_ios == 1000);
    CHECK(j.loops == 2);
    CHECK(j.offset_increment == 1048576);
    CHECK(j.iomem_align == 512);
    CHECK(j.percentile_list == std::vector<double>{50, 99, 99.9});
}

// ---------------------------------------------------------------- stream

namespace {

fio_job one_job(const std::string& text) {
    auto f = parse("[j]\n" + text);
    REQUIRE(f.jobs.size() == 1);
    return f.jobs[0];
}

std::vector<fio_io> drain(fio_stream& s, std::size_t cap = 10000000) {
    std::vector<fio_io> v;
    while (v.size() < cap) {
        auto io = s.next();
        if (!io) break;
        v.push_back(*io);
    }
    return v;
}

bool same(const std::vector<fio_io>& a, const std::vector<fio_io>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].offset != b[i].offset || a[i].length != b[i].length || a[i].is_write != b[i].is_write) return false;
    return true;
}

} // namespace

TEST_CASE("fio stream: same job and seed give the same I/Os and randrepeat=0 mixes in the run seed") {
    auto j = one_job("rw=randrw\nbsrange=4k-64k\nsize=1g\nnumber_ios=5000\n");
    fio_stream a(j, 1, GiB), b(j, 1, GiB), c(j, 2, GiB);
    auto va = drain(a), vb = drain(b), vc = drain(c);
    REQUIRE(va.size() == 5000);
    CHECK(same(va, vb));
    CHECK(same(va, vc)); // randrepeat=1 (the default): the run seed does not matter
    auto r = one_job("rw=randrw\nbsrange=4k-64k\nsize=1g\nnumber_ios=5000\nrandrepeat=0\n");
    fio_stream d(r, 1, GiB), e(r, 1, GiB), g(r, 2, GiB);
    auto vd = drain(d), ve = drain(e), vg = drain(g);
    CHECK(same(vd, ve));
    CHECK_FALSE(same(vd, vg));
    // numjobs clones get different streams.
    auto f = parse("[j]\nrw=randread\nsize=64m\nnumber_ios=100\nnumjobs=2\n");
    fio_stream c0(f.jobs[0], 1, GiB), c1(f.jobs[1], 1, GiB);
    CHECK_FALSE(same(drain(c0), drain(c1)));
}

TEST_CASE("fio: random_distribution takes fio's names, defaults and limits, and implies norandommap") {
    auto dist = [](const std::string& v) { return parse("[j]\nrw=randread\nrandom_distribution=" + v + "\n").jobs.at(0); };
    CHECK(parse("[j]\nrw=randread\n").jobs[0].distribution == fio_dist::random);
    CHECK_FALSE(parse("[j]\nrw=randread\n").jobs[0].norandommap);
    const auto z = dist("zipf");
    CHECK(z.distribution == fio_dist::zipf);
    CHECK(z.dist_param == 1.1); // fio's default theta
    CHECK(z.norandommap);       // as fio: no random map with a non-uniform distribution
    CHECK(dist("zipf:0.8").dist_param == 0.8);
    CHECK(dist("pareto").dist_param == 0.2);
    CHECK(dist("Pareto:0.3").distribution == fio_dist::pareto);
    CHECK(dist("normal").dist_param == 0.0);
    CHECK(dist("normal:25").dist_param == 25.0);
    CHECK(dist("random").distribution == fio_dist::random);
    const auto zn = dist("zoned:60/10:30/20:10/70");
    REQUIRE(zn.zones[0].size() == 3);
    CHECK(zn.zones[0][1].access == 30);
    CHECK(zn.zones[0][1].size_percent == 20);
    REQUIRE(zn.zones[1].size() == 3); // writes as reads when not given
    const auto two = parse("[j]\nrw=randrw\nrandom_distribution=zoned:100/10,50/50:50/50\n").jobs[0];
    CHECK(two.zones[0].size() == 1);
    CHECK(two.zones[1].size() == 2);
    const auto za = dist("zoned_abs:80/1m:20/3m");
    CHECK(za.distribution == fio_dist::zoned_abs);
    CHECK(za.zones[0][1].size == 3ull << 20);
    // sequential jobs draw no offsets: a note
    CHECK(has_note(parse("[j]\nrw=read\nrandom_distribution=zipf\n"), "random_distribution", "no effect"));
    for (const auto& [v, msg] : std::vector<std::pair<std::string, std::string>>{
             {"zipf:1", "not 1"},
             {"zipf:0", "> 0"},
             {"pareto:1", "(0, 1)"},
             {"normal:100", "[0, 100)"},
             {"zipf:1.2:0.5", "center is not modelled"},
             {"uniform", "expected random, zipf"},
             {"random:2", "no parameter"},
             {"zoned", "needs its zones"},
             {"zoned:60/10:30/20", "add up to 90"},
             {"zoned:50/60:50/60", "120% of the region"},
             {"zoned:60-10:40/90", "ACCESS/SIZE%"},
             {"zoned_abs:100/0", "> 0"}}) {
        INFO(v);
        const auto e = error_of("[j]\nrw=randread\nrandom_distribution=" + v + "\n");
        CHECK(e.key == "random_distribution");
        CHECK(e.line == 3);
        CHECK(std::string(e.what()).find(msg) != std::string::npos);
    }
}

namespace {
// Draws n offsets of a random job over a region of `blocks` 4 KiB blocks
// and counts them per block.
std::vector<std::uint64_t> block_counts(const std::string& dist, std::uint64_t blocks, std::uint64_t n,
                                        std::uint64_t seed = 1) {
    auto j = one_job(fmt::format("rw=randread\nbs=4k\nsize={}\nio_size={}\nrandom_distribution={}\n", blocks * 4096,
                                 n * 4096, dist));
    fio_stream s(j, seed, GiB);
    std::vector<std::uint64_t> c(blocks);
    std::uint64_t drawn = 0;
    while (auto io = s.next()) {
        ++drawn;
        REQUIRE(io->offset % 4096 == 0);
        REQUIRE(io->offset / 4096 < blocks);
        ++c[io->offset / 4096];
    }
    REQUIRE(drawn == n);
    return c;
}
double top_share(std::vector<std::uint64_t> c, double fraction) {
    std::sort(c.rbegin(), c.rend());
    const auto k = static_cast<std::size_t>(fraction * static_cast<double>(c.size()));
    double top = 0, all = 0;
    for (std::size_t i = 0; i < c.size(); ++i) (i < k ? top : all) += static_cast<double>(c[i]);
    return top / (top + all);
}
} // namespace

TEST_CASE("fio stream: random_distribution=zipf draws block ranks with P(k) proportional to k^-theta, scattered") {
    const std::uint64_t blocks = 1024, n = 200000;
    for (double theta : {1.2, 0.8}) {
        INFO(theta);
        auto c = block_counts(fmt::format("zipf:{}", theta), blocks, n);
        double h = 0;
        for (std::uint64_t k = 1; k <= blocks; ++k) h += std::pow(double(k), -theta);
        auto sorted = c;
        std::sort(sorted.rbegin(), sorted.rend());
        // the hottest block, and ranks 2 and 10: within 5 binomial sigmas
        for (std::uint64_t k : {1, 2, 10}) {
            const double p = std::pow(double(k), -theta) / h;
            const double sigma = std::sqrt(p * (1 - p) / double(n));
            CHECK(std::abs(double(sorted[k - 1]) / double(n) - p) < 5 * sigma + 0.002);
        }
        // the 16 hottest blocks are scattered over the region, not packed at one end
        std::vector<std::uint64_t> idx(blocks);
        for (std::uint64_t i = 0; i < blocks; ++i) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return c[a] > c[b]; });
        const auto [lo, hi] = std::minmax_element(idx.begin(), idx.begin() + 16);
        CHECK(*hi - *lo > blocks / 2);
    }
}

TEST_CASE("fio stream: random_distribution=pareto gives the hottest h of the blocks 1 - h of the I/Os") {
    // h = 0.2: 80/20; h = 0.1: 90/10 (500k draws over 256 blocks, ~2000 each)
    CHECK(top_share(block_counts("pareto:0.2", 256, 500000), 0.2) == Approx(0.8).margin(0.01));
    CHECK(top_share(block_counts("pareto:0.1", 256, 500000), 0.1) == Approx(0.9).margin(0.01));
}

TEST_CASE("fio stream: random_distribution=normal is fio's bell of ranks, wider with dev") {
    // dev 0: the mean of 12 uniform ranks, sigma = N/12: the hottest 10 % of
    // the blocks (|x - N/2| < 0.05 N, |z| < 0.6) get 45 %
    const double narrow = top_share(block_counts("normal", 256, 500000), 0.1);
    CHECK(narrow == Approx(0.4515).margin(0.015));
    const double wide = top_share(block_counts("normal:50", 256, 500000), 0.1);
    CHECK(wide < narrow - 0.1);
    CHECK(wide > 0.1); // still not uniform
}

TEST_CASE("fio stream: random_distribution=zoned and zoned_abs give each zone its share of the offsets") {
    auto j = one_job("rw=randrw\nbs=4k\nsize=100m\nio_size=1g\nnumber_ios=100000\n"
                     "random_distribution=zoned:60/10:30/20:10/70,50/50:50/50\n");
    fio_stream s(j, 3, GiB);
    const double mib = 1 << 20;
    std::uint64_t r[3] = {0, 0, 0}, reads = 0, w_low = 0, writes = 0;
    while (auto io = s.next()) {
        const double at = double(io->offset) / mib;
        if (io->is_write) {
            ++writes;
            w_low += at < 50;
            continue;
        }
        ++reads;
        ++r[at < 10 ? 0 : at < 30 ? 1 : 2];
        REQUIRE(io->offset + io->length <= 100 * (1ull << 20));
    }
    CHECK(double(r[0]) / double(reads) == Approx(0.6).margin(0.01));
    CHECK(double(r[1]) / double(reads) == Approx(0.3).margin(0.01));
    CHECK(double(r[2]) / double(reads) == Approx(0.1).margin(0.01));
    CHECK(double(w_low) / double(writes) == Approx(0.5).margin(0.015));
    auto a = one_job("rw=randread\nbs=4k\noffset=1m\nsize=4m\nio_size=1g\nnumber_ios=20000\nrandom_distribution=zoned_abs:80/1m:20/3m\n");
    fio_stream sa(a, 1, GiB);
    std::uint64_t first = 0, all = 0;
    while (auto io = sa.next()) {
        REQUIRE(io->offset >= (1u << 20));
        REQUIRE(io->offset + io->length <= (5u << 20));
        first += io->offset < (2u << 20);
        ++all;
    }
    CHECK(double(first) / double(all) == Approx(0.8).margin(0.015));
    // zones that do not fit the region, or a zone too small for the block, are errors at the job
    auto big = one_job("rw=randread\nbs=4k\nsize=4m\nrandom_distribution=zoned_abs:50/2m:50/3m\n");
    CHECK_THROWS_WITH(fio_stream(big, 1, GiB), Catch::Contains("zone 2") && Catch::Contains("ends beyond the region"));
    auto small = one_job("rw=randread\nbs=64k\nsize=1m\nrandom_distribution=zoned:50/1:50/99\n");
    CHECK_THROWS_WITH(fio_stream(small, 1, GiB), Catch::Contains("zone 1") && Catch::Contains("65536-byte block"));
}

TEST_CASE("fio stream: percentage_random mixes random offsets with runs that follow on, per direction") {
    auto j = one_job("rw=randrw\nbs=4k\nsize=1g\nnumber_ios=100000\npercentage_random=70,10\n");
    CHECK(j.percentage_random[0] == 70);
    CHECK(j.percentage_random[1] == 10);
    CHECK(j.norandommap); // no map below 100
    fio_stream s(j, 2, 4 * GiB);
    std::uint64_t next[2] = {~0ull, ~0ull}, follow[2] = {0, 0}, n[2] = {0, 0};
    while (auto io = s.next()) {
        const int d = io->is_write;
        ++n[d];
        follow[d] += io->offset == next[d];
        next[d] = io->offset + io->length;
        REQUIRE(io->offset + io->length <= GiB);
    }
    // a random 4 KiB offset in 1 GiB lands on the next block 1 in 262144 times
    CHECK(double(follow[0]) / double(n[0]) == Approx(0.30).margin(0.01));
    CHECK(double(follow[1]) / double(n[1]) == Approx(0.90).margin(0.01));
    // 0: fully sequential from the region's start
    auto seq = one_job("rw=randread\nbs=4k\nsize=1m\nnumber_ios=300\npercentage_random=0\n");
    fio_stream q(seq, 1, GiB);
    std::uint64_t expect = 0;
    while (auto io = q.next()) {
        CHECK(io->offset == expect);
        expect = (io->offset + io->length) % (1u << 20);
    }
    // notes and errors
    CHECK(has_note(parse("[j]\nrw=read\npercentage_random=50\n"), "percentage_random", "no effect"));
    CHECK(has_note(parse("[j]\nrw=randread\npercentage_random=50\n"), "percentage_random", "no random map"));
    CHECK_FALSE(parse("[j]\nrw=randread\npercentage_random=100\n").jobs[0].norandommap);
    CHECK(error_of("[j]\nrw=randread\npercentage_random=101\n").key == "percentage_random");
}

TEST_CASE("fio stream: bssplit proportions over 100k I/Os are within 1 percentage point") {
    auto j = one_job("rw=randread\nbssplit=4k/50:16k/30:64k/20\nsize=4g\nnumber_ios=100000\n");
    fio_stream s(j, 7, 8 * GiB);
    std::map<std::uint64_t, std::uint64_t> n;
    std::uint64_t total = 0;
    while (auto io = s.next()) ++n[io->length], ++total;
    REQUIRE(total == 100000);
    CHECK(n.size() == 3);
    // Binomial standard deviation at p = 0.5, n = 1e5 is 0.16 points: 1 point is > 6 sigma.
    CHECK(std::abs(double(n[4096]) / total - 0.50) < 0.01);
    CHECK(std::abs(double(n[16384]) / total - 0.30) < 0.01);
    CHECK(std::abs(double(n[65536]) / total - 0.20) < 0.01);
}

TEST_CASE("fio stream: rwmixread over 100k I/Os is within 1 percentage point") {
    auto j = one_job("rw=randrw\nrwmixread=70\nbs=4k\nsize=1g\nnumber_ios=100000\n");
    fio_stream s(j, 3, 4 * GiB);
    std::uint64_t reads = 0, total = 0;
    while (auto io = s.next()) reads += !io->is_write, ++total;
    REQUIRE(total == 100000);
    CHECK(std::abs(double(reads) / total - 0.70) < 0.01); // sigma 0.14 points
}

TEST_CASE("fio stream: random offsets stay inside the region and are aligned") {
    auto j = one_job("rw=randrw\nbsrange=512-64k\nblockalign=4k\noffset=1m\nsize=100m\nnumber_ios=100000\n");
    fio_stream s(j, 5, GiB);
    CHECK(s.region_start() == 1048576);
    CHECK(s.region_end() == 1048576 + 100 * 1048576ull);
    std::set<std::uint64_t> lengths;
    bool inside = true, aligned = true, multiple = true;
    while (auto io = s.next()) {
        inside &= io->offset >= s.region_start() && io->offset + io->length <= s.region_end();
        aligned &= io->offset % 4096 == 0;
        multiple &= io->length % 512 == 0 && io->length >= 512 && io->length <= 65536;
        lengths.insert(io->length);
    }
    CHECK(inside);
    CHECK(aligned);
    CHECK(multiple);
    CHECK(lengths.size() == 128); // every multiple of 512 from 512 to 64k occurs
}

TEST_CASE("fio stream: sequential I/O follows on and wraps at the end of the region") {
    auto j = one_job("rw=write\nbs=64k\noffset=1m\nsize=256k\nio_size=1m\n");
    fio_stream s(j, 1, GiB);
    auto v = drain(s);
    REQUIRE(v.size() == 16); // 1 MiB / 64 KiB
    for (std::size_t i = 0; i < v.size(); ++i) {
        CHECK(v[i].offset == 1048576 + (i % 4) * 65536);
        CHECK(v[i].is_write);
        CHECK(v[i].index == i);
    }
    CHECK(s.issued_bytes() == 1048576);
    // rw=read:4k skips 4k after each I/O.
    auto k = one_job("rw=read:4k\nbs=4k\nsize=64k\n");
    fio_stream t(k, 1, GiB);
    auto w = drain(t);
    REQUIRE(w.size() >= 3);
    CHECK(w[0].offset == 0);
    CHECK(w[1].offset == 8192);
    CHECK(w[2].offset == 16384);
    // Separate sequential positions for reads and writes in rw=rw.
    auto m = one_job("rw=rw\nbs=4k\nsize=1m\nnumber_ios=1000\n");
    fio_stream u(m, 1, GiB);
    std::uint64_t next[2] = {0, 0};
    bool follows = true;
    while (auto io = u.next()) {
        follows &= io->offset == next[io->is_write] % 1048576;
        next[io->is_write] = io->offset + 4096;
    }
    CHECK(follows);
}

TEST_CASE("fio stream: fixed-size random I/O touches every block once per pass (random map)") {
    auto j = one_job("rw=randread\nbs=4k\nsize=4m\nio_size=8m\n");
    fio_stream s(j, 1, GiB);
    auto v = drain(s);
    REQUIRE(v.size() == 2048); // two passes of 1024 blocks
    std::set<std::uint64_t> first, second;
    for (std::size_t i = 0; i < 1024; ++i) first.insert(v[i].offset);
    for (std::size_t i = 1024; i < 2048; ++i) second.insert(v[i].offset);
    CHECK(first.size() == 1024);
    CHECK(second.size() == 1024);
    CHECK(*first.rbegin() == 4 * 1048576 - 4096);
    bool differ = false;
    for (std::size_t i = 0; i < 1024; ++i) differ |= v[i].offset != v[i + 1024].offset;
    CHECK(differ); // each pass is a new order
    // norandommap: plain random offsets, which repeat within a pass.
    auto n = one_job("rw=randread\nbs=4k\nsize=4m\nnorandommap\nnumber_ios=1024\n");
    fio_stream t(n, 1, GiB);
    std::set<std::uint64_t> seen;
    while (auto io = t.next()) seen.insert(io->offset);
    CHECK(seen.size() < 1024); // 1024 draws from 1024 blocks: about 647 distinct expected
    CHECK(seen.size() > 550);
    // Several block sizes: no map, and the parser said so.
    auto f = parse("[j]\nrw=randread\nbsrange=4k-8k\n");
    CHECK(has_note(f, "norandommap", "may repeat"));
}

TEST_CASE("fio stream: rw=randread:4 issues runs of 4 sequential I/Os") {
    auto j = one_job("rw=randread:4\nbs=4k\nsize=64m\nnumber_ios=400\n");
    fio_stream s(j, 1, GiB);
    auto v = drain(s);
    REQUIRE(v.size() == 400);
    int follows = 0;
    for (std::size_t i = 1; i < v.size(); ++i) follows += v[i].offset == v[i - 1].offset + 4096;
    CHECK(follows >= 300); // 3 of every 4 follow on (a run ends early only at the region's end)
    CHECK(follows < 330);
}

TEST_CASE("fio stream: io_size, loops and number_ios bound the stream and time_based never ends") {
    auto a = one_job("rw=read\nbs=4k\nsize=1m\n");
    fio_stream sa(a, 1, GiB);
    CHECK(drain(sa).size() == 256);
    auto b = one_job("rw=read\nbs=4k\nsize=1m\nloops=3\n");
    fio_stream sb(b, 1, GiB);
    CHECK(drain(sb).size() == 768);
    auto c = one_job("rw=read\nbs=4k\nsize=1m\nnumber_ios=10\n");
    fio_stream sc(c, 1, GiB);
    CHECK(drain(sc).size() == 10);
    auto d = one_job("rw=read\nbs=4k\nsize=1m\nruntime=1\ntime_based\n");
    fio_stream sd(d, 1, GiB);
    CHECK(drain(sd, 5000).size() == 5000);
    // Block sizes that do not divide io_size: the last I/O is the largest that fits.
    auto e = one_job("rw=read\nbsrange=4k-64k\nsize=1m\nio_size=1000k\n");
    fio_stream se(e, 1, GiB);
    drain(se);
    CHECK(se.issued_bytes() == 1000 * 1024);
}

TEST_CASE("fio stream: percentages resolve against the capacity and regions beyond the disk are errors") {
    auto j = one_job("rw=randread\nsize=25%\noffset=50%\n");
    fio_stream s(j, 1, 4 * GiB);
    CHECK(s.region_start() == 2 * GiB);
    CHECK(s.region_end() == 3 * GiB);
    auto whole = one_job("rw=read\n");
    fio_stream w(whole, 1, GiB);
    CHECK(w.region_start() == 0);
    CHECK(w.region_end() == GiB);
    CHECK(w.byte_budget() == GiB);

    auto f = parse("[j]\nrw=read\nsize=1m\noffset_increment=1m\nnumjobs=2\n");
    fio_stream c1(f.jobs[1], 1, GiB);
    CHECK(c1.region_start() == 1048576);

    CHECK_THROWS_WITH(fio_stream(one_job("size=2g\n"), 1, GiB, 512, "jobs.fio"),
                      Catch::Contains("jobs.fio:1:1") && Catch::Contains("beyond the disk"));
    CHECK_THROWS_WITH(fio_stream(one_job("offset=2g\n"), 1, GiB), Catch::Contains("beyond the end"));
    CHECK_THROWS_WITH(fio_stream(one_job("bs=1000\n"), 1, GiB), Catch::Contains("512-byte sector"));
    CHECK_THROWS_WITH(fio_stream(one_job("bs=1m\nsize=64k\n"), 1, GiB), Catch::Contains("larger than the region"));
}

// ---------------------------------------------------------------- verify

TEST_CASE("fio verify: crc32c matches the standard check value") {
    const char* s = "123456789";
    CHECK(crc32c(s, 9) == 0xe3069283u); // the CRC-32C check value
    CHECK(crc32c(s + 4, 5, crc32c(s, 4)) == 0xe3069283u); // chaining
    CHECK(crc32c(s, 0) == 0);
}

TEST_CASE("fio verify: the log detects corruption and keeps only the latest write of a block") {
    std::vector<std::uint8_t> a(8192), b(4096);
    fio_fill_buffer(a.data(), a.size(), 9, 0, 0);
    fio_fill_buffer(b.data(), b.size(), 9, 4096, 1);
    // Same seed, offset and generation: same bytes; another generation differs.
    std::vector<std::uint8_t> a2(4096);
    fio_fill_buffer(a2.data(), a2.size(), 9, 4096, 0);
    CHECK(std::equal(a2.begin(), a2.end(), a.begin() + 4096));
    CHECK_FALSE(std::equal(b.begin(), b.end(), a.begin() + 4096));

    fio_verify_log log;
    log.record_write(0, a.data(), 4096);
    log.record_write(4096, a.data() + 4096, 4096);
    CHECK(log.check_read(0, a.data(), 8192) == fio_verify_log::result::match);
    log.record_write(4096, b.data(), 4096); // rewrite of block 1
    CHECK(log.extents() == 2);
    CHECK(log.check_read(4096, a.data() + 4096, 4096) == fio_verify_log::result::mismatch); // old data
    CHECK(log.check_read(4096, b.data(), 4096) == fio_verify_log::result::match);
    std::vector<std::uint8_t> bad = a;
    bad[100] ^= 1;
    CHECK(log.check_read(0, bad.data(), 4096) == fio_verify_log::result::mismatch);
    CHECK(log.check_read(1 << 20, a.data(), 4096) == fio_verify_log::result::not_written);
    // A larger write over both drops the two older extents.
    log.record_write(0, a.data(), 8192);
    CHECK(log.extents() == 1);
    // A failed write over part of it: that extent is no longer checked, the
    // others are.
    log.record_write(16384, a.data(), 4096);
    log.record_write(32768, a.data(), 4096);
    log.forget(4096, 512);
    CHECK(log.extents() == 2);
    CHECK(log.check_read(0, bad.data(), 8192) == fio_verify_log::result::not_written);
    CHECK(log.check_read(16384, a.data(), 4096) == fio_verify_log::result::match);
    log.forget(20480, 12288); // touches neither (ends where 32768 begins)
    CHECK(log.extents() == 2);
    log.forget(20480, 12289); // the last byte of [20480, 32769) is 32768's first
    CHECK(log.extents() == 1);
    CHECK(log.check_read(16384, a.data(), 4096) == fio_verify_log::result::match);
}

TEST_CASE("fio: the example job files in scenarios/ and docs/examples/ parse") {
    int n = 0;
    for (const char* dir : {"/scenarios", "/docs/examples"})
        for (const auto& e : std::filesystem::directory_iterator(source_dir() + dir)) {
            if (e.path().extension() != ".fio") continue;
            INFO(e.path());
            // paced.fio takes its rate from ${RATE} and ${PROCESS}, hotspot.fio
            // its distribution from ${DIST}, eight-ssds.fio ${RW}, ${BS} and
            // ${QD} (workload.fio.vars)
            fio_job_file f = load_fio_file(e.path().string(), {.env = {{"RATE", "20000"},
                                                                       {"PROCESS", "linear"},
                                                                       {"DIST", "zipf:1.2"},
                                                                       {"RW", "read"},
                                                                       {"BS", "128k"},
                                                                       {"QD", "16"}},
                                                               .use_process_env = true,
                                                               .devices = {}});
            CHECK_FALSE(f.jobs.empty());
            for (const auto& j : f.jobs) CHECK_NOTHROW(fio_stream(j, 1, 64 * GiB));
            ++n;
        }
    CHECK(n >= 5);
}

// ---------------------------------------------------------------- JSON output


TEST_CASE("fio json: field names and units follow fio on a synthetic run") {
    // 1000 reads of 4 KiB in exactly 1 s: 4096000 B/s = 4000 KiB/s, 1000 IOPS.
    // Latencies 1000, 1100, … 100900 ns: mean 50950 ns.
    fio_latency lat("fio_test.j", "read_clat", "read completion latency");
    double sum = 0;
    for (int i = 0; i < 1000; ++i) {
        lat.add(1000.0 + 100.0 * i);
        sum += 1000.0 + 100.0 * i;
    }
    auto f = parse("[global]\nbs=4k\n[j]\nrw=randrw\nioengine=libaio\niodepth=8\n");
    fio_job_result r = make_fio_result(f.jobs[0]);
    r.read.io_bytes = 4096000;
    r.read.total_ios = 1000;
    r.read.runtime_ps = ps_s;
    r.read.set_clat(lat);
    r.job_runtime_ps = ps_s + 400000000; // 1.0004 s → 1000 ms
    fio_report_info info;
    info.global_options = f.global_options;
    for (const auto& n : f.notes) info.notes.push_back(n.to_string());
    auto j = fio_json(info, {r});

    CHECK(j["fio version"] == "ddisim");
    CHECK(j["global options"]["bs"] == "4k");
    REQUIRE(j["jobs"].size() == 1);
    const auto& job = j["jobs"][0];
    CHECK(job["jobname"] == "j");
    CHECK(job["job options"]["iodepth"] == "8");
    CHECK(job["job_runtime"] == 1000);
    const auto& rd = job["read"];
    CHECK(rd["io_bytes"] == 4096000);
    CHECK(rd["io_kbytes"] == 4000);
    CHECK(rd["bw_bytes"] == 4096000);
    CHECK(rd["bw"] == 4000); // KiB/s
    CHECK(rd["iops"].get<double>() == Approx(1000.0));
    CHECK(rd["runtime"] == 1000); // ms
    CHECK(rd["total_ios"] == 1000);
    const auto& cl = rd["clat_ns"];
    CHECK(cl["min"] == 1000);
    CHECK(cl["max"] == 100900);
    CHECK(cl["mean"].get<double>() == Approx(50950.0));
    // Sample stddev of an arithmetic sequence: 100 · sqrt(1000 · 1001 / 12) = 28881.9 ns.
    CHECK(cl["stddev"].get<double>() == Approx(28881.9).epsilon(1e-4));
    CHECK(cl["N"] == 1000);
    const auto& pc = cl["percentile"];
    CHECK(pc.size() == 17); // fio's default list
    for (const char* k : {"1.000000", "50.000000", "99.000000", "99.900000", "99.990000"}) CHECK(pc.contains(k));
    // Percentiles from the log-linear histogram: within its 0.8 % bucket error of the exact value.
    CHECK(pc["50.000000"].get<double>() == Approx(50900.0).epsilon(0.008));
    CHECK(pc["99.000000"].get<double>() == Approx(99900.0).epsilon(0.008));
    // The direction that did nothing: zeros, no percentile block (as fio).
    const auto& wr = job["write"];
    CHECK(wr["io_bytes"] == 0);
    CHECK(wr["bw"] == 0);
    CHECK(wr["iops"].get<double>() == 0.0);
    CHECK(wr["clat_ns"]["N"] == 0);
    CHECK_FALSE(wr["clat_ns"].contains("percentile"));
    CHECK(job["trim"]["total_ios"] == 0);
    CHECK(j["ddisim notes"].size() == f.notes.size());
    CHECK_FALSE(j.contains("timestamp")); // no wall clock
    // Keys in fio's order.
    auto it = rd.begin();
    CHECK(it.key() == "io_bytes");
    CHECK((++it).key() == "io_kbytes");
}

TEST_CASE("fio json: sub-millisecond runs keep their rates and a percentile_list is honoured") {
    // 10 writes of 128 KiB in 50 us: 1310720 B / 50e-6 s = 26214400000 B/s, 200000 IOPS.
    fio_latency lat("fio_test.k", "write_clat", "write completion latency");
    for (int i = 0; i < 10; ++i) lat.add(5000);
    auto f = parse("[k]\nrw=write\nbs=128k\npercentile_list=50:99.5\n");
    fio_job_result r = make_fio_result(f.jobs[0]);
    r.write.io_bytes = 10 * 131072;
    r.write.total_ios = 10;
    r.write.runtime_ps = 50000000; // 50 us
    r.write.set_clat(lat);
    auto j = fio_json({}, {r});
    const auto& wr = j["jobs"][0]["write"];
    CHECK(wr["runtime"] == 0); // ms, as fio
    CHECK(wr["runtime_ns"] == 50000);
    CHECK(wr["bw_bytes"] == 26214400000ull);
    CHECK(wr["bw"] == 25600000ull);
    CHECK(wr["iops"].get<double>() == Approx(200000.0));
    const auto& pc = wr["clat_ns"]["percentile"];
    CHECK(pc.size() == 2);
    CHECK(pc["99.500000"] == 5000);
    CHECK(wr["clat_ns"]["stddev"].get<double>() == 0.0);
    CHECK(fio_percentile_key(99.95) == "99.950000");
}

TEST_CASE("fio: malformed input of any shape gives a fio_error, never another failure") {
    // Deterministic random job files stitched from valid and broken pieces.
    const std::vector<std::string> pieces = {
        "[global]", "[j]", "[k]", "[", "]", "[ ]", "rw=randrw", "rw=read:", "rw=randread:0", "rw=write:1k",
        "bs=4k,8k,16k", "bs=,", "bs=0", "bsrange=1k-", "bsrange=-", "bssplit=4k/50:8k/", "bssplit=/:/",
        "bssplit=4k/101", "size=0.0000000000000000000000001k", "size=%", "size=100%", "offset=99%",
        "offset=1e", "io_size=18446744073709551615", "loops=1048576", "number_ios=0", "iodepth=0",
        "iodepth=65537", "runtime=1.5", "runtime=1e9d", "time_based", "time_based=2", "randrepeat=0",
        "norandommap", "verify=crc32c", "verify=", "kb_base=1000", "bs=4KiB", "size=${X}", "size=${",
        "percentile_list=0", "percentile_list=50::99", "thinktime=5", "numjobs=3", "offset_increment=1g",
        "blockalign=3", "=", "==", "; c", "# c", "ioengine=libaio", "rate=1", "stonewall", "zzz=1", "\t", ""};
    std::uint64_t x = 12345;
    auto rnd = [&x](std::uint64_t n) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        return x % n;
    };
    int parsed = 0, errors = 0;
    for (int t = 0; t < 3000; ++t) {
        std::string text;
        const auto lines = 1 + rnd(12);
        for (std::uint64_t l = 0; l < lines; ++l) text += pieces[rnd(pieces.size())] + "\n";
        try {
            auto f = parse(text);
            ++parsed;
            for (const auto& j : f.jobs) {
                try {
                    fio_stream s(j, 1, GiB);
                    for (int i = 0; i < 50 && s.next(); ++i) {
                    }
                } catch (const fio_error&) {
                }
            }
        } catch (const fio_error&) {
            ++errors;
        }
    }
    // Both outcomes are exercised (most files contain at least one broken piece).
    CHECK(parsed >= 10);
    CHECK(errors >= 1000);
}

TEST_CASE("fio: docs/fio.md names every option the parser knows") {
    std::ifstream in(source_dir() + "/docs/fio.md");
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    auto t = fio_options();
    auto documented = [&doc](const std::string& k) { return doc.find("`" + k + "`") != std::string::npos; };
    for (const auto& k : t.supported) {
        INFO(k);
        CHECK(documented(k));
    }
    for (const auto* table : {&t.noted, &t.refused})
        for (const auto& [k, why] : *table) {
            INFO(k << ": " << why);
            CHECK(documented(k));
            CHECK(doc.find(why) != std::string::npos);
        }
    for (const auto& [alias, k] : t.aliases) {
        INFO(alias);
        CHECK(documented(alias));
    }
}

TEST_CASE("fio: filename naming one of the HBA's disks in illumos style selects its target") {
    auto f = parse("[a]\nfilename=/dev/rdsk/c0t3d0p0\n[b]\nfilename=/dev/dsk/c0t1d0s2\n[c]\nfilename=c0t12d0\n[d]\n");
    REQUIRE(f.jobs.size() == 4);
    CHECK(f.jobs[0].target == 3u);
    CHECK(f.jobs[0].filename_line == 2);
    CHECK(f.jobs[0].filename_col == 10);
    CHECK(f.jobs[1].target == 1u);
    CHECK(f.jobs[2].target == 12u);
    CHECK_FALSE(f.jobs[3].target.has_value()); // workload.fio.target's disk
    CHECK_FALSE(has_note(f, "filename"));
    // [global] applies to every job; a job's own overrides it, also with a file name
    auto g = parse("[global]\nfilename=/dev/rdsk/c0t2d0p0\n[a]\n[b]\nfilename=/tmp/scratch\n");
    CHECK(g.jobs[0].target == 2u);
    CHECK_FALSE(g.jobs[1].target.has_value());
    CHECK(has_note(g, "filename", "'/tmp/scratch' is not one of the HBA's disks"));
}

TEST_CASE("fio: filename names that are no disk of the model's HBA are errors at the value") {
    auto e = error_of("[a]\nfilename=/dev/rdsk/c1t0d0p0\n");
    CHECK(e.line == 2);
    CHECK(e.column == 10);
    CHECK(e.key == "filename");
    CHECK(e.message.find("controller c1: ddisim's one HBA is controller c0") != std::string::npos);
    CHECK(error_of("[a]\nfilename=/dev/rdsk/c0t1d2p0\n").message.find("LUN d2") != std::string::npos);
    CHECK(error_of("[a]\nfilename=/dev/rdsk/c0t1d0s0\n").message.find("slice s0") != std::string::npos);
    CHECK(error_of("[a]\nfilename=/dev/rdsk/c0t1d0p1\n").message.find("partition p1") != std::string::npos);
    CHECK(error_of("[a]\nfilename=/dev/rdsk/c0t5000C500A1B2C3D4d0\n").message.find("WWN") != std::string::npos);
    CHECK(error_of("[a]\nfilename=/dev/rdsk/c0t0d0p0:/dev/rdsk/c0t1d0p0\n").message.find("':' list") !=
          std::string::npos);
    // two other devices would be two disks where the file came from: one here
    auto two = error_of("[a]\nfilename=/dev/sdb\n[b]\nfilename=/dev/sdc\n");
    CHECK(two.line == 4);
    CHECK(two.message.find("'/dev/sdc' and '/dev/sdb' (line 2) would be two disks") != std::string::npos);
    // one of them is the disk the jobs run on, with a note
    auto one = parse("[a]\nfilename=/dev/sdb\n[b]\nfilename=/dev/sdb\n");
    CHECK_FALSE(one.jobs[1].target.has_value());
    CHECK(has_note(one, "filename", "workload.fio.target"));
}

TEST_CASE("fio: workload.fio.devices maps another machine's device names to HBA targets") {
    const auto devs = parse_fio_devices(" /dev/sdb=0 ; /dev/sdc = 1;;/dev/nvme0n1=3");
    REQUIRE(devs.size() == 3);
    CHECK(devs.at("/dev/sdb") == 0);
    CHECK(devs.at("/dev/sdc") == 1);
    CHECK(devs.at("/dev/nvme0n1") == 3);
    auto f = parse("[b]\nfilename=/dev/sdb\n[c]\nfilename=/dev/sdc\n[d]\nfilename=/dev/sdd\n",
                   {.env = {}, .use_process_env = false, .devices = devs});
    CHECK(f.jobs[0].target == 0u);
    CHECK(f.jobs[1].target == 1u);
    CHECK(f.jobs[1].filename_line == 4);
    CHECK_FALSE(f.jobs[2].target.has_value()); // not mapped: workload.fio.target's disk, with a note
    CHECK(has_note(f, "filename", "'/dev/sdd' is not one of the HBA's disks"));
    // malformed maps
    auto refused = [](const std::string& text, const std::string& why) {
        try {
            (void)parse_fio_devices(text);
            FAIL("accepted: " << text);
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find(why) != std::string::npos);
        }
    };
    refused("/dev/sdb", "'/dev/sdb' is not NAME=TARGET");
    refused("=1", "is not NAME=TARGET");
    refused("/dev/sdb=256", "the target must be a number from 0 to 255, got '256'");
    refused("/dev/sdb=x", "got 'x'");
    refused("/dev/sdb=0;/dev/sdb=1", "/dev/sdb is given twice");
    refused("/dev/sdb:/dev/sdc=1", "a device name has no ':'");
    // without a map, two Linux disks are an error that names the key
    CHECK(error_of("[b]\nfilename=/dev/sdb\n[c]\nfilename=/dev/sdc\n").message.find("workload.fio.devices (e.g. "
                                                                               "/dev/sdb=0;/dev/sdc=1)") !=
          std::string::npos);
}

TEST_CASE("fio: rate_min, rate_iops_min and rate_cycle are read per direction, as fio") {
    auto f = parse("[a]\nrw=randrw\nratemin=1m,512k\nrate_iops_min=,200\nratecycle=500\n[b]\nrw=read\nrate_min=4k,4k\n");
    CHECK(f.jobs[0].rate_min[0] == 1u << 20);
    CHECK(f.jobs[0].rate_min[1] == 512u << 10);
    CHECK(f.jobs[0].rate_iops_min[0] == 0);
    CHECK(f.jobs[0].rate_iops_min[1] == 200);
    CHECK(f.jobs[0].rate_cycle == 500'000'000'000ull);
    CHECK(f.jobs[0].min_rated());
    CHECK(f.jobs[1].rate_cycle == 1'000'000'000'000ull); // fio's default: 1000 ms
    CHECK(has_note(f, "rate_min", "no effect on writes"));
    CHECK_FALSE(has_note(parse("[c]\nrw=read\nrate_iops_min=10\n"), "rate_iops_min"));
    // a runtime within the settle period: the minimum is never checked
    CHECK(has_note(parse("[c]\nrate_iops_min=10\nruntime=1s\n"), "rate_min", "first 2 s"));
    CHECK(error_of("[d]\nratecycle=0\n").key == "rate_cycle");
}

// ---------------------------------------------------------------- patterns

namespace {
std::vector<std::uint8_t> pattern_bytes(const std::string& text, bool formats = true) {
    return parse_fio_pattern(text, formats).bytes;
}
using bytes = std::vector<std::uint8_t>;
} // namespace

TEST_CASE("fio pattern: strings, decimal and hex numbers and %o read as fio's lib/pattern documents them") {
    CHECK(pattern_bytes("\"abcd\"") == bytes{0x61, 0x62, 0x63, 0x64});
    CHECK(pattern_bytes("-1024") == bytes{0x00, 0xfc, 0xff, 0xff}); // 32-bit, little-endian
    CHECK(pattern_bytes("66") == bytes{0x42});                      // as few bytes as hold it
    CHECK(pattern_bytes("256") == bytes{0x00, 0x01});
    CHECK(pattern_bytes("0") == bytes{0x00});
    CHECK(pattern_bytes("0xFF0X1") == bytes{0xff, 0x01}); // two numbers; an odd digit count: the first alone
    CHECK(pattern_bytes("0xff0x14") == bytes{0xff, 0x14});
    CHECK(pattern_bytes("0xabc") == bytes{0x0a, 0xbc});
    CHECK(pattern_bytes("0xdeadbeef") == bytes{0xde, 0xad, 0xbe, 0xef}); // hex bytes as written
    CHECK(pattern_bytes("\"123\"0xFFeeCC") == bytes{0x31, 0x32, 0x33, 0xff, 0xee, 0xcc});
    CHECK(pattern_bytes(std::string("0x") + std::string(42, 'f')) == bytes(21, 0xff));
    const auto o = parse_fio_pattern("%o", true);
    CHECK(o.bytes == bytes(8, 0));
    CHECK(o.offset_at == std::vector<std::size_t>{0});
    // "-10" up to the 0x that follows (fio's look-ahead), then 0xab, a string, %o, a string
    const auto mix = parse_fio_pattern("-100xab\"1\"%o\"2\"", true);
    CHECK(mix.bytes == bytes{0xf6, 0xff, 0xff, 0xff, 0xab, 0x31, 0, 0, 0, 0, 0, 0, 0, 0, 0x32});
    CHECK(mix.offset_at == std::vector<std::size_t>{6});
    const auto two = parse_fio_pattern("%o0xdeadbeef%o", true);
    CHECK(two.bytes.size() == 20);
    CHECK(two.offset_at == std::vector<std::size_t>{0, 12});
}

TEST_CASE("fio pattern: malformed patterns are refused with the reason and where") {
    auto err = [](const std::string& text, bool formats = true) -> std::pair<std::string, std::size_t> {
        try {
            parse_fio_pattern(text, formats);
        } catch (const fio_pattern_error& e) {
            return {e.what(), e.pos};
        }
        FAIL("accepted: " << text);
        return {};
    };
    CHECK(err("0x11 0x22") == std::pair<std::string, std::size_t>{"expected a \"string\", a number (decimal or 0x hex) or %o, got ' '", 4});
    CHECK(err("0x11\"ab").first.find("closing") != std::string::npos);
    CHECK(err("0x11\"ab").second == 4);
    CHECK(err("\"\"").first == "an empty string");
    CHECK(err("'pattern.bin'").first.find("not supported") != std::string::npos);
    CHECK(err("%x").first.find("only one") != std::string::npos);
    CHECK(err("0x11%o", false) == std::pair<std::string, std::size_t>{"buffer_pattern takes no formats (%o is for verify_pattern)", 4});
    CHECK(err("4294967296").first.find("out of range") != std::string::npos);
    CHECK(err("-2147483649").first.find("out of range") != std::string::npos);
    CHECK_NOTHROW(parse_fio_pattern("-2147483648", true));
    CHECK(err("-").first == "a sign without digits");
    CHECK(err("").first == "an empty pattern");
    CHECK_NOTHROW(parse_fio_pattern(std::string("0x") + std::string(2 * 512, 'a'), true)); // 512 bytes: fine
}

TEST_CASE("fio pattern: a buffer holds the pattern repeated from its start, %o the I/O's offset little-endian") {
    const auto p = parse_fio_pattern("%o\"ab\"", true); // a 10-byte period
    const std::uint64_t off = 0x0102030405060708ull;
    std::vector<std::uint8_t> buf(25, 0xee);
    p.fill(buf.data(), buf.size(), off);
    const bytes period = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 'a', 'b'};
    for (std::size_t i = 0; i < buf.size(); ++i) CHECK(buf[i] == period[i % 10]);
    CHECK(p.first_mismatch(buf.data(), buf.size(), off) == buf.size());
    CHECK(p.first_mismatch(buf.data(), buf.size(), off + 4096) == 1); // another I/O's offset: its second byte
    buf[17] ^= 0x10;
    CHECK(p.first_mismatch(buf.data(), buf.size(), off) == 17);
    // shorter than one period
    std::vector<std::uint8_t> small(5, 0xee);
    p.fill(small.data(), small.size(), off);
    CHECK(small == bytes(period.begin(), period.begin() + 5));
    // more than 512 bytes is more than fio holds
    CHECK_THROWS_AS(parse_fio_pattern(std::string("0x") + std::string(2 * 513, 'a'), true), fio_pattern_error);
}

TEST_CASE("fio: verify_pattern implies verify=pattern, verify=crc32c keeps its checksum, buffer_pattern fills writes") {
    const auto a = parse("[j]\nrw=write\nsize=64k\nverify_pattern=0xaa\n");
    CHECK(a.jobs[0].verify == "pattern");
    CHECK(a.jobs[0].verify_pattern.bytes == bytes{0xaa});
    // verify given (before or after the pattern): it stays
    CHECK(parse("[j]\nrw=write\nsize=64k\nverify_pattern=0xaa\nverify=crc32c\n").jobs[0].verify == "crc32c");
    CHECK(parse("[j]\nrw=write\nsize=64k\nverify=crc32c\nverify_pattern=0xaa\n").jobs[0].verify == "crc32c");
    // inherited from [global]
    CHECK(parse("[global]\nverify_pattern=%o\n[j]\nrw=randwrite\nsize=64k\n").jobs[0].verify == "pattern");
    // verify=0: the pattern is not used, with a note
    const auto off = parse("[j]\nrw=write\nsize=64k\nverify=0\nverify_pattern=0xaa\n");
    CHECK(off.jobs[0].verify.empty());
    CHECK(has_note(off, "verify_pattern", "no effect: verify=0"));
    // verify=pattern needs the pattern
    const auto e = error_of("[j]\nrw=write\nsize=64k\nverify=pattern\n");
    CHECK(e.key == "verify");
    CHECK(e.line == 4);
    CHECK(e.message.find("needs verify_pattern") != std::string::npos);
    // a job that never writes has nothing of its own to verify
    const auto r = error_of("[j]\nrw=read\nsize=64k\nverify_pattern=0xaa\n");
    CHECK(r.key == "verify_pattern");
    CHECK(r.line == 4);
    // the column of a bad byte
    const auto c = error_of("[j]\nrw=write\nsize=64k\nverify_pattern=0x11 0x22\n");
    CHECK(c.line == 4);
    CHECK(c.column == 20);
    CHECK(c.key == "verify_pattern");
    const auto b = error_of("[j]\nrw=write\nsize=64k\nbuffer_pattern=%o\n");
    CHECK(b.key == "buffer_pattern");
    CHECK(b.column == 16);
    // buffer_pattern: the writes' bytes without verify; with verify, or on a
    // job that never writes, a note
    const auto bp = parse("[j]\nrw=write\nsize=64k\nbuffer_pattern=\"xy\"\n");
    CHECK(bp.jobs[0].buffer_pattern.bytes == bytes{'x', 'y'});
    CHECK(bp.notes.empty());
    CHECK(has_note(parse("[j]\nrw=write\nsize=64k\nverify=crc32c\nbuffer_pattern=1\n"), "buffer_pattern",
                   "no effect with verify=crc32c"));
    CHECK(has_note(parse("[j]\nrw=read\nsize=64k\nbuffer_pattern=1\n"), "buffer_pattern", "never writes"));
    // verify=pattern is no longer refused; other checksums still are
    CHECK(error_of("[j]\nrw=write\nsize=64k\nverify=md5\n").message.find("crc32c and verify=pattern") !=
          std::string::npos);
}

// ---------------------------------------------------------------- log files

TEST_CASE("fio: write_lat_log, write_bw_log and write_iops_log take a name prefix (bare: the job's name)") {
    const auto f = parse("[global]\nwrite_lat_log\n[a/b]\nrw=read\nsize=64k\nwrite_bw_log=x\nwrite_iops_log=y\n"
                         "log_avg_msec=250\nlog_offset=1\nper_job_logs=0\n[c]\nrw=read\nsize=64k\nname=d\n");
    const auto& a = f.jobs[0];
    CHECK(a.lat_log == "a_b"); // the job's name, '/' made '_'
    CHECK(a.bw_log == "x");
    CHECK(a.iops_log == "y");
    CHECK(a.log_avg_ps == 250ull * 1000000000ull);
    CHECK(a.log_offset);
    CHECK_FALSE(a.per_job_logs);
    const auto& c = f.jobs[1];
    CHECK(c.lat_log == "d"); // name= given after the bare option still names it
    CHECK(c.bw_log.empty());
    CHECK(c.log_avg_ps == 0);
    CHECK(c.per_job_logs);
    CHECK(f.notes.empty());
    // a prefix is no path
    CHECK(error_of("[j]\nrw=read\nsize=64k\nwrite_lat_log=logs/x\n").message.find("without '/'") != std::string::npos);
    CHECK(has_note(parse("[j]\nrw=read\nsize=64k\nwrite_lat_log=l\nlog_prio=1\n"), "log_prio", "last column is 0"));
}

TEST_CASE("fio logs: an entry per I/O with its latency in ns, time in ms, direction, size and offset as fio writes them") {
    auto f = parse("[j]\nrw=randrw\nsize=64k\nwrite_lat_log=p\nlog_offset=1\n");
    fio_job_logs logs(f.jobs[0], 3);
    REQUIRE(logs.any());
    logs.io(1'500'000'000, 0, 4096, 8192, 81'234'567);  // 1.5 ms, 81.234567 us
    logs.io(2'000'000'000, 1, 8192, 0, 100'000'000);
    logs.finish(3'000'000'000);
    const auto files = logs.files();
    REQUIRE(files.size() == 3);
    CHECK(files[0] == std::pair<std::string, std::string>{"p_lat.3.log", "1, 81234, 0, 4096, 8192, 0\n2, 100000, 1, 8192, 0, 0\n"});
    CHECK(files[1] == std::pair<std::string, std::string>{"p_clat.3.log", "1, 81234, 0, 4096, 8192, 0\n2, 100000, 1, 8192, 0, 0\n"});
    CHECK(files[2] == std::pair<std::string, std::string>{"p_slat.3.log", "1, 0, 0, 4096, 8192, 0\n2, 0, 1, 8192, 0, 0\n"});
    // bandwidth and IOPS per I/O, as fio's add_bw_sample / add_iops_sample:
    // bytes × 10^6 / latency in ns (bytes per ms), and 1
    auto g = parse("[j]\nrw=randrw\nsize=64k\nwrite_bw_log=q\nwrite_iops_log=q\n");
    fio_job_logs rates(g.jobs[0], 1);
    rates.io(1'500'000'000, 0, 4096, 8192, 81'234'567);
    rates.io(2'000'000'000, 1, 8192, 0, 100'000'000);
    const auto rf = rates.files();
    REQUIRE(rf.size() == 2);
    CHECK(rf[0] == std::pair<std::string, std::string>{"q_bw.1.log", "1, 50422, 0, 4096, 0\n2, 81920, 1, 8192, 0\n"});
    CHECK(rf[1] == std::pair<std::string, std::string>{"q_iops.1.log", "1, 1, 0, 4096, 0\n2, 1, 1, 8192, 0\n"});
}

TEST_CASE("fio logs: log_avg_msec averages latencies as fio (an entry once a window has passed) and rates per window") {
    auto f = parse("[j]\nrw=randrw\nsize=64k\nwrite_lat_log=l\nwrite_bw_log=l\nwrite_iops_log=l\nlog_avg_msec=10\n"
                   "per_job_logs=0\n");
    fio_job_logs logs(f.jobs[0], 1);
    const std::uint64_t ms = 1'000'000'000;
    // reads at 2, 4, 11 ms (latencies 100, 200, 300 us); a write at 25 ms
    logs.io(2 * ms, 0, 4096, 0, 100'000'000);
    logs.io(4 * ms, 0, 4096, 4096, 200'000'000);
    logs.io(11 * ms, 0, 8192, 8192, 300'000'000); // the window since 0 has passed: the mean of the three
    logs.io(25 * ms, 1, 4096, 0, 50'000'000);     // its own direction's first window has passed at 25 ms
    logs.finish(33 * ms);
    std::map<std::string, std::string> by;
    for (auto& [n, t] : logs.files()) by[n] = t;
    CHECK(by["l_lat.log"] == "11, 200000, 0, 0, 0\n25, 50000, 1, 0, 0\n");
    CHECK(by["l_slat.log"] == "11, 0, 0, 0, 0\n25, 0, 1, 0, 0\n");
    // windows ending at 10, 20, 30 ms: reads 8 KiB in the first, 8 KiB in
    // the second, a write of 4 KiB in the third (the partial one to 33 ms:
    // no entry)
    CHECK(by["l_bw.log"] == "10, 800, 0, 0, 0\n20, 800, 0, 0, 0\n30, 400, 1, 0, 0\n");
    CHECK(by["l_iops.log"] == "10, 200, 0, 0, 0\n20, 100, 0, 0, 0\n30, 100, 1, 0, 0\n");
}
