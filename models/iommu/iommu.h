// ddisim::models::iommu — a VT-d-flavoured I/O MMU between device initiators
// and the bus (docs/iommu.md has the same content with examples).
//
// What it models
//   Every device transaction carries its requester id (tlm::requester_id_ext;
//   0 when absent). The requester id selects a context entry in a table in
//   modelled memory (CTX_BASE); the entry says bypass (identity) or translate
//   through its domain's 4-level page table (formats: page_table.h). The
//   IOTLB (sets × ways, LRU, tagged by domain, 4 KiB and 2 MiB entries) and a
//   page-walk cache for the upper levels (fully associative, LRU) avoid
//   walks; a miss walks the table with real 8-byte reads over mem_out (so
//   the bus and the memory charge their latency and contention, and the bus
//   statistics count them). A transaction crossing a page boundary is split
//   and each page translated separately; every page is translated before a
//   single byte moves, so a fault anywhere aborts the whole access with no
//   byte written. A fault appends a record to the fault ring in the register
//   file, sets FAULT_STATUS.PPF and raises `irq` (when CTRL.FIE = 1).
//   Invalidation (global, domain, page range) is started through INV_CMD
//   and takes `invalidation_latency`; cached entries stay usable until it
//   completes, and software must poll INV_CMD.GO until it reads 0.
//
// Sockets and signals
//   dev_in  — target (a multi socket, tlm/direct_target_socket.h: bind every
//             device), device traffic. LT b_transport, and AT
//             nb_transport_fw (base protocol): BEGIN_REQ is accepted at once
//             (END_REQ, so devices pipeline); at its arrival time a thread
//             translates and forwards it with the LT path below, and
//             BEGIN_RESP goes back at the completion time, responses in
//             completion order, each after the previous END_RESP (or
//             TLM_COMPLETED). The IOMMU itself adds no AT arbitration. No DMI
//             (every access must be translated); transport_dbg returns 0.
//   mem_out — initiator towards the bus: translated device accesses (device's
//             payload, address replaced, extensions kept) and the IOMMU's own
//             context/page-table reads (requester id walk_requester_id).
//   regs    — target, MMIO register file (offsets from 0; map it on the bus
//             with bus_region::relative). 4- or 8-byte naturally aligned
//             accesses; others get TLM_BURST_ERROR_RESPONSE, unknown offsets
//             TLM_ADDRESS_ERROR_RESPONSE.
//   irq     — sc_signal<bool>, level: CTRL.FIE && FAULT_STATUS.PPF. Bind an
//             interrupt controller's sc_in<bool> to it.
//
// Timing (iommu_config), LT, times annotated on the caller's delay
//   translation disabled (CTRL.TE = 0 or enable = false): forwarded as is.
//   per transaction: context entry from the context cache, or one 16-byte
//     read over mem_out (+ its bus/memory time).
//   per page: lookup_latency; on an IOTLB miss, one 8-byte bus read per
//     level not covered by the page-walk cache (4 cold, 1 with the level-2
//     entry cached; 3 or fewer for a 2 MiB leaf), sequential.
//   data: the page pieces are issued to mem_out together once all pages are
//     translated; the access completes with the last piece.
//   e.g. cold 64 B read, default bus/memory: 2 ns + context 52.25 ns + 4 ×
//     51.625 ns + data 57 ns (tests state each figure).
//   regs: register_latency per access. Invalidation: done at GO write time +
//     invalidation_latency (applied lazily when a later access or register
//     read is stamped at or after that time, and by a process at that time).
//   Fault responses: not_present, context_not_present, address_width,
//     bad_entry → TLM_ADDRESS_ERROR_RESPONSE; read/write_denied →
//     TLM_COMMAND_ERROR_RESPONSE; bus_error → TLM_GENERIC_ERROR_RESPONSE.
//   Streaming width < length → TLM_BURST_ERROR_RESPONSE; byte enables
//     shorter than the data on a page-crossing access →
//     TLM_BYTE_ENABLE_ERROR_RESPONSE (both without translation or fault).
//
// Register map (regs socket; 64-bit registers, little-endian halves)
//   off    name            access reset  fields
//   0x000  CAP             RO     cfg    15:0 iotlb_sets, 23:16 iotlb_ways,
//                                        35:24 pwc_entries, 43:36
//                                        fault_log_entries - 1, 63:56 version (1)
//   0x008  CTRL            RW     0      0 TE translation enable (0: pass
//                                        through), 1 FIE fault interrupt enable
//   0x010  CTX_BASE        RW     0      51:12 context table address; writing
//                                        it (or CTX_COUNT) flushes the
//                                        context cache
//   0x018  CTX_COUNT       RW     0      31:0 context entries (requester ids
//                                        0 … n-1; others fault)
//   0x020  FAULT_STATUS    RW1C   0      0 PPF pending fault, 1 OVF a record
//                                        was dropped (ring full)
//   0x028  FAULT_COUNT     RO     0      faults since reset (incl. dropped)
//   0x030  FAULT_HEAD      RO     0      records written (free running);
//                                        record k is in slot k % entries
//   0x038  FAULT_TAIL      RW     0      records consumed by software; ring
//                                        full when HEAD - TAIL == entries
//   0x040  INV_CMD         RW     0      0 GO (write 1: start; reads 1 until
//                                        complete), 2:1 TYPE (0 global, 1
//                                        domain, 2 page range, 3 reserved =
//                                        no-op), 31:16 DID. Ignored (warning)
//                                        while GO = 1.
//   0x048  INV_ADDR        RW     0      IOVA of the first page (11:0 ignored)
//   0x050  INV_NPAGES      RW     0      4 KiB pages from INV_ADDR
//   0x058  INV_DONE        RO     0      invalidations completed
//   0x060  IQ_BASE         RW     0      51:12 invalidation queue (ring of
//                                        32-byte descriptors) in memory
//   0x068  IQ_SIZE         RW     0      descriptors in the ring (0 = off)
//   0x070  IQ_HEAD         RO     0      next descriptor the IOMMU reads
//   0x078  IQ_TAIL         RW     0      next descriptor software writes;
//                                        writing it starts processing
//   0x080  IQ_STATUS       RW1C   0      0 IQE: bad descriptor type at HEAD,
//                                        queue stopped until cleared
//   0x100 + 16·i FAULT_REC[i] RO  0      qword 0: faulting IOVA; qword 1:
//                                        31:0 requester id, 39:32 reason
//                                        (iommu_pt::fault_reason), 40 write,
//                                        63:48 domain (0 if none)
//   Invalidation queue (alternative to INV_CMD, VT-d-like queued
//   invalidation): descriptors at IQ_BASE + 32·k, little-endian qwords
//     q0 3:0 TYPE (1 global, 2 domain, 3 page range, 4 wait), 31:16 DID
//     q1 IOVA (page range)   q2 npages (page range) / status address (wait)
//     q3 31:0 status data (wait)
//   The IOMMU reads each descriptor over mem_out (32 bytes), performs it in
//   order (an invalidation takes invalidation_latency), and for a wait
//   descriptor writes the 4-byte status data to the status address over the
//   bus — software polls that word in memory (completion wait). HEAD
//   advances after each descriptor.
//   What each invalidation drops: global — IOTLB, page-walk cache, context
//   cache; domain — the domain's IOTLB and page-walk-cache entries; page
//   range — the domain's IOTLB entries overlapping the range and all of the
//   domain's page-walk-cache entries (tables may have been freed).
//
// Statistics (under the module name)
//   transactions, bypassed, translations (pages), iotlb_hits, iotlb_misses,
//   pwc_hits (walks shortened), walk_reads, context_reads, faults,
//   invalidations, fill_waits (counters: hits on an entry whose filling
//   read was still in flight, which wait for it); walk_latency (histogram,
//   ns); walker_wait (histogram, ns: a miss waiting for a free walker, with
//   walkers > 0); iotlb_hit_rate (formula).
// Waves: walk_busy (a walk in progress), walks (walks in progress), irq,
//   faults (count).
#pragma once
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>

