// The storage stack (storage_fixture.h) with the HBA in AT (hba_config
// timing "at": its engine issues nb_transport transactions through the
// IOMMU and the bus): random verified reads and writes, and the resets that
// abort DMA in flight (TARGET_RESET, RESET_ALL = HBA_RESET), end as in LT:
// no data lost or corrupted, every dropped command retried by sd.
#include "storage_checks.h"

namespace models = ddisim::models;
namespace drivers = ddisim::drivers;
using namespace ddisim::test;
using namespace sc_core;

namespace {

verify_result run_at(st_system& s, const verify_options& vo) {
    return run_verify_now(s, drivers::hba_drv_config{}, drivers::sd_config{}, vo);
}

st_options at_options() {
    st_options o;
    o.hba.timing = "at";
    return o;
}

} // namespace

TEST_CASE("storage: AT: 10000 random reads and writes verify through the IOMMU with strict unmap") {
    auto o = at_options();
    o.with_iommu = true;
    o.unmap = ddisim::kernel::iommu_unmap_policy::strict;
    st_system s(o);
    verify_options vo;
    vo.ios = 10000;
    vo.seed = 11;
    const auto r = run_at(s, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    CHECK(s.hba->engine().at());
}

TEST_CASE("storage: AT: target resets mid-run abort the DMA in flight and are recovered without losing data") {
    auto o = at_options();
    o.hba.targets[1].faults.reset_at = 3000000000ull; // the disk resets itself at 3 ms: UNIT ATTENTION
    st_system s(o);
    verify_options vo;
    vo.ios = 8000;
    vo.seed = 17;
    std::vector<std::uint64_t> in_flight_at_reset;
    vo.hook = [&](std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>& disks, drivers::hba_drv&) {
        if (done == 2000 || done == 5000) { // scsi_reset with bufs in flight
            in_flight_at_reset.push_back(disks[0]->in_flight());
            (void)scsi_reset(&disks[0]->device()->sd_address, RESET_TARGET);
        }
    };
    const auto r = run_at(s, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    REQUIRE(in_flight_at_reset.size() == 2);
    CHECK(in_flight_at_reset[0] > 0);
    CHECK(r.hba_stats.target_resets == 2);
    CHECK(r.hba_stats.resets > 0);
    CHECK(sd_total(r, &drivers::sd::stats::reset_retries) == r.hba_stats.resets);
}

TEST_CASE("storage: AT: a bus reset (RESET_ALL) mid-run drops every command in flight and sd retries them") {
    auto o = at_options();
    st_system s(o);
    verify_options vo;
    vo.ios = 5000;
    vo.seed = 18;
    unsigned out_at_reset = 0;
    std::uint64_t completed_by_reset = 0, dropped = 0;
    vo.hook = [&](std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>&, drivers::hba_drv& h) {
        if (done == 2500) {
            out_at_reset = h.outstanding();
            const auto before = h.statistics();
            (void)scsi_reset(&h.device(0)->sd_address, RESET_ALL);
            // The reset first takes the replies already posted (a command
            // whose reply landed since the last interrupt), then completes
            // the rest CMD_RESET.
            completed_by_reset = h.statistics().completions - before.completions;
            dropped = h.statistics().resets - before.resets;
        }
    };
    const auto r = run_at(s, vo);
    check_clean(r, vo.ios);
    CHECK(sd_total(r, &drivers::sd::stats::errors) == 0);
    CHECK(out_at_reset > 0);
    CHECK(r.hba_stats.bus_resets == 1);
    CHECK(completed_by_reset == out_at_reset); // every command in flight completed, by its reply or CMD_RESET
    CHECK(dropped > 0);
    CHECK(dropped + 2 >= out_at_reset);         // at most a reply or two had landed unseen
    CHECK(r.hba_stats.resets == dropped);      // exactly the commands the HBA dropped
    CHECK(sd_total(r, &drivers::sd::stats::reset_retries) == dropped);
}
