// Statistics registry and trace-event recorder (tlm/core).
#include <catch2/catch.hpp>

#include <limits>
#include <memory>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlm/core/stats.h"
#include "tlm/core/stats_series.h"
#include "tlm/core/trace_events.h"

using namespace ddisim::tlm;

TEST_CASE("stats: counters register by hierarchical name and leave on destruction") {
    {
        counter c("top.bus", "reads", "transactions", "reads served");
        c.add(3);
        ++c;
        const stat* s = stats_registry::instance().find("top.bus.reads");
        REQUIRE(s == &c);
        CHECK(s->value() == 4);
        CHECK(std::string(s->kind()) == "counter");
    }
    CHECK(stats_registry::instance().find("top.bus.reads") == nullptr);
}

TEST_CASE("stats: a duplicate name is kept under a suffix, never overwritten") {
    counter a("x", "n", "", "first");
    counter b("x", "n", "", "second");
    CHECK(stats_registry::instance().find("x.n") == &a);
    CHECK(stats_registry::instance().find("x.n#2") == &b);
}

TEST_CASE("stats: time average weights each level by how long it held") {
    time_average q("top.hba", "queue_depth", "commands", "queue depth");
    // level 0 from the run start to 100 ps, 2 for 10 ps, 6 for 30 ps:
    // (0*100 + 2*10 + 6*30) / 140 = 200/140.
    q.set(100, 2);
    q.set(110, 6);
    q.finish(140);
    CHECK(q.value() == Approx(200.0 / 140.0));
    CHECK(q.max() == 6);
}

TEST_CASE("stats: histogram percentiles are within 1 % and exact for count, mean, min, max") {
    histogram h("top.disk", "latency", "ns", "service time");
    for (int i = 1; i <= 10000; ++i) h.add(i);
    CHECK(h.count() == 10000);
    CHECK(h.mean() == Approx(5000.5));
    CHECK(h.min() == 1);
    CHECK(h.max() == 10000);
    CHECK(h.percentile(50) == Approx(5000).epsilon(0.01));
    CHECK(h.percentile(99) == Approx(9900).epsilon(0.01));
    CHECK(h.percentile(100) == Approx(10000).epsilon(0.01));
    histogram e("top.disk", "empty", "ns", "");
    CHECK(e.percentile(50) == 0);
    // Mostly zero waits: the median is exactly zero, the tail is not.
    histogram w("top.bus", "wait", "ns", "");
    for (int i = 0; i < 90; ++i) w.add(0);
    for (int i = 0; i < 10; ++i) w.add(48);
    CHECK(w.percentile(50) == 0);
    CHECK(w.percentile(95) == Approx(48).epsilon(0.01));
}

TEST_CASE("stats: a histogram fed repeats of its last sample equals one fed the same samples without repeats") {
    // add() takes a short path for a sample equal to the previous one; the
    // same multiset in an order without consecutive repeats (and a NaN, which
    // is ignored, between two repeats) must dump identically.
    const std::vector<double> runs = {5, 5, 5, 7, 7, 5, 0, 0, 3, 3, 3, 3, 250, 250};
    const std::vector<double> mixed = {5, 7, 5, 0, 3, 5, 3, 7, 3, 5, 250, 3, 0, 250};
    histogram a("repeat_test.runs", "h", "ns", "d"), b("repeat_test.mixed", "h", "ns", "d");
    for (std::size_t i = 0; i < runs.size(); ++i) {
        a.add(runs[i]);
        if (i == 1) a.add(std::numeric_limits<double>::quiet_NaN());
    }
    for (double v : mixed) b.add(v);
    CHECK(a.count() == 14);
    CHECK(a.sum() == 5 * 4 + 7 * 2 + 3 * 4 + 250 * 2);
    CHECK(a.min() == 0);
    CHECK(a.max() == 250);
    for (double p : {0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 100.0}) CHECK(a.percentile(p) == b.percentile(p));
    nlohmann::json ja, jb;
    a.to_json(ja);
    b.to_json(jb);
    CHECK(ja == jb);
    // After a reset the last sample is forgotten: repeating it starts afresh
    // (one sample, its own extremes) instead of counting into a freed bucket.
    a.reset();
    a.add(250);
    a.add(250);
    CHECK(a.count() == 2);
    CHECK(a.min() == 250);
    CHECK(a.max() == 250);
    CHECK(a.percentile(50) == Approx(250).epsilon(0.01));
}

