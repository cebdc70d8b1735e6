/*
 * sys/scsi/scsi_address.h — where a packet goes: the HBA's transport vector
 * and the target/LUN (SCSI_HBA_ADDR_SPI form, the default) or, for HBAs that
 * attach with SCSI_HBA_ADDR_COMPLEX, the scsi_device itself (field order and
 * names as illumos; spec §1.9).
 */
#ifndef DDISIM_SYS_SCSI_SCSI_ADDRESS_H
#define DDISIM_SYS_SCSI_SCSI_ADDRESS_H

#include <sys/scsi/scsi_types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scsi_address {
	struct scsi_hba_tran *a_hba_tran;	/* transport vector of the HBA */
	union {
		struct {			/* SCSI_HBA_ADDR_SPI */
			ushort_t a_target;	/* target number */
			uchar_t a_lun;		/* LUN on the target */
			uchar_t _a_sublun;	/* private */
		} spi;
		struct scsi_device *a_sd;	/* SCSI_HBA_ADDR_COMPLEX */
	} a;
};
#define a_target	a.spi.a_target
#define a_lun		a.spi.a_lun
#define a_sublun	a.spi._a_sublun

#define SCSI_ADDR_PROP_TARGET	"target"
#define SCSI_ADDR_PROP_LUN	"lun"

typedef uint64_t scsi_lun64_t;

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_SCSI_ADDRESS_H */
