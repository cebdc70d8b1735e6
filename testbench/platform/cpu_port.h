// ddisim::platform::cpu_port — the simulated CPU's bus port, the hardware end
// of sw/kernel/platform_port.h. Software (kernel, DDI layer, drivers) runs in
// SystemC threads; each of its register, page-table or memory accesses
// becomes a timed b_transport on the bus, and each CPU cost it charges
// advances the calling thread's local time (temporal decoupling with the
// global quantum).
//
//   out — tlm_initiator_socket<> towards the bus
//   irq — optional (zero or one binding) level input from the interrupt
//         controller's `cpu_irq` output (models/intc).
//
// Software threads. Any number of SC_THREADs (or sc_spawn'ed processes) may
// use the port; each keeps its own local time (its own quantum keeper), so
// CPU time charged by one thread never delays another, unless the CPUs are
// counted (set_cpus, below). Must be called from a SystemC process.
//
// CPUs. By default every thread runs on a CPU of its own (no contention).
// set_cpus(n) makes the threads share n CPUs: each piece of CPU time
// (charge_cpu, and delay_ns, a busy wait) runs on the CPU where it can start
// first from the thread's local time, first fit among that CPU's recent
// reservations (an LT occupancy timeline per CPU, like the bus's channels);
// the interrupt thread's work too. A thread that finds every CPU busy waits:
// its local time moves to the start, and the wait is counted (cpu_wait).
// Pieces are scheduled one by one (processor sharing at the granularity of a
// charge, not run-to-block); time a thread stalls on its own bus access does
// not occupy a CPU. A bus error on a CPU access is a machine check:
// SC_REPORT_ERROR("ddisim/cpu", …) names the address (the simulation stops
// with that report, never a host crash).
//
// Interrupt thread. When irq is bound, an SC_THREAD (intr_thread) waits for it to
// be high and calls the interrupt entry the kernel installed
// (platform_port::set_interrupt_entry; kernel_context::set_platform does
// it) on its own local time, again while irq stays high after the entry
// returns. The interrupt latency is charged by the kernel's entry
// (cost_model::intr_latency_ns), not here.
//
// Blocking: sleep/wakeup (platform_port) park a thread on an sc_event; a
// wakeup made at the waker's local time T resumes the sleeper at T.
//
// Statistics (under the module name): charged (ns of software time), reads / writes
// (accesses), bytes_read / bytes_written, interrupts (entries run),
// sleeps / wakeups.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "sw/kernel/platform_port.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::platform {

