#include "testbench/platform/cpu_port.h"

#include <algorithm>

#include <fmt/format.h>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"

namespace ddisim::platform {

cpu_port::stats_t::stats_t(const std::string& o)
    : charged(o, "charged", "ns", "software time charged by the kernel, DDI layer and drivers"),
      bus_wait(o, "bus_wait", "ps",
               "time software threads spent in their own bus accesses, issue to completion (the CPU stalls on an "
               "uncached register or memory access); simulated time, not in `charged`"),
      reads(o, "reads", "accesses", "CPU bus reads (registers, memory)"),
      writes(o, "writes", "accesses", "CPU bus writes (registers, page-table entries, memory)"),
      bytes_read(o, "bytes_read", "bytes", "bytes read by the CPU over the bus"),
      bytes_written(o, "bytes_written", "bytes", "bytes written by the CPU over the bus"),
      interrupts(o, "interrupts", "entries", "times the CPU interrupt thread entered the kernel's interrupt dispatch"),
      sleeps(o, "sleeps", "calls", "software threads put to sleep (condition-variable waits)"),
      wakeups(o, "wakeups", "threads", "sleeping software threads woken") {}

cpu_port::cpu_port(sc_core::sc_module_name name, std::uint32_t requester_id)
    : sc_module(name), out("out"), irq("irq"), now_(tlm::sim_time()), requester_id_(requester_id),
      stats_(this->name()) {
    out.bind(*this);
    SC_THREAD(intr_thread);
}

cpu_port::~cpu_port() = default;

cpu_port::thread_time& cpu_port::find_current(const sc_core::sc_object* key) {
    for (auto& [k, tt] : index_) // a handful of software threads
        if (k == key) {
            last_key_ = key;
            last_ = tt;
            return *tt;
        }
    sc_core::sc_process_handle h = sc_core::sc_get_current_process_handle();
    auto& e = qks_[h.get_process_object()];
    if (!e.qk) {
        e.proc = h;
        e.qk = std::make_unique<keeper>(now_);
        e.qk->reset();
        e.gp = std::make_unique<::tlm::tlm_generic_payload>();
        e.gp->set_extension(new tlm::requester_id_ext(requester_id_)); // owned by the payload
    }
    index_.emplace_back(key, &e);
    if (ns_ == 0) ns_ = sc_core::sc_time(1, sc_core::SC_NS).value(); // simulation time: the resolution is fixed
    last_key_ = key;
    last_ = &e;
    return e;
}

sc_core::sc_time cpu_port::ns_time(std::uint64_t ns) {
    if (ns_ == 0) ns_ = sc_core::sc_time(1, sc_core::SC_NS).value();
    return tlm::to_sc_time(ns * ns_); // = sc_time(double(ns), SC_NS) for whole nanoseconds
}

cpu_port::keeper& cpu_port::qk() { return *current().qk; }

void cpu_port::set_cpus(unsigned n) {
    cpus_.assign(n, cpu_lane{});
    if (!n || cpu_wait_) return;
    const std::string me = name();
    cpu_wait_ = std::make_unique<tlm::counter>(me, "cpu_wait", "ps",
                                               "time software threads waited for one of the software.cpus CPUs");
    cpu_util_ = std::make_unique<tlm::formula>(me, "utilisation", "ratio", "busy share of the software.cpus CPUs", [this] {
        const double now = static_cast<double>(now_.value());
        double busy = 0;
        for (const auto& c : cpus_) busy += static_cast<double>(c.tl.busy_ps);
        return now > 0 && !cpus_.empty() ? busy / (now * static_cast<double>(cpus_.size())) : 0.0;
    });
}

void cpu_port::run_on_cpu(keeper& q, std::uint64_t ns) {
    const std::uint64_t t = q.current().value(), d = ns_time(ns).value();
    std::size_t best = 0;
    std::uint64_t start = ~0ull;
    for (std::size_t c = 0; c < cpus_.size() && start != t; ++c) {
        const cpu_lane& l = cpus_[c];
        const std::uint64_t s = t >= l.tl.busy_until ? t : l.recent.gap(t, d, l.tl.busy_until);
        if (s < start) start = s, best = c;
    }
    cpu_lane& l = cpus_[best];
    const std::uint64_t end = start + d;
    if (start >= l.tl.busy_until) {
        l.recent.note_next(l.tl.busy_until, start, end);
        l.tl.reserve(start, d); // after its latest piece
    } else {
        l.recent.note_early(start, end); // in a gap before the latest piece
        l.tl.busy_until = std::max(l.tl.busy_until, end);
        l.tl.busy_ps += d;
    }
    *cpu_wait_ += start - t;
    q.inc(tlm::to_sc_time(end - t));
}

void cpu_port::charge_cpu(std::uint64_t ns) {
    auto& q = qk();
    if (cpus_.empty()) q.inc(ns_time(ns));
    else run_on_cpu(q, ns);
    stats_.charged += ns;
    if (q.need_sync()) q.sync();
}

std::uint64_t cpu_port::now_ns() {
    const sc_core::sc_time t = qk().current();
    return static_cast<std::uint64_t>(t.value() / ns_);
}

void cpu_port::delay_ns(std::uint64_t ns) {
    auto& q = qk();
    if (cpus_.empty()) q.inc(ns_time(ns));
    else run_on_cpu(q, ns); // a busy wait keeps its CPU
    if (q.need_sync()) q.sync();
}

bool cpu_port::sleep(const void* chan, std::uint64_t deadline_ns) {
    thread_time& tt = current();
    auto& q = *tt.qk;
    // The thread's sleeper, reused (a thread sleeps once at a time), set as
    // a new one; its event is cancelled on the way out, as destroying it did.
    if (!tt.sl) tt.sl = std::make_unique<sleeper>();
    sleeper& s = *tt.sl;
    s.woken = false;
    s.wake_at = sc_core::SC_ZERO_TIME;
    struct cancel_on_exit {
        sc_core::sc_event& ev;
        ~cancel_on_exit() { ev.cancel(); }
    } guard{s.ev};
    sleepers_.emplace_back(chan, &s);
    ++stats_.sleeps;
    // Catch up with simulated time first; a wakeup during this wait is kept
    // in s.woken, so none is lost.
    q.sync();
    if (!s.woken) {
        if (deadline_ns) {
            const sc_core::sc_time dl(static_cast<double>(deadline_ns), sc_core::SC_NS);
            if (dl > sc_core::sc_time_stamp()) sc_core::wait(dl - sc_core::sc_time_stamp(), s.ev);
        } else {
            sc_core::wait(s.ev);
        }
    }
    q.reset();
    if (!s.woken) {
        sleepers_.erase(std::find_if(sleepers_.begin(), sleepers_.end(),
                                     [&](const auto& e) { return e.second == &s; }));
        return false;
    }
    // Resume at the waker's local time.
    if (s.wake_at > sc_core::sc_time_stamp()) q.set(s.wake_at - sc_core::sc_time_stamp());
    return true;
}

void cpu_port::wakeup(const void* chan, bool all) {
    const sc_core::sc_time t = qk().current();
    for (auto b = sleepers_.begin(); b != sleepers_.end();) {
        if (b->first != chan) {
            ++b;
            continue;
        }
        sleeper* s = b->second;
        b = sleepers_.erase(b);
        s->woken = true;
        s->wake_at = t;
        s->ev.notify(sc_core::SC_ZERO_TIME);
        ++stats_.wakeups;
        if (!all) break;
    }
}

void cpu_port::intr_thread() {
    if (irq.size() == 0) return; // no interrupt controller connected
    auto& q = qk();
    for (;;) {
        if (!irq->read()) sc_core::wait(irq->posedge_event());
        q.reset();
        const sc_core::sc_time start = sc_core::sc_time_stamp();
        ++stats_.interrupts;
        if (entry_) entry_();
        q.sync();
        // A line left high by an entry that took no time (no handler, no
        // controller programming) would spin at one instant: wait for a change.
        if (irq->read() && sc_core::sc_time_stamp() == start) {
            SC_REPORT_WARNING("ddisim/cpu",
                              fmt::format("{}: interrupt pending but the software entry did nothing; "
                                          "waiting for the line to change",
                                          name())
                                  .c_str());
            sc_core::wait(irq->value_changed_event());
        }
    }
}

void cpu_port::access(::tlm::tlm_command cmd, std::uint64_t pa, unsigned char* data, std::size_t len) {
    if (len == 0) return;
    thread_time& tt = current();
    ::tlm::tlm_generic_payload& gp = *tt.gp;
    gp.set_command(cmd);
    gp.set_address(pa);
    gp.set_data_ptr(data);
    gp.set_data_length(static_cast<unsigned>(len));
    gp.set_streaming_width(static_cast<unsigned>(len));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_gp_option(::tlm::TLM_MIN_PAYLOAD);
    gp.set_dmi_allowed(false);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    auto& q = *tt.qk;
    sc_core::sc_time delay = q.local();
    const std::uint64_t issued = now_.value() + delay.value(); // the target may wait: absolute times
    out->b_transport(gp, delay);
    q.set(delay);
    stats_.bus_wait += now_.value() + delay.value() - issued;
    if (gp.is_response_error()) {
        SC_REPORT_ERROR("ddisim/cpu", fmt::format("{}: machine check: CPU {} of {} bytes at {:#x}: {}", name(),
                                                  cmd == ::tlm::TLM_READ_COMMAND ? "read" : "write", len, pa,
                                                  gp.get_response_string())
                                          .c_str());
        return;
    }
    if (q.need_sync()) q.sync();
}

void cpu_port::bus_read(std::uint64_t pa, void* dst, std::size_t len) {
    access(::tlm::TLM_READ_COMMAND, pa, static_cast<unsigned char*>(dst), len);
    ++stats_.reads;
    stats_.bytes_read += len;
}

void cpu_port::bus_write(std::uint64_t pa, const void* src, std::size_t len) {
    // TLM payloads carry a non-const pointer; a write target only reads it.
    access(::tlm::TLM_WRITE_COMMAND, pa, static_cast<unsigned char*>(const_cast<void*>(src)), len);
    ++stats_.writes;
    stats_.bytes_written += len;
}

::tlm::tlm_sync_enum cpu_port::nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) {
    SC_REPORT_ERROR("ddisim/cpu", "cpu_port is LT only: unexpected nb_transport_bw");
    return ::tlm::TLM_COMPLETED;
}

} // namespace ddisim::platform
