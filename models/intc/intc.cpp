// intc — see intc.h.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn
#include "models/intc/intc.h"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tlm/sc_timing.h"
#include "tlm/waves.h"

namespace ddisim::models {

using namespace sc_core;
namespace R = intc_regs;

intc::stats_t::stats_t(const std::string& o)
    : raised(o, "raised", "interrupts", "interrupts raised (MSI doorbell writes and rising level lines)"),
      msi_writes(o, "msi_writes", "writes", "MSI doorbell writes"),
      claims(o, "claims", "claims", "CLAIM reads that returned a vector"),
      empty_claims(o, "empty_claims", "claims",
                   "CLAIM reads with nothing to claim (every dispatch loop ends with one; not an error)"),
      eois(o, "eois", "writes", "EOI writes that ended a vector's service"),
      bad_writes(o, "bad_writes", "writes", "writes naming a vector out of range, or EOI of a vector not in service") {}

intc::intc(sc_module_name name, const intc_config& cfg)
    : sc_module(name), regs("regs"), cpu_irq("cpu_irq"), cfg_(cfg), stats_(this->name()) {
    if (cfg_.vectors == 0 || cfg_.vectors > 1024)
        throw std::invalid_argument(std::string(this->name()) + ": vectors must be in [1, 1024]");
    const std::size_t words = (cfg_.vectors + 63) / 64;
    enabled_.assign(words, 0);
    in_service_.assign(words, 0);
    msi_.assign(words, 0);
    regs.register_b_transport(this, &intc::b_transport);
    tlm::waves::add(this->name(), "cpu_irq", out_level_);
    SC_METHOD(drive);
    sensitive << change_;
}

intc::~intc() = default;

sc_in<bool>& intc::line(unsigned vector) {
    if (vector >= cfg_.vectors)
        throw std::invalid_argument(std::string(name()) + ": line for vector " + std::to_string(vector) +
                                    " beyond vectors = " + std::to_string(cfg_.vectors));
    if (sc_is_running()) throw std::logic_error(std::string(name()) + ": lines are added during elaboration");
    input in;
    in.vector = vector;
    // Called by the platform from outside this module's constructor: make
    // the new port a child of this module, as sc_module's constructor does.
    sc_get_curr_simcontext()->hierarchy_push(this);
    in.port = std::make_unique<sc_in<bool>>(sc_gen_unique_name("line"));
    sc_get_curr_simcontext()->hierarchy_pop();
    lines_.push_back(std::move(in));
    return *lines_.back().port;
}

void intc::end_of_elaboration() {
    if (lines_.empty()) return;
    sc_spawn_options o;
    o.spawn_method();
    for (auto& in : lines_) o.set_sensitivity(&(*in.port)->value_changed_event());
    sc_spawn([this] { sample_lines(); }, (std::string(basename()) + "_lines").c_str(), &o);
}

void intc::sample_lines() {
    for (auto& in : lines_) {
        const bool now = (*in.port)->read();
        if (now && !in.last) ++stats_.raised;
        in.last = now;
    }
    if (output() != out_level_) change_.notify(SC_ZERO_TIME); // as in b_transport
}

bool intc::level(unsigned v) const {
    for (const auto& in : lines_)
        if (in.vector == v && (*in.port)->read()) return true;
    return false;
}

unsigned intc::check(unsigned v) const {
    if (v >= cfg_.vectors) throw std::out_of_range(std::string(name()) + ": vector " + std::to_string(v) + " out of range");
    return v;
}

bool intc::pending(unsigned v) const { return test(msi_, check(v)) || level(v); }

unsigned intc::first_offered() const {
    // Candidates by word: enabled, not in service, MSI latch or a level line
    // high (the lines are read live, as level() does).
    const std::size_t words = enabled_.size();
    for (std::size_t w = 0; w < words; ++w) {
        const std::uint64_t cand = enabled_[w] & ~in_service_[w];
        if (!cand) continue;
        std::uint64_t p = msi_[w];
        for (const auto& in : lines_)
            if ((in.vector >> 6) == w && (*in.port)->read()) p |= 1ull << (in.vector & 63);
        if (const std::uint64_t o = cand & p) return static_cast<unsigned>(64 * w + std::countr_zero(o));
    }
    return cfg_.vectors;
}

void intc::drive() {
    out_level_ = output();
    cpu_irq.write(out_level_);
}

void intc::b_transport(::tlm::tlm_generic_payload& gp, sc_time& delay) {
    // State changes happen at the caller's local time.
    if (delay > SC_ZERO_TIME) {
        wait(delay);
        delay = SC_ZERO_TIME;
    }
    delay += tlm::to_sc_time(cfg_.register_latency);
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (len != 4 || addr % 4 || gp.get_streaming_width() < len) {
        gp.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const std::uint64_t words = (cfg_.vectors + 31) / 32;
    const bool in_array = [&] {
        for (std::uint64_t base : {R::ENABLE, R::PENDING, R::IN_SERVICE, R::LEVEL})
            if (addr >= base && addr < base + 4 * words) return true;
        return false;
    }();
    if (addr >= R::ENABLE && !in_array) {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    std::uint32_t v = 0;
    if (gp.is_read()) {
        v = reg_read(addr);
        std::memcpy(gp.get_data_ptr(), &v, 4); // host is little-endian, as the register block
    } else if (gp.is_write()) {
        std::memcpy(&v, gp.get_data_ptr(), 4);
        reg_write(addr, v);
    }
    // drive() follows in the next delta, when the output it would drive
    // differs from the one it drove last (otherwise it would write the same
    // level: no change, no event).
    if (output() != out_level_) change_.notify(SC_ZERO_TIME);
    gp.set_response_status(::tlm::TLM_OK_RESPONSE);
}

std::uint32_t intc::reg_read(std::uint64_t off) {
    auto bitmap = [&](std::uint64_t base, auto bit) {
        const unsigned w = static_cast<unsigned>((off - base) / 4);
        std::uint32_t r = 0;
        for (unsigned i = 0; i < 32 && 32 * w + i < cfg_.vectors; ++i)
            if (bit(32 * w + i)) r |= 1u << i;
        return r;
    };
    switch (off) {
    case R::ID: return R::id_value;
    case R::VECTORS: return cfg_.vectors;
    case R::OUTPUT: return output() ? 1u : 0u;
    case R::CLAIM:
        if (const unsigned v = first_offered(); v < cfg_.vectors) {
            put(in_service_, v, true);
            put(msi_, v, false);
            ++stats_.claims;
            return v;
        }
        ++stats_.empty_claims;
        return R::claim_none;
    default: break;
    }
    if (off >= R::LEVEL) return bitmap(R::LEVEL, [&](unsigned v) { return level(v); });
    if (off >= R::IN_SERVICE) return bitmap(R::IN_SERVICE, [&](unsigned v) { return test(in_service_, v); });
    if (off >= R::PENDING) return bitmap(R::PENDING, [&](unsigned v) { return pending(v); });
    if (off >= R::ENABLE) return bitmap(R::ENABLE, [&](unsigned v) { return test(enabled_, v); });
    return 0; // write-only and reserved words read 0
}

void intc::reg_write(std::uint64_t off, std::uint32_t v) {
    switch (off) {
    case R::EOI:
    case R::MSI:
    case R::ENABLE_SET:
    case R::ENABLE_CLR:
        if (v >= cfg_.vectors) {
            ++stats_.bad_writes;
            return;
        }
        break;
    default: break;
    }
    switch (off) {
    case R::EOI:
        if (!test(in_service_, v)) {
            ++stats_.bad_writes;
            return;
        }
        put(in_service_, v, false);
        ++stats_.eois;
        return;
    case R::MSI:
        put(msi_, v, true);
        ++stats_.msi_writes;
        ++stats_.raised;
        return;
    case R::ENABLE_SET: put(enabled_, v, true); return;
    case R::ENABLE_CLR: put(enabled_, v, false); return;
    default: break;
    }
    if (off >= R::ENABLE && off < R::PENDING) {
        const unsigned w = static_cast<unsigned>((off - R::ENABLE) / 4);
        for (unsigned i = 0; i < 32 && 32 * w + i < cfg_.vectors; ++i) put(enabled_, 32 * w + i, (v >> i) & 1u);
    }
    // other registers are read-only: writes ignored
}

} // namespace ddisim::models
