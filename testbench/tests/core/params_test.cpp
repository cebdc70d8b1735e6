// Human units and param bindings (tlm/core/params.*).
#include "tlm/core/params.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace ddisim::tlm;

namespace {
// The reason text of a rejected input.
template <class F>
std::string reason(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}
} // namespace

TEST_CASE("units: sizes accept binary, decimal, bare and hex forms") {
    CHECK(parse_size("4096") == 4096);
    CHECK(parse_size("0x1000") == 4096);
    CHECK(parse_size("0X10") == 16);
    CHECK(parse_size("4KiB") == 4096);
    CHECK(parse_size("4 KiB") == 4096);
    CHECK(parse_size(" 1MiB ") == 1048576);
    CHECK(parse_size("1.5GiB") == 1610612736ull);
    CHECK(parse_size("64GiB") == 64ull << 30);
    CHECK(parse_size("2TiB") == 2ull << 40);
    CHECK(parse_size("1PiB") == 1ull << 50);
    CHECK(parse_size("4kB") == 4000);
    CHECK(parse_size("1.5GB") == 1500000000ull);
    CHECK(parse_size("3MB") == 3000000);
    CHECK(parse_size("12B") == 12);
    CHECK(parse_size("0") == 0);
    CHECK(parse_size("0.5KiB") == 512);
    CHECK(parse_size("18446744073709551615") == 18446744073709551615ull);
    CHECK(parse_size("0xffffffffffffffff") == 18446744073709551615ull);
}

TEST_CASE("units: sizes reject garbage, negatives, fractions of a byte, overflow and ambiguous units") {
    CHECK(reason([] { parse_size("banana"); }) == "expected a size such as 4KiB, got 'banana'");
    CHECK(reason([] { parse_size(""); }) == "expected a size such as 4KiB, got ''");
    CHECK(reason([] { parse_size("-4KiB"); }) == "a size cannot be negative, got '-4KiB'");
    CHECK(reason([] { parse_size("1.5B"); }) == "'1.5B' is not a whole number of bytes");
    CHECK(reason([] { parse_size("18446744073709551616"); }) ==
          "'18446744073709551616' is too large (it does not fit in 64 bits)");
    CHECK(reason([] { parse_size("16384PiB"); }) == "'16384PiB' is too large (it does not fit in 64 bits)");
    CHECK(reason([] { parse_size("0x1ffffffffffffffff"); }) == "'0x1ffffffffffffffff' does not fit in 64 bits");
    CHECK(reason([] { parse_size("4KB"); }) ==
          "ambiguous unit 'KB' in '4KB': write KiB (1024 bytes) or kB (1000 bytes)");
    CHECK(reason([] { parse_size("4kib"); }).find("did you mean 'KiB'?") != std::string::npos);
    CHECK(reason([] { parse_size("4XB"); }).starts_with("unknown size unit 'XB' in '4XB'"));
    CHECK(reason([] { parse_size("4KiB junk"); }).starts_with("unknown size unit 'KiB junk'"));
    CHECK(reason([] { parse_size("0x10KiB"); }) == "a hex size takes no unit, got '0x10KiB'");
    CHECK(reason([] { parse_size("1.0000000000000000001KiB"); }) == "'1.0000000000000000001KiB' has too many decimals");
}

