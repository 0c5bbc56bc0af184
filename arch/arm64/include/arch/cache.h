/* Data-cache maintenance by address (arch/arm64/cache.c). */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <hyparm/types.h>

struct vm;

/* Clean and invalidate [pa, pa + size) to the point of coherency (with MTE2, its allocation tags too). */
void arch_dcache_clean_inval_range(paddr_t pa, u64 size);
/*
 * Zero [pa, pa + size) (Normal memory), with the CPU's cache-block zeroing
 * where it may: the zeroes may sit in the data cache afterwards, so memory a
 * guest will read with its caches off still needs a clean. Data only: the
 * allocation tags are arch_zero_tags()'s.
 */
void arch_zero_range(paddr_t pa, u64 size);
/*
 * Where the CPU has MTE2: the allocation tags of [pa, pa + size) set to 0
 * (whole DCZID_EL0 blocks: pa and size aligned to them, 2 MiB blocks are);
 * elsewhere nothing. A guest's tags are its data: no VM, and no new life of
 * one, may see the tags an earlier one left.
 */
void arch_zero_tags(paddr_t pa, u64 size);
/*
 * One piece of cleaning+invalidating the VM's RAM to the point of
 * coherency (set/way emulation, arch/arm64/sysreg_emul.c): from *off on;
 * true when done (*off back to 0).
 */
bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off);

#endif
