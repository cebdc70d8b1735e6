/*
 * sys/scsi/scsi_types.h — the base every SCSA header includes: the DDI
 * types, the buf, opaque_t, and the few kernel types SCSA structures embed
 * (kmutex_t as a placeholder: the simulated kernel's software threads are
 * cooperative and SCSA takes no locks). Usable from C11 and C++20.
 */
#ifndef DDISIM_SYS_SCSI_SCSI_TYPES_H
#define DDISIM_SYS_SCSI_SCSI_TYPES_H

#include <sys/types.h>
#include <sys/dditypes.h>
#include <sys/ddidmareq.h>
#include <sys/sunddi.h>
#include <sys/buf.h>

/* Bit-field order of the host (illumos sys/isa_defs.h); x86 is LTOH. */
#if !defined(_BIT_FIELDS_LTOH) && !defined(_BIT_FIELDS_HTOL)
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define _BIT_FIELDS_HTOL
#else
#define _BIT_FIELDS_LTOH
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef void *opaque_t;

#ifndef DDISIM_KMUTEX_T_DEFINED
#define DDISIM_KMUTEX_T_DEFINED
/* Placeholder with the size of illumos' kmutex_t (one pointer). */
typedef struct kmutex {
	void *_opaque[1];
} kmutex_t;
#endif

struct scsi_address;
struct scsi_pkt;
struct scsi_device;
struct scsi_hba_tran;
struct scsi_inquiry;
struct scsi_extended_sense;

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_SCSI_TYPES_H */
