/*
 * sys/ddi.h — common DDI definitions for drivers. As in illumos, drivers
 * include <sys/ddi.h> and <sys/sunddi.h>; this header brings in the basic
 * types, buf and page definitions.
 */
#ifndef DDISIM_SYS_DDI_H
#define DDISIM_SYS_DDI_H

#include <sys/types.h>
#include <sys/buf.h>
#include <sys/proc.h>
#include <vm/page.h>

#ifdef __cplusplus
extern "C" {
#endif

#define btop(x)		(((x) >> PAGESHIFT))
#define btopr(x)	((((x) + PAGEOFFSET) >> PAGESHIFT))
#define ptob(x)		(((x) << PAGESHIFT))

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_DDI_H */
