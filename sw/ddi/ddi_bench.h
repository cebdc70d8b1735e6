// ddisim::ddi bench hooks — bind-engine speed figures for `ddisim bench`
// (JSON keys bind_fast_pairs_per_s, bind_fragmented_1m_per_s,
// bind_copybuf_300p_per_s). Each runs for at least min_seconds of wall time
// in its own kernel context (checker off, platform-less) and returns
// operations per second. They measure; tests assert behaviour.
#pragma once

namespace ddisim::ddi {

// (a) 4 KiB kernel-VA one-cookie bind + unbind pairs (the fast path).
double bench_bind_fast_pairs_per_s(double min_seconds);
// (b) bind + unbind of a 1 MiB buffer over 256 scattered pages (256 cookies).
double bench_bind_fragmented_1m_per_s(double min_seconds);
// (c) bind + unbind of 300 pages above addr_hi: 257-page copy buffer, two windows.
double bench_bind_copybuf_300p_per_s(double min_seconds);

} // namespace ddisim::ddi
