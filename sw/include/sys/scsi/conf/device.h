/*
 * sys/scsi/conf/device.h — one scsi_device per target/LUN below an HBA
 * (illumos field order). The framework creates it together with the
 * target's device node (scsi_hba_target_create, sys/scsi/impl/transport.h)
 * and the target driver finds it with scsi_device_of(tgt_dip).
 */
#ifndef DDISIM_SYS_SCSI_CONF_DEVICE_H
#define DDISIM_SYS_SCSI_CONF_DEVICE_H

#include <sys/scsi/scsi_types.h>
#include <sys/scsi/scsi_address.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scsi_device {
	struct scsi_address sd_address;	/* routing: HBA tran + target/LUN */
	dev_info_t *sd_dev;		/* the target's device node */
	kmutex_t sd_mutex;		/* placeholder (no locking in the model) */
	void *sd_hba_private;		/* SCSI_HBA_ADDR_COMPLEX HBA data */
	struct scsi_inquiry *sd_inq;	/* INQUIRY data, if probed */
	struct scsi_extended_sense *sd_sense; /* target driver's sense buffer */
	void *sd_private;		/* target driver private */
	int sd_fm_capable;
	void *sd_pathinfo;
	unsigned sd_uninit_prevent : 16,
	    sd_tran_tgt_free_done : 1,
	    sd_flags_pad : 15;
	struct scsi_hba_tran *sd_tran_safe;
};

/* SCSI_HBA_ADDR_COMPLEX interfaces */
struct scsi_device *scsi_address_device(struct scsi_address *sa);
void scsi_device_hba_private_set(struct scsi_device *sd, void *data);
void *scsi_device_hba_private_get(struct scsi_device *sd);

/* ddisim: the scsi_device of a target node made by scsi_hba_target_create
 * (illumos: ddi_get_driver_private(tgt_dip)); NULL for other nodes. */
struct scsi_device *scsi_device_of(dev_info_t *tgt_dip);

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_CONF_DEVICE_H */
