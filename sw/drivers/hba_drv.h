// ddisim::drivers::hba_drv — SCSA HBA driver for the modelled SCSI host bus
// adapter (models/hba, register map and frame layouts in models/hba/hba.h,
// mirrored in hba_prog below; the test storage:"register map agrees with the
// model" keeps them equal). docs/drivers.md describes it with sd.
//
// Plain C++ on the DDI and SCSA only: registers through ddi_regs_map_setup
// and ddi_get32/ddi_put32, request ring / reply ring / SGL chain segments
// from ddi_dma_mem_alloc (32-bit addressable, one cookie each), data through
// the SCSA tran_setup_pkt framework (spec §7.2) with the HBA's own data DMA
// attributes (64-bit by default), completion by interrupt (ddi_intr_*).
//
// Packet model: the tran_setup_pkt framework (SCSI_HBA_TRAN_CDB |
// SCSI_HBA_TRAN_SCB). Why: the framework already owns the per-packet DMA
// handle, the bind, PKT_DMA_PARTIAL window walking and scsi_sync_pkt, and
// caches packets with their handles; the HBA only turns pkt_cookies of the
// current window into an SGL in tran_start. Nothing of the hardware needs a
// driver-owned bind (no per-command DMA-able private area: the chain
// segments are per tag, allocated once at attach).
//
// Life cycle
//   attach   map registers (reg set 0), check ID, read TARGETS/CAPS/TARGET_QD
//            and MAX_SGL/MAX_XFER (which narrow the data attributes' sgllen
//            and maxxfer: larger I/O goes in PARTIAL windows),
//            allocate and bind the request ring, reply ring and one chain
//            area per tag, allocate and enable the interrupt (intr_fixed[0]),
//            HBA_RESET, program the rings and coalescing, ENABLE;
//            scsi_hba_tran_alloc / scsi_hba_attach_setup(data attr); then
//            scsi_hba_target_create("sd", t, 0) for every target the HBA
//            reports (or cfg.targets lists).
//   start    tran_start: tag from a free list (none → TRAN_BUSY), request slot
//            (ring full → TRAN_BUSY), frame: target, LUN, CDB, direction from
//            pkt_dma_flags, data_len = pkt_dma_len, SGL = pkt_cookies (4
//            inline, the rest in the tag's chain area: 255 data entries + a
//            CHAIN entry per 4 KiB segment), ddi_dma_sync(FORDEV) of a write
//            window, doorbell (REQ_PI).
//   intr     clear IRQ_STATUS, consume replies up to RPL_PI (matched by tag),
//            write RPL_CI, then complete each packet (pkt_reason / state /
//            resid / status / auto request sense) with scsi_hba_pkt_comp,
//            inside a ddisim::scsa::interrupt_scope.
//   poll     a packet with FLAG_NOINTR in tran_start (from interrupt context):
//            the driver polls RPL_PI (completing other packets normally)
//            until its reply arrives, without pkt_comp.
//   reset    tran_reset(RESET_TARGET): TARGET_RESET; the HBA replies RESET for
//            that target's commands (CMD_RESET, STAT_DEV_RESET). RESET_ALL:
//            HBA_RESET, every outstanding packet completes CMD_RESET /
//            STAT_BUS_RESET, rings re-programmed.
//   detach   targets destroyed, scsi_hba_detach, HBA disabled, everything freed.
//
// Reply mapping: host OK → CMD_CMPLT with the SCSI status (TASK SET FULL
// arrives as STATUS_QFULL for the target driver to retry; CHECK CONDITION
// with the reply's sense as a struct scsi_arq_status and STATE_ARQ_DONE);
// NO_TARGET → CMD_DEV_GONE; BAD_FRAME / SGL_SHORT / BAD_SGL → CMD_TRAN_ERR
// (never reached the disk: pkt_state without STATE_SENT_CMD); DMA_ERROR →
// CMD_TRAN_ERR with the state the transfer reached; RESET → CMD_RESET.
//
// Errors: DDI codes and SCSA TRAN_* results, never exceptions.
#pragma once
#include <sys/scsi/scsi.h>
#include <sys/sunddi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sw/kernel/kernel.h"

