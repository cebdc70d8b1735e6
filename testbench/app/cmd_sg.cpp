// `ddisim sg --target N --cdb "12 00 00 00 24 00" [--data-in LEN]
// [--data-out FILE] [--out FILE] [--sense-out FILE] [scenario.yaml]
// [--set key=value]…`: one raw SCSI command through the whole stack, like
// sg_raw. The scenario's platform is built (the default one without a file),
// its traffic generators and workload left out; a software thread attaches
// the IOMMU and HBA drivers, builds a packet with scsi_init_pkt (a buf over
// kernel memory for the data), copies the CDB in and sends it with
// scsi_poll (scsi_transport through the HBA driver, waited for). Prints the
// status, the sense bytes (auto request sense) and the data-in bytes as
// hex; --out writes the data-in bytes raw, --sense-out the sense bytes, so
// sg3_utils' decoders can read them (sg_inq --inhex=FILE --raw,
// sg_decode_sense --binary=FILE). Exit status: 0 GOOD, 1 any other status
// or a transport failure, 2 usage or scenario errors.
#include "testbench/app/command.h"

// models/hba/hba.h is not needed here, but any SCSA header must come after
// it wherever both meet; this file only uses SCSA.
#include <sys/buf.h>
#include <sys/scsi/scsi.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <systemc>

#include "sw/drivers/hba_drv.h"
#include "sw/kernel/kernel.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"
#include "testbench/platform/progress.h"

namespace {
using namespace ddisim;

struct sg_opts {
    std::string scenario;
    std::vector<std::string> sets;
    unsigned target = 0;
    std::string cdb;
    std::size_t data_in = 0;
    std::string data_out, out, sense_out;
};

std::vector<std::uint8_t> parse_hex(const std::string& text) {
    std::vector<std::uint8_t> v;
    std::istringstream is(text);
    std::string tok;
    while (is >> tok) {
        for (std::size_t i = 0; i < tok.size(); i += 2) {
            const std::string b = tok.substr(i, 2);
            std::size_t used = 0;
            unsigned long x = 0;
            try {
                x = std::stoul(b, &used, 16);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != b.size() || b.size() != 2)
                throw std::invalid_argument("--cdb: expected hex bytes such as \"12 00 00 00 24 00\", got '" + tok + "'");
            v.push_back(static_cast<std::uint8_t>(x));
        }
    }
    if (v.size() != 6 && v.size() != 10 && v.size() != 12 && v.size() != 16)
        throw std::invalid_argument(fmt::format("--cdb: a CDB has 6, 10, 12 or 16 bytes, got {}", v.size()));
    return v;
}

void hexdump(std::ostream& os, const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 16) {
        os << fmt::format(" {:02x}    ", i);
        for (std::size_t j = i; j < i + 16 && j < n; ++j) os << fmt::format(" {:02x}", p[j]);
        os << "\n";
    }
}

struct sg_result {
    bool ran = false;
    std::string error;
    int reason = 0;
    std::uint8_t status = 0;
    std::vector<std::uint8_t> sense, data;
};

