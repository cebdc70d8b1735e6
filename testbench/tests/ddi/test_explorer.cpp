// The bind explorer's batch form and input validation.
#include "ddi_test_util.h"

#include <sstream>

using namespace ddt;

TEST_CASE("explorer: batch lines give one result each, bad lines an ERROR, panics a PANIC") {
    std::istringstream in(
        R"({"attr": "sgllen=2,granular=0x200", "pages": "0x10000,0x30000,0x50000-0x53000", "offset": "0x100", "len": "0x5F00", "flags": "READ,PARTIAL", "copybuf_pages": "0x1000000,0x1002000"})"
        "\n{not json\n"
        R"({"attr":"sgllen=1","pages":"0x10000,0x30000,0x50000","len":"0x3000","flags":"READ,PARTIAL"})"
        "\n"
        R"({"attr":"bogus=1","pages":"0x10000","len":"1"})"
        "\n"
        R"({"pages":"0x10000","len":"0x2000"})"
        "\n"
        R"({"attr":"count_max=0x1FF","pages":"0x10000","len":"0x100","debug_checks":"true"})"
        "\n");
    std::ostringstream out;
    ddisim::ddi::explore_batch(in, out);
    std::vector<nlohmann::json> r;
    std::istringstream lines(out.str());
    std::string l;
    while (std::getline(lines, l)) r.push_back(nlohmann::json::parse(l));
    REQUIRE(r.size() == 6);
    CHECK(r[0]["result"] == "DDI_DMA_PARTIAL_MAP");
    CHECK(r[0]["nwin"] == 2);
    CHECK(r[0]["windows"][1]["length"] == 0x4100);
    CHECK(r[1]["result"] == "ERROR");
    CHECK(r[2]["result"] == "PANIC");
    CHECK(r[3]["result"] == "ERROR");
    CHECK(r[3]["message"].get<std::string>().find("bogus") != std::string::npos);
    CHECK(r[4]["result"] == "ERROR"); // one page cannot hold 0x2000 bytes
    CHECK(r[5]["result"] == "DDI_DMA_BADATTR");
    CHECK(r[5]["code"] == -8);
}

TEST_CASE("explorer: negative sgllen, hex and decimal values, fixed fidelity") {
    ddisim::ddi::explore_request r;
    r.attr = "sgllen=-1,dma_attr_seg=65535";
    r.pages = "0x1E000-0x21000";
    r.len = "16384";
    auto j = ddisim::ddi::explore_bind(r);
    REQUIRE(j["result"] == "DDI_DMA_MAPPED");
    CHECK(j["windows"][0]["cookies"].size() == 2);
    r.fidelity = "bogus";
    CHECK(ddisim::ddi::explore_bind(r)["result"] == "ERROR");
    r.fidelity = "fixed";
    r.pages = "0x0-0xFFFFFFFFFFFFF000"; // far too many pages: refused, not allocated
    CHECK(ddisim::ddi::explore_bind(r)["result"] == "ERROR");
}
