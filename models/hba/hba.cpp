// hba — see hba.h and docs/hba.md.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn (AT workers)
#include "models/hba/hba.h"

#include "tlm/register_access.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"
#include "tlm/waves.h"

namespace ddisim::models {

using namespace sc_core;
namespace R = hba_regs;
namespace F = hba_frame;
namespace P = hba_reply;

namespace {
constexpr tlm::ps_t never = std::numeric_limits<tlm::ps_t>::max();

template <class T>
T get(const std::uint8_t* p, unsigned off) {
    T v;
    std::memcpy(&v, p + off, sizeof v); // host and device are little-endian
    return v;
}
template <class T>
void put(std::uint8_t* p, unsigned off, T v) {
    std::memcpy(p + off, &v, sizeof v);
}

// Heap order of timed events and updates: the smallest (time, seq) on top.
// (A function object, so the heap algorithms inline it.)
struct later_t {
    template <class E>
    bool operator()(const E& a, const E& b) const {
        return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
};
constexpr later_t later{};
} // namespace

struct hba::command {
    command(std::uint64_t i, unsigned gen, unsigned outstanding) : id(i), generation(gen), s(outstanding) {}
    // Makes a retired command what the constructor makes (LT reuse; the
    // vectors and the staging buffer keep their storage).
    void reuse(std::uint64_t i, unsigned gen, unsigned outstanding) {
        id = i;
        generation = gen;
        tag = lun = data_len = sense_len = 0;
        target = dir = cdb_len = flags = 0;
        std::memset(cdb, 0, sizeof cdb);
        sense_addr = 0;
        sgl.clear();
        s.reuse(outstanding);
        start = 0;
        buf_len = 0;
        info = cdb_info{};
        r = scsi_result{};
        host_status = P::ok;
        transferred = 0;
        at_target = refused = sense_in_buf = false;
        busy = epoch = 0;
        replying = false;
        din_link = din_after = din_done = 0;
        din_entry = 0;
        din_eoff = din_off = 0;
        posted_fail = ~0ull;
    }
    std::uint64_t id;
    unsigned generation;
    // From the frame.
    std::uint32_t tag = 0, lun = 0, data_len = 0, sense_len = 0;
    std::uint8_t target = 0, dir = 0, cdb_len = 0, flags = 0;
    std::uint8_t cdb[16] = {};
    std::uint64_t sense_addr = 0;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> sgl; // data entries (address, length)
    // Progress.
    dma_engine::stream s;
    tlm::ps_t start = 0;          // frame fetch issue
    // Data staged in the HBA. Not value-initialised: a data-in command's
    // target writes [0, r.data_in_len) (scsi_result's contract) and only
    // those bytes go to the host; a data-out fetch fills all of it first.
    std::unique_ptr<std::uint8_t[]> buf;
    std::size_t buf_len = 0, buf_cap = 0;
    std::span<std::uint8_t> staged() { return {buf.get(), buf_len}; }
    void stage(std::size_t n) {
        if (n > buf_cap) { // default-initialised: no zero fill
            buf.reset(new std::uint8_t[n]);
            buf_cap = n;
        }
        buf_len = n;
    }
    cdb_info info;
    scsi_result r;
    std::uint8_t host_status = P::ok;
    std::uint64_t transferred = 0;
    bool at_target = false;       // counted in the target's queue
    bool refused = false;         // TASK SET FULL from the HBA
    bool sense_in_buf = false;    // sense written to sense_addr
    // AT: workers inside a step of this command; bumped by a reset that ends
    // it (a worker seeing a new epoch after a transaction stops at once);
    // in the reply step (a TARGET_RESET leaves it alone, as LT does).
    unsigned busy = 0, epoch = 0;
    bool replying = false;
    // LT data-in in progress (data_in_more): the link's start, the next
    // transaction (SGL entry, offset in it, offset in the data), completion.
    tlm::ps_t din_link = 0, din_after = 0, din_done = 0;
    std::size_t din_entry = 0;
    std::uint64_t din_eoff = 0, din_off = 0;
    // AT data-in: the data offset of the first posted write answered with an
    // error (~0: none).
    std::uint64_t posted_fail = ~0ull;
    std::uint64_t io_tag() const { return std::uint64_t(target) << 32 | tag; }
};

struct hba::worker {
    sc_event ev;
    std::function<void()> job;
    // The job being run: a member, not a local of worker_loop, so that a run
    // ending while the worker waits inside it (run.duration) frees it with
    // the HBA rather than leaving it on a stack that is never unwound.
    std::function<void()> running;
    std::uint64_t tag = 0; // io_tag of the transactions it issues
};

hba::stats_t::stats_t(const std::string& o)
    : commands(o, "commands", "commands", "replies posted (any status)"),
      bytes_in(o, "bytes_in", "bytes", "data-in bytes written to host memory"),
      bytes_out(o, "bytes_out", "bytes", "data-out bytes the targets consumed"),
      host_errors(o, "host_errors", "commands", "replies with a host status other than OK"),
      check_conditions(o, "check_conditions", "commands", "replies with SCSI status CHECK CONDITION"),
      queue_full(o, "queue_full", "commands", "commands refused with TASK SET FULL at the target queue depth"),
      interrupts(o, "interrupts", "events", "reply interrupts raised (after coalescing)"),
      coalesced(o, "coalesced", "replies", "replies signalled by an interrupt raised for another reply"),
      latency(o, "latency", "ns", "frame fetch issue to reply visible (RPL_PI)"),
      outstanding(o, "outstanding", "commands", "commands in the HBA (fetched, reply not yet posted)") {
    outstanding.set(0, 0);
}

hba::hba(sc_module_name name, const hba_config& cfg)
    : sc_module(name), engine_("engine", cfg.engine()), regs("regs"), out("out"), irq("irq"), cfg_(cfg),
      at_(cfg.timing == "at"), tag_in_("tag_in"), coalesce_count_(cfg.coalesce_count),
      coalesce_time_ns_(static_cast<std::uint32_t>(cfg.coalesce_time / 1000)), ctl_(std::max(1u, cfg.outstanding)),
      now_(tlm::sim_time()), stats_(this->name()) {
    const std::string me = this->name();
    if (cfg_.targets.empty() || cfg_.targets.size() > 256)
        throw std::invalid_argument(me + ": targets must list 1 to 256 disks");
    if (cfg_.queue_depth == 0 || cfg_.queue_depth > 65535)
        throw std::invalid_argument(me + ": queue_depth must be in [1, 65535]");
    if (cfg_.target_queue_depth == 0 || cfg_.target_queue_depth > 65535)
        throw std::invalid_argument(me + ": target_queue_depth must be in [1, 65535]");
    if (cfg_.queue_full != "refuse" && cfg_.queue_full != "hold")
        throw std::invalid_argument(me + ": queue_full must be refuse or hold");
    if (cfg_.outstanding == 0) throw std::invalid_argument(me + ": outstanding must be at least 1");
    if (cfg_.max_sgl_entries == 0) throw std::invalid_argument(me + ": max_sgl_entries must be at least 1");
    if (cfg_.max_transfer > 0xffffffffull) throw std::invalid_argument(me + ": max_transfer must fit 32 bits");
    if (cfg_.coalesce_time / 1000 > 0xffffffffull) throw std::invalid_argument(me + ": coalesce_time too large");
    if (cfg_.firmware_cores > 64) throw std::invalid_argument(me + ": firmware_cores must be in [0, 64]");
    hold_ = cfg_.queue_full == "hold";
    if (cfg_.firmware_cores) {
        fw_free_.assign(cfg_.firmware_cores, 0);
        fw_wait_ = std::make_unique<tlm::histogram>(me, "firmware_wait", "ns",
                                                    "time a fetched command waited for a free firmware core");
        fw_util_ = std::make_unique<tlm::formula>(me, "firmware_utilisation", "ratio",
                                                  "busy share of the firmware cores (command_overhead)", [this] {
                                                      const double cap = static_cast<double>(now_.value()) *
                                                                         static_cast<double>(fw_free_.size());
                                                      return cap > 0 ? static_cast<double>(fw_busy_ps_) / cap : 0.0;
                                                  });
    }
    for (unsigned i = 0; i < cfg_.targets.size(); ++i) {
        try {
            ports_.push_back(std::make_unique<disk_port>(me, i, cfg_.targets[i]));
        } catch (const std::exception& e) {
            throw std::invalid_argument(me + ": targets[" + std::to_string(i) + "]: " + e.what());
        }
    }
    target_wait_.resize(ports_.size());
    media_wait_.resize(ports_.size());
    pick_at_.assign(ports_.size(), never);
    engine_.out.bind(tag_in_);
    tag_in_.register_b_transport(this, &hba::tag_b_transport);
    tag_in_.register_nb_transport_fw(this, &hba::tag_nb_transport_fw);
    out.register_nb_transport_bw(this, &hba::out_nb_transport_bw);
    regs.register_b_transport(this, &hba::b_transport);
    tlm::waves::add(me, "irq_level", irq_level_);
    SC_THREAD(run);
    SC_METHOD(apply_updates);
    sensitive << update_ev_;
    dont_initialize();
}

hba::~hba() = default;

// ---------------------------------------------------------------- registers

void hba::b_transport(::tlm::tlm_generic_payload& gp, sc_time& delay) {
    const std::uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    delay += tlm::to_sc_time(cfg_.register_latency);
    if (!tlm::register_access_ok(gp)) return;
    if (addr + len > R::size) {
        gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    std::uint8_t* p = gp.get_data_ptr();
    const tlm::ps_t when = now_.value() + delay.value();
    for (unsigned k = 0; k < len; k += 4) {
        std::uint32_t v;
        if (gp.is_read()) {
            v = reg_read(addr + k);
            std::memcpy(p + k, &v, 4);
        } else if (gp.is_write()) {
            std::memcpy(&v, p + k, 4);
            reg_write(addr + k, v, when);
        }
    }
    gp.set_response_status(::tlm::TLM_OK_RESPONSE);
}

std::uint32_t hba::reg_read(std::uint64_t off) const {
    switch (off) {
    case R::ID: return R::id_value;
    case R::TARGETS: return static_cast<std::uint32_t>(ports_.size());
    case R::CAPS: return cfg_.queue_depth | F::inline_sgl << 16 | (F::size / 16) << 24;
    case R::TARGET_QD: return cfg_.target_queue_depth | (hold_ ? R::TARGET_QD_HOLD : 0);
    case R::MAX_SGL: return cfg_.max_sgl_entries;
    case R::MAX_XFER: return static_cast<std::uint32_t>(cfg_.max_transfer); // < 4 GiB (checked)
    case R::CONTROL: return control_;
    case R::STATUS: {
        std::uint32_t v = std::min(visible_in_flight_, 0xffffu) << 16 | std::uint32_t(fault_code_) << 8;
        if (faulted_) v |= R::STATUS_FAULT;
        else if (control_ & R::CONTROL_ENABLE) v |= R::STATUS_READY;
        return v;
    }
    case R::IRQ_STATUS: return irq_status_;
    case R::IRQ_MASK: return irq_mask_;
    case R::COALESCE_COUNT: return coalesce_count_;
    case R::COALESCE_TIME: return coalesce_time_ns_;
    case R::REQ_BASE_LO: return static_cast<std::uint32_t>(req_base_);
    case R::REQ_BASE_HI: return static_cast<std::uint32_t>(req_base_ >> 32);
    case R::REQ_SIZE: return req_size_;
    case R::REQ_PI: return req_pi_;
    case R::REQ_CI: return req_ci_;
    case R::RPL_BASE_LO: return static_cast<std::uint32_t>(rpl_base_);
    case R::RPL_BASE_HI: return static_cast<std::uint32_t>(rpl_base_ >> 32);
    case R::RPL_SIZE: return rpl_size_;
    case R::RPL_PI: return rpl_pi_;
    case R::RPL_CI: return rpl_ci_;
    case R::COMPLETED: return completed_;
    default: return 0; // RESET and holes read 0
    }
}

void hba::reg_write(std::uint64_t off, std::uint32_t v, tlm::ps_t when) {
    const tlm::ps_t now = now_.value();
    auto wake_at = [&](tlm::ps_t t) { wake_.notify(tlm::to_sc_time(t > now ? t - now : 0)); };
    switch (off) {
    case R::CONTROL: {
        const bool enable = (v & R::CONTROL_ENABLE) && !(control_ & R::CONTROL_ENABLE);
        control_ = v & R::CONTROL_ENABLE;
        if (enable) {
            kick_ = std::max(kick_, when);
            wake_at(when);
        }
        break;
    }
    case R::RESET:
        if (v & R::RESET_HBA) hba_reset(when);
        else if (v & R::RESET_TARGET) {
            const unsigned t = (v >> 8) & 0xff;
            if (t < ports_.size()) target_reset(t, when);
            else SC_REPORT_WARNING("ddisim/hba", (std::string(name()) + ": TARGET_RESET of a missing target ignored").c_str());
        }
        break;
    case R::IRQ_STATUS:
        irq_status_ &= ~v;
        update_ev_.notify(SC_ZERO_TIME); // the method drives irq (one writer)
        break;
    case R::IRQ_MASK:
        irq_mask_ = v & (R::IRQ_REPLY | R::IRQ_FAULT);
        update_ev_.notify(SC_ZERO_TIME);
        break;
    case R::COALESCE_COUNT: coalesce_count_ = v; break;
    case R::COALESCE_TIME: coalesce_time_ns_ = v; break;
    case R::REQ_BASE_LO: req_base_ = (req_base_ & ~0xffffffffull) | v; break;
    case R::REQ_BASE_HI: req_base_ = (req_base_ & 0xffffffffull) | std::uint64_t(v) << 32; break;
    case R::REQ_SIZE: req_size_ = v; break;
    case R::REQ_PI:
        req_pi_ = v;
        kick_ = std::max(kick_, when);
        wake_at(when);
        break;
    case R::RPL_BASE_LO: rpl_base_ = (rpl_base_ & ~0xffffffffull) | v; break;
    case R::RPL_BASE_HI: rpl_base_ = (rpl_base_ & 0xffffffffull) | std::uint64_t(v) << 32; break;
    case R::RPL_SIZE: rpl_size_ = v; break;
    case R::RPL_CI:
        rpl_ci_ = v;
        rpl_kick_ = std::max(rpl_kick_, when);
        if (!reply_wait_.empty()) wake_at(when);
        break;
    default: break; // read-only registers
    }
}

void hba::hba_reset(tlm::ps_t when) {
    ++generation_;
    for (auto& p : ports_) p->clear(std::max<tlm::ps_t>(when, now_.value()));
    if (at_) {
        // Workers may be waiting inside a transaction of these commands:
        // abort their streams and keep them until nothing uses them.
        std::vector<std::uint64_t> ids;
        for (auto& [id, c] : cmds_) {
            ++c->epoch;
            c->s.abort();
            ids.push_back(id);
        }
        for (std::uint64_t id : ids) retire(id);
        fetch_busy_ = reply_busy_ = false;
    }
    cmds_.clear();
    events_.clear();
    reply_wait_.clear();
    for (auto& q : target_wait_) q.clear();
    for (auto& q : media_wait_) q.clear();
    std::fill(pick_at_.begin(), pick_at_.end(), never);
    in_flight_ = 0;
    stats_.outstanding.set(now_.value(), 0);
    ctl_.abort();
    req_pi_ = req_ci_ = rpl_pi_ = rpl_ci_ = fetch_idx_ = rpl_next_ = 0;
    control_ = irq_status_ = completed_ = 0;
    fault_code_ = 0;
    faulted_ = stopped_ = false;
    unsignalled_ = 0;
    timer_armed_ = false;
    ++timer_id_;
    visible_in_flight_ = 0;
    update_ev_.notify(SC_ZERO_TIME);
}

void hba::target_reset(unsigned t, tlm::ps_t when) {
    const tlm::ps_t at = std::max<tlm::ps_t>(when, now_.value());
    std::vector<std::uint64_t> victims;
    for (auto& [id, c] : cmds_) {
        if (c->target != t || c->host_status != P::ok) continue;
        if (std::find(reply_wait_.begin(), reply_wait_.end(), id) != reply_wait_.end()) continue; // already done
        if (c->replying) continue; // AT: its reply is being written
        victims.push_back(id);
    }
    std::erase_if(events_, [&](const timed_event& x) {
        if (x.e.what == step::pick) return x.e.cmd == t;
        return std::find(victims.begin(), victims.end(), x.e.cmd) != victims.end();
    });
    std::make_heap(events_.begin(), events_.end(), later);
    target_wait_[t].clear();
    media_wait_[t].clear(); // its commands are victims: they get reset replies
    pick_at_[t] = never;
    for (std::uint64_t id : victims) {
        command& c = *cmds_.at(id);
        if (at_) { // a worker in one of its steps stops after its current transaction
            ++c.epoch;
            c.s.abort();
        }
        c.host_status = P::reset;
        c.r = scsi_result{};
        c.transferred = 0;
        schedule(at, step::reply, id);
    }
    ports_[t]->target().reset();
    const tlm::ps_t now = now_.value();
    wake_.notify(tlm::to_sc_time(at > now ? at - now : 0));
}

void hba::set_tag(::tlm::tlm_generic_payload& gp, std::uint64_t tag) {
    auto* e = gp.get_extension<tlm::io_tag_ext>();
    if (!e) {
        e = new tlm::io_tag_ext; // owned by the engine's payload from now on (freed with it)
        gp.set_extension(e);
    }
    e->tag = tag;
}

void hba::tag_b_transport(::tlm::tlm_generic_payload& gp, sc_time& delay) {
    set_tag(gp, cur_tag_);
    out->b_transport(gp, delay);
}

// AT: the engine calls nb_transport_fw from the worker that issues the
// transaction, so the worker names the tag.
::tlm::tlm_sync_enum hba::tag_nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_time& d) {
    if (ph == ::tlm::BEGIN_REQ) {
        const worker* w = current_worker();
        set_tag(gp, w ? w->tag : cur_tag_);
    }
    return out->nb_transport_fw(gp, ph, d);
}

::tlm::tlm_sync_enum hba::out_nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_time& d) {
    return tag_in_->nb_transport_bw(gp, ph, d);
}

// ---------------------------------------------------------------- engine side

bool hba::can_fetch() const {
    return !stopped_ && (control_ & R::CONTROL_ENABLE) && fetch_idx_ != req_pi_ && in_flight_ < cfg_.queue_depth;
}

bool hba::reply_room() const {
    if (rpl_size_ < 2) return true; // post_reply reports the fault
    const std::uint32_t used = (rpl_next_ + rpl_size_ - rpl_ci_ % rpl_size_) % rpl_size_;
    return used < rpl_size_ - 1;
}

void hba::schedule(tlm::ps_t t, step s, std::uint64_t id) {
    events_.push_back({t, seq_++, event{s, id}});
    std::push_heap(events_.begin(), events_.end(), later);
}

// The scheduler, in both timing styles: the earliest of the next timed step,
// the next request-frame fetch and the next queued reply. LT runs the step
// here; AT hands it to a worker (docs/hba.md, "AT"), one fetch and one reply
// write at a time (fetch_busy_ / reply_busy_ are only ever set in AT).
void hba::run() {
    for (;;) {
        const tlm::ps_t now = now_.value();
        const tlm::ps_t te = events_.empty() ? never : events_.front().t;
        const tlm::ps_t tf = !fetch_busy_ && can_fetch() ? std::max(kick_, fetch_free_) : never;
        const tlm::ps_t tr = (!reply_busy_ && !reply_wait_.empty() && reply_room()) ? rpl_kick_ : never;
        const tlm::ps_t next = std::min({te, tf, tr});
        if (next == never) {
            wait(wake_);
            continue;
        }
        if (next > now) {
            wait(tlm::to_sc_time(next - now), wake_);
            continue;
        }
        if (tr == next) {
            const std::uint64_t id = reply_wait_.front();
            reply_wait_.pop_front();
            if (!at_) {
                post_reply(*cmds_.at(id), now);
                continue;
            }
            reply_busy_ = true;
            hand([this, id, now] {
                const unsigned gen = generation_;
                auto it = cmds_.find(id);
                if (it != cmds_.end()) {
                    command& c = *it->second;
                    ++c.busy;
                    post_reply(c, now);
                    --c.busy;
                }
                if (gen == generation_) reply_busy_ = false;
            });
        } else if (tf == next) {
            if (!at_) {
                fetch(now);
                continue;
            }
            fetch_busy_ = true;
            hand([this, now] { fetch_at(now); });
        } else {
            std::pop_heap(events_.begin(), events_.end(), later);
            const event e = events_.back().e;
            events_.pop_back();
            if (at_) hand([this, e, now] { dispatch_at(e, now); });
            else dispatch(e, now);
        }
    }
}

// One step of one command (both timing styles).
void hba::run_step(command& c, step what, tlm::ps_t t) {
    switch (what) {
    case step::start: start_command(c, t); break;
    case step::proceed: proceed(c, t); break;
    case step::execute: execute(c, t); break;
    case step::data_in: data_in(c, t); break;
    case step::data_in_more: data_in_more(c, t); break;
    case step::reply: reply(c, t); break;
    case step::pick: break; // per target (dispatch)
    }
}

void hba::dispatch(const event& e, tlm::ps_t t) {
    if (e.what == step::pick) {
        pick(static_cast<unsigned>(e.cmd), t);
        return;
    }
    auto it = cmds_.find(e.cmd);
    if (it == cmds_.end()) return;
    command& c = *it->second;
    cur_tag_ = c.io_tag();
    run_step(c, e.what, t);
}

void hba::fetch(tlm::ps_t t) {
    auto fault = [&](std::uint8_t code, tlm::ps_t at) {
        stopped_ = true;
        post(at, {update::fault, generation_, code});
    };
    if (req_size_ == 0 || req_pi_ >= req_size_ || fetch_idx_ >= req_size_) {
        fault(R::bad_request_ring, t);
        return;
    }
    std::uint8_t fr[F::size];
    tlm::ps_t done;
    cur_tag_ = 0;
    ctl_.advance(t);
    const auto rs = engine_.read(ctl_, req_base_ + std::uint64_t(fetch_idx_) * F::size, fr, F::size, t, &done);
    if (rs != ::tlm::TLM_OK_RESPONSE) {
        fault(R::frame_fetch_error, done);
        return;
    }
    accept_frame(fr, t, done);
}

// The frame at fetch_idx_ has arrived (done): the command begins.
void hba::accept_frame(const std::uint8_t* fr, tlm::ps_t t, tlm::ps_t done) {
    fetch_idx_ = (fetch_idx_ + 1) % req_size_;
    fetch_free_ = done;
    post(done, {update::req_ci, generation_, fetch_idx_});
    ++in_flight_;
    stats_.outstanding.set(t, in_flight_);

    const std::uint64_t id = next_id_++;
    std::unique_ptr<command> cp;
    if (!spare_.empty()) {
        cp = std::move(spare_.back());
        spare_.pop_back();
        cp->reuse(id, generation_, cfg_.outstanding);
    } else {
        cp = std::make_unique<command>(id, generation_, cfg_.outstanding);
    }
    command& c = *cp;
    cmds_.emplace(id, std::move(cp));
    c.start = t;
    c.tag = get<std::uint32_t>(fr, F::TAG);
    c.target = fr[F::TARGET];
    c.dir = fr[F::DIR];
    c.cdb_len = fr[F::CDB_LEN];
    c.flags = fr[F::FLAGS];
    c.lun = get<std::uint32_t>(fr, F::LUN);
    c.data_len = get<std::uint32_t>(fr, F::DATA_LEN);
    std::memcpy(c.cdb, fr + F::CDB, 16);
    c.sense_addr = get<std::uint64_t>(fr, F::SENSE_ADDR);
    c.sense_len = get<std::uint32_t>(fr, F::SENSE_LEN);
    c.s.advance(done);
    cur_tag_ = c.io_tag();
    set_worker_tag(c.io_tag());
    ++c.busy; // AT: this worker reads the SGL
    const unsigned ep = c.epoch;

    tlm::ps_t tt = done;
    if (c.target >= ports_.size()) c.host_status = P::no_target;
    else if (c.cdb_len == 0 || c.cdb_len > 16 || c.dir > F::DIR_OUT || fr[F::SGL_INLINE] > F::inline_sgl ||
             c.data_len > cfg_.max_transfer)
        c.host_status = P::bad_frame;
    else {
        c.info = ports_[c.target]->target().decode(c.cdb, c.cdb_len);
        const data_dir want = c.dir == F::DIR_IN ? data_dir::in : c.dir == F::DIR_OUT ? data_dir::out : data_dir::none;
        if (c.info.ok && c.info.dir != data_dir::none && c.data_len > 0 && want != c.info.dir)
            c.host_status = P::bad_frame;
        else if (c.dir != F::DIR_NONE && c.data_len > 0)
            read_sgl(c, fr, tt);
    }
    --c.busy;
    if (gone(c, ep)) return; // AT: reset while the SGL was read
    if (c.host_status != P::ok) schedule(tt, step::reply, id);
    else schedule(firmware_start(tt) + cfg_.command_overhead, step::start, id);
}

// When the command's overhead can start: at once without a core limit, else
// on the core free first (ties: the lowest), no earlier than ready. Fetches
// are one after the other, so commands take the cores in fetch order.
tlm::ps_t hba::firmware_start(tlm::ps_t ready) {
    if (fw_free_.empty()) return ready;
    auto core = std::min_element(fw_free_.begin(), fw_free_.end());
    const tlm::ps_t s = std::max(ready, *core);
    *core = s + cfg_.command_overhead;
    fw_busy_ps_ += cfg_.command_overhead;
    fw_wait_->add(static_cast<double>(s - ready) * 1e-3);
    return s;
}

// Splits [addr, addr+len) into bursts: at most the engine's burst, never
// across `boundary`.
static std::uint64_t burst_len(std::uint64_t addr, std::uint64_t len, std::uint64_t burst, std::uint64_t boundary) {
    std::uint64_t n = std::min(len, burst);
    if (boundary) n = std::min(n, boundary - addr % boundary);
    return n;
}

bool hba::read_sgl(command& c, const std::uint8_t* fr, tlm::ps_t& t) {
    std::uint64_t covered = 0;
    auto add = [&](std::uint64_t a, std::uint32_t l) {
        if (l) c.sgl.emplace_back(a, l);
        covered += l;
    };
    for (unsigned i = 0; i < fr[F::SGL_INLINE]; ++i) {
        const std::uint8_t* e = fr + F::SGL + i * F::sgl_entry;
        if (get<std::uint32_t>(e, 12) & F::SGL_CHAIN) {
            c.host_status = P::bad_sgl;
            return false;
        }
        add(get<std::uint64_t>(e, 0), get<std::uint32_t>(e, 8));
    }
    std::uint64_t seg = get<std::uint64_t>(fr, F::CHAIN_ADDR);
    std::uint32_t count = get<std::uint16_t>(fr, F::CHAIN_COUNT);
    std::uint64_t entries = fr[F::SGL_INLINE];
    std::vector<std::uint8_t> buf;
    while (count && covered < c.data_len) {
        entries += count;
        if (entries > std::uint64_t(cfg_.max_sgl_entries) + 1) { // + the chain entries themselves, loosely
            c.host_status = P::bad_sgl;
            return false;
        }
        buf.resize(std::size_t(count) * F::sgl_entry);
        // Fetch the segment, burst by burst, one after the other.
        for (std::uint64_t off = 0; off < buf.size();) {
            const std::uint64_t n = burst_len(seg + off, buf.size() - off, engine_.transaction(), cfg_.boundary);
            tlm::ps_t done;
            const unsigned ep = c.epoch;
            const auto rs = engine_.read(c.s, seg + off, buf.data() + off, unsigned(n), t, &done);
            if (gone(c, ep)) return false;
            if (rs != ::tlm::TLM_OK_RESPONSE) {
                c.host_status = P::dma_error;
                t = done;
                return false;
            }
            t = done;
            off += n;
        }
        const std::uint32_t n = count;
        count = 0;
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint8_t* e = buf.data() + std::size_t(k) * F::sgl_entry;
            const std::uint64_t a = get<std::uint64_t>(e, 0);
            const std::uint32_t l = get<std::uint32_t>(e, 8);
            if (get<std::uint32_t>(e, 12) & F::SGL_CHAIN) {
                if (k != n - 1 || l == 0) {
                    c.host_status = P::bad_sgl;
                    return false;
                }
                seg = a;
                count = l;
            } else {
                add(a, l);
            }
        }
    }
    if (c.sgl.size() > cfg_.max_sgl_entries) {
        c.host_status = P::bad_sgl;
        return false;
    }
    if (covered < c.data_len) {
        c.host_status = P::sgl_short;
        return false;
    }
    return true;
}