#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/iommu/iommu_config.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/page_table.h"
#include "tlm/direct_target_socket.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::models {

namespace iommu_reg {
inline constexpr std::uint64_t cap = 0x000, ctrl = 0x008, ctx_base = 0x010, ctx_count = 0x018,
                               fault_status = 0x020, fault_count = 0x028, fault_head = 0x030, fault_tail = 0x038,
                               inv_cmd = 0x040, inv_addr = 0x048, inv_npages = 0x050, inv_done = 0x058,
                               iq_base = 0x060, iq_size = 0x068, iq_head = 0x070, iq_tail = 0x078,
                               iq_status = 0x080, fault_rec = 0x100, fault_rec_stride = 16;
inline constexpr std::uint64_t iq_iqe = 1;
// Invalidation-queue descriptor (32 bytes): q0 3:0 type, 31:16 DID; q1 IOVA;
// q2 npages (range) or status address (wait); q3 31:0 status data (wait).
enum iq_type : unsigned { iq_global = 1, iq_domain = 2, iq_range = 3, iq_wait = 4 };
inline constexpr std::uint64_t ctrl_te = 1, ctrl_fie = 2;
inline constexpr std::uint64_t fs_ppf = 1, fs_ovf = 2;
inline constexpr std::uint64_t inv_go = 1;
enum inv_type : unsigned { inv_global = 0, inv_domain = 1, inv_range = 2 };
inline std::uint64_t inv_command(inv_type t, std::uint16_t domain = 0) {
    return inv_go | (std::uint64_t{t} << 1) | (std::uint64_t{domain} << 16);
}
} // namespace iommu_reg

