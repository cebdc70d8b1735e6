// `ddisim bind`: compute one DMA bind with the DDI layer, without a platform,
// and print the result as JSON (see docs/ddi.md). `--batch` reads one JSON
// request per line (stdin or --input) and writes one result per line.
// Everything is done by sw/ddi/bind_explorer, which goes through the public
// DDI C API.
#include "testbench/app/command.h"

#include "sw/ddi/bind_explorer.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

namespace {

struct bind_opts {
    ddisim::ddi::explore_request req;
    bool batch = false;
    bool pretty = false;
    std::string input;
};

int run_bind(const bind_opts& o) {
    if (o.batch) {
        if (o.input.empty() || o.input == "-") {
            ddisim::ddi::explore_batch(std::cin, std::cout);
        } else {
            std::ifstream in(o.input);
            if (!in) {
                std::cerr << "ddisim bind: cannot open " << o.input << "\n";
                return 2;
            }
            ddisim::ddi::explore_batch(in, std::cout);
        }
        return 0;
    }
    const auto j = ddisim::ddi::explore_bind(o.req);
    std::cout << (o.pretty ? j.dump(2) : j.dump()) << "\n";
    return j.at("result") == "ERROR" ? 2 : 0;
}

ddisim::app::command_registrar reg{"bind", 30, [](CLI::App& root) {
    auto opts = std::make_shared<bind_opts>();
    auto* c = root.add_subcommand("bind", "Compute one DMA bind (x86 rootnex or IOMMU) and print it as JSON");
    c->add_option("--attr", opts->req.attr,
                  "ddi_dma_attr_t fields as field=value,... (names without dma_attr_; hex or decimal; "
                  "unset fields take the spec §10 defaults)");
    c->add_option("--pages", opts->req.pages, "physical page addresses, A-B for the run of pages A..B inclusive");
    c->add_option("--offset", opts->req.offset, "offset of the object in its first page")->default_str("0");
    c->add_option("--len", opts->req.len, "object length in bytes");
    c->add_option("--flags", opts->req.flags, "READ,WRITE,RDWR,PARTIAL,CONSISTENT,STREAMING")->default_str("READ");
    c->add_option("--copybuf-pages", opts->req.copybuf_pages, "bounce pages the copy buffer uses, in order");
    c->add_flag("--iommu", opts->req.iommu, "bind through the VT-d-like IOMMU path");
    c->add_option("--fidelity", opts->req.fidelity, "illumos (reproduce spec §8) or fixed")
        ->check(CLI::IsMember({"illumos", "fixed"}));
    c->add_flag("--debug-checks", opts->req.debug_checks, "enable the DEBUG-kernel checks");
    c->add_flag("--batch", opts->batch, "read one JSON request per line, write one result per line");
    c->add_option("--input", opts->input, "batch input file (default: stdin)");
    c->add_flag("--pretty", opts->pretty, "indent the JSON of a single result");
    c->callback([opts] {
        const int rc = run_bind(*opts);
        ddisim::app::set_exit_status(rc);
    });
}};

} // namespace
