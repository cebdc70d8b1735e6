/*
 * sys/types.h — illumos type names on top of the host's <sys/types.h>.
 *
 * sw/include comes before the system include directories, so this file
 * shadows the host header for every target that links ddisim_sw; it pulls the
 * host header in first (#include_next) and only adds the illumos names the DDI
 * headers need. Every typedef below is either new to glibc or identical to
 * glibc's (a repeated identical typedef is valid C11 and C++), so host code
 * that sees this header is not disturbed. Usable from C11 and C++20.
 */
#ifndef DDISIM_SYS_TYPES_H
#define DDISIM_SYS_TYPES_H

#include_next <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned char uchar_t;
typedef unsigned short ushort_t;
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef char *caddr_t;          /* same as glibc's __USE_MISC definition */
typedef long long longlong_t;
typedef unsigned long long u_longlong_t;
typedef uint64_t paddr_t;       /* physical address (LP64) */
typedef ulong_t pfn_t;          /* physical page number */
typedef uint_t major_t;
typedef uint_t minor_t;
typedef uint16_t o_dev_t;       /* old device number */
typedef int32_t daddr32_t;
typedef u_longlong_t diskaddr_t;

#ifndef DDISIM_BOOLEAN_T_DEFINED
#define DDISIM_BOOLEAN_T_DEFINED
typedef enum { B_FALSE = 0, B_TRUE = 1 } boolean_t;
#endif

#ifdef __cplusplus
}
#endif

#endif /* DDISIM_SYS_TYPES_H */