std::uint64_t hba::sgl_dma(command& c, bool to_host, std::uint8_t* buf, std::uint64_t len, tlm::ps_t after,
                           tlm::ps_t link_start, tlm::ps_t& done, bool& error) {
    disk_port& port = *ports_[c.target];
    const unsigned ep = c.epoch;
    std::uint64_t off = 0;
    done = after;
    error = false;
    for (const auto& [addr, elen] : c.sgl) {
        std::uint64_t eoff = 0;
        while (eoff < elen && off < len) {
            const std::uint64_t n = burst_len(addr + eoff, std::min<std::uint64_t>(elen - eoff, len - off),
                                              engine_.transaction(), cfg_.boundary);
            tlm::ps_t d;
            if (to_host) {
                // Cut-through: the burst goes out once the link has delivered
                // its last byte, as a posted write (up to `outstanding` in
                // flight, as in LT); the answers are collected below.
                const tlm::ps_t ready = link_start + port.link().transfer_ps(off + n);
                command* cp = &c;
                const auto at = static_cast<std::uint32_t>(off); // < max_transfer < 4 GiB; 16-byte capture: no allocation
                const bool issued = engine_.write_posted(
                    c.s, addr + eoff, buf + off, unsigned(n), std::max(after, ready),
                    [cp, ep, at](::tlm::tlm_response_status rs, tlm::ps_t) {
                        // The command outlives its transactions (retire keeps it while any is in flight).
                        command& k = *cp;
                        if (k.epoch == ep && rs != ::tlm::TLM_OK_RESPONSE)
                            k.posted_fail = std::min<std::uint64_t>(k.posted_fail, at);
                    });
                if (gone(c, ep) || !issued) { // !issued: the stream was aborted while the request waited
                    error = true;
                    return off;
                }
                if (c.posted_fail != ~0ull) break; // an earlier write failed: issue no more
            } else {
                const auto rs = engine_.read(c.s, addr + eoff, buf + off, unsigned(n), after, &d);
                if (gone(c, ep)) {
                    error = true;
                    return off;
                }
                if (rs != ::tlm::TLM_OK_RESPONSE) {
                    error = true;
                    done = std::max(done, d);
                    return off;
                }
                // The burst crosses the link to the target once it is in the HBA.
                const tlm::ps_t ls = port.link_reserve(d, n);
                done = std::max(done, ls + port.link().transfer_ps(n));
            }
            eoff += n;
            off += n;
        }
        if (off >= len || c.posted_fail != ~0ull) break;
    }
    if (to_host) {
        // The data phase ends when every posted write is answered; a failed
        // one ends the transfer at its offset (later ones may have landed).
        engine_.drain(c.s);
        if (gone(c, ep)) {
            error = true;
            return off;
        }
        done = std::max(done, c.s.last_done());
        if (c.posted_fail != ~0ull) {
            error = true;
            return c.posted_fail;
        }
    }
    return off;
}

