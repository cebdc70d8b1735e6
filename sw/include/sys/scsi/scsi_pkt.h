/*
 * sys/scsi/scsi_pkt.h — the SCSI packet (spec §1.8) and its flag, reason,
 * state and statistics values, with the illumos field order and constant
 * values. Fields below pkt_reason are valid only for packets that came from
 * scsi_hba_pkt_alloc or the tran_setup_pkt framework; the pkt_handle ...
 * pkt_cookies group only for the framework (tran_setup_pkt HBAs read
 * pkt_cookies / pkt_numcookies in tran_start).
 */
#ifndef DDISIM_SYS_SCSI_SCSI_PKT_H
#define DDISIM_SYS_SCSI_SCSI_PKT_H

#include <sys/scsi/scsi_types.h>
#include <sys/scsi/scsi_address.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scsi_pkt {
	opaque_t pkt_ha_private;		/* HBA private area */
	struct scsi_address pkt_address;	/* destination */
	opaque_t pkt_private;			/* target driver private area */
	void (*pkt_comp)(struct scsi_pkt *);	/* completion routine */
	uint_t pkt_flags;			/* FLAG_* */
	int pkt_time;				/* seconds allowed; 0 = none */
	uchar_t *pkt_scbp;			/* status block */
	uchar_t *pkt_cdbp;			/* command block */
	ssize_t pkt_resid;			/* after init: bytes without DMA
						 * resources yet; after completion:
						 * bytes not transferred */
	uint_t pkt_state;			/* STATE_* */
	uint_t pkt_statistics;			/* STAT_* */
	uchar_t pkt_reason;			/* CMD_* */

	/* HBA only: scsi_hba_pkt_alloc or tran_setup_pkt packets */
	uint_t pkt_cdblen;			/* bytes at pkt_cdbp */
	uint_t pkt_tgtlen;			/* bytes at pkt_private */
	uint_t pkt_scblen;			/* bytes at pkt_scbp */

	/* HBA only: tran_setup_pkt framework packets */
	ddi_dma_handle_t pkt_handle;		/* allocated with tran_dma_attr */
	uint_t pkt_numcookies;			/* cookies in this window; 0 = no DMA */
	off_t pkt_dma_offset;			/* object offset of this window */
	size_t pkt_dma_len;			/* bytes in this window */
	uint_t pkt_dma_flags;			/* DDI_DMA_* flags of the bind */
	ddi_dma_cookie_t *pkt_cookies;		/* the window's cookies */

	int pkt_path_instance;			/* private (multipathing) */
	void *pkt_stmp;				/* private (stage temporary) */
};

/* ---- pkt_flags ---- */
#define FLAG_NOINTR		0x0001	/* complete before scsi_transport returns; no pkt_comp */
#define FLAG_NODISCON		0x0002
#define FLAG_NOPARITY		0x0008
#define FLAG_ACA		0x0100
#define FLAG_SENSING		0x0400
#define FLAG_IMMEDIATE_CB	0x0800	/* internal */
#define FLAG_HTAG		0x1000	/* head-of-queue tag */
#define FLAG_OTAG		0x2000	/* ordered tag */
#define FLAG_STAG		0x4000	/* simple tag */
#define FLAG_TAGMASK		(FLAG_HTAG | FLAG_OTAG | FLAG_STAG)
#define FLAG_HEAD		0x8000	/* put at the head of the HBA's queue */
#define FLAG_SILENT		0x00010000
#define FLAG_DIAGNOSE		0x00020000
#define FLAG_ISOLATE		0x00040000
#define FLAG_TLR		0x00080000
#define FLAG_RENEGOTIATE_WIDE_SYNC 0x01000000
#define FLAG_PKT_COMP_CALLED	0x20000000
#define FLAG_PKT_PATH_INSTANCE	0x40000000
#define FLAG_NOQUEUE		0x80000000

/* ---- pkt_reason ---- */
#define CMD_CMPLT		0	/* no transport error */
#define CMD_INCOMPLETE		1
#define CMD_DMA_DERR		2	/* DMA direction error */
#define CMD_TRAN_ERR		3
#define CMD_RESET		4
#define CMD_ABORTED		5
#define CMD_TIMEOUT		6
#define CMD_DATA_OVR		7
#define CMD_CMD_OVR		8
#define CMD_STS_OVR		9
#define CMD_BADMSG		10
#define CMD_NOMSGOUT		11
#define CMD_XID_FAIL		12
#define CMD_IDE_FAIL		13
#define CMD_ABORT_FAIL		14
#define CMD_REJECT_FAIL		15
#define CMD_NOP_FAIL		16
#define CMD_PER_FAIL		17
#define CMD_BDR_FAIL		18
#define CMD_ID_FAIL		19
#define CMD_UNX_BUS_FREE	20
#define CMD_TAG_REJECT		21
#define CMD_TERMINATED		22
#define CMD_TLR_OFF		23
#define CMD_DEV_GONE		24

/* ---- pkt_state ---- */
#define STATE_GOT_BUS		0x01
#define STATE_GOT_TARGET	0x02
#define STATE_SENT_CMD		0x04
#define STATE_XFERRED_DATA	0x08	/* gates scsi_sync_pkt (spec §7.1) */
#define STATE_GOT_STATUS	0x10
#define STATE_ARQ_DONE		0x20	/* auto request sense done */
#define STATE_XARQ_DONE		0x40	/* extended auto request sense done */

/* ---- pkt_statistics ---- */
#define STAT_DISCON		0x1
#define STAT_SYNC		0x2
#define STAT_PERR		0x4
#define STAT_BUS_RESET		0x8
#define STAT_DEV_RESET		0x10
#define STAT_ABORTED		0x20
#define STAT_TIMEOUT		0x40
#define STAT_TERMINATED		0x80

/* ---- scsi_transport results ---- */
#define TRAN_ACCEPT		1
#define TRAN_BUSY		0
#define TRAN_BADPKT		-1
#define TRAN_FATAL_ERROR	-2

#define SCSI_POLL_TIMEOUT	60

int scsi_transport(struct scsi_pkt *pkt);
#define pkt_transport	scsi_transport

/*
 * Polled command (illumos scsi_poll(9F)): runs pkt with FLAG_NOINTR and no
 * pkt_comp, retrying TRAN_BUSY, BUSY / QUEUE FULL status and incomplete
 * commands that never reached the target, 10 ms apart, for at most pkt_time
 * seconds (SCSI_POLL_TIMEOUT when 0). Returns 0 when the command completed
 * (CMD_CMPLT) with GOOD status, -1 otherwise; pkt_flags, pkt_comp and
 * pkt_time are restored.
 */
int scsi_poll(struct scsi_pkt *pkt);

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_SCSI_PKT_H */
