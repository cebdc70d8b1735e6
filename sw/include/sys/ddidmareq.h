/*
 * sys/ddidmareq.h — DMA attributes, objects, requests and legacy limits
 * (spec §1.2, §1.4, §1.5, §2.2–§2.7). Field order is the illumos ABI order.
 */
#ifndef DDISIM_SYS_DDIDMAREQ_H
#define DDISIM_SYS_DDIDMAREQ_H

#include <sys/types.h>
#include <sys/dditypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- DMA attributes (spec §1.2) ---- */
#define DMA_ATTR_V0		0
#define DMA_ATTR_VERSION	DMA_ATTR_V0

typedef struct ddi_dma_attr {
	uint_t dma_attr_version;	/* DMA_ATTR_V0 */
	uint64_t dma_attr_addr_lo;	/* lowest usable bus address */
	uint64_t dma_attr_addr_hi;	/* highest usable bus address (inclusive) */
	uint64_t dma_attr_count_max;	/* max cookie length - 1 */
	uint64_t dma_attr_align;	/* alignment of allocated resources */
	uint_t dma_attr_burstsizes;	/* bit i: 2^i byte bursts */
	uint32_t dma_attr_minxfer;	/* minimum effective transfer */
	uint64_t dma_attr_maxxfer;	/* maximum bytes in one transfer */
	uint64_t dma_attr_seg;		/* segment boundary mask */
	int dma_attr_sgllen;		/* max cookies; <0 unlimited */
	uint32_t dma_attr_granular;	/* device block size */
	uint_t dma_attr_flags;		/* bus flags below */
} ddi_dma_attr_t;

#define DDI_DMA_FORCE_PHYSICAL		0x0100
#define DMA_ATTR_FORCE_PHYSICAL		DDI_DMA_FORCE_PHYSICAL
#define DDI_DMA_FLAGERR			0x0200
#define DDI_DMA_RELAXED_ORDERING	0x0400
#define _DDI_DMA_BOUNCE_ON_SEG		0x8000

/* ---- bind / request flags (spec §2.2) ---- */
#define DDI_DMA_WRITE		0x0001
#define DDI_DMA_READ		0x0002
#define DDI_DMA_RDWR		(DDI_DMA_READ | DDI_DMA_WRITE)
#define DDI_DMA_REDZONE		0x0004
#define DDI_DMA_PARTIAL		0x0008
#define DDI_DMA_CONSISTENT	0x0010
#define DDI_DMA_EXCLUSIVE	0x0020
#define DDI_DMA_STREAMING	0x0040
#define DDI_DMA_SBUS_64BIT	0x2000

/* ---- bind / setup results (spec §2.3) ---- */
#define DDI_DMA_MAPPED		0
#define DDI_DMA_MAPOK		0
#define DDI_DMA_PARTIAL_MAP	1
#define DDI_DMA_DONE		2
#define DDI_DMA_NORESOURCES	-1
#define DDI_DMA_NOMAPPING	-2
#define DDI_DMA_TOOBIG		-3
#define DDI_DMA_TOOSMALL	-4
#define DDI_DMA_LOCKED		-5
#define DDI_DMA_BADLIMITS	-6
#define DDI_DMA_STALE		-7
#define DDI_DMA_BADATTR		-8
#define DDI_DMA_INUSE		-9
#define DDI_DMA_USE_PHYSICAL	-10

/* ---- wait sentinels and callback results (spec §2.4) ---- */
#define DDI_DMA_DONTWAIT	((int (*)(caddr_t))0)
#define DDI_DMA_SLEEP		((int (*)(caddr_t))1)
#define DDI_DMA_CALLBACK_RUNOUT	0
#define DDI_DMA_CALLBACK_DONE	1

/* ---- sync directions (spec §2.5) ---- */
#define DDI_DMA_SYNC_FORDEV	0x0
#define DDI_DMA_SYNC_FORCPU	0x1
#define DDI_DMA_SYNC_FORKERNEL	0x2

/* ---- memory cache attributes for ddi_dma_mem_alloc (spec §2.6) ---- */
#define IOMEM_DATA_CACHED		0x10000
#define IOMEM_DATA_UC_WR_COMBINE	0x20000
#define IOMEM_DATA_UNCACHED		0x40000
#define IOMEM_DATA_MASK			0xF0000