void hba::start_command(command& c, tlm::ps_t t) {
    if (admit(c, t)) proceed(c, t);
}

bool hba::admit(command& c, tlm::ps_t t) {
    disk_port& port = *ports_[c.target];
    if (port.outstanding() >= cfg_.target_queue_depth) {
        if (hold_) {
            target_wait_[c.target].push_back(c.id);
            return false;
        }
        c.refused = true;
        c.r.status = scsi::status_task_set_full;
        ++stats_.queue_full;
        schedule(t, step::reply, c.id);
        return false;
    }
    port.begin(t);
    c.at_target = true;
    return true;
}

void hba::proceed(command& c, tlm::ps_t t) {
    if (c.dir == F::DIR_OUT && c.data_len > 0) {
        // Data-out: fetch what the command will consume (the CDB's transfer
        // length, at most data_len), then the command runs at the target.
        const std::uint64_t n = c.info.ok ? std::min<std::uint64_t>(c.data_len, c.info.transfer_bytes) : 0;
        c.stage(n);
        tlm::ps_t done = t;
        bool err = false;
        const unsigned ep = c.epoch;
        if (n) sgl_dma(c, false, c.buf.get(), n, t, 0, done, err);
        if (gone(c, ep)) return;
        if (err) {
            c.host_status = P::dma_error;
            schedule(done, step::reply, c.id);
            return;
        }
        schedule(done, step::execute, c.id);
        return;
    }
    execute(c, t);
}

