/*
 * sys/proc.h — the process structure, reduced to the address space pointer
 * that ddi_dma_buf_bind_handle reads (spec §1.7 step 3).
 */
#ifndef DDISIM_SYS_PROC_H
#define DDISIM_SYS_PROC_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct as;

typedef struct proc {
	struct as *p_as;	/* user address space */
	pid_t p_pid;
} proc_t;

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_PROC_H */
