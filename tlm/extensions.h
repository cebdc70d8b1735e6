// ddisim::tlm payload extensions carried end to end (the bus and every
// pass-through forward them untouched):
//   requester_id_ext — the device that issued the transaction (PCIe
//                      requester id / IOMMU stream id); the IOMMU selects a
//                      domain by it.
//   io_tag_ext       — the I/O (command, cookie) a transaction belongs to, for
//                      tracing and per-I/O statistics.
//   burst_ext        — LT only: the transaction stands for a sequence of
//                      bursts (a DMA engine's page-sized transaction,
//                      dma_engine_config::lt_transaction_size); targets
//                      charge per-burst costs for it (below).
// All are plain value extensions. Initiators that use a memory manager keep
// them attached for the life of the pooled payload and just update the value.
#pragma once
#include <cstdint>

#include <tlm>

namespace ddisim::tlm {

struct requester_id_ext final : ::tlm::tlm_extension<requester_id_ext> {
    std::uint32_t id = 0;
    requester_id_ext() = default;
    explicit requester_id_ext(std::uint32_t v) : id(v) {}
    ::tlm::tlm_extension_base* clone() const override;
    void copy_from(const ::tlm::tlm_extension_base& other) override;
};

struct io_tag_ext final : ::tlm::tlm_extension<io_tag_ext> {
    std::uint64_t tag = 0;
    io_tag_ext() = default;
    explicit io_tag_ext(std::uint64_t v) : tag(v) {}
    ::tlm::tlm_extension_base* clone() const override;
    void copy_from(const ::tlm::tlm_extension_base& other) override;
};

// An LT transaction carrying several bursts (docs/dmac.md, "LT transaction
// size"). The bursts are cut from the transaction's start address: `first`
// bytes (0 = `burst`), then `burst` bytes each, the last one shorter — the
// cut a burst-accurate initiator would make. A target that sees it charges
// every resource as the burst sequence would: the bus one address cycle and
// whole beats per burst, the memory whole channel cycles per burst piece and
// a read/write turnaround per alternating burst (below); the fixed latencies
// once, as for bursts issued back to back (pipelined). burst == 0, or a
// transaction no longer than its first burst: an ordinary transaction.
//   alt_begin, alt_end — the bursts with index in [alt_begin, alt_end) were,
//     in the burst-accurate sequence, each issued right after a burst in the
//     other direction (a copy engine interleaves its reads and writes once
//     its staging buffer is full): the memory charges each of them a
//     turnaround on every channel it touches.
//   opp — when set, opp[j] is that other-direction burst for an alternating
//     burst j (bus address and length): the memory replays it on its
//     channels' direction state first, so it charges exactly the
//     turnarounds of the burst-accurate interleaving (its channel is taken
//     from the address, which is exact while channels × interleave divides
//     the page, as translation keeps the page offset). Null: a turnaround
//     on every channel an alternating burst touches.
//   tail — set by the bus on the way to its target: the last burst reaches
//     the target this many ps after the first (the request beats stream), so
//     the target finishes no earlier than tail + the last burst's own time.
// Pass-through models keep it; a model that splits a transaction (the IOMMU
// at page boundaries) gives each piece the matching sub-sequence (piece()).
struct burst_ext final : ::tlm::tlm_extension<burst_ext> {
    std::uint32_t burst = 0;
    std::uint32_t first = 0;
    std::uint32_t alt_begin = 0, alt_end = 0;
    std::uint64_t tail = 0;
    struct neighbour {
        std::uint64_t addr;
        std::uint64_t len;
    };
    const neighbour* opp = nullptr; // indexed by burst, owned by the initiator
    // Unloaded round trip of one burst (ps), summed by the models on the
    // path (fixed latencies and one burst's transfer): the initiator sets 0,
    // and paces its outstanding window burst by burst with it.
    mutable std::uint64_t rt = 0;
    ::tlm::tlm_extension_base* clone() const override;
    void copy_from(const ::tlm::tlm_extension_base& other) override;

    std::uint64_t first_len() const { return first ? first : burst; }
    // True if a transaction of len bytes is more than one burst.
    bool multi(std::uint64_t len) const { return burst && len > first_len(); }
    // Bursts in len bytes (len ≥ 1).
    std::uint64_t count(std::uint64_t len) const {
        const std::uint64_t f = first_len();
        return len <= f ? 1 : 1 + (len - f + burst - 1) / burst;
    }
    // Length of the last burst of len bytes.
    std::uint64_t last_len(std::uint64_t len) const {
        const std::uint64_t f = first_len();
        return len <= f ? len : (len - f - 1) % burst + 1;
    }
    bool alternating(std::uint64_t index) const { return index >= alt_begin && index < alt_end; }
    // Sum over the bursts of len bytes of ceil(burst length / unit): whole
    // beats (or cycles) when each burst is moved on its own.
    std::uint64_t units(std::uint64_t len, std::uint64_t unit) const {
        const std::uint64_t f = first_len(), n = count(len);
        if (n == 1) return (len + unit - 1) / unit;
        const std::uint64_t l = last_len(len);
        return (f + unit - 1) / unit + (n - 2) * ((burst + unit - 1) / unit) + (l + unit - 1) / unit;
    }
    // The bursts of bytes [off, off + …) of the transaction, as seen by a
    // piece starting there (off > 0): its first burst is the rest of the
    // burst holding byte off; alternation indices shift with it.
    burst_ext piece(std::uint64_t off) const {
        burst_ext p;
        p.burst = burst;
        const std::uint64_t f = first_len();
        std::uint64_t idx, into;
        if (off < f) {
            idx = 0;
            into = off;
        } else {
            idx = 1 + (off - f) / burst;
            into = (off - f) % burst;
        }
        const std::uint64_t blen = idx == 0 ? f : burst;
        p.first = static_cast<std::uint32_t>(blen - into);
        p.alt_begin = static_cast<std::uint32_t>(alt_begin > idx ? alt_begin - idx : 0);
        p.alt_end = static_cast<std::uint32_t>(alt_end > idx ? alt_end - idx : 0);
        p.opp = opp ? opp + idx : nullptr;
        return p;
    }
};

// The burst_ext of gp if it makes gp a multi-burst transaction, else null.
inline const burst_ext* multi_burst(const ::tlm::tlm_generic_payload& gp) {
    const auto* b = gp.get_extension<burst_ext>();
    return b && b->multi(gp.get_data_length()) ? b : nullptr;
}

// Value of the requester id on gp, or `fallback` when absent.
std::uint32_t requester_id(const ::tlm::tlm_generic_payload& gp, std::uint32_t fallback = 0);
// Value of the I/O tag on gp, or `fallback` when absent.
std::uint64_t io_tag(const ::tlm::tlm_generic_payload& gp, std::uint64_t fallback = 0);

} // namespace ddisim::tlm
