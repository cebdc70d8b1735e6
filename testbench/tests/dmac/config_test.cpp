// dmac_config: the scenario binding (describe) and configuration errors.
#include <catch2/catch.hpp>

#include "models/dmac/dmac.h"
#include "models/dmac/dmac_config.h"
#include "tlm/core/params.h"

namespace models = ddisim::models;

TEST_CASE("dmac: config keys parse in human units and reject bad values") {
    models::dmac_config c;
    ddisim::tlm::param_group g("platform.dmac", "DMA controller");
    describe(g, c);
    g.find("channels")->assign("8");
    g.find("burst_size")->assign("1KiB");
    g.find("outstanding")->assign("16");
    g.find("arbitration")->assign("fixed_priority");
    g.find("interrupt_mode")->assign("batch");
    g.find("register_latency")->assign("2ns");
    g.find("writeback")->assign("false");
    CHECK(c.channels == 8);
    CHECK(c.burst_size == 1024);
    CHECK(c.outstanding == 16);
    CHECK(c.arbitration == "fixed_priority");
    CHECK(c.interrupt_mode == "batch");
    CHECK(c.register_latency == 2000);
    CHECK(!c.writeback);
    CHECK_THROWS_AS(g.find("channels")->assign("33"), std::invalid_argument);
    CHECK_THROWS_AS(g.find("outstanding")->assign("0"), std::invalid_argument);
    CHECK_THROWS_AS(g.find("arbitration")->assign("lottery"), std::invalid_argument);
    // The engine gets the burst, boundary and requester id.
    c.bus_max_burst = 256;
    c.requester_id = 9;
    const auto e = c.engine();
    CHECK(e.burst_size == 1024);
    CHECK(e.bus_max_burst == 256);
    CHECK(e.requester_id == 9);
}

TEST_CASE("dmac: a bad configuration throws when the model is built") {
    models::dmac_config c;
    c.arbitration = "lottery";
    CHECK_THROWS_AS(models::dmac("dmac_bad", c), std::invalid_argument);
}
