/*
 * sys/scsi/generic/status.h — the SCSI status byte and the auto-request-sense
 * status block (struct scsi_arq_status; its size is the framework's default
 * status length, DEFAULT_SCBLEN, spec §1.8).
 */
#ifndef DDISIM_SYS_SCSI_GENERIC_STATUS_H
#define DDISIM_SYS_SCSI_GENERIC_STATUS_H

#include <sys/scsi/scsi_types.h>
#include <sys/scsi/generic/sense.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scsi_status {
#if defined(_BIT_FIELDS_LTOH)
	uchar_t sts_vu0 : 1,
	    sts_chk : 1,		/* CHECK CONDITION */
	    sts_cm : 1,			/* CONDITION MET */
	    sts_busy : 1,		/* BUSY or RESERVATION CONFLICT */
	    sts_is : 1,			/* intermediate */
	    sts_vu6 : 1,
	    sts_vu7 : 1,
	    sts_resvd : 1;
#else
	uchar_t sts_resvd : 1,
	    sts_vu7 : 1,
	    sts_vu6 : 1,
	    sts_is : 1,
	    sts_busy : 1,
	    sts_cm : 1,
	    sts_chk : 1,
	    sts_vu0 : 1;
#endif
};
#define sts_scsi2	sts_vu6

/* Status block when the HBA does auto request sense (32 bytes). */
struct scsi_arq_status {
	struct scsi_status sts_status;		/* command status */
	struct scsi_status sts_rqpkt_status;	/* REQUEST SENSE status */
	uchar_t sts_rqpkt_reason;		/* CMD_* of the REQUEST SENSE */
	uchar_t sts_rqpkt_resid;		/* sense bytes not transferred */
	uint_t sts_rqpkt_state;			/* STATE_* of the REQUEST SENSE */
	uint_t sts_rqpkt_statistics;
	struct scsi_extended_sense sts_sensedata; /* with PKT_XARQ the sense
						 * may continue past the struct */
};
#define SECMDS_STATUS_SIZE	(sizeof (struct scsi_arq_status))

#define STATUS_MASK			0x3E
#define STATUS_GOOD			0x00
#define STATUS_CHECK			0x02
#define STATUS_MET			0x04
#define STATUS_BUSY			0x08
#define STATUS_INTERMEDIATE		0x10
#define STATUS_SCSI2			0x20
#define STATUS_INTERMEDIATE_MET		0x14
#define STATUS_RESERVATION_CONFLICT	0x18
#define STATUS_TERMINATED		0x22
#define STATUS_QFULL			0x28
#define STATUS_ACA_ACTIVE		0x30
#define STATUS_TASK_ABORT		0x40

#define STATUS_SIZE	4	/* impl/status.h */

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_GENERIC_STATUS_H */