// A decoded fault record.
struct iommu_fault {
    std::uint64_t iova = 0;
    std::uint32_t requester = 0;
    iommu_pt::fault_reason reason = iommu_pt::fault_reason::none;
    bool write = false;
    std::uint16_t domain = 0;
    static iommu_fault decode(std::uint64_t q0, std::uint64_t q1);
};

class iommu : public sc_core::sc_module {
    // dev_in (declared first: the socket type names them)
    void dev_b_transport_in(int port, ::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        dev_b_transport(gp, delay);
    }
    void dev_b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    ::tlm::tlm_sync_enum dev_nb_transport_fw(int port, ::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph,
                                             sc_core::sc_time& delay);
    bool dev_get_dmi(int port, ::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi);
    unsigned int dev_dbg(int port, ::tlm::tlm_generic_payload& gp);

public:
    tlm::direct_target_socket<iommu, &iommu::dev_b_transport_in, &iommu::dev_nb_transport_fw, &iommu::dev_get_dmi,
                              &iommu::dev_dbg>
        dev_in; // any number of devices
    tlm_utils::simple_initiator_socket<iommu> mem_out;
    tlm_utils::simple_target_socket<iommu> regs;
    sc_core::sc_signal<bool> irq;
    SC_HAS_PROCESS(iommu);

    // Throws std::invalid_argument on a bad configuration.
    iommu(sc_core::sc_module_name name, const iommu_config& cfg);
    ~iommu() override;

    const iommu_config& config() const { return cfg_; }
    // Register-file size in bytes (for the bus region).
    std::uint64_t regs_size() const;

