/*
 * sys/scsi/impl/transport.h — the HBA side of SCSA (spec §1.9, §7.2, §7.3):
 * scsi_hba_tran_t, HBA registration, packet allocation for HBAs, and
 * (ddisim extension) creation of target device nodes below an HBA.
 *
 * Two HBA models:
 *  - own tran_init_pkt (§7.3, e.g. mpt_sas): the HBA fills tran_init_pkt,
 *    tran_destroy_pkt, tran_dmafree, tran_sync_pkt and tran_start; it gets
 *    packets from scsi_hba_pkt_alloc and binds with its own DMA handles.
 *  - tran_setup_pkt framework (§7.2): the HBA fills tran_setup_pkt,
 *    tran_teardown_pkt (and optionally tran_pkt_constructor/destructor,
 *    tran_hba_len) and tran_start; scsi_hba_attach_setup installs the
 *    framework's init/destroy/sync/dmafree. Packets come from a per-HBA cache
 *    whose constructor allocates pkt_handle with tran_dma_attr; in tran_start
 *    the HBA reads pkt_cookies / pkt_numcookies (this window) and
 *    pkt_dma_offset / pkt_dma_len.
 * Completion: the HBA (normally from its interrupt handler) sets
 * pkt_reason, pkt_state, pkt_statistics, pkt_resid and the status block, then
 * calls scsi_hba_pkt_comp(pkt), which syncs PKT_CONSISTENT reads of framework
 * packets and calls pkt_comp. A FLAG_NOINTR packet must not be completed
 * through pkt_comp: scsi_transport handles it (see docs/scsa.md).
 */
#ifndef DDISIM_SYS_SCSI_IMPL_TRANSPORT_H
#define DDISIM_SYS_SCSI_IMPL_TRANSPORT_H

#include <sys/scsi/scsi_types.h>
#include <sys/scsi/scsi_address.h>
#include <sys/scsi/scsi_pkt.h>
#include <sys/scsi/conf/device.h>
#include <sys/scsi/generic/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct scsi_hba_tran scsi_hba_tran_t;

/* Opaque types of hooks this model never calls (kept for the field order). */
typedef struct __ddi_eventcookie *scsa_eventcookie_t;
typedef struct __ddi_callback_id *scsa_callback_id_t;

struct scsi_hba_tran {
	dev_info_t *tran_hba_dip;	/* set by scsi_hba_attach_setup */
	void *tran_hba_private;		/* HBA soft state */
	void *tran_tgt_private;		/* SCSI_HBA_TRAN_CLONE only */
	struct scsi_device *tran_sd;	/* SCSI_HBA_TRAN_CLONE only */

	int (*tran_tgt_init)(dev_info_t *hba_dip, dev_info_t *tgt_dip,
	    scsi_hba_tran_t *tran, struct scsi_device *sd);
	int (*tran_tgt_probe)(struct scsi_device *sd, int (*callback)(void));
	void (*tran_tgt_free)(dev_info_t *hba_dip, dev_info_t *tgt_dip,
	    scsi_hba_tran_t *tran, struct scsi_device *sd);

	int (*tran_start)(struct scsi_address *ap, struct scsi_pkt *pkt);
	int (*tran_reset)(struct scsi_address *ap, int level);
	int (*tran_abort)(struct scsi_address *ap, struct scsi_pkt *pkt);
	int (*tran_getcap)(struct scsi_address *ap, char *cap, int whom);
	int (*tran_setcap)(struct scsi_address *ap, char *cap, int value,
	    int whom);

	struct scsi_pkt *(*tran_init_pkt)(struct scsi_address *ap,
	    struct scsi_pkt *pkt, struct buf *bp, int cmdlen, int statuslen,
	    int tgtlen, int flags, int (*callback)(caddr_t), caddr_t arg);
	void (*tran_destroy_pkt)(struct scsi_address *ap, struct scsi_pkt *pkt);
	void (*tran_dmafree)(struct scsi_address *ap, struct scsi_pkt *pkt);
	void (*tran_sync_pkt)(struct scsi_address *ap, struct scsi_pkt *pkt);

