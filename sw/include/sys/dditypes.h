/*
 * sys/dditypes.h — opaque DDI handle types and the DMA cookie (spec §1.1, §1.3).
 */
#ifndef DDISIM_SYS_DDITYPES_H
#define DDISIM_SYS_DDITYPES_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register offsets (illumos sys/types.h: longlong_t). */
typedef longlong_t offset_t;

/* Opaque handles (spec §1.1). */
typedef struct __ddi_dma_handle *ddi_dma_handle_t;
typedef struct __ddi_dma_win *ddi_dma_win_t;
typedef struct __ddi_dma_seg *ddi_dma_seg_t;
typedef struct __ddi_acc_handle *ddi_acc_handle_t;
typedef struct __ddi_intr_handle *ddi_intr_handle_t;

/* Interrupt handler (ddi_intr_add_handler(9F)): returns DDI_INTR_CLAIMED or
 * DDI_INTR_UNCLAIMED. */
typedef uint_t (*ddi_intr_handler_t)(caddr_t arg1, caddr_t arg2);

/* Device node; defined by the simulated kernel (sw/kernel/dev_info.h). */
typedef struct dev_info dev_info_t;

/* Forward declarations of kernel objects the DDI refers to. */
struct as;
struct page;
struct proc;
struct buf;

/*
 * DMA cookie (spec §1.3): 24 bytes on LP64. dmac_address is the low 32-bit
 * half on little-endian hosts, dmac_notused the other half.
 */
typedef struct {
	union {
		uint64_t _dmac_ll;	/* 64-bit DMA address */
		uint32_t _dmac_la[2];	/* 2 x 32-bit address halves */
	} _dmu;
	size_t dmac_size;		/* bytes in this cookie */
	uint_t dmac_type;		/* bus specific; x86: bit 31 = copy buffer */
} ddi_dma_cookie_t;

#define dmac_laddress	_dmu._dmac_ll
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define dmac_notused	_dmu._dmac_la[0]
#define dmac_address	_dmu._dmac_la[1]
#else
#define dmac_notused	_dmu._dmac_la[1]
#define dmac_address	_dmu._dmac_la[0]
#endif

/* Device access attributes (ddi_device_acc_attr(9S)). */
typedef struct ddi_device_acc_attr {
	ushort_t devacc_attr_version;
	uchar_t devacc_attr_endian_flags;
	uchar_t devacc_attr_dataorder;
	uchar_t devacc_attr_access;	/* DDI_DEVICE_ATTR_V1 only */
} ddi_device_acc_attr_t;

#define DDI_DEVICE_ATTR_V0	0x0001
#define DDI_DEVICE_ATTR_V1	0x0002

#define DDI_NEVERSWAP_ACC	0x00
#define DDI_STRUCTURE_LE_ACC	0x01
#define DDI_STRUCTURE_BE_ACC	0x02

#define DDI_STRICTORDER_ACC	0x00
#define DDI_UNORDERED_OK_ACC	0x01
#define DDI_MERGING_OK_ACC	0x02
#define DDI_LOADCACHING_OK_ACC	0x03
#define DDI_STORECACHING_OK_ACC	0x04

#define DDI_DEFAULT_ACC		0x01
#define DDI_FLAGERR_ACC		0x02
#define DDI_CAUTIOUS_ACC	0x03

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_DDITYPES_H */
