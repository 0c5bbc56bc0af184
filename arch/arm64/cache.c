/* Data-cache maintenance by address (see arch/cache.h). */
#include <arch/cache.h>
#include <arch/sysreg.h>
#include <string.h>
#include <hyparm/vm.h>

static u64 dcache_line_size(void)
{
	/* CTR_EL0.DminLine: log2 of words in the smallest data cache line. */
	return 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xF);
}

/*
 * Four lines per loop turn: a VM's reset cleans megabytes, and the loop's
 * own add/compare/branch were three of every four instructions.
 */
void arch_dcache_clean_inval_range(paddr_t pa, u64 size)
{
	u64 line = dcache_line_size();
	u64 a = ALIGN_DOWN(pa, line), end = pa + size;

	while (a + 4 * line <= end)
		__asm__ volatile("dc civac, %0\n\tadd %0, %0, %1\n\t"
				 "dc civac, %0\n\tadd %0, %0, %1\n\t"
				 "dc civac, %0\n\tadd %0, %0, %1\n\t"
				 "dc civac, %0\n\tadd %0, %0, %1"
				 : "+r"(a)
				 : "r"(line)
				 : "memory");
	for (; a < end; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

void arch_zero_range(paddr_t pa, u64 size)
{
	u64 dczid = read_sysreg(dczid_el0);
	u64 block = 4UL << (dczid & 0xF); /* DCZID_EL0.BS: log2 of words per block */
	u64 a = ALIGN_UP(pa, block), end = pa + size;

	if ((dczid & BIT(4)) || a >= ALIGN_DOWN(end, block)) { /* DZP: DC ZVA prohibited */
		memset((void *)(uintptr_t)pa, 0, size);
		return;
	}
	memset((void *)(uintptr_t)pa, 0, a - pa);
	while (a + 4 * block <= end) /* four per turn, as the clean above */
		__asm__ volatile("dc zva, %0\n\tadd %0, %0, %1\n\t"
				 "dc zva, %0\n\tadd %0, %0, %1\n\t"
				 "dc zva, %0\n\tadd %0, %0, %1\n\t"
				 "dc zva, %0\n\tadd %0, %0, %1"
				 : "+r"(a)
				 : "r"(block)
				 : "memory");
	for (; a + block <= end; a += block)
		__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
	memset((void *)(uintptr_t)a, 0, end - a);
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