// A READ/WRITE that needs the mechanism of a reordering target while it is
// busy (or behind others already waiting) waits in media_wait_; pick() starts
// it. Everything else runs at the target at once (execute_now).
void hba::execute(command& c, tlm::ps_t t) {
    disk_port& port = *ports_[c.target];
    if (port.reorders() && port.needs_mechanism(c.info, c.lun) &&
        (!media_wait_[c.target].empty() || port.mechanism_free(c.lun) > t)) {
        media_wait_[c.target].push_back({c.id, t});
        schedule_pick(c.target, std::max(t, port.mechanism_free(c.lun)));
        return;
    }
    execute_now(c, t);
}

void hba::schedule_pick(unsigned target, tlm::ps_t at) {
    if (pick_at_[target] <= at) return; // an earlier pick looks again when it runs
    pick_at_[target] = at;
    events_.push_back({at, seq_++, event{step::pick, target}});
    std::push_heap(events_.begin(), events_.end(), later);
}

// Shortest positioning time first among the waiting commands whose
// mechanism is free at t; one that has waited reorder_age_limit goes first
// (the oldest such). Then the next pick, when a mechanism frees.
void hba::pick(unsigned target, tlm::ps_t t) {
    if (pick_at_[target] == t) pick_at_[target] = never;
    auto& q = media_wait_[target];
    disk_port& port = *ports_[target];
    std::erase_if(q, [&](const media_waiter& w) { return cmds_.find(w.id) == cmds_.end(); });
    const tlm::ps_t age = port.reorder_age_limit();
    std::size_t best = q.size();
    tlm::ps_t best_cost = never;
    bool best_aged = false;
    for (std::size_t i = 0; i < q.size(); ++i) {
        const command& c = *cmds_.at(q[i].id);
        if (port.mechanism_free(c.lun) > t) continue;
        if (best_aged) continue; // the first aged one is the oldest
        if (age && t - q[i].since >= age) {
            best = i;
            best_aged = true;
            continue;
        }
        const tlm::ps_t cost = port.positioning(c.info, c.lun, t);
        if (cost < best_cost) best = i, best_cost = cost;
    }
    if (best < q.size()) {
        command& c = *cmds_.at(q[best].id);
        q.erase(q.begin() + static_cast<std::ptrdiff_t>(best));
        cur_tag_ = c.io_tag();
        set_worker_tag(c.io_tag());
        execute_now(c, t);
    }
    if (q.empty()) return;
    tlm::ps_t next = never;
    for (const auto& w : q) next = std::min(next, std::max(t, port.mechanism_free(cmds_.at(w.id)->lun)));
    schedule_pick(target, next);
}

