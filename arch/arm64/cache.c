/* Data-cache maintenance by address (see arch/cache.h). */
#include <arch/cache.h>
#include <arch/sysreg.h>
#include <hyparm/vm.h>

static u64 dcache_line_size(void)
{
	/* CTR_EL0.DminLine: log2 of words in the smallest data cache line. */
	return 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xF);
}

void arch_dcache_clean_inval_range(paddr_t pa, u64 size)
{
	u64 line = dcache_line_size();

	for (u64 a = ALIGN_DOWN(pa, line); a < pa + size; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

/* Set/way emulation works through the VM's RAM in pieces of this size (arch/cache.h). */
#define SETWAY_CHUNK MiB(4)

bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	u64 n = MIN(SETWAY_CHUNK, vm->ram_size - *off);

	arch_dcache_clean_inval_range(vm->ram_pa + *off, n);
	*off += n;
	if (*off < vm->ram_size)
		return false;
	*off = 0;
	return true;
}