    std::uint64_t translations() const { return stats_.translations.count(); }
    std::uint64_t iotlb_hits() const { return stats_.iotlb_hits.count(); }
    std::uint64_t iotlb_misses() const { return stats_.iotlb_misses.count(); }
    std::uint64_t walk_reads() const { return stats_.walk_reads.count(); }
    std::uint64_t faults() const { return stats_.faults.count(); }
    std::uint64_t fill_waits() const { return stats_.fill_waits.count(); }
    std::uint64_t invalidations() const { return stats_.invalidations.count(); }
    const tlm::histogram& walk_latency() const { return stats_.walk_latency; }
    // The wave values (walk_busy: a walk is in progress at the current time).
    bool walk_busy() const { return walk_busy_; }
    std::uint32_t walks_in_progress() const { return walks_; }

private:
    struct piece {
        std::uint64_t off, len, pa;
    };
    // regs
    void regs_b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    ::tlm::tlm_sync_enum regs_nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph,
                                              sc_core::sc_time& delay);
    std::uint64_t reg_read(std::uint64_t off, bool& ok);
    void reg_write(std::uint64_t off, std::uint64_t v, std::uint64_t mask, tlm::ps_t t, bool& ok);

    // Forwards gp unchanged (bypass); returns the completion time.
    tlm::ps_t forward(::tlm::tlm_generic_payload& gp, tlm::ps_t t);
    // Reads len bytes at pa over mem_out starting at t (advanced to the
    // completion); false on an error response.
    bool bus_read(std::uint64_t pa, void* dst, unsigned len, tlm::ps_t& t);
    iommu_pt::fault_reason fetch_context(std::uint32_t rid, tlm::ps_t& t, iommu_pt::context_entry& ctx);
    void wait_for_fill(tlm::ps_t ready, tlm::ps_t& t);
    iommu_pt::fault_reason walk(const iommu_pt::context_entry& ctx, std::uint64_t iova, tlm::ps_t& t,
                                iotlb_entry& out);
    void record_fault(std::uint32_t rid, std::uint64_t iova, iommu_pt::fault_reason r, bool write,
                      std::uint16_t domain, tlm::ps_t t);
    void apply_due(tlm::ps_t t);
    // apply_due's test inline (most accesses find no invalidation due).
    void apply_if_due(tlm::ps_t t) {
        if ((inv_cmd_ & iommu_reg::inv_go) && t >= inv_due_) apply_due(t);
    }
    void update_irq(tlm::ps_t t);
    void irq_method();
    void inv_method();
    void walk_start_method();
    void walk_end_method();
    void at_request_thread();
    void at_response_method();
    void at_send(::tlm::tlm_generic_payload& gp);
    void at_done();
    void iq_thread();
    void invalidate(unsigned type, std::uint16_t domain, std::uint64_t iova, std::uint64_t npages);

    iommu_config cfg_;
    std::vector<piece> pieces_; // dev_b_transport's page pieces (scratch)
    iotlb tlb_;
    pwc pwc_;
    assoc_cache ctx_cache_;

    // register state
    std::uint64_t ctrl_ = 0, ctx_base_ = 0, ctx_count_ = 0, fault_status_ = 0, fault_count_ = 0, fault_head_ = 0,
                  fault_tail_ = 0, inv_cmd_ = 0, inv_addr_ = 0, inv_npages_ = 0, inv_done_ = 0;
    std::vector<std::uint64_t> fault_rec_; // 2 qwords per slot
    tlm::ps_t inv_due_ = 0;                // completion time while INV_CMD.GO = 1
    std::uint64_t iq_base_ = 0, iq_size_ = 0, iq_head_ = 0, iq_tail_ = 0, iq_status_ = 0;
    sc_core::sc_event iq_ev_;

    // AT on dev_in
    tlm_utils::peq_with_get<::tlm::tlm_generic_payload> req_peq_, resp_peq_;
    std::deque<::tlm::tlm_generic_payload*> resp_queue_;
    ::tlm::tlm_generic_payload* resp_busy_ = nullptr;
    std::unordered_map<const ::tlm::tlm_generic_payload*, int> at_port_; // dev_in port of each AT request
    sc_core::sc_event resp_ev_;

    sc_core::sc_event inv_ev_;
    sc_core::sc_event_queue irq_q_;
    // sc_event_queue's behaviour (each queued time fires the event once; the
    // next time is notified when one fires) without its allocation per
    // notification: a min-heap of absolute times (ps) and a plain event.
    struct time_queue {
        sc_core::sc_event ev;
        std::vector<tlm::ps_t> heap;
        void notify(tlm::ps_t now, tlm::ps_t delay);
        void fired(tlm::ps_t now); // from the method the event triggers
    } walk_start_q_, walk_end_q_;

    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)
    // walkers > 0: when each walker finishes its latest walk; a walk takes
    // the one free first (as an LT initiator's outstanding window).
    tlm::completion_window walkers_;
    ::tlm::tlm_generic_payload rd_gp_; // bus_read's payload (requester id walk_requester_id)
    bool rd_busy_ = false;

    // waves
    bool walk_busy_ = false, irq_level_ = false;
    std::uint32_t walks_ = 0;
    std::uint64_t faults_wave_ = 0;

    struct stats_t {
        tlm::counter transactions, bypassed, translations, iotlb_hits, iotlb_misses, pwc_hits, walk_reads,
            context_reads, faults, invalidations;
        tlm::histogram walk_latency, walker_wait;
        tlm::counter fill_waits;
        tlm::formula iotlb_hit_rate;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::models