void hba::execute_now(command& c, tlm::ps_t t) {
    disk_port& port = *ports_[c.target];
    if (c.dir == F::DIR_IN && c.data_len > 0) {
        c.stage(c.data_len);
        c.r = port.execute(c.cdb, c.cdb_len, c.lun, c.staged(), {}, t);
        if (c.r.data_in_len > 0) {
            schedule(std::max(c.r.complete_ps, t), step::data_in, c.id);
            return;
        }
    } else if (c.dir == F::DIR_OUT && c.data_len > 0) {
        c.r = port.execute(c.cdb, c.cdb_len, c.lun, {}, c.staged(), t);
        c.transferred = c.r.data_out_len;
    } else {
        c.r = port.execute(c.cdb, c.cdb_len, c.lun, {}, {}, t);
    }
    schedule(std::max(c.r.complete_ps, t), step::reply, c.id);
}

void hba::data_in(command& c, tlm::ps_t t) {
    disk_port& port = *ports_[c.target];
    const std::uint64_t bytes = c.r.data_in_len;
    const tlm::ps_t ls = port.link_reserve(t, bytes);
    if (!at_) {
        // LT: each transaction is issued by a step at the time the link has
        // delivered its last byte (cut-through), so the HBA's transactions
        // reach the bus in time order with other commands' (a transaction
        // issued ahead of time would hold the HBA's later-issued, earlier
        // ones behind it on the bus and memory timelines).
        c.din_link = ls;
        c.din_after = t;
        c.din_done = t;
        c.din_entry = 0;
        c.din_eoff = 0;
        c.din_off = 0;
        data_in_more(c, t);
        return;
    }
    tlm::ps_t done;
    bool err;
    const unsigned ep = c.epoch;
    const std::uint64_t moved = sgl_dma(c, true, c.buf.get(), bytes, t, ls, done, err);
    if (gone(c, ep)) return;
    c.transferred = moved;
    if (err) c.host_status = P::dma_error;
    schedule(std::max(done, ls + port.link().transfer_ps(bytes)), step::reply, c.id);
}

