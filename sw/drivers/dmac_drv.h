// ddisim::drivers::dmac_drv — driver for the DMA controller (models/dmac,
// register map in models/dmac/dmac.h, mirrored in dmac_prog below).
//
// Plain C++ on the DDI only: registers through ddi_regs_map_setup and
// ddi_get32/ddi_put32, the descriptor ring from ddi_dma_mem_alloc, data
// buffers bound per job, completion by interrupt (ddi_intr_*) and a kernel
// condition variable. One instance drives one channel of one controller.
//
// Life cycle (one function per step, as illumos drivers do)
//   attach   map registers (rnumber 0), allocate the ring (one cookie,
//            ddi_dma_mem_alloc + bind), allocate the source and destination
//            DMA handles, allocate and enable the interrupt (FIXED, inum 0),
//            program RING_BASE / RING_SIZE and enable the channel.
//   memcpy   bind the source DDI_DMA_WRITE (memory → device) and the
//            destination DDI_DMA_READ (device → memory), both
//            DDI_DMA_PARTIAL; walk the two window lists together; per window
//            pair zip the two cookie lists into one descriptor per
//            overlapping piece; write the descriptors (ddi_put64/32 on the
//            ring's access handle), ddi_dma_sync(ring, FORDEV), ring the
//            doorbell (TAIL), sleep until the interrupt handler has seen
//            COMPLETED reach the target, ddi_dma_sync(ring, FORCPU), check
//            every descriptor's status word (when CAPS.WRITEBACK says the
//            controller writes it; else STATUS.ERROR alone tells a failed
//            job), ddi_dma_sync(dst, FORCPU) for
//            the window (copy buffers: spec §4.7), then move to the next
//            window (getwin syncs per spec §4.6); unbind both.
//   detach   disable the channel and the interrupt, free everything.
//
// The DMA attributes are a named static table (dmac_dma_attr, dmac_ring_attr)
// from which a per-instance copy takes addr_hi / sgllen / maxxfer overrides
// (a 32-bit variant of the controller has addr_hi 0xffffffff).
//
// Fault injection (co-verification, testbench/tests/coverify): set_fault
// makes the driver misbehave on purpose, so tests and users can see what the
// DMA-API checker and the IOMMU report:
//   skip_sync         memcpy omits ddi_dma_sync(dst, FORCPU) before handing
//                     a window to the consumer; with copy buffers the CPU
//                     then reads stale bytes (the implicit syncs of getwin and
//                     unbind come too late for a consumer that reads while
//                     the destination is bound).
//   dma_after_unbind  after each copy, once both handles are unbound, one
//                     more descriptor copies stale_dma_bytes from the ring to
//                     the destination's old device address (first cookie of
//                     its last window): a strict IOMMU faults it (the job
//                     fails, counted in stats::injected_errors), a lazy one or
//                     no IOMMU lets it through (stray bytes in memory).
// The consumer (set_consumer) is called once per destination window, after
// the device wrote it and the driver synced it (unless skip_sync), while the
// destination is still bound — where a real driver hands completed data on.
//
// Errors: DDI codes, never exceptions. memcpy returns DDI_SUCCESS, a bind
// error code (DDI_DMA_NOMAPPING, DDI_DMA_TOOBIG, …) or DDI_FAILURE when the
// controller reported an error (last_error() gives its code).
#pragma once
#include <sys/buf.h>
#include <sys/sunddi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sw/kernel/kernel.h"

namespace ddisim::drivers {

// The controller's programming model (mirrors models/dmac/dmac.h; the test
// dmacdrv:"register map agrees with the model" keeps them equal).
namespace dmac_prog {
inline constexpr std::uint32_t id_value = 0xD3AC0001;
inline constexpr std::uint64_t ID = 0x000, CHANNELS = 0x004, IRQ_SUMMARY = 0x008, CAPS = 0x00C;
inline constexpr std::uint32_t CAPS_WRITEBACK = 1u << 0;
inline constexpr std::uint64_t channel_base = 0x100, channel_stride = 0x40;
inline constexpr std::uint64_t RING_BASE_LO = 0x00, RING_BASE_HI = 0x04, RING_SIZE = 0x08, HEAD = 0x0C, TAIL = 0x10,
                               CONTROL = 0x14, STATUS = 0x18, IRQ_STATUS = 0x1C, COMPLETED = 0x20;
inline constexpr std::uint32_t CONTROL_ENABLE = 1u << 0, CONTROL_IRQ_BATCH = 1u << 1, CONTROL_RESET = 1u << 2;
inline constexpr std::uint32_t STATUS_ERROR = 1u << 1;
inline constexpr std::uint32_t IRQ_DONE = 1u << 0, IRQ_ERROR = 1u << 1;
inline constexpr unsigned desc_size = 32;
inline constexpr unsigned D_SRC = 0x00, D_DST = 0x08, D_LEN = 0x10, D_FLAGS = 0x14, D_STATUS = 0x18;
inline constexpr std::uint32_t FLAG_INTERRUPT = 1u << 0, FLAG_LAST = 1u << 1;
inline constexpr std::uint32_t DS_DONE = 1u << 0, DS_ERROR = 1u << 1;
} // namespace dmac_prog

// The controller's DMA attributes (named static tables, illumos style).
extern const ddi_dma_attr_t dmac_dma_attr;  // data buffers: 64-bit, byte aligned, any scatter
extern const ddi_dma_attr_t dmac_ring_attr; // descriptor ring: one physically contiguous cookie
extern const ddi_device_acc_attr_t dmac_acc_attr;

struct dmac_drv_config {
    unsigned channel = 0;                  // controller channel this instance owns
    unsigned ring_entries = 256;           // descriptors in the ring (≥ 2)
    std::uint64_t addr_hi = ~0ull;         // dma_attr_addr_hi (0xffffffff: a 32-bit controller)
    int sgllen = -1;                       // dma_attr_sgllen for data binds (<0 unlimited)
    std::uint64_t maxxfer = 0xffffffffull; // dma_attr_maxxfer for data binds
    bool use_interrupts = true;            // false: poll COMPLETED (polling_interval_ns apart)
    std::uint64_t polling_interval_ns = 1000;
};

enum class dmac_fault { none, skip_sync, dma_after_unbind };

class dmac_drv {
public:
    // Consumer of completed destination windows: arg, object offset, bytes.
    using consumer_fn = void (*)(void* arg, std::uint64_t off, std::size_t len);
    static constexpr std::uint32_t stale_dma_bytes = 64; // length of the dma_after_unbind descriptor

