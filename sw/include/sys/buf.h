/*
 * sys/buf.h — the block I/O buffer, with the fields and flags the DMA layer
 * uses (spec §1.7).
 */
#ifndef DDISIM_SYS_BUF_H
#define DDISIM_SYS_BUF_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct page;
struct proc;
struct vnode;

typedef struct buf {
	int b_flags;			/* B_* below */
	struct buf *b_forw;		/* driver queue links */
	struct buf *b_back;
	struct buf *av_forw;
	struct buf *av_back;
	o_dev_t b_dev;			/* unused: old-style device number */
	size_t b_bcount;		/* transfer count (truncated to 32 bits by DMA) */
	union {
		caddr_t b_addr;		/* virtual address; PAGEIO: offset in low bits */
		struct fs *b_fs;
		struct cg *b_cg;
		struct dinode *b_dino;
		daddr32_t *b_daddr;
	} b_un;
	diskaddr_t b_lblkno;		/* block number on the device */
	size_t b_resid;			/* bytes not transferred */
	size_t b_bufsize;
	struct page *b_pages;		/* page list for B_PAGEIO */
	struct proc *b_proc;		/* process for user (physio) I/O */
	struct page **b_shadow;		/* shadow page array (B_SHADOW) */
	int b_error;			/* errno on B_ERROR */
	dev_t b_edev;			/* expanded device number */
	void *b_private;		/* driver private */
	int (*b_iodone)(struct buf *);
} buf_t;

#define B_BUSY		0x0001
#define B_DONE		0x0002
#define B_ERROR		0x0004
#define B_PAGEIO	0x0010
#define B_PHYS		0x0020
#define B_READ		0x0040
#define B_WRITE		0x0100
#define B_KERNBUF	0x0008
#define B_REMAPPED	0x4000
#define B_SHADOW	0x200000

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_BUF_H */
