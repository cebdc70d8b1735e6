// `ddisim sg`: one raw CDB through sd's stack (SCSA, the HBA driver, DDI
// binds, the HBA, the IOMMU), its data and sense checked by sg3_utils'
// decoders. Each case starts ddisim as a child process.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "run_helpers.h"

using namespace ddisim::test;
namespace fs = std::filesystem;


TEST_CASE("sg: INQUIRY returns standard data that sg_inq decodes without complaint") {
    const auto d = scratch("sg_inq");
    const auto r = run_ddisim("sg --target 0 --cdb \"12 00 00 00 24 00\" --data-in 36 --out " + (d / "inq.bin").string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("SCSI Status: 0x00 GOOD") != std::string::npos);
    CHECK(r.out.find("Received 36 bytes") != std::string::npos);
    const auto inq = read_file(d / "inq.bin");
    REQUIRE(inq.size() == 36);
    CHECK((inq[0] & 0x1f) == 0); // direct-access block device
    const auto dec = run_shell("sg_inq --inhex=" + (d / "inq.bin").string() + " --raw");
    INFO(dec.out);
    CHECK(dec.status == 0);
    CHECK(dec.out.find("DDISIM") != std::string::npos);   // vendor of the default scenario's disk
    CHECK(dec.out.find("SSD-1TB") != std::string::npos);  // product
    CHECK(dec.out.find("rror") == std::string::npos);
}

TEST_CASE("sg: READ past the last LBA gives CHECK CONDITION, ILLEGAL REQUEST, LBA out of range") {
    const auto d = scratch("sg_oor");
    // READ(16) of one block at LBA 0x7fffffffff, far beyond 1 TB of 512-byte blocks.
    const auto r = run_ddisim("sg --cdb \"88 00 00 00 00 7f ff ff ff ff 00 00 00 01 00 00\" --data-in 512 --sense-out " +
                              (d / "sense.bin").string());
    INFO(r.out);
    CHECK(r.status == 1);
    CHECK(r.out.find("CHECK CONDITION") != std::string::npos);
    const auto sense = read_file(d / "sense.bin");
    REQUIRE(sense.size() >= 14);
    CHECK((sense[0] & 0x7f) == 0x70);           // fixed format, current
    CHECK((sense[2] & 0x0f) == 0x05);           // ILLEGAL REQUEST
    CHECK(std::uint8_t(sense[12]) == 0x21);     // LOGICAL BLOCK ADDRESS OUT OF RANGE
    const auto dec = run_shell("sg_decode_sense --binary=" + (d / "sense.bin").string());
    INFO(dec.out);
    CHECK(dec.status == 0);
    CHECK(dec.out.find("Illegal Request") != std::string::npos);
    CHECK(dec.out.find("out of range") != std::string::npos);
}

TEST_CASE("sg: a malformed CDB is refused with exit status 2") {
    const auto r = run_ddisim("sg --cdb \"12 zz\"");
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(r.out.find("--cdb") != std::string::npos);
}
