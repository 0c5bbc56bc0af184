/* Data-cache maintenance by address (arch/arm64/cache.c). */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <hyparm/types.h>

/* Clean and invalidate [pa, pa + size) to the point of coherency. */
void arch_dcache_clean_inval_range(paddr_t pa, u64 size);

#endif