void hba::data_in_more(command& c, tlm::ps_t t) {
    disk_port& port = *ports_[c.target];
    const std::uint64_t len = c.r.data_in_len;
    const unsigned ep = c.epoch;
    while (c.din_off < len && c.din_entry < c.sgl.size()) {
        const auto [addr, elen] = c.sgl[c.din_entry];
        if (c.din_eoff >= elen) {
            ++c.din_entry;
            c.din_eoff = 0;
            continue;
        }
        const std::uint64_t n = burst_len(addr + c.din_eoff, std::min<std::uint64_t>(elen - c.din_eoff, len - c.din_off),
                                          engine_.transaction(), cfg_.boundary);
        const tlm::ps_t ready = c.din_link + port.link().transfer_ps(c.din_off + n);
        if (ready > t) {
            schedule(ready, step::data_in_more, c.id);
            return;
        }
        tlm::ps_t d;
        const auto rs = engine_.write(c.s, addr + c.din_eoff, c.buf.get() + c.din_off, unsigned(n),
                                      std::max(c.din_after, ready), &d);
        if (gone(c, ep)) return;
        c.din_done = std::max(c.din_done, d);
        if (rs != ::tlm::TLM_OK_RESPONSE) {
            c.host_status = P::dma_error;
            break;
        }
        c.din_eoff += n;
        c.din_off += n;
    }
    c.transferred = c.din_off;
    schedule(std::max(c.din_done, c.din_link + port.link().transfer_ps(len)), step::reply, c.id);
}