TEST_CASE("stats: dumps are sorted by name and carry unit and description") {
    counter b("dump", "b", "B", "bytes");
    counter a("dump", "a", "ops", "operations");
    formula f("dump", "ratio", "", "a over b", [&] { return a.value() / (b.value() ? b.value() : 1); });
    a.add(6);
    b.add(3);
    auto j = stats_registry::instance().to_json();
    REQUIRE(j.contains("dump.a"));
    CHECK(j["dump.a"]["unit"] == "ops");
    CHECK(j["dump.ratio"]["value"] == 2.0);
    std::ostringstream csv;
    stats_registry::instance().write_csv(csv);
    const auto text = csv.str();
    CHECK(text.rfind("name,kind,unit,value", 0) == 0);
    CHECK(text.find("dump.a,counter,ops,6") < text.find("dump.b,counter,B,3"));
}

TEST_CASE("stats series: a row per interval with counter increases, interval averages, histogram counts and means") {
    counter c("ts", "c", "x", "");
    time_average a("ts", "a", "x", "");
    histogram h("ts", "h", "ns", "");
    formula f("ts", "f", "x", "", [] { return 1.0; });
    std::ostringstream os;
    stats_series s(os);
    s.sample(0); // the header alone
    CHECK(os.str() == "time_ns,ts.a,ts.c,ts.h.count,ts.h.mean\n");
    c.add(5);
    a.set(0, 2);
    a.set(500, 4); // 2 for 500 ps, then 4
    h.add(10);
    h.add(30);
    s.sample(1000);
    c.add(1);
    s.sample(1000); // no time since the last row: nothing
    s.sample(1500);
    h.add(7);
    h.add_zero();
    s.sample(3000);
    CHECK(s.rows() == 3);
    CHECK(os.str() == "time_ns,ts.a,ts.c,ts.h.count,ts.h.mean\n"
                      "1,3,5,2,20\n"
                      "1.5,4,1,0,\n"
                      "3,4,0,2,3.5\n");
}

TEST_CASE("stats series: a statistic gone from the registry leaves empty cells, one per column") {
    counter c("ts", "c", "x", "");
    auto h = std::make_unique<histogram>("ts", "h", "ns", "");
    std::ostringstream os;
    stats_series s(os);
    c.add(2);
    h->add(4);
    s.sample(2000);
    h.reset();
    c.add(1);
    s.sample(4000);
    CHECK(os.str() == "time_ns,ts.c,ts.h.count,ts.h.mean\n2,2,1,4\n4,1,,\n");
}

TEST_CASE("trace events: slices become complete events on named tracks") {
    auto& t = trace_events::instance();
    t.clear();
    t.enable(true);
    const auto bus = t.track("top.bus");
    const auto mem = t.track("top.memory");
    CHECK(t.track("top.bus") == bus);
    t.slice(bus, "read", 1'500'000, 2'750'000, 64, 0x1000);
    t.instant(mem, "fault", 3'000'000);
    std::ostringstream os;
    t.write(os);
    auto j = nlohmann::json::parse(os.str());
    int slices = 0, names = 0;
    for (const auto& e : j["traceEvents"]) {
        if (e["ph"] == "X") {
            ++slices;
            CHECK(e["ts"].get<double>() == Approx(1.5));
            CHECK(e["dur"].get<double>() == Approx(1.25));
            CHECK(e["args"]["bytes"] == 64);
        }
        if (e["ph"] == "M" && e["name"] == "thread_name") ++names;
    }
    CHECK(slices == 1);
    CHECK(names == 2);
    t.enable(false);
    t.slice(bus, "ignored", 0, 1);
    CHECK(t.size() == 2);
    t.clear();
}
