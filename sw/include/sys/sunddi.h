/*
 * sys/sunddi.h — Solaris/illumos DDI: result codes and the DMA interfaces
 * (spec §2.1, §3, §6). Implemented in sw/ddi/ on top of the simulated kernel
 * (sw/kernel/). Usable from C11 and C++20.
 *
 * Kernel panics (ddi_dma_cookie_one with != 1 cookie, ddi_dma_nextcookie
 * over-run, the sgllen = 1 divide of spec §8.3) go to the kernel's panic hook;
 * see sw/kernel/panic.h.
 */
#ifndef DDISIM_SYS_SUNDDI_H
#define DDISIM_SYS_SUNDDI_H

#include <sys/types.h>
#include <sys/dditypes.h>
#include <sys/ddidmareq.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- generic results (spec §2.1) ---- */
#define DDI_SUCCESS		0
#define DDI_FAILURE		-1
#define DDI_NOT_WELL_FORMED	-2
#define DDI_EAGAIN		-3
#define DDI_EINVAL		-4
#define DDI_ENOTSUP		-5
#define DDI_EPENDING		-6
#define DDI_EALREADY		-7

/* ---- device nodes ---- */
int ddi_get_instance(dev_info_t *dip);
const char *ddi_driver_name(dev_info_t *dip);
const char *ddi_node_name(dev_info_t *dip);
int ddi_ffs(long mask);
int ddi_fls(long mask);

/* ---- handles (spec §3.1, §3.2) ---- */
int ddi_dma_alloc_handle(dev_info_t *dip, const ddi_dma_attr_t *attr,
    int (*callback)(caddr_t), caddr_t arg, ddi_dma_handle_t *handlep);
void ddi_dma_free_handle(ddi_dma_handle_t *handlep);

/* ---- binds (spec §3.3–§3.5) ---- */
int ddi_dma_addr_bind_handle(ddi_dma_handle_t handle, struct as *as,
    caddr_t addr, size_t len, uint_t flags, int (*callback)(caddr_t),
    caddr_t arg, ddi_dma_cookie_t *cookiep, uint_t *ccountp);
int ddi_dma_buf_bind_handle(ddi_dma_handle_t handle, struct buf *bp,
    uint_t flags, int (*callback)(caddr_t), caddr_t arg,
    ddi_dma_cookie_t *cookiep, uint_t *ccountp);
int ddi_dma_unbind_handle(ddi_dma_handle_t handle);

/* ---- sync and windows (spec §3.6–§3.8) ---- */
int ddi_dma_sync(ddi_dma_handle_t handle, off_t offset, size_t len,
    uint_t type);
int ddi_dma_numwin(ddi_dma_handle_t handle, uint_t *nwinp);
int ddi_dma_getwin(ddi_dma_handle_t handle, uint_t win, off_t *offp,
    size_t *lenp, ddi_dma_cookie_t *cookiep, uint_t *ccountp);

/* ---- cookies (spec §3.9) ---- */
int ddi_dma_ncookies(ddi_dma_handle_t handle);
const ddi_dma_cookie_t *ddi_dma_cookie_iter(ddi_dma_handle_t handle,
    const ddi_dma_cookie_t *prev);
const ddi_dma_cookie_t *ddi_dma_cookie_get(ddi_dma_handle_t handle,
    uint_t index);
const ddi_dma_cookie_t *ddi_dma_cookie_one(ddi_dma_handle_t handle);
void ddi_dma_nextcookie(ddi_dma_handle_t handle, ddi_dma_cookie_t *cookiep);

/* ---- DMA memory (spec §3.10, §4.11) ---- */
int ddi_dma_mem_alloc(ddi_dma_handle_t handle, size_t length,
    const ddi_device_acc_attr_t *accattrp, uint_t flags,
    int (*waitfp)(caddr_t), caddr_t arg, caddr_t *kaddrp,
    size_t *real_length, ddi_acc_handle_t *handlep);
void ddi_dma_mem_free(ddi_acc_handle_t *handlep);

