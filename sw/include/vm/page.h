/*
 * vm/page.h — the physical page structure, reduced to what DMA uses: the
 * page frame number and the circular p_next/p_prev list of B_PAGEIO bufs
 * (spec §1.4 pp_address, §1.7 b_pages). page_t objects are owned by the
 * simulated kernel (sw/kernel/phys_mem.h), one per physical page.
 */
#ifndef DDISIM_VM_PAGE_H
#define DDISIM_VM_PAGE_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct page {
	pfn_t p_pagenum;	/* physical page frame number */
	struct page *p_next;	/* I/O list: circular */
	struct page *p_prev;
	uint_t p_lckcnt;	/* lock count (locked for I/O when > 0) */
} page_t;

#define PAGESHIFT	12
#define PAGESIZE	0x1000
#define PAGEOFFSET	(PAGESIZE - 1)
#define PAGEMASK	(~(uintptr_t)PAGEOFFSET)

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_VM_PAGE_H */
