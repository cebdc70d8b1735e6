// `ddisim validate`: model-level validation experiments that need no SystemC
// elaboration — the disk timing calculators (models/disk/disk_timing.h)
// driven directly, in-process, with fixed seeds. Prints one JSON document;
// scripts/validate.py turns it into rows of docs/validation.md.
//
//   ddisim validate hdd-iops [--requests N]    experiment 6 (information rows;
//       the gated rows run through the HBA, scenarios/validation-hdd.yaml):
//       QD1 random 4 KiB reads on a 7200 rpm and a 15 000 rpm disk timing
//       model against the datasheet-style IOPS 1 / (average seek + half a
//       rotation)
//   ddisim validate ssd-little [--requests N]  experiment 2 (information rows;
//       gated through the HBA, scenarios/validation-little.yaml): closed-loop
//       random 4 KiB reads on the SSD timing model at queue depths 1–128;
//       Little's law (throughput × mean latency = outstanding I/Os)
//   ddisim validate iotlb-window --window BYTES [--size B] [--outstanding N]
//       [--count N] [--mode translate|bypass|superpage] [--timing lt|at]
//       [--walkers N]    experiment 3, one point: a random-read traffic
//       generator behind the IOMMU (default iommu_config: 64-entry IOTLB,
//       16-entry page-walk cache, walks not limited; --walkers), bus and
//       memory at their defaults, IOVA = PA mapped with 4 KiB (or 2 MiB) pages
//       over the window — pcie-bench's window sweep (anchors B4, C3).
//       One design per process: the script runs one point per call.
#include "models/bus/bus.h"
#include "models/disk/disk_config.h"
#include "models/disk/disk_timing.h"
#include "models/iommu/iommu.h"
#include "models/iommu/page_table.h"
#include "models/memory/memory.h"
#include "models/tgen/tgen.h"
#include "testbench/app/command.h"
#include "tlm/core/backing_store.h"
#include "tlm/core/stats.h"

#include <systemc>
#include <tlm>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <iostream>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {
using namespace ddisim;
using nlohmann::json;

constexpr std::uint64_t block = 512;
constexpr std::uint64_t io_blocks = 4096 / block;

// QD1 random reads: each request arrives when the previous one completes.
json hdd_case(const char* name, const models::disk_hdd_config& c, std::uint64_t capacity, unsigned requests) {
    models::disk_hdd_config cfg = c;
    cfg.cache_size = 0;  // every read goes to the medium (random reads over 1 TB barely hit anyway)
    cfg.read_ahead = 0;
    const std::uint64_t blocks = capacity / block;
    models::hdd_timing hdd(cfg, block, blocks);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> pick(0, blocks / io_blocks - 1);
    std::uint64_t now = 0;
    for (unsigned i = 0; i < requests; ++i) {
        models::media_request r;
        r.now_ps = now;
        r.op = models::media_op::read;
        r.lba = pick(rng) * io_blocks;
        r.blocks = io_blocks;
        now = hdd.service(r);
    }
    const double model_iops = double(requests) / (double(now) * 1e-12);
    const double half_rev_ms = 30e3 / cfg.rpm;
    const double seek_ms = double(cfg.average_seek) * 1e-9;
    const double ref_iops = 1e3 / (seek_ms + half_rev_ms);
    json j;
    j["name"] = name;
    j["rpm"] = cfg.rpm;
    j["average_seek_ms"] = seek_ms;
    j["half_rotation_ms"] = half_rev_ms;
    j["overhead_ms"] = double(cfg.overhead) * 1e-9;
    j["transfer_ms"] = 4096.0 / (cfg.media_rate / 8) * 1e3;
    j["requests"] = requests;
    j["model_iops"] = model_iops;
    j["model_mean_service_ms"] = double(now) * 1e-9 / requests;
    j["reference_iops"] = ref_iops;
    j["error"] = (model_iops - ref_iops) / ref_iops;
    return j;
}

