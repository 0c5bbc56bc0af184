/* Data-cache maintenance by address for guest RAM. */
#include <arch/sysreg.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

static u64 dcache_line_size(void)
{
	/* CTR_EL0.DminLine: log2 of words in the smallest data cache line. */
	return 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xF);
}

void vm_dcache_clean_inval(struct vm *vm)
{
	u64 line = dcache_line_size();
	u64 end = vm->ram_pa + vm->ram_size;

	for (u64 a = vm->ram_pa; a < end; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}