void hba::reply(command& c, tlm::ps_t t) {
    const unsigned ep = c.epoch;
    if (at_) c.replying = true;
    // Sense to the host's buffer when the frame asks for it.
    if (c.r.sense_len && (c.flags & F::FLAG_SENSE_BUF) && c.sense_addr && c.sense_len) {
        const unsigned n = unsigned(std::min<std::uint64_t>(c.sense_len, c.r.sense_len));
        tlm::ps_t done;
        const auto rs = engine_.write(c.s, c.sense_addr, c.r.sense.data(), n, t, &done);
        if (gone(c, ep)) return; // AT: HBA_RESET meanwhile
        if (rs != ::tlm::TLM_OK_RESPONSE) c.host_status = P::dma_error;
        else c.sense_in_buf = true;
        t = std::max(t, done);
    }
    // Replies keep their completion order; in AT one reply write at a time.
    if (!reply_wait_.empty() || !reply_room() || (at_ && reply_busy_)) {
        reply_wait_.push_back(c.id);
        return;
    }
    if (at_) {
        const unsigned gen = generation_;
        reply_busy_ = true;
        post_reply(c, t);
        if (gen == generation_) reply_busy_ = false;
        return;
    }
    post_reply(c, t);
}

bool hba::post_reply(command& c, tlm::ps_t t) {
    if (rpl_size_ < 2) {
        stopped_ = true;
        post(t, {update::fault, generation_, R::bad_reply_ring});
        release(c, t);
        return false;
    }
    std::uint8_t rp[P::size] = {};
    put<std::uint32_t>(rp, P::TAG, c.tag);
    const bool host_ok = c.host_status == P::ok || c.host_status == P::dma_error;
    rp[P::SCSI_STATUS] = host_ok ? c.r.status : 0;
    rp[P::HOST_STATUS] = c.host_status;
    if (c.r.sense_len && c.host_status == P::ok) {
        if (c.sense_in_buf) {
            rp[P::FLAGS] = P::FLAG_SENSE_IN_BUF;
            rp[P::SENSE_LEN] = std::uint8_t(std::min<std::uint64_t>(c.sense_len, c.r.sense_len));
        } else {
            const std::size_t n = std::min<std::size_t>(c.r.sense_len, P::sense_max);
            std::memcpy(rp + P::SENSE, c.r.sense.data(), n);
            rp[P::SENSE_LEN] = std::uint8_t(n);
        }
    }
    const std::uint64_t moved = std::min<std::uint64_t>(c.transferred, c.data_len);
    put<std::uint32_t>(rp, P::RESIDUAL, std::uint32_t(c.data_len - moved));
    put<std::uint32_t>(rp, P::TRANSFERRED, std::uint32_t(moved));
    rp[P::TARGET] = c.target;
    put<std::uint32_t>(rp, P::LUN, c.lun);
    tlm::ps_t done;
    cur_tag_ = c.io_tag();
    set_worker_tag(c.io_tag());
    const unsigned ep = c.epoch;
    const auto rs = engine_.write(c.s, rpl_base_ + std::uint64_t(rpl_next_) * P::size, rp, P::size, t, &done);
    if (gone(c, ep)) return false; // AT: HBA_RESET meanwhile
    if (rs != ::tlm::TLM_OK_RESPONSE) {
        stopped_ = true;
        post(done, {update::fault, generation_, R::reply_write_error});
        release(c, t);
        return false;
    }
    rpl_next_ = (rpl_next_ + 1) % rpl_size_;
    ++stats_.commands;
    if (c.host_status != P::ok) ++stats_.host_errors;
    if (host_ok && c.r.status == scsi::status_check_condition) ++stats_.check_conditions;
    if (c.dir == F::DIR_IN) stats_.bytes_in += moved;
    else if (c.dir == F::DIR_OUT) stats_.bytes_out += moved;
    update u{update::reply, generation_, rpl_next_};
    u.start = c.start;
    post(done, u);
    release(c, t);
    return true;
}

void hba::release(command& c, tlm::ps_t t) {
    const std::uint8_t target = c.target;
    const bool at_target = c.at_target;
    retire(c.id); // c is gone from here on (AT: kept aside while a worker uses it)
    if (in_flight_) --in_flight_;
    stats_.outstanding.set(t, in_flight_);
    if (!at_target) return;
    ports_[target]->end(t);
    auto& q = target_wait_[target];
    if (!q.empty()) {
        const std::uint64_t next = q.front();
        q.pop_front();
        command& w = *cmds_.at(next);
        if (at_) { // its own worker moves its data (this one belongs to another command)
            if (admit(w, t)) schedule(t, step::proceed, next);
            wake_.notify(SC_ZERO_TIME);
            return;
        }
        cur_tag_ = w.io_tag();
        start_command(w, t);
    }
}