json hdd_iops(unsigned requests) {
    // 7200 rpm: WD Ultrastar DC HC310 datasheet (anchors B6): 7.4 ms average
    // read seek, 0.23 ms track-to-track; the full stroke is not published —
    // the config default (15 ms) is used.
    models::disk_hdd_config c7;
    c7.rpm = 7200;
    c7.track_to_track = 230'000'000;
    c7.average_seek = 7'400'000'000;
    c7.full_stroke = 15'000'000'000;
    // 15 000 rpm: HGST Ultrastar C15K600 (anchors B6): 2.9 ms average read
    // seek; track-to-track 0.2 ms and full stroke 6.5 ms are assumptions
    // (not in the anchors) that only shape the curve, not its mean.
    models::disk_hdd_config c15;
    c15.rpm = 15000;
    c15.track_to_track = 200'000'000;
    c15.average_seek = 2'900'000'000;
    c15.full_stroke = 6'500'000'000;
    c15.media_rate = 300e6 * 8;
    json out;
    out["experiment"] = "hdd-iops";
    out["cases"] = json::array({hdd_case("7200 rpm (HC310-like)", c7, 4'000'000'000'000ull, requests),
                                hdd_case("15000 rpm (C15K600-like)", c15, 600'000'000'000ull, requests)});
    return out;
}

// Closed loop at queue depth qd: a completion immediately issues the next
// request. Measures over the second half of the run (steady state).
json ssd_case(unsigned qd, unsigned requests) {
    models::disk_ssd_config c;  // defaults: 16 units, 60 us page read, 10 us controller overhead
    models::ssd_timing ssd(c, block);
    std::mt19937_64 rng(7 + qd);
    const std::uint64_t span = (64ull << 30) / 4096;  // 64 GiB of LBA space
    std::uniform_int_distribution<std::uint64_t> pick(0, span - 1);
    struct io {
        std::uint64_t done, issued;
        bool operator>(const io& o) const { return done > o.done || (done == o.done && issued > o.issued); }
    };
    std::priority_queue<io, std::vector<io>, std::greater<io>> q;
    auto issue = [&](std::uint64_t now) {
        models::media_request r;
        r.now_ps = now;
        r.op = models::media_op::read;
        r.lba = pick(rng) * io_blocks;
        r.blocks = io_blocks;
        q.push({ssd.service(r), now});
    };
    for (unsigned i = 0; i < qd; ++i) issue(0);
    unsigned done = 0, issued = qd;
    const unsigned warm = requests / 2;
    std::uint64_t t_start = 0, t_end = 0, n = 0;
    double lat_sum = 0, busy_integral = 0;
    std::uint64_t last_t = 0;
    // time-average number in system over [t_start, t_end]; in a closed loop
    // it is qd whenever the loop refills at once, so it is computed, not assumed.
    while (done < requests) {
        io x = q.top();
        q.pop();
        ++done;
        if (done == warm) {
            t_start = x.done;
            last_t = x.done;
        } else if (done > warm) {
            busy_integral += double(q.size() + 1) * double(x.done - last_t);
            last_t = x.done;
            lat_sum += double(x.done - x.issued);
            ++n;
            t_end = x.done;
        }
        if (issued < requests + qd) {
            issue(x.done);
            ++issued;
        }
    }
    const double window_s = double(t_end - t_start) * 1e-12;
    const double x_iops = double(n) / window_s;
    const double r_s = lat_sum / double(n) * 1e-12;
    json j;
    j["qd"] = qd;
    j["requests"] = requests;
    j["iops"] = x_iops;
    j["mean_latency_us"] = r_s * 1e6;
    j["little_n"] = x_iops * r_s;
    j["time_average_in_system"] = busy_integral / double(t_end - t_start);
    j["error"] = (x_iops * r_s - qd) / qd;
    j["saturation_iops"] = double(c.units) / (double(c.read_latency) * 1e-12);
    return j;
}

json ssd_little(unsigned requests) {
    json out;
    out["experiment"] = "ssd-little";
    out["cases"] = json::array();
    for (unsigned qd : {1u, 2u, 4u, 8u, 16u, 32u, 64u, 128u}) out["cases"].push_back(ssd_case(qd, std::max(requests, 64 * qd)));
    return out;
}

// --- experiment 3: IOTLB window sweep (one point) ---------------------------

// Programs the IOMMU registers over the bus (context table, translation on),
// then stops; the traffic generator starts after it (start_delay).
struct enabler : sc_core::sc_module, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_initiator_socket<> out;
    std::uint64_t regs = 0, ctx = 0;
    SC_HAS_PROCESS(enabler);
    explicit enabler(sc_core::sc_module_name n) : sc_module(n), out("out") {
        out.bind(*this);
        SC_THREAD(thread);
    }
    void write64(std::uint64_t a, std::uint64_t v) {
        ::tlm::tlm_generic_payload gp;
        gp.set_command(::tlm::TLM_WRITE_COMMAND);
        gp.set_address(a);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(8);
        gp.set_streaming_width(8);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(gp, d);
        if (!gp.is_response_ok()) SC_REPORT_ERROR("ddisim/validate", "IOMMU register write failed");
        wait(d);
    }
    void thread() {
        namespace reg = models::iommu_reg;
        write64(regs + reg::ctx_base, ctx);
        write64(regs + reg::ctx_count, 64);
        write64(regs + reg::ctrl, reg::ctrl_te);
    }
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) override {
        return ::tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

struct window_opts {
    std::uint64_t window = 1 << 20, size = 64, count = 20000;
    unsigned outstanding = 16, walkers = 0;
    std::string mode = "translate";
    std::string timing = "lt";
};

json iotlb_window(const window_opts& o) {
    namespace pt = models::iommu_pt;
    constexpr std::uint64_t regs_base = 0xfed0'0000, ctx_table = 0x8'0000, win_base = 64ull << 20;
    constexpr std::uint32_t rid = 5;
    ::tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
    models::memory_config mc;
    mc.low_size = 256ull << 20;
    mc.high_size = 0;
    ddisim::tlm::backing_store store(models::memory::store_size(mc));
    models::memory mem("mem", mc, store);
    models::bus_config bc;
    models::bus bus("bus", bc);
    models::iommu_config ic;
    ic.walkers = o.walkers;
    models::iommu mmu("iommu", ic);
    enabler cpu("cpu");
    cpu.regs = regs_base;
    cpu.ctx = ctx_table;
    models::tgen_config tc;
    tc.pattern = "random";
    tc.base = win_base;
    tc.range = o.window;
    tc.size = o.size;
    tc.outstanding = o.outstanding;
    tc.count = o.count;
    tc.seed = 11;
    tc.requester_id = rid;
    tc.start_delay = 1'000'000;  // 1 us: after the enabler's three register writes
    models::tgen gen("dev", tc, o.timing == "at" ? models::tgen::style::at : models::tgen::style::lt);
    gen.out.bind(mmu.dev_in);
    mmu.mem_out.bind(bus.in);
    cpu.out.bind(bus.in);
    bus.out.bind(mem.in);
    bus.out.bind(mmu.regs);
    bus.add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
    bus.add_region(models::bus_region::relative("iommu", regs_base, mmu.regs_size(), 1));
    std::uint64_t next_table = 1u << 20;
    pt::table_builder tb(store.data(), [&] {
        const auto t = next_table;
        next_table += 4096;
        return t;
    });
    const std::uint64_t root = tb.new_root();
    if (o.mode == "superpage") {
        for (std::uint64_t a = win_base; a < win_base + std::max<std::uint64_t>(o.window, 2 << 20); a += 2 << 20)
            tb.map_2m(root, a, a, pt::perm_rw);
    } else {
        for (std::uint64_t a = win_base; a < win_base + o.window; a += 4096) tb.map_4k(root, a, a, pt::perm_rw);
    }
    std::uint64_t raw[2];
    pt::encode_context({true, o.mode != "bypass", 7, root}, raw);
    std::memcpy(store.data() + ctx_table + 16ull * rid, raw, 16);
    sc_core::sc_start();
    json j;
    j["window"] = o.window;
    j["size"] = o.size;
    j["outstanding"] = o.outstanding;
    j["mode"] = o.mode;
    j["timing"] = o.timing;
    j["transactions"] = gen.transactions();
    j["errors"] = gen.errors();
    j["bandwidth_bytes_per_s"] = gen.bandwidth();
    j["latency_ns_mean"] = gen.latency().mean();
    j["translations"] = mmu.translations();
    j["iotlb_misses"] = mmu.iotlb_misses();
    j["walk_reads"] = mmu.walk_reads();
    j["walk_latency_ns_mean"] = mmu.walk_latency().mean();
    j["walkers"] = o.walkers;
    j["faults"] = mmu.faults();
    return j;
}

struct validate_opts {
    std::string experiment;
    unsigned requests = 20000;
    window_opts w;
};

app::command_registrar reg{"validate", 80, [](CLI::App& root) {
    auto o = std::make_shared<validate_opts>();
    auto* c = root.add_subcommand("validate",
                                  "model-level validation experiments (disk timing), JSON on stdout; "
                                  "scripts/validate.sh runs the whole study");
    c->add_option("experiment", o->experiment, "hdd-iops | ssd-little | iotlb-window")
        ->required()
        ->check(CLI::IsMember({"hdd-iops", "ssd-little", "iotlb-window"}));
    c->add_option("--requests", o->requests, "requests per case (disk experiments)")->check(CLI::Range(100u, 100000000u));
    c->add_option("--window", o->w.window, "iotlb-window: bytes of the address window")->check(CLI::Range(4096ull, 128ull << 20));
    c->add_option("--size", o->w.size, "iotlb-window: bytes per read")->check(CLI::Range(1ull, 4096ull));
    c->add_option("--outstanding", o->w.outstanding, "iotlb-window: reads in flight")->check(CLI::Range(1u, 256u));
    c->add_option("--count", o->w.count, "iotlb-window: reads to issue")->check(CLI::Range(1ull, 100000000ull));
    c->add_option("--mode", o->w.mode, "iotlb-window: translate (4 KiB pages) | superpage (2 MiB) | bypass")
        ->check(CLI::IsMember({"translate", "superpage", "bypass"}));
    c->add_option("--timing", o->w.timing, "iotlb-window: lt | at")->check(CLI::IsMember({"lt", "at"}));
    c->add_option("--walkers", o->w.walkers, "iotlb-window: page walks in progress at once (0: no limit)")
        ->check(CLI::Range(0u, 1024u));
    c->callback([o] {
        json j = o->experiment == "hdd-iops"     ? hdd_iops(o->requests)
                 : o->experiment == "ssd-little" ? ssd_little(o->requests)
                                                 : iotlb_window(o->w);
        std::cout << j.dump(2) << "\n";
    });
}};
} // namespace
