// ddisim::tlm::splitmix64 — the SplitMix64 generator step: advances `state`
// by the golden-ratio increment and returns its mixed value. One small,
// well-mixed, stateless-to-copy source for seeds, patterns and hash draws
// (traffic generator sequences, fio streams, disk fault draws).
#pragma once
#include <cstdint>

namespace ddisim::tlm {

inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

} // namespace ddisim::tlm