    struct stats {
        std::uint64_t copies = 0, bytes = 0, descriptors = 0, batches = 0;
        std::uint64_t windows = 0;          // window pairs walked
        std::uint64_t partial_binds = 0;    // binds that returned DDI_DMA_PARTIAL_MAP
        std::uint64_t copybuf_binds = 0;    // binds whose cookies use the copy buffer
        std::uint64_t interrupts = 0;       // handler calls that claimed
        std::uint64_t errors = 0;           // jobs failed by the controller
        std::uint64_t injected = 0;         // dma_after_unbind descriptors issued
        std::uint64_t injected_errors = 0;  // of those, jobs the controller failed (e.g. an IOMMU fault)
        std::uint64_t skipped_syncs = 0;    // ddi_dma_sync(FORCPU) calls left out by skip_sync
    };

    // Attaches to dip (reg set 0 = the controller's registers, intr_fixed[0]
    // = its interrupt). Returns DDI_SUCCESS and the instance in out, or a DDI
    // error code (everything allocated so far released).
    static int attach(dev_info_t* dip, const dmac_drv_config& cfg, std::unique_ptr<dmac_drv>& out);
    ~dmac_drv(); // detaches
    dmac_drv(const dmac_drv&) = delete;
    dmac_drv& operator=(const dmac_drv&) = delete;

    // Copies len bytes from src to dst (kernel virtual addresses). Blocks the
    // calling software thread until done.
    int memcpy(void* dst, const void* src, std::size_t len);
    // The same with bufs (equal b_bcount).
    int memcpy_buf(struct buf* dst, struct buf* src);

    // Co-verification: misbehave on purpose (see the head comment).
    void set_fault(dmac_fault f) { fault_ = f; }
    dmac_fault fault() const { return fault_; }
    // Called per destination window while it is bound (nullptr: none).
    void set_consumer(consumer_fn fn, void* arg) {
        consumer_ = fn;
        consumer_arg_ = arg;
    }

    const stats& statistics() const { return st_; }
    std::uint8_t last_error() const { return last_error_; }
    const ddi_dma_attr_t& data_attr() const { return attr_; }

    // The interrupt handler (ddi_intr_add_handler); arg1 is the instance.
    static uint_t intr(caddr_t arg1, caddr_t arg2);

private:
    struct piece {
        std::uint64_t src, dst;
        std::uint32_t len;
    };
    explicit dmac_drv(dev_info_t* dip, const dmac_drv_config& cfg);
    int attach_regs();
    int attach_ring();
    int attach_handles();
    int attach_intr();
    void detach();
    int bind_pair(struct buf* dbp, void* dst, struct buf* sbp, const void* src, std::size_t len);
    int run_pieces(const piece* p, std::size_t n);
    int submit_and_wait(const piece* p, std::size_t n);
    bool wait_completed(std::uint64_t target);
    std::uint32_t rd(std::uint64_t off);
    void wr(std::uint64_t off, std::uint32_t v);
    std::uint64_t chan(std::uint64_t off) const { return dmac_prog::channel_base + dmac_prog::channel_stride * cfg_.channel + off; }

    dev_info_t* dip_;
    kernel::kernel_context* k_;
    dmac_drv_config cfg_;
    ddi_dma_attr_t attr_;
    caddr_t regs_ = nullptr;
    ddi_acc_handle_t regs_h_ = nullptr;
    ddi_dma_handle_t ring_dh_ = nullptr, src_h_ = nullptr, dst_h_ = nullptr;
    ddi_acc_handle_t ring_ah_ = nullptr;
    caddr_t ring_ = nullptr;
    bool ring_bound_ = false;
    std::uint64_t ring_dev_ = 0;
    ddi_intr_handle_t ih_ = nullptr;
    bool intr_added_ = false, intr_enabled_ = false;
    std::unique_ptr<kernel::kcondvar> cv_;
    std::uint32_t tail_ = 0;                 // next ring slot software fills
    std::uint64_t submitted_ = 0, completed_ = 0; // descriptors since attach
    std::uint32_t completed_reg_ = 0;        // last COMPLETED value read
    bool hw_error_ = false;
    bool writeback_ = true; // CAPS.WRITEBACK: descriptors carry a status word
    std::uint8_t last_error_ = 0;
    dmac_fault fault_ = dmac_fault::none;
    consumer_fn consumer_ = nullptr;
    void* consumer_arg_ = nullptr;
    stats st_;
};

} // namespace ddisim::drivers
