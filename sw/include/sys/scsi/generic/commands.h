/*
 * sys/scsi/generic/commands.h — SCSI operation codes (the set an sd-like
 * driver and the modelled disks use), CDB group sizes, and byte-wise CDB
 * helpers in the spirit of illumos' FORMG* / GETG* macros (impl/commands.h):
 * every multi-byte field is big-endian, as SCSI defines it.
 */
#ifndef DDISIM_SYS_SCSI_GENERIC_COMMANDS_H
#define DDISIM_SYS_SCSI_GENERIC_COMMANDS_H

#include <sys/scsi/scsi_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CDB groups (opcode bits 7..5) and their lengths ---- */
#define CDB_GROUPID(cmd)	(((cmd) >> 5) & 0x7)
#define CDB_GROUPID_0		0
#define CDB_GROUPID_1		1
#define CDB_GROUPID_2		2
#define CDB_GROUPID_3		3
#define CDB_GROUPID_4		4
#define CDB_GROUPID_5		5
#define CDB_GROUPID_6		6
#define CDB_GROUPID_7		7
#define CDB_GROUP0		6	/*  6-byte CDB */
#define CDB_GROUP1		10	/* 10-byte CDB */
#define CDB_GROUP2		10
#define CDB_GROUP3		0	/* reserved */
#define CDB_GROUP4		16	/* 16-byte CDB */
#define CDB_GROUP5		12	/* 12-byte CDB */
#define CDB_GROUP6		0	/* vendor specific */
#define CDB_GROUP7		0
#define CDB_SIZE		CDB_GROUP5
#define SCSI_CDB_SIZE		CDB_GROUP4

/* ---- operation codes ---- */
#define SCMD_TEST_UNIT_READY		0x00
#define SCMD_REZERO_UNIT		0x01
#define SCMD_REQUEST_SENSE		0x03
#define SCMD_FORMAT			0x04
#define SCMD_REASSIGN_BLOCK		0x07
#define SCMD_READ			0x08	/* READ (6) */
#define SCMD_WRITE			0x0a	/* WRITE (6) */
#define SCMD_INQUIRY			0x12
#define SCMD_MODE_SELECT		0x15
#define SCMD_RESERVE			0x16
#define SCMD_RELEASE			0x17
#define SCMD_MODE_SENSE			0x1a	/* MODE SENSE (6) */
#define SCMD_START_STOP			0x1b
#define SCMD_DOORLOCK			0x1e
#define SCMD_READ_CAPACITY		0x25	/* READ CAPACITY (10) */
#define SCMD_READ_G1			0x28	/* READ (10) */
#define SCMD_WRITE_G1			0x2a	/* WRITE (10) */
#define SCMD_VERIFY_G1			0x2f
#define SCMD_SYNCHRONIZE_CACHE		0x35	/* SYNCHRONIZE CACHE (10) */
#define SCMD_WRITE_BUFFER		0x3b
#define SCMD_READ_BUFFER		0x3c
#define SCMD_UNMAP			0x42
#define SCMD_LOG_SENSE_G1		0x4d
#define SCMD_MODE_SELECT_G1		0x55
#define SCMD_MODE_SENSE_G1		0x5a	/* MODE SENSE (10) */
#define SCMD_PERSISTENT_RESERVE_IN	0x5e
#define SCMD_READ_G4			0x88	/* READ (16) */
#define SCMD_WRITE_G4			0x8a	/* WRITE (16) */
#define SCMD_VERIFY_G4			0x8f
#define SCMD_SYNCHRONIZE_CACHE_G4	0x91	/* SYNCHRONIZE CACHE (16) */
#define SCMD_SVC_ACTION_IN_G4		0x9e	/* SERVICE ACTION IN (16) */
#define SSVC_ACTION_READ_CAPACITY_G4	0x10	/* ... READ CAPACITY (16) */
#define SCMD_REPORT_LUNS		0xa0
#define SCMD_MAINTENANCE_IN		0xa3
#define SCMD_READ_G5			0xa8	/* READ (12) */
#define SCMD_WRITE_G5			0xaa	/* WRITE (12) */

