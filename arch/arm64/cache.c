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
	u64 a = ALIGN_UP(pa, 128), end = pa + size;

	if (a >= ALIGN_DOWN(end, 128)) {
		memset((void *)(uintptr_t)pa, 0, size);
		return;
	}
	memset((void *)(uintptr_t)pa, 0, a - pa);
	while (a + 128 <= end)
		__asm__ volatile("stp xzr, xzr, [%0]\n\tstp xzr, xzr, [%0, #16]\n\t"
				 "stp xzr, xzr, [%0, #32]\n\tstp xzr, xzr, [%0, #48]\n\t"
				 "stp xzr, xzr, [%0, #64]\n\tstp xzr, xzr, [%0, #80]\n\t"
				 "stp xzr, xzr, [%0, #96]\n\tstp xzr, xzr, [%0, #112]\n\t"
				 "add %0, %0, #128"
				 : "+r"(a)
				 :
				 : "memory");
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