/* ---- miscellaneous (spec §3.11–§3.15) ---- */
int ddi_dma_burstsizes(ddi_dma_handle_t handle);
void ddi_dma_attr_merge(ddi_dma_attr_t *attr, const ddi_dma_attr_t *mod);
int ddi_check_dma_handle(ddi_dma_handle_t handle);
int ddi_dma_set_sbus64(ddi_dma_handle_t handle, ulong_t burstsizes);
void ddi_set_callback(int (*funcp)(caddr_t), caddr_t arg, uintptr_t *listid);
void ddi_run_callback(uintptr_t *listid);

/* ---- obsolete interfaces, historical semantics (spec §6) ---- */
int ddi_dma_setup(dev_info_t *dip, struct ddi_dma_req *dmareqp,
    ddi_dma_handle_t *handlep);
int ddi_dma_addr_setup(dev_info_t *dip, struct as *as, caddr_t addr,
    size_t len, uint_t flags, int (*waitfp)(caddr_t), caddr_t arg,
    ddi_dma_lim_t *limits, ddi_dma_handle_t *handlep);
int ddi_dma_buf_setup(dev_info_t *dip, struct buf *bp, uint_t flags,
    int (*waitfp)(caddr_t), caddr_t arg, ddi_dma_lim_t *limits,
    ddi_dma_handle_t *handlep);
int ddi_dma_htoc(ddi_dma_handle_t handle, off_t off, ddi_dma_cookie_t *cookiep);
int ddi_dma_coff(ddi_dma_handle_t handle, ddi_dma_cookie_t *cookiep,
    off_t *offp);
int ddi_dma_curwin(ddi_dma_handle_t handle, off_t *offp, uint_t *lenp);
int ddi_dma_movwin(ddi_dma_handle_t handle, off_t *offp, uint_t *lenp,
    ddi_dma_cookie_t *cookiep);
int ddi_dma_nextwin(ddi_dma_handle_t handle, ddi_dma_win_t win,
    ddi_dma_win_t *nwin);
int ddi_dma_nextseg(ddi_dma_win_t win, ddi_dma_seg_t seg, ddi_dma_seg_t *nseg);
int ddi_dma_segtocookie(ddi_dma_seg_t seg, off_t *offp, off_t *lenp,
    ddi_dma_cookie_t *cookiep);
int ddi_dma_free(ddi_dma_handle_t handle);
int ddi_dma_get_attr(ddi_dma_handle_t handle, ddi_dma_attr_t *attrp);
int ddi_dma_devalign(ddi_dma_handle_t handle, uint_t *alignment,
    uint_t *mineffect);
int ddi_iopb_alloc(dev_info_t *dip, ddi_dma_lim_t *limits, uint_t length,
    caddr_t *iopbp);
void ddi_iopb_free(caddr_t iopb);
int ddi_mem_alloc(dev_info_t *dip, ddi_dma_lim_t *limits, uint_t length,
    uint_t flags, caddr_t *kaddrp, uint_t *real_length);
void ddi_mem_free(caddr_t kaddr);
int ddi_dma_map(dev_info_t *dip, dev_info_t *rdip, struct ddi_dma_req *dmareqp,
    ddi_dma_handle_t *handlep);

/* ---- register access (ddi_regs_map_setup(9F), ddi_get8(9F), ddi_rep_get8(9F)) ----
 * The address ddi_regs_map_setup returns is an opaque device address: it is
 * not host memory and must only be passed (plus offsets) to the access
 * functions below, each of which is one timed CPU bus transaction of its
 * width (docs/ddi.md, "Register access"). The access functions also accept
 * the handle of ddi_dma_mem_alloc memory; they then access host memory
 * directly. */
#define DDI_ME_GENERIC		(-1)
#define DDI_ME_UNIMPLEMENTED	(-2)
#define DDI_ME_NORESOURCES	(-3)
#define DDI_ME_UNSUPPORTED	(-4)
#define DDI_ME_REGSPEC_RANGE	(-5)
#define DDI_ME_RNUMBER_RANGE	(-6)
#define DDI_ME_INVAL		(-7)

