/* Data-cache maintenance by address (see arch/cache.h). */
#include <arch/cache.h>
#include <arch/cpu_features.h>
#include <arch/sysreg.h>
#include <hyparm/vm.h>
#include <string.h>

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

/*
 * With MTE2 the allocation tags are guest data too: zeroed with the bytes
 * by DC GZVA, one DCZID_EL0 block per instruction (DZP is never set at EL2:
 * only EL0/EL1 controls prohibit DC ZVA). EL2 writes tags because hyparm
 * maps RAM Tagged (arch/mmu.h, MAIR_IDX_RAM) with SCTLR_EL2.ATA set; its
 * own accesses are never tag checked all the same (TCR_EL2.TBI and
 * SCTLR_EL2.TCF are 0). DC CIGDVAC then cleans data and tags to the point
 * of coherency. Both by their SYS encodings: no +memtag assembler needed.
 */
static void clean_inval_data_and_tags(paddr_t pa, u64 size)
{
	u64 line = dcache_line_size();

	for (u64 a = ALIGN_DOWN(pa, line); a < pa + size; a += line)
		__asm__ volatile("sys #3, c7, c14, #5, %0" : : "r"(a) : "memory"); /* DC CIGDVAC */
	dsb(sy);
}

static void scrub_tagged(paddr_t pa, u64 size)
{
	u64 block = 4UL << (read_sysreg(dczid_el0) & 0xF);

	for (u64 a = pa; a < pa + size; a += block)
		__asm__ volatile("sys #3, c7, c4, #4, %0" : : "r"(a) : "memory"); /* DC GZVA */
	dsb(ish);
	clean_inval_data_and_tags(pa, size);
}

void arch_ram_scrub(paddr_t pa, u64 size)
{
	if (cpu_feat.mte) {
		scrub_tagged(pa, size);
		return;
	}
	memset((void *)(uintptr_t)pa, 0, size);
	arch_dcache_clean_inval_range(pa, size);
}

/* Set/way emulation works through the VM's RAM in pieces of this size (arch/cache.h). */
#define SETWAY_CHUNK MiB(4)

bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	u64 n = MIN(SETWAY_CHUNK, vm->ram_size - *off);

	/* With MTE the guest's tags are in its cache lines too: clean them with the data. */
	if (cpu_feat.mte)
		clean_inval_data_and_tags(vm->ram_pa + *off, n);
	else
		arch_dcache_clean_inval_range(vm->ram_pa + *off, n);
	*off += n;
	if (*off < vm->ram_size)
		return false;
	*off = 0;
	return true;
}