	int (*tran_reset_notify)(struct scsi_address *ap, int flag,
	    void (*callback)(caddr_t), caddr_t arg);
	int (*tran_get_bus_addr)(struct scsi_device *sd, char *name, int len);
	int (*tran_get_name)(struct scsi_device *sd, char *name, int len);
	int (*tran_clear_aca)(struct scsi_address *ap);
	int (*tran_clear_task_set)(struct scsi_address *ap);
	int (*tran_terminate_task)(struct scsi_address *ap,
	    struct scsi_pkt *pkt);
	int (*tran_get_eventcookie)(dev_info_t *hba_dip, dev_info_t *tgt_dip,
	    char *name, scsa_eventcookie_t *eventp);
	int (*tran_add_eventcall)(dev_info_t *hba_dip, dev_info_t *tgt_dip,
	    scsa_eventcookie_t event, void (*callback)(dev_info_t *,
	    scsa_eventcookie_t, void *, void *), void *arg,
	    scsa_callback_id_t *cb_id);
	int (*tran_remove_eventcall)(dev_info_t *devi, scsa_callback_id_t cb_id);
	int (*tran_post_event)(dev_info_t *hba_dip, dev_info_t *tgt_dip,
	    scsa_eventcookie_t event, void *bus_impldata);
	int (*tran_quiesce)(dev_info_t *hba_dip);
	int (*tran_unquiesce)(dev_info_t *hba_dip);
	int (*tran_bus_reset)(dev_info_t *hba_dip, int level);

	/* implementation private from here on (as in illumos) */
	int tran_hba_flags;		/* SCSI_HBA_* below */
	uint_t tran_obs1;
	uchar_t tran_obs2;
	uchar_t tran_obs3;
	kmutex_t tran_open_lock;
	uint64_t tran_open_flag;
	int (*tran_bus_config)(dev_info_t *hba_dip, uint_t flag, int op,
	    void *arg, dev_info_t **tgt_dipp);
	int (*tran_bus_unconfig)(dev_info_t *hba_dip, uint_t flag, int op,
	    void *arg);
	int (*tran_bus_power)(dev_info_t *dip, void *impl_arg, int op,
	    void *arg, void *result);
	int tran_interconnect_type;

	/* tran_setup_pkt framework (spec §1.9, §7.2) */
	int (*tran_pkt_constructor)(struct scsi_pkt *pkt, scsi_hba_tran_t *tran,
	    int kmflag);
	void (*tran_pkt_destructor)(struct scsi_pkt *pkt, scsi_hba_tran_t *tran);
	void *tran_pkt_cache_ptr;	/* the framework's packet cache */
	uint_t tran_hba_len;		/* bytes of HBA private area per packet */
	int (*tran_setup_pkt)(struct scsi_pkt *pkt, int (*callback)(caddr_t),
	    caddr_t arg);		/* 0 = ok, -1 = failed */
	void (*tran_teardown_pkt)(struct scsi_pkt *pkt);
	ddi_dma_attr_t tran_dma_attr;	/* copy of scsi_hba_attach_setup's attr */

	void *tran_extension;
	int tran_fm_capable;
	dev_info_t *tran_iport_dip;
	void *tran_iportmap;
	void *tran_tgtmap;
};

/* ---- scsi_hba_attach_setup flags / tran_hba_flags ---- */
#define SCSI_HBA_TRAN_CLONE	0x01	/* deprecated */
#define SCSI_HBA_TRAN_PHCI	0x02
#define SCSI_HBA_TRAN_CDB	0x04	/* framework allocates the CDB */
#define SCSI_HBA_TRAN_SCB	0x08	/* framework allocates the status block */
#define SCSI_HBA_HBA		0x10
#define SCSI_HBA_ADDR_SPI	0x20	/* scsi_address holds target/LUN (default) */
#define SCSI_HBA_ADDR_COMPLEX	0x40	/* scsi_address holds the scsi_device */
#define SCSI_HBA_SCSA_TA	0x20000	/* tran came from scsi_hba_tran_alloc */

/* scsi_hba_tran_alloc / scsi_hba_pkt_alloc flags */
#define SCSI_HBA_CANSLEEP	0x01

/* kmflag of tran_pkt_constructor */
#ifndef KM_SLEEP
#define KM_SLEEP	0x0000
#define KM_NOSLEEP	0x0001
#endif