/* INQUIRY: EVPD bit and the VPD pages the modelled disks answer */
#define SCSI_INQUIRY_EVPD		0x01
#define SCSI_INQUIRY_VPD_SUPPORTED_PAGES 0x00
#define SCSI_INQUIRY_VPD_SERIAL		0x80
#define SCSI_INQUIRY_VPD_DEVICE_ID	0x83

/* ---- CDB storage ---- */
union scsi_cdb {
	struct {
		uchar_t scc_cmd;		/* operation code */
		uchar_t scc_bytes[SCSI_CDB_SIZE - 1];
	} cdb_un;
	uchar_t cdb_opaque[SCSI_CDB_SIZE];
};
#define scc_cmd		cdb_un.scc_cmd

/* ---- big-endian field helpers over a CDB's bytes ---- */
static inline void
scsi_cdb_put_be(uchar_t *p, int nbytes, uint64_t v)
{
	int i;
	for (i = nbytes - 1; i >= 0; i--) {
		p[i] = (uchar_t)(v & 0xff);
		v >>= 8;
	}
}

static inline uint64_t
scsi_cdb_get_be(const uchar_t *p, int nbytes)
{
	uint64_t v = 0;
	int i;
	for (i = 0; i < nbytes; i++)
		v = (v << 8) | p[i];
	return (v);
}

/* Group 0 (6-byte): 21-bit LBA in bytes 1..3, count in byte 4. */
#define FORMG0ADDR(cdb, addr) do { \
	(cdb)->cdb_opaque[1] = (uchar_t)(((cdb)->cdb_opaque[1] & 0xe0) | \
	    (((addr) >> 16) & 0x1f)); \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[2], 2, (uint64_t)(addr)); \
} while (0)
#define FORMG0COUNT(cdb, cnt)	((cdb)->cdb_opaque[4] = (uchar_t)(cnt))
#define GETG0ADDR(cdb) \
	((uint32_t)((((cdb)->cdb_opaque[1] & 0x1f) << 16) | \
	    scsi_cdb_get_be(&(cdb)->cdb_opaque[2], 2)))
#define GETG0COUNT(cdb)		((cdb)->cdb_opaque[4])

/* Group 1 (10-byte): 32-bit LBA in bytes 2..5, 16-bit count in 7..8. */
#define FORMG1ADDR(cdb, addr) \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[2], 4, (uint64_t)(addr))
#define FORMG1COUNT(cdb, cnt) \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[7], 2, (uint64_t)(cnt))
#define GETG1ADDR(cdb)	((uint32_t)scsi_cdb_get_be(&(cdb)->cdb_opaque[2], 4))
#define GETG1COUNT(cdb)	((uint16_t)scsi_cdb_get_be(&(cdb)->cdb_opaque[7], 2))

/* Group 4 (16-byte): 64-bit LBA in bytes 2..9, 32-bit count in 10..13. */
#define FORMG4LONGADDR(cdb, addr) \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[2], 8, (uint64_t)(addr))
#define FORMG4COUNT(cdb, cnt) \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[10], 4, (uint64_t)(cnt))
#define GETG4LONGADDR(cdb)	scsi_cdb_get_be(&(cdb)->cdb_opaque[2], 8)
#define GETG4COUNT(cdb)	((uint32_t)scsi_cdb_get_be(&(cdb)->cdb_opaque[10], 4))

/* Group 5 (12-byte): 32-bit LBA in bytes 2..5, 32-bit count in 6..9. */
#define FORMG5ADDR(cdb, addr) \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[2], 4, (uint64_t)(addr))
#define FORMG5COUNT(cdb, cnt) \
	scsi_cdb_put_be(&(cdb)->cdb_opaque[6], 4, (uint64_t)(cnt))
#define GETG5ADDR(cdb)	((uint32_t)scsi_cdb_get_be(&(cdb)->cdb_opaque[2], 4))
#define GETG5COUNT(cdb)	((uint32_t)scsi_cdb_get_be(&(cdb)->cdb_opaque[6], 4))

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_GENERIC_COMMANDS_H */
