// dmac — see dmac.h.
#include "models/dmac/dmac.h"

#include "tlm/register_access.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tlm/sc_timing.h"
#include "tlm/waves.h"

namespace ddisim::models {

using namespace sc_core;
namespace R = dmac_regs;
namespace D = dmac_desc;

struct dmac::channel {
    explicit channel(unsigned idx, unsigned outstanding, const std::string& owner)
        : index(idx), s(outstanding),
          busy_stat(owner, "ch" + std::to_string(idx) + ".busy", "fraction", "channel has descriptors to process"),
          wave_name("ch" + std::to_string(idx) + "_busy") {
        busy_stat.set(0, 0); // the average covers the whole run, not from the first doorbell
    }
    unsigned index;
    // Software-visible registers.
    std::uint64_t ring_base = 0;
    std::uint32_t ring_size = 0, head = 0, tail = 0, control = 0, irq_status = 0, completed = 0;
    std::uint8_t error_code = 0;
    bool halted = false;      // visible (STATUS.ERROR)
    // Engine side (runs ahead of the visible state within a quantum).
    std::uint32_t fetch = 0;  // index of the descriptor being / to be processed
    bool in_transfer = false;
    bool stopped = false;     // engine-side halt (error seen)
    unsigned generation = 0;  // bumped by RESET: drops updates still queued
    tlm::ps_t kick = 0;       // time of the latest doorbell / enable
    tlm::ps_t desc_start = 0;
    std::uint64_t desc_addr = 0;
    std::uint32_t flags = 0, len = 0;
    // The latest status write-back: posted (the next descriptor's fetch
    // overlaps it); the next descriptor's data waits for its answer.
    // At most one is in flight per generation; what it completes is kept
    // here, so the callback captures no more than fits std::function's
    // local storage (no allocation per descriptor).
    bool wb_pending = false;
    tlm::ps_t wb_done = 0;
    std::uint8_t wb_error = 0;
    completion wb_what{};
    dma_engine::stream s;
    // Statistics and waves.
    tlm::time_average busy_stat;
    bool busy = false;
    std::string wave_name;
};

dmac::stats_t::stats_t(const std::string& o)
    : descriptors(o, "descriptors", "descriptors", "descriptors completed (with or without error)"),
      bytes(o, "bytes", "bytes", "bytes copied"),
      bursts(o, "bursts", "bursts", "read/write burst pairs issued for descriptor data"),
      errors(o, "errors", "descriptors", "descriptors completed with an error"),
      interrupts(o, "interrupts", "events", "interrupt causes raised (IRQ_STATUS bits set)"),
      latency(o, "latency", "ns", "descriptor fetch issue to completion (status written back)") {}

dmac::dmac(sc_module_name name, const dmac_config& cfg)
    : sc_module(name), engine_("engine", cfg.engine()), regs("regs"), irq("irq"), out(engine_.out), cfg_(cfg),
      stats_(this->name()) {
    if (cfg_.channels == 0 || cfg_.channels > 32) // IRQ_SUMMARY has 32 bits
        throw std::invalid_argument(std::string(this->name()) + ": channels must be in [1, 32]");
    if (cfg_.outstanding == 0) throw std::invalid_argument(std::string(this->name()) + ": outstanding must be at least 1");
    if (cfg_.arbitration != "round_robin" && cfg_.arbitration != "fixed_priority")
        throw std::invalid_argument(std::string(this->name()) + ": arbitration must be round_robin or fixed_priority");
    if (cfg_.interrupt_mode != "descriptor" && cfg_.interrupt_mode != "batch")
        throw std::invalid_argument(std::string(this->name()) + ": interrupt_mode must be descriptor or batch");
    batch_default_ = cfg_.interrupt_mode == "batch";
    fixed_priority_ = cfg_.arbitration == "fixed_priority";
    for (unsigned i = 0; i < cfg_.channels; ++i) {
        ch_.push_back(std::make_unique<channel>(i, cfg_.outstanding, this->name()));
        ch_.back()->control = batch_default_ ? R::CONTROL_IRQ_BATCH : 0;
        tlm::waves::add(this->name(), ch_.back()->wave_name.c_str(), ch_.back()->busy);
    }
    tlm::waves::add(this->name(), "irq_level", irq_level_);
    regs.register_b_transport(this, &dmac::b_transport);
    SC_THREAD(run);
    SC_METHOD(apply_updates);
    sensitive << update_ev_;
    dont_initialize();
}

dmac::~dmac() = default;

// ---------------------------------------------------------------- registers

void dmac::b_transport(::tlm::tlm_generic_payload& gp, sc_time& delay) {
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    delay += tlm::to_sc_time(cfg_.register_latency);
    if (!tlm::register_access_ok(gp)) return;
    const std::uint64_t end = R::channel(cfg_.channels);
    if (addr + len > end) {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    std::uint8_t* p = gp.get_data_ptr();
    const tlm::ps_t when = sc_time_stamp().value() + delay.value();
    for (unsigned k = 0; k < len; k += 4) {
        std::uint32_t v;
        if (gp.is_read()) {
            v = reg_read(addr + k);
            std::memcpy(p + k, &v, 4); // host is little-endian, as the register block
        } else if (gp.is_write()) {
            std::memcpy(&v, p + k, 4);
            reg_write(addr + k, v, when);
        }
    }
    gp.set_response_status(::tlm::TLM_OK_RESPONSE);
}

std::uint32_t dmac::reg_read(std::uint64_t off) const {
    if (off == R::ID) return R::id_value;
    if (off == R::CHANNELS) return cfg_.channels;
    if (off == R::CAPS) return cfg_.writeback ? R::CAPS_WRITEBACK : 0;
    if (off == R::IRQ_SUMMARY) {
        std::uint32_t v = 0;
        for (unsigned i = 0; i < ch_.size(); ++i)
            if (ch_[i]->irq_status) v |= 1u << i;
        return v;
    }
    if (off < R::channel_base) return 0;
    const channel& c = *ch_[(off - R::channel_base) / R::channel_stride];
    switch ((off - R::channel_base) % R::channel_stride) {
    case R::RING_BASE_LO: return static_cast<std::uint32_t>(c.ring_base);
    case R::RING_BASE_HI: return static_cast<std::uint32_t>(c.ring_base >> 32);
    case R::RING_SIZE: return c.ring_size;
    case R::HEAD: return c.head;
    case R::TAIL: return c.tail;
    case R::CONTROL: return c.control & ~R::CONTROL_RESET;
    case R::STATUS: {
        std::uint32_t v = (c.completed & 0xffffu) << 16 | std::uint32_t(c.error_code) << 8;
        if (c.halted) v |= R::STATUS_ERROR;
        else if ((c.control & R::CONTROL_ENABLE) && c.head != c.tail) v |= R::STATUS_BUSY;
        return v;
    }
    case R::IRQ_STATUS: return c.irq_status;
    case R::COMPLETED: return c.completed;
    default: return 0;
    }
}

void dmac::reg_write(std::uint64_t off, std::uint32_t v, tlm::ps_t when) {
    if (off < R::channel_base) return; // global registers are read-only
    channel& c = *ch_[(off - R::channel_base) / R::channel_stride];
    bool kick = false;
    switch ((off - R::channel_base) % R::channel_stride) {
    case R::RING_BASE_LO: c.ring_base = (c.ring_base & ~0xffffffffull) | v; break;
    case R::RING_BASE_HI: c.ring_base = (c.ring_base & 0xffffffffull) | std::uint64_t(v) << 32; break;
    case R::RING_SIZE: c.ring_size = v; break;
    case R::TAIL:
        c.tail = v;
        kick = true;
        break;
    case R::CONTROL:
        if (v & R::CONTROL_RESET) {
            reset_channel(c);
            break;
        }
        kick = (v & R::CONTROL_ENABLE) && !(c.control & R::CONTROL_ENABLE);
        c.control = v & (R::CONTROL_ENABLE | R::CONTROL_IRQ_BATCH);
        break;
    case R::IRQ_STATUS:
        c.irq_status &= ~v;
        update_ev_.notify(SC_ZERO_TIME); // the method drives irq (one writer)
        break;
    default: break; // read-only registers
    }
    if (kick && (c.control & R::CONTROL_ENABLE)) {
        c.kick = std::max(c.kick, when);
        if (!c.busy && c.head != c.tail && !c.halted) {
            c.busy = true;
            c.busy_stat.set(when, 1);
        }
        const tlm::ps_t now = sc_time_stamp().value();
        wake_.notify(tlm::to_sc_time(when > now ? when - now : 0));
    }
}

void dmac::reset_channel(channel& c) {
    const tlm::ps_t now = sc_time_stamp().value();
    ++c.generation;
    c.s.abort();
    c.in_transfer = false;
    c.wb_pending = false;
    wb_ev_.notify(SC_ZERO_TIME); // the thread may wait for the dropped write-back
    c.stopped = c.halted = false;
    c.head = c.tail = c.fetch = c.irq_status = c.completed = 0;
    c.error_code = 0;
    c.control = batch_default_ ? R::CONTROL_IRQ_BATCH : 0;
    if (c.busy) {
        c.busy = false;
        c.busy_stat.set(std::max(now, c.kick), 0);
    }
    update_ev_.notify(SC_ZERO_TIME);
}

// ---------------------------------------------------------------- engine side

bool dmac::has_work(const channel& c) const {
    if (c.stopped) return false;
    if (c.in_transfer) return true;
    return (c.control & R::CONTROL_ENABLE) && c.fetch != c.tail;
}

int dmac::pick() {
    const unsigned n = static_cast<unsigned>(ch_.size());
    for (unsigned k = 0; k < n; ++k) {
        const unsigned i = fixed_priority_ ? k : (rr_ + k) % n;
        if (has_work(*ch_[i])) {
            rr_ = (i + 1) % n;
            return static_cast<int>(i);
        }
    }
    return -1;
}

void dmac::run() {
    for (;;) {
        engine_.sync_if_needed(); // the only place the thread waits while busy
        const int i = pick();
        if (i >= 0) {
            serve(*ch_[static_cast<unsigned>(i)]);
            continue;
        }
        if (engine_.needs_sync()) {
            engine_.sync(); // a doorbell may arrive meanwhile: look again
            continue;
        }
        wait(wake_);
    }
}

void dmac::serve(channel& c) {
    // In AT the engine waits inside step/read/write: a RESET written
    // meanwhile bumps the generation, and whatever the call returns then
    // belongs to the forgotten descriptor.
    const unsigned gen = c.generation;
    if (c.in_transfer) {
        if (engine_.step(c.s)) return;
        if (c.generation != gen) return;
        const auto r = c.s.result();
        finish(c, r == dma_engine::status::ok ? D::none
                  : r == dma_engine::status::read_error ? D::read_error : D::write_error);
        return;
    }
    // Fetch the descriptor at `fetch`.
    c.s.advance(std::max<tlm::ps_t>(c.kick, sc_time_stamp().value()));
    if (c.ring_size == 0 || c.tail >= c.ring_size || c.fetch >= c.ring_size) {
        c.desc_start = c.s.cursor();
        c.flags = c.len = 0;
        c.stopped = true;
        ++stats_.errors;
        ++stats_.interrupts;
        post(c.s.cursor(), {c.index, c.generation, c.fetch, R::IRQ_ERROR, D::bad_ring});
        return;
    }
    c.desc_addr = c.ring_base + std::uint64_t(c.fetch) * D::size;
    std::uint8_t d[D::size];
    tlm::ps_t done;
    c.desc_start = std::max<tlm::ps_t>(c.s.cursor(), sc_time_stamp().value());
    const auto rs = engine_.read(c.s, c.desc_addr, d, D::size, 0, &done);
    if (c.generation != gen) return;
    if (rs != ::tlm::TLM_OK_RESPONSE) {
        c.stopped = true;
        ++stats_.errors;
        ++stats_.interrupts;
        ++stats_.descriptors;
        post(done, {c.index, c.generation, c.fetch, R::IRQ_ERROR, D::fetch_error});
        return;
    }
    std::uint64_t src, dst;
    std::memcpy(&src, d + D::SRC, 8);
    std::memcpy(&dst, d + D::DST, 8);
    std::memcpy(&c.len, d + D::LEN, 4);
    std::memcpy(&c.flags, d + D::FLAGS, 4);
    tlm::ps_t after = done + cfg_.descriptor_overhead;
    // The previous descriptor's status write-back went out as a posted write
    // and the fetch above overlapped it; the data of this one waits for its
    // answer (in AT the thread waits here; in LT it is known already). A
    // failed write-back halted the channel on that descriptor: this one is
    // dropped unprocessed (HEAD stays on it).
    while (c.wb_pending) {
        wait(wb_ev_);
        if (c.generation != gen) return;
    }
    if (c.stopped) return;
    after = std::max(after, c.wb_done);
    if (c.flags & D::FLAG_FENCE) after = std::max(after, c.s.last_done());
    engine_.start(c.s, src, dst, c.len, after);
    c.in_transfer = true;
}

void dmac::finish(channel& c, std::uint8_t error) {
    c.in_transfer = false;
    const tlm::ps_t t = std::max(c.s.last_done(), c.s.cursor());
    const completion done{c.ring_size ? (c.fetch + 1) % c.ring_size : 0, c.flags, c.desc_start, c.s.moved(),
                          c.s.bursts()};
    c.fetch = done.head;
    if (error) c.stopped = true; // nothing more is fetched after a failed transfer
    if (!cfg_.writeback) {
        complete(c, done, error, t);
        return;
    }
    std::uint32_t st = D::STATUS_DONE;
    if (error) st |= D::STATUS_ERROR | std::uint32_t(error) << 8;
    // Posted: the thread goes on (the next fetch) while the write is on its
    // way; the descriptor completes when the answer comes. False: the channel
    // was reset while the request waited for the bus (AT), and it is forgotten.
    c.wb_pending = true;
    c.wb_what = done;
    c.wb_error = error;
    const unsigned index = c.index, gen = c.generation;
    engine_.write_posted(c.s, c.desc_addr + D::STATUS, &st, 4, t,
                         [this, index, gen](::tlm::tlm_response_status rs, tlm::ps_t when) {
                             if (engine_.at()) wb_ev_.notify(SC_ZERO_TIME);
                             channel& ch = *ch_[index];
                             if (ch.generation != gen) return; // reset while the write-back was in flight
                             ch.wb_pending = false;
                             ch.wb_done = when;
                             const std::uint8_t e = ch.wb_error;
                             complete(ch, ch.wb_what,
                                      rs != ::tlm::TLM_OK_RESPONSE && !e ? std::uint8_t{D::writeback_error} : e, when);
                         });
}

void dmac::complete(channel& c, const completion& d, std::uint8_t error, tlm::ps_t t) {
    std::uint32_t bits = 0;
    if (error) {
        bits = R::IRQ_ERROR;
        c.stopped = true;
        ++stats_.errors;
    } else if (c.control & R::CONTROL_IRQ_BATCH) {
        if ((d.flags & D::FLAG_LAST) || d.head == c.tail) bits = R::IRQ_DONE;
    } else if (d.flags & D::FLAG_INTERRUPT) {
        bits = R::IRQ_DONE;
    }
    if (bits) ++stats_.interrupts;
    ++stats_.descriptors;
    stats_.bytes += d.moved;
    stats_.bursts += d.bursts;
    stats_.latency.add(static_cast<double>(t - d.start) * 1e-3);
    post(t, {c.index, c.generation, d.head, bits, error});
}

void dmac::post(tlm::ps_t t, const update& u) {
    const tlm::ps_t now = sc_time_stamp().value();
    if (t < now) t = now;
    const bool earliest = updates_.empty() || t < updates_.begin()->first;
    updates_.emplace(t, u);
    if (earliest) update_ev_.notify(tlm::to_sc_time(t - now));
}

void dmac::apply_updates() {
    const tlm::ps_t now = sc_time_stamp().value();
    while (!updates_.empty() && updates_.begin()->first <= now) {
        const update u = updates_.begin()->second;
        updates_.erase(updates_.begin());
        channel& c = *ch_[u.ch];
        if (u.generation != c.generation) continue; // the channel was reset since
        if (u.error == D::bad_ring || u.error == D::fetch_error) {
            // Nothing completed: HEAD stays on the failing descriptor.
        } else {
            c.head = u.head;
            ++c.completed;
        }
        if (u.error) {
            c.halted = true;
            c.error_code = u.error;
        }
        c.irq_status |= u.irq_bits;
        if (c.busy && (c.halted || c.head == c.tail)) {
            c.busy = false;
            c.busy_stat.set(now, 0);
        }
    }
    if (!updates_.empty()) update_ev_.notify(tlm::to_sc_time(updates_.begin()->first - now));
    bool level = false;
    for (const auto& c : ch_) level = level || c->irq_status != 0;
    irq_level_ = level;
    irq.write(level);
}

} // namespace ddisim::models
