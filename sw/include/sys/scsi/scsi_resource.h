/*
 * sys/scsi/scsi_resource.h — target-driver resource functions (spec §6,
 * §7.1): packets and their DMA resources.
 *
 * Callback arguments: NULL_FUNC (never wait, nothing queued), SLEEP_FUNC
 * (may wait) or a real function, which is queued on scsi_callback_id when the
 * call returns NULL and is run (as a soft interrupt, spec §5) after the next
 * scsi_destroy_pkt / scsi_dmafree / scsi_resfree. The HBA only ever sees
 * NULL_FUNC or SLEEP_FUNC. In illumos scsi_resalloc, scsi_pktalloc and
 * scsi_dmaget take an old-style "int (*)()" callback that is called with no
 * meaningful argument; here every callback has the ddi_set_callback type
 * int (*)(caddr_t) (so C++ callers can pass NULL_FUNC), and those three
 * queue it with a NULL argument, as illumos does.
 */
#ifndef DDISIM_SYS_SCSI_SCSI_RESOURCE_H
#define DDISIM_SYS_SCSI_SCSI_RESOURCE_H

#include <sys/scsi/scsi_types.h>

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NULL_FUNC	((int (*)(caddr_t))0)	/* == DDI_DMA_DONTWAIT */
#define SLEEP_FUNC	((int (*)(caddr_t))1)	/* == DDI_DMA_SLEEP */

/* ---- scsi_init_pkt flags ---- */
#define PKT_CONSISTENT		0x0001		/* bind with DDI_DMA_CONSISTENT */
#define PKT_CONSISTENT_OLD	0x001000	/* x86 binary compatibility */
#define PKT_DMA_PARTIAL		0x040000	/* windows allowed (DDI_DMA_PARTIAL) */
#define PKT_XARQ		0x080000	/* statuslen may exceed the ARQ size */

struct scsi_pkt *scsi_init_pkt(struct scsi_address *ap, struct scsi_pkt *pkt,
    struct buf *bp, int cmdlen, int statuslen, int privatelen, int flags,
    int (*callback)(caddr_t), caddr_t arg);
void scsi_destroy_pkt(struct scsi_pkt *pkt);
void scsi_sync_pkt(struct scsi_pkt *pkt);

/* obsolete but present (spec §6) */
struct scsi_pkt *scsi_resalloc(struct scsi_address *ap, int cmdlen,
    int statuslen, opaque_t dmatoken, int (*callback)(caddr_t));
struct scsi_pkt *scsi_pktalloc(struct scsi_address *ap, int cmdlen,
    int statuslen, int (*callback)(caddr_t));
struct scsi_pkt *scsi_dmaget(struct scsi_pkt *pkt, opaque_t dmatoken,
    int (*callback)(caddr_t));
void scsi_dmafree(struct scsi_pkt *pkt);
void scsi_resfree(struct scsi_pkt *pkt);
#define scsi_pktfree	scsi_resfree

/*
 * The SCSA callback list id. In illumos a global uintptr_t; here one per
 * simulated kernel (the current one), so "&scsi_callback_id" and
 * "scsi_callback_id != 0" work as in illumos code.
 */
uintptr_t *scsi_callback_id_addr(void);
#define scsi_callback_id	(*scsi_callback_id_addr())

/*
 * The b_error mapping of spec §7.1 (ddisim helpers; the framework uses them,
 * HBAs with their own tran_init_pkt should too). scsi_dma_errno: the errno a
 * failed bind leaves in b_error: 0 for DDI_DMA_NORESOURCES (no error: retry
 * later, a callback may be queued), EINVAL for DDI_DMA_TOOBIG, EFAULT for
 * DDI_DMA_NOMAPPING, DDI_DMA_INUSE and anything else; 0 for a successful
 * result (MAPPED, PARTIAL_MAP). scsi_dma_bioerror applies it to the buf:
 * bioerror(bp, errno) for EINVAL/EFAULT, b_error = 0 (B_ERROR untouched)
 * for NORESOURCES.
 */
int scsi_dma_errno(int ddi_dma_result);
void scsi_dma_bioerror(struct buf *bp, int ddi_dma_result);

/*
 * Buffer error helpers (illumos declares them in sys/buf.h; implemented in
 * sw/scsi). bioerror: error != 0 sets B_ERROR and b_error, 0 clears both.
 * geterror: b_error (EIO if B_ERROR is set with b_error 0), else 0.
 */
void bioerror(struct buf *bp, int error);
int geterror(struct buf *bp);

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_SCSI_RESOURCE_H */