TEST_CASE("units: times are exact picoseconds") {
    CHECK(parse_time_ps("10ns") == 10000);
    CHECK(parse_time_ps("1.5us") == 1500000);
    CHECK(parse_time_ps("20 ps") == 20);
    CHECK(parse_time_ps("0") == 0);
    CHECK(parse_time_ps("1ms") == 1000000000ull);
    CHECK(parse_time_ps("2s") == 2000000000000ull);
    CHECK(parse_time_ps("3\xC2\xB5s") == 3000000);
    CHECK(parse_time_ps("0.001ns") == 1);
    CHECK(reason([] { parse_time_ps("10"); }) == "'10' needs a unit, e.g. 10ns (units: ps, ns, us, ms, s)");
    CHECK(reason([] { parse_time_ps("0.5ps"); }) == "'0.5ps' is not a whole number of picoseconds");
    CHECK(reason([] { parse_time_ps("-1ns"); }) == "a time cannot be negative, got '-1ns'");
    CHECK(reason([] { parse_time_ps("soon"); }) == "expected a time such as 10ns, got 'soon'");
    CHECK(reason([] { parse_time_ps("10NS"); }).find("did you mean 'ns'?") != std::string::npos);
    CHECK(reason([] { parse_time_ps("20000000s"); }) == "'20000000s' is too large (it does not fit in 64 bits)");
}

TEST_CASE("units: frequencies and bit rates, byte rates count 8 bits") {
    CHECK(parse_frequency("1GHz") == 1e9);
    CHECK(parse_frequency("1.5GHz") == 1.5e9);
    CHECK(parse_frequency("800MHz") == 800e6);
    CHECK(parse_frequency("100 kHz") == 100e3);
    CHECK(parse_frequency("1e3Hz") == 1000);
    CHECK(parse_bitrate("12Gb/s") == 12e9);
    CHECK(parse_bitrate("6Gbps") == 6e9);
    CHECK(parse_bitrate("10Gbit/s") == 10e9);
    CHECK(parse_bitrate("600MB/s") == 4.8e9);
    CHECK(parse_bitrate("1KiB/s") == 8192);
    CHECK(parse_bitrate("100b/s") == 100);
    CHECK(reason([] { parse_frequency("1.5Ghz"); }).find("did you mean 'GHz'?") != std::string::npos);
    CHECK(reason([] { parse_frequency("fast"); }) == "expected a frequency such as 1.5GHz, got 'fast'");
    CHECK(reason([] { parse_frequency("-1GHz"); }) == "a frequency cannot be negative, got '-1GHz'");
    CHECK(reason([] { parse_frequency("1000"); }).starts_with("'1000' needs a unit"));
    CHECK(reason([] { parse_frequency("1e999GHz"); }) == "'1e999GHz' is out of range");
    CHECK(reason([] { parse_bitrate("12Gb"); }).starts_with("unknown unit 'Gb' in '12Gb'"));
    CHECK(reason([] { parse_bitrate("nan"); }) == "expected a bit rate such as 12Gb/s, got 'nan'");
}

TEST_CASE("units: counts, integers, reals and flags") {
    CHECK(parse_count("16") == 16);
    CHECK(parse_count("0x10") == 16);
    CHECK(reason([] { parse_count("-1"); }) == "a count cannot be negative, got '-1'");
    CHECK(reason([] { parse_count("1.5"); }) == "expected a whole number, got '1.5'");
    CHECK(reason([] { parse_count("4KiB"); }) == "expected a whole number such as 16, got '4KiB'");
    CHECK(parse_integer("-3") == -3);
    CHECK(parse_integer("-9223372036854775808") == INT64_MIN);
    CHECK(reason([] { parse_integer("9223372036854775808"); }) ==
          "'9223372036854775808' does not fit in a 64-bit integer");
    CHECK(parse_real("0.5") == 0.5);
    CHECK(parse_real("-1e-3") == -0.001);
    CHECK(reason([] { parse_real("inf"); }) == "expected a number such as 0.5, got 'inf'");
    CHECK(parse_flag("true"));
    CHECK(parse_flag("yes"));
    CHECK(parse_flag("on"));
    CHECK_FALSE(parse_flag("false"));
    CHECK_FALSE(parse_flag("off"));
    CHECK(reason([] { parse_flag("maybe"); }) == "expected true or false, got 'maybe'");
}

