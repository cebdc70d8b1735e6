// ddisim::scsa — the SCSA layer's per-kernel state and its C++ controls
// (spec §1.8, §1.9, §5, §7). The C API is in <sys/scsi/scsi.h>; this header
// is for the simulator, tests and drivers that need the model's knobs:
// packet-memory limits, the FLAG_NOINTR wait hook, interrupt context, costs,
// and inspection (live packets, cache contents).
#pragma once
#include "sw/kernel/kernel.h"

#include <sys/scsi/scsi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace ddisim::scsa {

// CPU time charged through platform_port::charge_cpu (ns).
struct scsa_costs {
    std::uint64_t init_pkt_ns = 200;    // scsi_init_pkt (framework work, without the bind)
    std::uint64_t destroy_pkt_ns = 100; // scsi_destroy_pkt / scsi_resfree
    std::uint64_t transport_ns = 100;   // scsi_transport, before tran_start
    std::uint64_t pkt_comp_ns = 50;     // scsi_hba_pkt_comp, before pkt_comp
};

struct scsa_config {
    // Packets that may exist at once (scsi_hba_pkt_alloc and the framework
    // cache); beyond it a NULL_FUNC allocation fails (kmem NOSLEEP), a
    // SLEEP_FUNC one still succeeds.
    std::size_t pkt_limit = std::numeric_limits<std::size_t>::max();
    // How a thread waits for a FLAG_NOINTR packet that scsi_transport turned
    // into an interrupt-completed one (illumos: cv_wait). Called until the
    // packet completes; returns false when nothing can make progress any
    // more (scsi_transport then gives up with TRAN_FATAL_ERROR and the
    // diagnostic "scsa-nointr-stuck"). Unset: with a platform, sleep on
    // SCSA's condition variable (kernel::kcondvar, woken by the packet's
    // completion) and then run pending soft interrupts; without one, run
    // the pending soft interrupts. Either gives up after 1000 rounds in a
    // row in which no soft interrupt ran and the thread's time stood still.
    std::function<bool()> wait;
    scsa_costs costs;
};

// ---- the framework's packet (scsi_pkt_cache_wrapper, spec §1.8) ----
constexpr uint_t pcw_need_ext_cdb = 0x1;
constexpr uint_t pcw_need_ext_tgt = 0x2;
constexpr uint_t pcw_need_ext_scb = 0x4;
constexpr uint_t pcw_bound = 0x20;
constexpr std::uint32_t pkt_wrapper_magic = 0xa1a1a1a1u;

struct pkt_cache;

struct cache_wrapper {
    scsi_pkt pcw_pkt;                 // first: a scsi_pkt* is a cache_wrapper*
    std::uint32_t pcw_magic = 0;
    std::uint64_t pcw_total_xfer = 0; // bytes covered by windows handed out
    uint_t pcw_curwin = 0;            // next window to hand out
    uint_t pcw_totalwin = 0;
    uint_t pcw_granular = 0;          // granular the handle was allocated with
    buf* pcw_bp = nullptr;
    ddi_dma_cookie_t pcw_cookie{};    // first cookie from the bind
    uint_t pcw_flags = 0;
    pkt_cache* cache = nullptr;
    uchar_t* dflt_cdbp = nullptr;     // the cache object's own areas
    uchar_t* dflt_scbp = nullptr;
    std::size_t obj_len = 0;
};

// The per-HBA kmem cache of framework packets (tran_pkt_cache_ptr).
struct pkt_cache {
    scsi_hba_tran_t* tran = nullptr;
    std::vector<cache_wrapper*> free_objs; // constructed, not in use
    std::size_t constructed = 0;           // objects alive (free + in use)
    std::uint64_t constructor_calls = 0;
    std::uint64_t destructor_calls = 0;
    std::set<cache_wrapper*> all;          // every object, for teardown of the kernel
};

// Header of a scsi_hba_pkt_alloc packet.
struct hba_pkt_wrapper {
    scsi_pkt pkt;
    std::uint32_t magic = 0;
    std::size_t len = 0;
};

struct target_node {
    scsi_device sd{};
    int target = 0;
    int lun = 0;
    dev_info* hba = nullptr;
    // SCSI_HBA_TRAN_CLONE: this target's copy of the HBA's tran (its own
    // capabilities and DMA attributes, e.g. the granularity that a disk's
    // "sector-size" sets), the packet cache still the HBA's
    std::unique_ptr<scsi_hba_tran_t> clone;
};

struct hba_entry {
    scsi_hba_tran_t* tran = nullptr;
    std::unique_ptr<pkt_cache> cache;
};

struct scsa_state : kernel::subsystem {
    ~scsa_state() override;
    scsa_config cfg;
    uintptr_t callback_id = 0;                 // scsi_callback_id
    std::map<const dev_info*, hba_entry> hbas; // by HBA node
    std::map<const dev_info*, std::unique_ptr<target_node>> targets; // by target node
    std::vector<scsi_hba_tran_t*> trans;       // from scsi_hba_tran_alloc, not freed
    std::set<hba_pkt_wrapper*> hba_pkts;       // scsi_hba_pkt_alloc packets alive
    std::size_t live_pkts = 0;                 // packets handed out (both kinds)
    // interrupt_scope depth per software thread (platform_port::current_thread)
    std::vector<std::pair<const void*, int>> intr_depth;
    std::unique_ptr<kernel::kcondvar> nointr_cv; // FLAG_NOINTR waiters sleep here
    unsigned nointr_stalls = 0;
};

scsa_state& state(kernel::kernel_context& k);
inline scsa_config& config(kernel::kernel_context& k) { return state(k).cfg; }

// Packets currently handed out (scsi_hba_pkt_alloc + framework packets in
// use); 0 after a run that freed everything.
std::size_t live_packets(kernel::kernel_context& k);

// While alive, SCSA calls on k from the thread that made it run "in
// interrupt context": scsi_transport passes a FLAG_NOINTR packet straight to
// tran_start (the HBA must poll it to completion). The platform wraps HBA
// interrupt handlers in one. Per thread: a handler that yields on the bus
// leaves the other threads in thread context.
class interrupt_scope {
public:
    explicit interrupt_scope(kernel::kernel_context& k);
    ~interrupt_scope();
    interrupt_scope(const interrupt_scope&) = delete;
    interrupt_scope& operator=(const interrupt_scope&) = delete;

private:
    kernel::kernel_context& k_;
    const void* thread_;
};
// Whether the calling thread is inside an interrupt_scope on k.
bool in_interrupt(kernel::kernel_context& k);

// The kernel a SCSA call acts on: the HBA node's kernel, else the current one.
kernel::kernel_context* kernel_of(const scsi_hba_tran_t* tran);

// The tran_setup_pkt framework (spec §7.2, sw/scsi/scsi_cache.cpp):
// scsi_hba_attach_setup installs these as the HBA's tran_init_pkt,
// tran_destroy_pkt, tran_sync_pkt and tran_dmafree.
scsi_pkt* scsi_init_cache_pkt(scsi_address* ap, scsi_pkt* pkt, buf* bp, int cmdlen, int statuslen, int pplen,
                              int flags, int (*callback)(caddr_t), caddr_t arg);
void scsi_free_cache_pkt(scsi_address* ap, scsi_pkt* pkt);
void scsi_sync_cache_pkt(scsi_address* ap, scsi_pkt* pkt);
void scsi_cache_dmafree(scsi_address* ap, scsi_pkt* pkt);

// Schedules the SCSA callback list (spec §5) if it was ever used.
void run_callbacks(kernel::kernel_context& k);

} // namespace ddisim::scsa
