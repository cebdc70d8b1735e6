/*
 * sys/scsi/generic/sense.h — fixed-format ("extended") sense data, sense
 * keys and the format-neutral sense accessors (illumos generic/sense.h and
 * impl/sense.h).
 */
#ifndef DDISIM_SYS_SCSI_GENERIC_SENSE_H
#define DDISIM_SYS_SCSI_GENERIC_SENSE_H

#include <sys/scsi/scsi_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLASS_EXTENDED_SENSE	0x7
#define ADDL_SENSE_ADJUST	0x8	/* es_add_len + 8 = total length */
#define MIN_FIXED_SENSE_LEN	0xE

/* Fixed-format sense data, 20 bytes. */
struct scsi_extended_sense {
#if defined(_BIT_FIELDS_LTOH)
	uchar_t es_code : 4,		/* CODE_FMT_* */
	    es_class : 3,		/* 7 */
	    es_valid : 1;		/* information field valid */
	uchar_t es_segnum;
	uchar_t es_key : 4,		/* KEY_* */
	    : 1,
	    es_ili : 1,
	    es_eom : 1,
	    es_filmk : 1;
#else
	uchar_t es_valid : 1,
	    es_class : 3,
	    es_code : 4;
	uchar_t es_segnum;
	uchar_t es_filmk : 1,
	    es_eom : 1,
	    es_ili : 1,
	    : 1,
	    es_key : 4;
#endif
	uchar_t es_info_1;		/* information, big-endian */
	uchar_t es_info_2;
	uchar_t es_info_3;
	uchar_t es_info_4;
	uchar_t es_add_len;		/* bytes after this one */
	uchar_t es_cmd_info[4];
	uchar_t es_add_code;		/* ASC */
	uchar_t es_qual_code;		/* ASCQ */
	uchar_t es_fru_code;
	uchar_t es_skey_specific[3];
	uchar_t es_add_info[2];
};

#define CODE_FMT_FIXED_CURRENT		0x0
#define CODE_FMT_FIXED_DEFERRED		0x1
#define CODE_FMT_DESCR_CURRENT		0x2
#define CODE_FMT_DESCR_DEFERRED		0x3
#define CODE_FMT_VENDOR_SPECIFIC	0xF

#define KEY_NO_SENSE		0x00
#define KEY_RECOVERABLE_ERROR	0x01
#define KEY_NOT_READY		0x02
#define KEY_MEDIUM_ERROR	0x03
#define KEY_HARDWARE_ERROR	0x04
#define KEY_ILLEGAL_REQUEST	0x05
#define KEY_UNIT_ATTENTION	0x06
#define KEY_WRITE_PROTECT	0x07
#define KEY_DATA_PROTECT	KEY_WRITE_PROTECT
#define KEY_BLANK_CHECK		0x08
#define KEY_VENDOR_UNIQUE	0x09
#define KEY_COPY_ABORTED	0x0A
#define KEY_ABORTED_COMMAND	0x0B
#define KEY_EQUAL		0x0C
#define KEY_VOLUME_OVERFLOW	0x0D
#define KEY_MISCOMPARE		0x0E
#define KEY_RESERVED		0x0F

#define DESCR_INFORMATION	0x00

/* impl/sense.h */
#define SENSE_LENGTH		20	/* sizeof (struct scsi_extended_sense), rounded to int */
#define MAX_SENSE_LENGTH	252	/* SPC-3 */
#define SUN_MIN_SENSE_LENGTH	4

#define SENSE_UNUSABLE		0
#define SENSE_FIXED_FORMAT	1
#define SENSE_DESCR_FORMAT	2
#define SNS_BUF_OVERFLOW	1
#define SNS_BUF_DEFERRED	2

/*
 * Format-neutral accessors: sense key, ASC and ASCQ from fixed (0x70/0x71)
 * or descriptor (0x72/0x73) sense data. scsi_validate_sense returns
 * SENSE_FIXED_FORMAT, SENSE_DESCR_FORMAT or SENSE_UNUSABLE (too short or not
 * response code 0x70-0x73) and sets SNS_BUF_* bits in *flags when flags is
 * not NULL. scsi_sense_info_uint64 reads the information field (fixed: only
 * when the VALID bit is set; descriptor: descriptor type 0).
 */
uint8_t scsi_sense_key(uint8_t *sense_buffer);
uint8_t scsi_sense_asc(uint8_t *sense_buffer);
uint8_t scsi_sense_ascq(uint8_t *sense_buffer);
int scsi_validate_sense(uint8_t *sense_buffer, int sense_buf_len, int *flags);
boolean_t scsi_sense_info_uint64(uint8_t *sense_buffer, int sense_buf_len,
    uint64_t *information);

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_SCSI_GENERIC_SENSE_H */