class cpu_port : public sc_core::sc_module,
                 public ::tlm::tlm_bw_transport_if<>,
                 public kernel::platform_port {
public:
    ::tlm::tlm_initiator_socket<> out;

    // requester_id: put on every payload (so the bus and memory can tell the
    // CPU from devices).
    sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> irq;
    SC_HAS_PROCESS(cpu_port);

    cpu_port(sc_core::sc_module_name name, std::uint32_t requester_id = 0);
    ~cpu_port() override;

    // platform_port
    void charge_cpu(std::uint64_t ns) override;
    void bus_read(std::uint64_t pa, void* dst, std::size_t len) override;
    void bus_write(std::uint64_t pa, const void* src, std::size_t len) override;
    kernel::iommu_map_ops* iommu() override { return iommu_; }
    void set_iommu(kernel::iommu_map_ops* ops) { iommu_ = ops; }
    std::uint64_t now_ns() override;
    void delay_ns(std::uint64_t ns) override;
    bool sleep(const void* chan, std::uint64_t deadline_ns) override;
    void wakeup(const void* chan, bool all) override;
    void set_interrupt_entry(std::function<void()> entry) override { entry_ = std::move(entry); }
    const void* current_thread() override { return sc_core::sc_get_current_process_b(); }

    // Share n CPUs among the software threads (0: one each, the default).
    // Before the first charge; registers cpu_wait and utilisation.
    void set_cpus(unsigned n);
    unsigned cpus() const { return static_cast<unsigned>(cpus_.size()); }

    // Local time of the calling software thread (sc_time_stamp + offset).
    sc_core::sc_time local_time() { return qk().current(); }
    // Synchronise the calling thread with simulated time now.
    void sync() { qk().sync(); }

    // tlm_bw_transport_if (LT only: nb_transport_bw is never expected)
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override {}

private:
    void access(::tlm::tlm_command cmd, std::uint64_t pa, unsigned char* data, std::size_t len);
    class keeper;
    // With counted CPUs: `ns` of CPU time for the thread of q, from its local
    // time on the CPU where it starts first; q moves to its end.
    void run_on_cpu(keeper& q, std::uint64_t ns);
    // tlm_utils::tlm_quantumkeeper's semantics (same sync points, same
    // waits), reading the kernel's time through a reference (tlm::sim_time)
    // instead of calling sc_time_stamp() on every check, without virtual calls.
    class keeper {
    public:
        explicit keeper(const sc_core::sc_time& now) : now_(now) {}
        void inc(const sc_core::sc_time& t) { local_ += t; }
        void set(const sc_core::sc_time& t) { local_ = t; }
        bool need_sync() const { return now_ + local_ >= next_sync_; }
        void sync() {
            sc_core::wait(local_);
            reset();
        }
        void reset() {
            local_ = sc_core::SC_ZERO_TIME;
            next_sync_ = now_ + ::tlm::tlm_global_quantum::instance().compute_local_quantum();
        }
        sc_core::sc_time current() const { return now_ + local_; }
        const sc_core::sc_time& local() const { return local_; }

    private:
        const sc_core::sc_time& now_;
        sc_core::sc_time next_sync_, local_;
    };
    // The calling process's quantum keeper (created on first use).
    keeper& qk();
    void intr_thread();

    struct sleeper {
        sc_core::sc_event ev;
        bool woken = false;
        sc_core::sc_time wake_at; // waker's local time
    };
    struct thread_time {
        sc_core::sc_process_handle proc; // keeps the process object (the key) alive, so its address is never reused
        std::unique_ptr<keeper> qk;
        // The thread's bus payload, reused by every access it makes (a thread
        // has at most one access in flight); carries the requester id.
        std::unique_ptr<::tlm::tlm_generic_payload> gp;
        std::unique_ptr<sleeper> sl; // sleep()'s (created on first use)
    };
    // The calling process's entry (created on first use); the last one found
    // is remembered, as one thread usually makes many accesses in a row.
    thread_time& current() {
        // Outside any process (elaboration, sc_main) the key is nullptr.
        const sc_core::sc_object* key = sc_core::sc_get_current_process_b();
        return last_ && key == last_key_ ? *last_ : find_current(key);
    }
    thread_time& find_current(const sc_core::sc_object* key);
    std::map<const sc_core::sc_object*, thread_time> qks_;
    std::vector<std::pair<const sc_core::sc_object*, thread_time*>> index_; // every entry of qks_
    const sc_core::sc_object* last_key_ = nullptr;
    thread_time* last_ = nullptr;
    // sc_time of whole nanoseconds without the library's double conversion
    sc_core::sc_time ns_time(std::uint64_t ns);
    std::uint64_t ns_ = 0; // sc_time(1, SC_NS).value(), set on first use
    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)
    std::vector<std::pair<const void*, sleeper*>> sleepers_; // in arrival order (so per channel too)
    std::function<void()> entry_;
    kernel::iommu_map_ops* iommu_ = nullptr;
    std::uint32_t requester_id_;
    struct cpu_lane {
        tlm::occupancy_timeline tl;     // busy until, busy time (ps)
        tlm::recent_reservations recent; // its latest pieces, for first fit
    };
    std::vector<cpu_lane> cpus_;                  // set_cpus(n): n lanes; empty: a CPU per thread
    std::unique_ptr<tlm::counter> cpu_wait_;      // ps threads waited for a CPU
    std::unique_ptr<tlm::formula> cpu_util_;      // busy share of the CPUs
    struct stats_t {
        tlm::counter charged, bus_wait, reads, writes, bytes_read, bytes_written, interrupts, sleeps, wakeups;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::platform