/* Framework defaults (spec §1.8) */
#define DEFAULT_CDBLEN		16
#define DEFAULT_PRIVLEN		0
#define DEFAULT_SCBLEN		((int)sizeof (struct scsi_arq_status))

/* tran_interconnect_type */
#define INTERCONNECT_PARALLEL	1
#define INTERCONNECT_SAS	13

/* ---- HBA registration ---- */
scsi_hba_tran_t *scsi_hba_tran_alloc(dev_info_t *hba_dip, int flags);
void scsi_hba_tran_free(scsi_hba_tran_t *tran);
/*
 * Registers tran for hba_dip: copies *hba_dma_attr into tran_dma_attr, sets
 * tran_hba_dip, ORs flags into tran_hba_flags and, when tran_setup_pkt is
 * set, installs the framework's tran_init_pkt / tran_destroy_pkt /
 * tran_sync_pkt / tran_dmafree and creates the packet cache. DDI_FAILURE
 * when an argument is NULL, hba_dip already has an HBA, or a framework HBA
 * has no tran_teardown_pkt; DDI_SUCCESS otherwise.
 */
int scsi_hba_attach_setup(dev_info_t *hba_dip, ddi_dma_attr_t *hba_dma_attr,
    scsi_hba_tran_t *tran, int flags);
/* Destroys the packet cache and forgets the HBA (targets must be gone). */
int scsi_hba_detach(dev_info_t *hba_dip);
/* The tran registered for hba_dip (illumos: ddi_get_driver_private). */
scsi_hba_tran_t *scsi_hba_tran_of(dev_info_t *hba_dip);

/* ---- packets for HBAs with their own tran_init_pkt (spec §7.3) ---- */
/*
 * One zeroed allocation holding the packet and its areas: pkt_ha_private
 * (hbalen bytes), pkt_cdbp (cmdlen), pkt_scbp (statuslen), pkt_private
 * (tgtlen) — an area of length 0 leaves its pointer NULL; each is rounded
 * to 8 bytes. pkt_address := *ap; pkt_cdblen/pkt_scblen/pkt_tgtlen are the
 * requested lengths. callback must be NULL_FUNC or SLEEP_FUNC; returns NULL
 * only for NULL_FUNC when packet memory runs out (scsa_config::pkt_limit).
 */
struct scsi_pkt *scsi_hba_pkt_alloc(dev_info_t *hba_dip,
    struct scsi_address *ap, int cmdlen, int statuslen, int tgtlen,
    int hbalen, int (*callback)(caddr_t), caddr_t arg);
void scsi_hba_pkt_free(struct scsi_address *ap, struct scsi_pkt *pkt);

/* HBA completion: sync (framework, PKT_CONSISTENT read) then pkt_comp. */
void scsi_hba_pkt_comp(struct scsi_pkt *pkt);

/* ---- target device nodes (ddisim extension) ----
 * Creates the device node "node_name" (instance = its target number) of
 * target/lun below the HBA registered for hba_dip, with a scsi_device whose
 * sd_address is {tran, target, lun} (SCSI_HBA_ADDR_COMPLEX: a_sd = the
 * scsi_device) and sd_dev the new node, then calls tran_tgt_init. Returns
 * DDI_SUCCESS and *sdp, or DDI_FAILURE (no HBA on hba_dip, target/lun out
 * of range, the same target/lun already exists, tran_tgt_init failed) with
 * nothing created. scsi_hba_target_destroy calls tran_tgt_free and frees
 * the scsi_device (the node stays, unused).
 */
int scsi_hba_target_create(dev_info_t *hba_dip, const char *node_name,
    int target, int lun, struct scsi_device **sdp);
void scsi_hba_target_destroy(struct scsi_device *sd);

/* ---- capabilities and control, passed to the HBA ---- */
int scsi_ifgetcap(struct scsi_address *ap, char *cap, int whom);
int scsi_ifsetcap(struct scsi_address *ap, char *cap, int value, int whom);
int scsi_reset(struct scsi_address *ap, int level);
int scsi_abort(struct scsi_address *ap, struct scsi_pkt *pkt);

#define RESET_ALL	0
#define RESET_TARGET	1
#define RESET_LUN	3

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_IMPL_TRANSPORT_H */