TEST_CASE("units: formatting picks the shortest exact unit and round-trips") {
    CHECK(format_size(0) == "0B");
    CHECK(format_size(4096) == "4KiB");
    CHECK(format_size(1536) == "1536B"); // shortest wins over "1.5KiB"
    CHECK(format_size(3ull << 29) == "1.5GiB");
    CHECK(format_size(1000) == "1kB");
    CHECK(format_size(1610612736ull) == "1.5GiB");
    CHECK(format_size(64ull << 30) == "64GiB");
    CHECK(format_size(1234) == "1234B");
    CHECK(format_time_ps(0) == "0ns");
    CHECK(format_time_ps(10000) == "10ns");
    CHECK(format_time_ps(1500) == "1.5ns");
    CHECK(format_time_ps(1000000) == "1us");
    CHECK(format_time_ps(7) == "7ps");
    CHECK(format_time_ps(1000000000000ull) == "1s");
    CHECK(format_time_readable(0) == "0ns");
    CHECK(format_time_readable(7) == "7ps");
    CHECK(format_time_readable(1500) == "1.5ns");
    CHECK(format_time_readable(999999) == "999.999ns");
    CHECK(format_time_readable(1000000) == "1us");
    CHECK(format_time_readable(12500000000ull) == "12.5ms");
    CHECK(format_time_readable(10000023000000ull) == "10.000023s"); // format_time_ps: "10000023us"
    CHECK(format_time_readable(1234567890123ull) == "1.234567890123s");
    CHECK(format_time_readable(3600000000000000ull) == "3600s");
    CHECK(format_frequency(1.5e9) == "1.5GHz");
    CHECK(format_frequency(800e6) == "800MHz");
    CHECK(format_frequency(0) == "0Hz");
    CHECK(format_bitrate(12e9) == "12Gb/s");
    CHECK(format_bitrate(4.8e9) == "4.8Gb/s");

    for (std::uint64_t v : {0ull, 1ull, 512ull, 4096ull, 4097ull, 1000ull, 123456789ull, 3ull << 40,
                            18446744073709551615ull, 1610612736ull, 2048000ull}) {
        INFO(v);
        CHECK(parse_size(format_size(v)) == v);
        CHECK(parse_time_ps(format_time_ps(v)) == v);
        CHECK(parse_time_ps(format_time_readable(v)) == v);
    }
    for (double f : {1.0, 1e3, 33.333e6, 1.5e9, 2.4e9, 100e9}) {
        INFO(f);
        CHECK(parse_frequency(format_frequency(f)) == Approx(f).epsilon(1e-12));
        CHECK(parse_bitrate(format_bitrate(f)) == Approx(f).epsilon(1e-12));
    }
}

TEST_CASE("suggestions: close keys within two edits, transpositions count once") {
    CHECK(edit_distance("latency", "latency") == 0);
    CHECK(edit_distance("latncy", "latency") == 1);
    CHECK(edit_distance("latnecy", "latency") == 1);
    CHECK(edit_distance("", "abc") == 3);
    std::vector<std::string> keys = {"size", "latency", "bandwidth", "channels"};
    CHECK(closest_match("latncy", keys) == "latency");
    CHECK(closest_match("bandwith", keys) == "bandwidth");
    CHECK(closest_match("sz", keys) == "");
    CHECK(closest_match("colour", keys) == "");
}