// ---------------------------------------------------------------- AT workers

bool hba::gone(const command& c, unsigned epoch) const { return at_ && c.epoch != epoch; }

void hba::retire(std::uint64_t id) {
    auto it = cmds_.find(id);
    if (it == cmds_.end()) return;
    if (at_ && (it->second->busy || it->second->s.in_flight())) graveyard_.push_back(std::move(it->second));
    else if (!at_) spare_.push_back(std::move(it->second));
    cmds_.erase(it);
}

void hba::sweep() {
    graveyard_.erase(std::remove_if(graveyard_.begin(), graveyard_.end(),
                                    [](const std::unique_ptr<command>& c) { return !c->busy && !c->s.in_flight(); }),
                     graveyard_.end());
}

hba::worker* hba::current_worker() const {
    const auto it = by_proc_.find(sc_get_current_process_handle().get_process_object());
    return it == by_proc_.end() ? nullptr : it->second;
}

void hba::set_worker_tag(std::uint64_t tag) {
    if (!at_) return;
    if (worker* w = current_worker()) w->tag = tag;
}

void hba::hand(std::function<void()> job) {
    worker* w;
    if (idle_.empty()) {
        workers_.push_back(std::make_unique<worker>());
        w = workers_.back().get();
        w->job = std::move(job);
        sc_spawn([this, w] { worker_loop(w); }, ("worker" + std::to_string(workers_.size() - 1)).c_str());
        return;
    }
    w = idle_.back();
    idle_.pop_back();
    w->job = std::move(job);
    w->ev.notify();
}

void hba::worker_loop(worker* w) {
    by_proc_[sc_get_current_process_handle().get_process_object()] = w;
    for (;;) {
        while (!w->job) wait(w->ev);
        w->running = std::move(w->job);
        w->job = nullptr;
        w->running();
        w->running = nullptr;
        idle_.push_back(w);
        sweep();
        wake_.notify(SC_ZERO_TIME); // the scheduler looks again
    }
}

void hba::dispatch_at(const event& e, tlm::ps_t t) {
    if (e.what == step::pick) {
        pick(static_cast<unsigned>(e.cmd), t);
        return;
    }
    auto it = cmds_.find(e.cmd);
    if (it == cmds_.end()) return;
    command& c = *it->second;
    ++c.busy;
    set_worker_tag(c.io_tag());
    run_step(c, e.what, t);
    --c.busy;
}

void hba::fetch_at(tlm::ps_t t) {
    const unsigned gen = generation_;
    auto fault = [&](std::uint8_t code, tlm::ps_t at) {
        stopped_ = true;
        post(at, {update::fault, generation_, code});
    };
    if (req_size_ == 0 || req_pi_ >= req_size_ || fetch_idx_ >= req_size_) {
        fault(R::bad_request_ring, t);
        fetch_busy_ = false;
        return;
    }
    std::uint8_t fr[F::size];
    tlm::ps_t done;
    set_worker_tag(0);
    ctl_.advance(t);
    const auto rs = engine_.read(ctl_, req_base_ + std::uint64_t(fetch_idx_) * F::size, fr, F::size, t, &done);
    if (gen != generation_) return; // HBA_RESET meanwhile: the frame is forgotten
    fetch_busy_ = false;
    if (rs != ::tlm::TLM_OK_RESPONSE) {
        fault(R::frame_fetch_error, done);
        return;
    }
    wake_.notify(SC_ZERO_TIME); // the next frame may be fetched while this one's SGL is read
    accept_frame(fr, t, done);
}

// ---------------------------------------------------------------- visible side

void hba::post(tlm::ps_t t, const update& u) {
    const tlm::ps_t now = now_.value();
    if (t < now) t = now;
    const bool earliest = updates_.empty() || t < updates_.front().t;
    updates_.push_back({t, useq_++, u});
    std::push_heap(updates_.begin(), updates_.end(), later);
    if (earliest) update_ev_.notify(tlm::to_sc_time(t - now));
}

void hba::raise(std::uint32_t bits) { irq_status_ |= bits; }

void hba::signal_replies(tlm::ps_t now, unsigned n) {
    unsignalled_ += n;
    const unsigned count = std::max(1u, coalesce_count_);
    if (unsignalled_ >= count) {
        raise(R::IRQ_REPLY);
        ++stats_.interrupts;
        stats_.coalesced += unsignalled_ - 1;
        unsignalled_ = 0;
        timer_armed_ = false;
        ++timer_id_;
    } else if (coalesce_time_ns_ && !timer_armed_) {
        timer_armed_ = true;
        ++timer_id_;
        post(now + std::uint64_t(coalesce_time_ns_) * 1000, {update::timer, generation_, timer_id_});
    }
}

void hba::drive_irq() {
    const bool level = (irq_status_ & ~irq_mask_) != 0;
    irq_level_ = level;
    irq.write(level);
}

void hba::apply_updates() {
    const tlm::ps_t now = now_.value();
    while (!updates_.empty() && updates_.front().t <= now) {
        std::pop_heap(updates_.begin(), updates_.end(), later);
        const update u = updates_.back().u;
        updates_.pop_back();
        if (u.generation != generation_) continue; // an HBA reset came in between
        switch (u.k) {
        case update::req_ci:
            req_ci_ = u.value;
            ++visible_in_flight_;
            break;
        case update::reply:
            rpl_pi_ = u.value;
            ++completed_;
            if (visible_in_flight_) --visible_in_flight_;
            stats_.latency.add(static_cast<double>(now - u.start) * 1e-3);
            signal_replies(now, 1);
            break;
        case update::fault:
            if (!faulted_) fault_code_ = static_cast<std::uint8_t>(u.value);
            faulted_ = true;
            raise(R::IRQ_FAULT);
            break;
        case update::timer:
            if (u.value == timer_id_ && timer_armed_) {
                timer_armed_ = false;
                if (unsignalled_) {
                    raise(R::IRQ_REPLY);
                    ++stats_.interrupts;
                    stats_.coalesced += unsignalled_ - 1;
                    unsignalled_ = 0;
                }
            }
            break;
        }
    }
    if (!updates_.empty()) update_ev_.notify(tlm::to_sc_time(updates_.front().t - now));
    drive_irq();
}

} // namespace ddisim::models