namespace ddisim::drivers {

// The HBA's programming model (mirrors models/hba/hba.h).
namespace hba_prog {
inline constexpr std::uint32_t id_value = 0xD3AB5C51;
inline constexpr std::uint64_t ID = 0x000, TARGETS = 0x004, CAPS = 0x008, TARGET_QD = 0x00C, CONTROL = 0x010,
                               STATUS = 0x014, RESET = 0x018, MAX_SGL = 0x01C, IRQ_STATUS = 0x020, IRQ_MASK = 0x024,
                               COALESCE_COUNT = 0x028, COALESCE_TIME = 0x02C, REQ_BASE_LO = 0x030,
                               REQ_BASE_HI = 0x034, REQ_SIZE = 0x038, REQ_PI = 0x03C, REQ_CI = 0x040, MAX_XFER = 0x044,
                               RPL_BASE_LO = 0x048, RPL_BASE_HI = 0x04C, RPL_SIZE = 0x050, RPL_PI = 0x054,
                               RPL_CI = 0x058, COMPLETED = 0x05C;
inline constexpr std::uint32_t CONTROL_ENABLE = 1u << 0;
inline constexpr std::uint32_t STATUS_FAULT = 1u << 1;
inline constexpr std::uint32_t RST_HBA = 1u << 0, RST_TARGET = 1u << 1; // RESET register bits (RESET_TARGET is an SCSA macro)
inline constexpr std::uint32_t IRQ_REPLY = 1u << 0, IRQ_FAULT = 1u << 1;
// request frame
inline constexpr unsigned frame_size = 128, inline_sgl = 4, sgl_entry = 16;
inline constexpr unsigned F_TAG = 0x00, F_TARGET = 0x04, F_DIR = 0x05, F_CDB_LEN = 0x06, F_FLAGS = 0x07,
                          F_LUN = 0x08, F_DATA_LEN = 0x0C, F_CDB = 0x10, F_SENSE_ADDR = 0x20, F_SENSE_LEN = 0x28,
                          F_SGL_INLINE = 0x2C, F_CHAIN_COUNT = 0x2E, F_CHAIN_ADDR = 0x30, F_SGL = 0x40;
inline constexpr std::uint8_t DIR_NONE = 0, DIR_IN = 1, DIR_OUT = 2;
inline constexpr std::uint32_t SGL_CHAIN = 1u << 0;
// reply
inline constexpr unsigned reply_size = 64, sense_max = 32;
inline constexpr unsigned R_TAG = 0x00, R_SCSI_STATUS = 0x04, R_HOST_STATUS = 0x05, R_SENSE_LEN = 0x06,
                          R_FLAGS = 0x07, R_RESIDUAL = 0x08, R_TRANSFERRED = 0x0C, R_SENSE = 0x10, R_TARGET = 0x30;
enum host_status : std::uint8_t { HS_OK = 0, HS_NO_TARGET = 1, HS_BAD_FRAME = 2, HS_SGL_SHORT = 3, HS_BAD_SGL = 4,
                                  HS_DMA_ERROR = 5, HS_RESET = 6 };
} // namespace hba_prog

// Named attribute tables (illumos style); a per-instance copy takes the
// config's overrides.
extern const ddi_dma_attr_t hba_data_dma_attr; // data: 64-bit, byte aligned, 512-byte granular, sgllen 256
extern const ddi_dma_attr_t hba_ring_dma_attr; // rings and chain areas: below 4 GiB, one cookie, 128-byte aligned
extern const ddi_device_acc_attr_t hba_acc_attr;

struct hba_drv_config {
    unsigned request_entries = 256;        // request ring slots (≥ 2)
    unsigned max_tags = 0;                 // commands outstanding at once; 0 = min(CAPS queue depth, request_entries − 1)
    std::uint64_t data_addr_hi = ~0ull;    // data dma_attr_addr_hi (0xffffffff: a 32-bit data path → copy buffers high)
    int sgllen = 256;                      // data dma_attr_sgllen (> 0; small values force PARTIAL windows; MAX_SGL caps it)
    std::uint64_t maxxfer = 16ull << 20;   // data dma_attr_maxxfer (MAX_XFER, the HBA's max_transfer, caps it)
    std::uint32_t coalesce_count = 0;      // COALESCE_COUNT to program; 0 = keep the reset value
    std::uint32_t coalesce_time_ns = 0;    // COALESCE_TIME to program when coalesce_count is set
    std::vector<unsigned> targets;         // targets to create; empty = 0 .. TARGETS−1
    std::uint64_t poll_interval_ns = 1000; // FLAG_NOINTR polling period
};

class hba_drv {
public:
    struct stats {
        std::uint64_t commands = 0;        // frames submitted
        std::uint64_t completions = 0;     // packets completed (interrupt or poll)
        std::uint64_t tran_busy = 0;       // tran_start refused: no tag or ring full
        std::uint64_t chained = 0;         // frames with a chain segment
        std::uint64_t sgl_entries = 0;     // data entries written
        std::uint64_t qfull = 0;           // TASK SET FULL replies
        std::uint64_t busy = 0;            // BUSY replies
        std::uint64_t check_conditions = 0;
        std::uint64_t host_errors = 0;     // host status other than OK and RESET
        std::uint64_t resets = 0;          // packets completed CMD_RESET
        std::uint64_t target_resets = 0, bus_resets = 0;
        std::uint64_t interrupts = 0;      // handler calls that claimed
        std::uint64_t polled = 0;          // FLAG_NOINTR packets polled
        std::uint64_t faults = 0;          // IRQ FAULT seen
    };