TEST_CASE("params: bindings store canonical values, check ranges and report defaults") {
    struct cfg {
        std::uint64_t size = 4096, lat = 10000, n = 4;
        unsigned ways = 8;
        std::int64_t off = -1;
        double clk = 1e9, rate = 12e9, ratio = 0.5;
        bool on = true;
        std::string name = "x", mode = "lt";
        std::uint64_t inner = 1;
    } c;
    param_group g("platform.thing", "a thing");
    g.size("size", c.size, "capacity", {.min = 1, .max = double(64ull << 30)});
    g.time("latency", c.lat, "access latency", {.min = 1000, .max = {}});
    g.count("n", c.n, "count");
    g.count("ways", c.ways, "ways", {.min = 1, .max = 64});
    g.integer("offset", c.off, "offset");
    g.frequency("clock", c.clk, "clock");
    g.bitrate("rate", c.rate, "link rate");
    g.real("ratio", c.ratio, "ratio", {.min = 0, .max = 1}).unit = "fraction";
    g.flag("on", c.on, "enabled");
    g.text("name", c.name, "name");
    g.choice("mode", c.mode, {"lt", "at"}, "timing");
    auto& sub = g.group("inner", "nested");
    sub.count("x", c.inner, "x");

    REQUIRE(g.params().size() == 12);
    const param& size = *g.find("size");
    CHECK(size.path == "platform.thing.size");
    CHECK(size.default_text == "4KiB");
    CHECK(size.range_text() == "1B \u2026 64GiB");
    size.assign("8KiB");
    CHECK(c.size == 8192);
    CHECK(size.get_text() == "8KiB");
    CHECK(reason([&] { size.assign("128GiB"); }) == "must be \u2264 64GiB, got 128GiB");
    CHECK(reason([&] { size.assign("0"); }) == "must be \u2265 1B, got 0B");
    CHECK(c.size == 8192);

    g.find("latency")->assign("2ns");
    CHECK(c.lat == 2000);
    CHECK(reason([&] { g.find("latency")->assign("500ps"); }) == "must be \u2265 1ns, got 500ps");
    CHECK(g.find("latency")->range_text() == "\u2265 1ns");
    g.find("ways")->assign("16");
    CHECK(c.ways == 16);
    CHECK(reason([&] { g.find("ways")->assign("65"); }) == "must be \u2264 64, got 65");
    g.find("offset")->assign("-12");
    CHECK(c.off == -12);
    g.find("clock")->assign("2GHz");
    CHECK(c.clk == 2e9);
    g.find("rate")->assign("6Gb/s");
    CHECK(c.rate == 6e9);
    CHECK(reason([&] { g.find("ratio")->assign("1.5"); }) == "must be \u2264 1 fraction, got 1.5");
    g.find("on")->assign("no");
    CHECK_FALSE(c.on);
    g.find("name")->assign("disk0");
    CHECK(c.name == "disk0");
    g.find("mode")->assign("at");
    CHECK(c.mode == "at");
    CHECK(reason([&] { g.find("mode")->assign("ta"); }) == "expected one of lt, at, got 'ta' (did you mean 'at'?)");
    CHECK(g.find("mode")->range_text() == "lt | at");
    CHECK(g.find("inner")->sub->find("x")->path == "platform.thing.inner.x");
    CHECK(g.find("size")->unit_text().starts_with("B, KiB"));
    CHECK(g.find("ratio")->unit_text() == "fraction");
}

TEST_CASE("params: an unsigned count rejects values above 32 bits") {
    unsigned n = 1;
    param_group g("g");
    g.count("n", n, "n");
    CHECK(reason([&] { g.find("n")->assign("4294967296"); }) == "must be \u2264 4294967295, got 4294967296");
    g.find("n")->assign("4294967295");
    CHECK(n == 4294967295u);
}

namespace {
struct elem_cfg {
    std::uint64_t size = 512;
};
void describe(param_group& g, elem_cfg& e) { g.size("size", e.size, "element size"); }
} // namespace

TEST_CASE("params: list_of resizes the vector and binds each element") {
    std::vector<elem_cfg> v;
    param_group g("top");
    g.list_of("items", "the items", v);
    const param& p = *g.find("items");
    CHECK(p.kind == param_kind::list);
    p.resize(2);
    REQUIRE(v.size() == 2);
    param_group e1("top.items.1");
    p.make_element(e1, 1);
    e1.find("size")->assign("1KiB");
    CHECK(v[1].size == 1024);
    CHECK(v[0].size == 512);
}
