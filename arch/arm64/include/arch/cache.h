/* Data-cache maintenance by address (arch/arm64/cache.c). */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <hyparm/types.h>

struct vm;

/* Clean and invalidate [pa, pa + size) to the point of coherency. */
void arch_dcache_clean_inval_range(paddr_t pa, u64 size);
/*
 * Zero [pa, pa + size) (Normal memory), with the CPU's cache-block zeroing
 * where it may: the zeroes may sit in the data cache afterwards, so memory a
 * guest will read with its caches off still needs a clean.
 */
void arch_zero_range(paddr_t pa, u64 size);
/*
 * One piece of cleaning+invalidating the VM's RAM to the point of
 * coherency (set/way emulation, arch/arm64/sysreg_emul.c): from *off on;
 * true when done (*off back to 0).
 */
bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off);

#endif
