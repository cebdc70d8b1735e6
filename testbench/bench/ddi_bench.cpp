// ddisim bench: DDI bind throughput (plain C++, no simulation).
#include "sw/ddi/ddi_bench.h"
#include "testbench/bench/bench.h"

namespace {
using ddisim::bench::budget_seconds;
using ddisim::bench::registrar;

double fast() { return ddisim::ddi::bench_bind_fast_pairs_per_s(budget_seconds()); }
double frag() { return ddisim::ddi::bench_bind_fragmented_1m_per_s(budget_seconds()); }
double copybuf() { return ddisim::ddi::bench_bind_copybuf_300p_per_s(budget_seconds()); }

const registrar r1{{"bind_fast_pairs_per_s", "pairs/s", "4 KiB one-cookie bind+unbind (rootnex fast path)", &fast, 200,
                    "", 0, 2e6}};
const registrar r2{{"bind_fragmented_1m_per_s", "binds/s", "1 MiB fragmented bind+unbind (256 cookies)", &frag, 201,
                    "", 0}};
const registrar r3{{"bind_copybuf_300p_per_s", "binds/s", "300-page copy-buffer bind+unbind (PARTIAL, 2 windows)",
                    &copybuf, 202, "", 0}};
} // namespace