#define DDI_DEV_AUTOINCR	0
#define DDI_DEV_NO_AUTOINCR	1

int ddi_regs_map_setup(dev_info_t *dip, uint_t rnumber, caddr_t *addrp,
    offset_t offset, offset_t len, const ddi_device_acc_attr_t *accattrp,
    ddi_acc_handle_t *handlep);
void ddi_regs_map_free(ddi_acc_handle_t *handlep);
int ddi_dev_nregs(dev_info_t *dip, int *resultp);
int ddi_dev_regsize(dev_info_t *dip, uint_t rnumber, off_t *resultp);

uint8_t ddi_get8(ddi_acc_handle_t handle, uint8_t *addr);
uint16_t ddi_get16(ddi_acc_handle_t handle, uint16_t *addr);
uint32_t ddi_get32(ddi_acc_handle_t handle, uint32_t *addr);
uint64_t ddi_get64(ddi_acc_handle_t handle, uint64_t *addr);
void ddi_put8(ddi_acc_handle_t handle, uint8_t *addr, uint8_t value);
void ddi_put16(ddi_acc_handle_t handle, uint16_t *addr, uint16_t value);
void ddi_put32(ddi_acc_handle_t handle, uint32_t *addr, uint32_t value);
void ddi_put64(ddi_acc_handle_t handle, uint64_t *addr, uint64_t value);
void ddi_rep_get8(ddi_acc_handle_t handle, uint8_t *host_addr,
    uint8_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_get16(ddi_acc_handle_t handle, uint16_t *host_addr,
    uint16_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_get32(ddi_acc_handle_t handle, uint32_t *host_addr,
    uint32_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_get64(ddi_acc_handle_t handle, uint64_t *host_addr,
    uint64_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_put8(ddi_acc_handle_t handle, uint8_t *host_addr,
    uint8_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_put16(ddi_acc_handle_t handle, uint16_t *host_addr,
    uint16_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_put32(ddi_acc_handle_t handle, uint32_t *host_addr,
    uint32_t *dev_addr, size_t repcount, uint_t flags);
void ddi_rep_put64(ddi_acc_handle_t handle, uint64_t *host_addr,
    uint64_t *dev_addr, size_t repcount, uint_t flags);

/* ---- interrupts (ddi_intr_alloc(9F), ddi_intr_add_handler(9F), …) ----
 * Vectors come from the device node's properties (dev_info::intr_fixed,
 * intr_msi); handlers run on the simulated CPU's interrupt thread after the
 * cost model's interrupt latency (docs/intc.md). */
#define DDI_INTR_UNCLAIMED	0
#define DDI_INTR_CLAIMED	1

#define DDI_INTR_TYPE_FIXED	0x1
#define DDI_INTR_TYPE_MSI	0x2
#define DDI_INTR_TYPE_MSIX	0x4

#define DDI_INTR_ALLOC_NORMAL	0
#define DDI_INTR_ALLOC_STRICT	1

#define DDI_INTR_PRI_MIN	1
#define DDI_INTR_PRI_MAX	12

int ddi_intr_get_supported_types(dev_info_t *dip, int *typesp);
int ddi_intr_get_nintrs(dev_info_t *dip, int type, int *nintrsp);
int ddi_intr_get_navail(dev_info_t *dip, int type, int *navailp);
int ddi_intr_alloc(dev_info_t *dip, ddi_intr_handle_t *h_array, int type,
    int inum, int count, int *actualp, int behavior);
int ddi_intr_free(ddi_intr_handle_t h);
int ddi_intr_get_pri(ddi_intr_handle_t h, uint_t *prip);
int ddi_intr_set_pri(ddi_intr_handle_t h, uint_t pri);
int ddi_intr_add_handler(ddi_intr_handle_t h, ddi_intr_handler_t inthandler,
    void *arg1, void *arg2);
int ddi_intr_remove_handler(ddi_intr_handle_t h);
int ddi_intr_enable(ddi_intr_handle_t h);
int ddi_intr_disable(ddi_intr_handle_t h);

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SUNDDI_H */
