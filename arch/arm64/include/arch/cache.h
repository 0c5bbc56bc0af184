/* Data-cache maintenance by address (arch/arm64/cache.c). */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <hyparm/types.h>

struct vm;

/* Clean and invalidate [pa, pa + size) to the point of coherency. */
void arch_dcache_clean_inval_range(paddr_t pa, u64 size);
/*
 * Zero [pa, pa + size) of RAM hyparm maps (the zeros may still be in the
 * cache: clean afterwards for an observer with caches off): pairs of
 * zero-register stores, 128 bytes per loop turn, 5.5 instructions per 64
 * bytes where memset took 16. Not DC ZVA, though it is one instruction per
 * 64 bytes (a 16 MiB VM's first instruction 602 us under icount against
 * 880 with these stores): QEMU's TCG, the only machine hyparm runs on
 * today, runs it as a helper call per 64 bytes, and under the normal clock
 * it was no faster and in most samples slower (docs/benchmarks.md).
 */
void arch_zero_range(paddr_t pa, u64 size);
/*
 * One piece of cleaning+invalidating the VM's RAM to the point of
 * coherency (set/way emulation, arch/arm64/sysreg_emul.c): from *off on;
 * true when done (*off back to 0).
 */
bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off);

#endif