int run_sg(const sg_opts& o) {
    const auto cdb = parse_hex(o.cdb);
    std::vector<std::uint8_t> out_data;
    if (!o.data_out.empty()) {
        std::ifstream f(o.data_out, std::ios::binary);
        if (!f) throw std::invalid_argument("--data-out: cannot read " + o.data_out);
        out_data.assign(std::istreambuf_iterator<char>(f), {});
    }
    if (o.data_in && !out_data.empty()) throw std::invalid_argument("--data-in and --data-out cannot both be given");
    auto sc = o.scenario.empty() ? config::load_default_scenario(o.sets) : config::load_scenario(o.scenario, o.sets);
    sc.workload.kind = "traffic";
    sc.platform.traffic.clear();
    sc.run.duration = 0;
    sc.run.stats = "";
    if (o.target >= sc.platform.hba.config.targets.size())
        throw std::invalid_argument(fmt::format("--target {}: platform.hba.targets has {} disk(s)", o.target,
                                                sc.platform.hba.config.targets.size()));
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    platform::platform plat(sc);
    sg_result r;
    auto& k = plat.kernel();
    plat.run_on_hba([&](drivers::hba_drv& h) {
        struct scsi_device* dev = h.device(o.target);
        if (!dev) {
            r.error = fmt::format("the HBA driver has no device for target {}", o.target);
            return;
        }
        const std::size_t len = o.data_in ? o.data_in : out_data.size();
        caddr_t mem = len ? k.kmem_alloc_pages((len + 4095) / 4096) : nullptr;
        if (len && !mem) {
            r.error = "no memory for the data buffer";
            return;
        }
        if (!out_data.empty()) std::memcpy(mem, out_data.data(), out_data.size());
        struct buf b {};
        b.b_flags = out_data.empty() ? B_READ : B_WRITE;
        b.b_un.b_addr = mem;
        b.b_bcount = len;
        struct scsi_pkt* pkt = scsi_init_pkt(&dev->sd_address, nullptr, len ? &b : nullptr, int(cdb.size()),
                                             int(sizeof(struct scsi_arq_status)), 0, 0, SLEEP_FUNC, nullptr);
        if (!pkt) {
            r.error = "scsi_init_pkt failed";
            if (mem) k.kmem_free_pages(mem);
            return;
        }
        std::memcpy(pkt->pkt_cdbp, cdb.data(), cdb.size());
        pkt->pkt_time = 60;
        pkt->pkt_comp = nullptr;
        (void)scsi_poll(pkt);
        if (len && o.data_in) scsi_sync_pkt(pkt);
        r.ran = true;
        r.reason = pkt->pkt_reason;
        r.status = pkt->pkt_scbp[0];
        if (pkt->pkt_state & STATE_ARQ_DONE) {
            auto* arq = reinterpret_cast<struct scsi_arq_status*>(pkt->pkt_scbp);
            r.status = *reinterpret_cast<std::uint8_t*>(&arq->sts_status);
            const auto* s = reinterpret_cast<const std::uint8_t*>(&arq->sts_sensedata);
            std::size_t n = sizeof(struct scsi_extended_sense);
            if (n >= 8) n = std::min<std::size_t>(n, 8 + std::size_t(s[7])); // additional sense length
            r.sense.assign(s, s + n);
        }
        if (o.data_in && (pkt->pkt_state & STATE_XFERRED_DATA)) {
            const std::size_t got = len - std::min<std::size_t>(len, std::size_t(pkt->pkt_resid));
            r.data.assign(reinterpret_cast<std::uint8_t*>(mem), reinterpret_cast<std::uint8_t*>(mem) + got);
        }
        scsi_destroy_pkt(pkt);
        if (mem) k.kmem_free_pages(mem);
    });
    platform::progress_bar bar(false);
    const auto res = plat.run(bar);
    (void)res;
    if (!r.ran) {
        std::cerr << "ddisim sg: the command was not sent: " << (r.error.empty() ? "the HBA driver did not attach" : r.error) << "\n";
        return 1;
    }
    std::cout << "SCSI Status: " << fmt::format("{:#04x}", r.status);
    switch (r.status & 0x3e) {
    case 0x00: std::cout << " GOOD"; break;
    case 0x02: std::cout << " CHECK CONDITION"; break;
    case 0x08: std::cout << " BUSY"; break;
    case 0x18: std::cout << " RESERVATION CONFLICT"; break;
    case 0x28: std::cout << " TASK SET FULL"; break;
    default: break;
    }
    if (r.reason != CMD_CMPLT) std::cout << fmt::format("  (transport: pkt_reason {})", r.reason);
    std::cout << "\n";
    if (!r.sense.empty()) {
        std::cout << fmt::format("Sense data ({} bytes): key {:#x} asc {:#04x} ascq {:#04x}\n", r.sense.size(),
                                 r.sense.size() > 2 ? (r.sense[2] & 0xf) : 0, r.sense.size() > 12 ? r.sense[12] : 0,
                                 r.sense.size() > 13 ? r.sense[13] : 0);
        hexdump(std::cout, r.sense.data(), r.sense.size());
    }
    if (o.data_in) {
        std::cout << fmt::format("Received {} bytes of data:\n", r.data.size());
        hexdump(std::cout, r.data.data(), r.data.size());
    }
    auto write_raw = [](const std::string& path, const std::vector<std::uint8_t>& v) {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size()));
        if (!f.flush()) throw std::runtime_error("cannot write " + path);
    };
    if (!o.out.empty()) write_raw(o.out, r.data);
    if (!o.sense_out.empty()) write_raw(o.sense_out, r.sense);
    return (r.reason == CMD_CMPLT && r.status == 0) ? 0 : 1;
}

app::command_registrar reg{"sg", 40, [](CLI::App& root) {
    auto o = std::make_shared<sg_opts>();
    auto* c = root.add_subcommand("sg", "Send one raw SCSI CDB through the whole stack (like sg_raw)");
    c->add_option("scenario", o->scenario, "Scenario YAML file (default: the embedded default scenario)")->check(CLI::ExistingFile);
    c->add_option("--set", o->sets, "Override a scenario key (repeatable)")->allow_extra_args(false);
    c->add_option("--target", o->target, "HBA target (index into platform.hba.targets)");
    c->add_option("--cdb", o->cdb, "The CDB as hex bytes, e.g. \"12 00 00 00 24 00\"")->required();
    c->add_option("--data-in", o->data_in, "Bytes of data the command returns");
    c->add_option("--data-out", o->data_out, "File whose bytes the command sends")->check(CLI::ExistingFile);
    c->add_option("--out", o->out, "Write the data-in bytes raw to FILE");
    c->add_option("--sense-out", o->sense_out, "Write the sense bytes raw to FILE");
    c->callback([o] {
        try {
            app::set_exit_status(run_sg(*o));
        } catch (const std::invalid_argument& e) {
            std::cerr << "ddisim sg: " << e.what() << "\n";
            app::set_exit_status(2);
        }
    });
}};

} // namespace