/* ---- legacy control operations (spec §2.7) ---- */
enum ddi_dma_ctlops {
	DDI_DMA_FREE, DDI_DMA_SYNC, DDI_DMA_HTOC, DDI_DMA_KVADDR, DDI_DMA_MOVWIN,
	DDI_DMA_REPWIN, DDI_DMA_GETERR, DDI_DMA_COFF, DDI_DMA_NEXTWIN,
	DDI_DMA_NEXTSEG, DDI_DMA_SEGTOC, DDI_DMA_RESERVE, DDI_DMA_RELEASE,
	DDI_DMA_RESETH, DDI_DMA_CKSYNC, DDI_DMA_IOPB_ALLOC, DDI_DMA_IOPB_FREE,
	DDI_DMA_SMEM_ALLOC, DDI_DMA_SMEM_FREE, DDI_DMA_SET_SBUS64, DDI_DMA_REMAP,
	DDI_DMA_E_ACQUIRE, DDI_DMA_E_FREE, DDI_DMA_E_1STPTY, DDI_DMA_E_GETCB,
	DDI_DMA_E_SETCB, DDI_DMA_E_PROG, DDI_DMA_E_SWSETUP, DDI_DMA_E_SWSTART,
	DDI_DMA_E_ENABLE, DDI_DMA_E_STOP, DDI_DMA_E_DISABLE, DDI_DMA_E_GETCNT,
	DDI_DMA_E_GETLIM, DDI_DMA_E_GETATTR
};

/* ---- DMA object (spec §1.4) ---- */
typedef enum {
	DMA_OTYP_VADDR = 0,
	DMA_OTYP_PAGES = 1,
	DMA_OTYP_PADDR = 2,
	DMA_OTYP_BUFVADDR = 3,
	DMA_OTYP_DVADDR = 4
} ddi_dma_atyp_t;

struct v_address {
	caddr_t v_addr;
	struct as *v_as;
	void *v_priv;		/* page_t ** shadow array or NULL */
};

struct pp_address {
	struct page *pp_pp;
	uint_t pp_offset;
};

struct phy_address {
	ulong_t p_addr;
	ulong_t p_memtype;
};

struct dvmaseg {
	uint64_t dvs_start;
	size_t dvs_len;
};

struct dvma_address {
	size_t dv_off;
	size_t dv_nseg;
	struct dvmaseg *dv_seg;
};

typedef union {
	struct v_address virt_obj;
	struct pp_address pp_obj;
	struct phy_address phys_obj;
	struct dvma_address dvma_obj;
} ddi_dma_aobj_t;

typedef struct ddi_dma_obj {
	uint_t dmao_size;	/* 32-bit on purpose (spec §8.14) */
	ddi_dma_atyp_t dmao_type;
	ddi_dma_aobj_t dmao_obj;
} ddi_dma_obj_t;

/* ---- legacy limits, x86 layout (spec §1.5) ---- */
#define DMALIM_VER0	((uint_t)0x86000000)
#define DMA_UNIT_8	1
#define DMA_UNIT_16	2
#define DMA_UNIT_32	4

typedef struct ddi_dma_lim {
	uint_t dlim_addr_lo;
	uint_t dlim_addr_hi;
	uint_t dlim_cntr_max;	/* unused on x86, 0 */
	uint_t dlim_burstsizes;	/* unused on x86, 1 */
	uint_t dlim_minxfer;	/* DMA_UNIT_8/16/32 */
	uint_t dlim_dmaspeed;
	uint_t dlim_version;	/* DMALIM_VER0 */
	uint_t dlim_adreg_max;	/* address register boundary (seg) */
	uint_t dlim_ctreg_max;	/* count register max, 2^n - 1 */
	uint_t dlim_granular;
	short dlim_sgllen;
	uint_t dlim_reqsize;	/* max request size */
} ddi_dma_lim_t;

/* ---- request (spec §1.4) ---- */
typedef struct ddi_dma_req {
	ddi_dma_lim_t *dmar_limits;
	uint_t dmar_flags;
	int (*dmar_fp)(caddr_t);
	caddr_t dmar_arg;
	ddi_dma_obj_t dmar_object;	/* must stay last */
} ddi_dma_req_t;

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_DDIDMAREQ_H */