    // Attaches to dip (reg set 0 = the HBA's registers, intr_fixed[0] = its
    // interrupt; the HBA's requester id on the node for the IOMMU). Returns
    // DDI_SUCCESS and the instance in out, or a DDI error (all released).
    static int attach(dev_info_t* dip, const hba_drv_config& cfg, std::unique_ptr<hba_drv>& out);
    ~hba_drv(); // detaches (targets must have no target driver packets out)
    hba_drv(const hba_drv&) = delete;
    hba_drv& operator=(const hba_drv&) = delete;

    // Targets created at attach, in cfg.targets / id order.
    const std::vector<struct scsi_device*>& devices() const { return devs_; }
    struct scsi_device* device(unsigned target) const;
    unsigned hw_targets() const { return hw_targets_; }
    unsigned tags() const { return ntags_; }
    unsigned target_queue_depth() const { return target_qd_; }
    scsi_hba_tran_t* tran() const { return tran_; }
    const ddi_dma_attr_t& data_attr() const { return attr_; }
    const stats& statistics() const { return st_; }
    unsigned outstanding() const { return outstanding_; }

    // The interrupt handler (ddi_intr_add_handler); arg1 is the instance.
    static uint_t intr(caddr_t arg1, caddr_t arg2);

private:
    struct ring {
        ddi_dma_handle_t dh = nullptr;
        ddi_acc_handle_t ah = nullptr;
        caddr_t va = nullptr;
        std::uint64_t dev = 0;
        std::size_t len = 0;
        bool bound = false;
    };
    explicit hba_drv(dev_info_t* dip, const hba_drv_config& cfg);
    int attach_regs();
    int alloc_ring(ring& r, std::size_t len);
    void free_ring(ring& r);
    int attach_intr();
    int attach_scsa();
    void program();
    void detach();
    std::uint32_t rd(std::uint64_t off);
    void wr(std::uint64_t off, std::uint32_t v);

    int start(struct scsi_address* ap, struct scsi_pkt* pkt);
    int post_frame(struct scsi_address* ap, struct scsi_pkt* pkt); // start, holding the request ring
    void hold_ring();    // waits until no other thread writes the request ring, then holds it (start, reset)
    void release_ring();
    // Consumes replies up to RPL_PI; completes every packet through
    // scsi_hba_pkt_comp except polled ones (marked done). True when a polled
    // packet's reply was seen.
    bool process_replies();
    // The ring walk of process_replies (and reset), holding in_replies_:
    // bookkeeping only, the packets to complete go to `done`.
    bool walk_replies(std::vector<struct scsi_pkt*>& done);
    uint_t handle_intr(); // intr's work, for this instance
    void fill(struct scsi_pkt* pkt, const std::uint8_t* rp);
    int reset(struct scsi_address* ap, int level);

    static int s_start(struct scsi_address* ap, struct scsi_pkt* pkt);
    static int s_reset(struct scsi_address* ap, int level);
    static int s_abort(struct scsi_address* ap, struct scsi_pkt* pkt);
    static int s_getcap(struct scsi_address* ap, char* cap, int whom);
    static int s_setcap(struct scsi_address* ap, char* cap, int value, int whom);
    static int s_tgt_init(dev_info_t*, dev_info_t*, scsi_hba_tran_t*, struct scsi_device*);
    static int s_setup_pkt(struct scsi_pkt* pkt, int (*callback)(caddr_t), caddr_t arg);
    static void s_teardown_pkt(struct scsi_pkt* pkt);

    dev_info_t* dip_;
    kernel::kernel_context* k_;
    hba_drv_config cfg_;
    ddi_dma_attr_t attr_;
    caddr_t regs_ = nullptr;
    ddi_acc_handle_t regs_h_ = nullptr;
    ring req_, rpl_, chain_;
    unsigned hw_targets_ = 0, hw_qd_ = 0, target_qd_ = 0, ntags_ = 0, rpl_entries_ = 0;
    unsigned chain_entries_ = 0; // per tag
    std::size_t chain_stride_ = 0;
    ddi_intr_handle_t ih_ = nullptr;
    bool intr_added_ = false, intr_enabled_ = false;
    scsi_hba_tran_t* tran_ = nullptr;
    bool hba_attached_ = false;
    std::vector<struct scsi_device*> devs_;
    std::vector<struct scsi_pkt*> tag_pkt_;
    std::vector<unsigned> free_tags_;
    std::uint32_t req_pi_ = 0, req_ci_ = 0, rpl_ci_ = 0;
    unsigned outstanding_ = 0;
    bool in_replies_ = false;                     // a thread walks the reply ring (or a reset holds it)
    bool rerun_ = false;                          // a process_replies was skipped meanwhile: walk once more
    bool starting_ = false;                       // a thread is putting a frame into the request ring
    std::unique_ptr<kernel::kcondvar> start_cv_;  // threads waiting for the ring (start)
    std::unique_ptr<kernel::kcondvar> replies_cv_; // a reset waiting for a reply walk to end
    bool in_intr_ = false;                        // the interrupt handler runs (it may be yielding)
    std::unique_ptr<kernel::kcondvar> intr_cv_;   // detach waiting for the handler to return
    stats st_;
};

} // namespace ddisim::drivers
