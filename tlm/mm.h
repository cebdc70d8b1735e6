// ddisim::tlm::payload_pool — a tlm_mm_interface that recycles generic
// payloads, so AT initiators allocate nothing per transaction once warm.
// acquire() hands out a payload with reference count 1 (the caller's);
// when the last release() drops it, free() resets it and puts it back.
// Extensions stay attached across reuse (their values are overwritten by the
// initiator), which avoids re-allocating them per transaction.
#pragma once
#include <memory>
#include <vector>

#include <tlm>

namespace ddisim::tlm {

class payload_pool final : public ::tlm::tlm_mm_interface {
public:
    payload_pool() = default;
    ~payload_pool() override;
    payload_pool(const payload_pool&) = delete;
    payload_pool& operator=(const payload_pool&) = delete;

    // A payload with ref count 1 and response status TLM_INCOMPLETE_RESPONSE.
    ::tlm::tlm_generic_payload* acquire();
    void free(::tlm::tlm_generic_payload* gp) override;

    std::size_t allocated() const { return all_.size(); }
    std::size_t available() const { return free_.size(); }

private:
    std::vector<std::unique_ptr<::tlm::tlm_generic_payload>> all_;
    std::vector<::tlm::tlm_generic_payload*> free_;
};

} // namespace ddisim::tlm
