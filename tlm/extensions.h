// ddisim::tlm payload extensions carried end to end (the bus and every
// pass-through forward them untouched):
//   requester_id_ext — the device that issued the transaction (PCIe
//                      requester id / IOMMU stream id); the IOMMU selects a
//                      domain by it.
//   io_tag_ext       — the I/O (command, cookie) a transaction belongs to, for
//                      tracing and per-I/O statistics.
// Both are plain value extensions. Initiators that use a memory manager keep
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

// Value of the requester id on gp, or `fallback` when absent.
std::uint32_t requester_id(const ::tlm::tlm_generic_payload& gp, std::uint32_t fallback = 0);
// Value of the I/O tag on gp, or `fallback` when absent.
std::uint64_t io_tag(const ::tlm::tlm_generic_payload& gp, std::uint64_t fallback = 0);

} // namespace ddisim::tlm
