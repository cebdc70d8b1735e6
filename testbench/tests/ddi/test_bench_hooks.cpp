// The bench hooks run and return a positive rate (speed is measured by
// `ddisim bench`, not asserted here).
#include "ddi_test_util.h"

#include "sw/ddi/ddi_bench.h"

TEST_CASE("bench hooks: the three bind measurements run and return a rate") {
    CHECK(ddisim::ddi::bench_bind_fast_pairs_per_s(0.01) > 1000.0);
    CHECK(ddisim::ddi::bench_bind_fragmented_1m_per_s(0.01) > 10.0);
    CHECK(ddisim::ddi::bench_bind_copybuf_300p_per_s(0.01) > 10.0);
}
