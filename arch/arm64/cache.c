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

/*
 * Eight lines per turn of one cache operation by address (`op`: "dc civac",
 * "dc zva") over [*a, end): each line costs its instruction and one add,
 * the compare and branch are shared by eight. A reset goes over whole
 * 2 MiB blocks (32768 lines of 64 bytes) and the plain loop's bookkeeping
 * was two thirds of its instructions. *a is left at the first line not done.
 */
/* One line: the operation on the address in %0 (the line), then %0 += %1 (the line size). */
#define DC_LINE(op) op ", %0\n\tadd %0, %0, %1\n\t"
#define DC_BY_EIGHT(op, a, end, line) \
	do { \
		if ((end) - *(a) >= 8 * (line)) { \
			u64 last_ = (end)-8 * (line); /* %2: the last start of a whole turn */ \
			__asm__ volatile("1:\n\t" DC_LINE(op) DC_LINE(op) DC_LINE(op) DC_LINE(op) \
						 DC_LINE(op) DC_LINE(op) DC_LINE(op) \
							 DC_LINE(op) "cmp %0, %2\n\tb.ls 1b" \
					 : "+r"(*(a)) \
					 : "r"(line), "r"(last_) \
					 : "cc", "memory"); \
		} \
	} while (0)

static void clean_inval_data_and_tags(paddr_t pa, u64 size);

void arch_dcache_clean_inval_range(paddr_t pa, u64 size)
{
	u64 line = dcache_line_size();

	/* With MTE the guest's tags are in its cache lines too: clean them with the data. */
	if (cpu_feat.mte) {
		clean_inval_data_and_tags(pa, size);
		return;
	}
	u64 a = ALIGN_DOWN(pa, line), end = pa + size;

	DC_BY_EIGHT("dc civac", &a, end, line);
	for (; a < end; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

/*
 * With MTE2 the allocation tags are guest data too. EL2 writes tags because
 * hyparm maps RAM Tagged (arch/mmu.h, MAIR_IDX_RAM) with SCTLR_EL2.ATA set;
 * its own accesses are never tag checked all the same (TCR_EL2.TBI and
 * SCTLR_EL2.TCF are 0). DC CIGDVAC cleans data and tags to the point of
 * coherency, DC GVA sets a block's tags to the address's (0). Both by
 * their SYS encodings: no +memtag assembler needed.
 */
static void clean_inval_data_and_tags(paddr_t pa, u64 size)
{
	u64 line = dcache_line_size();

	for (u64 a = ALIGN_DOWN(pa, line); a < pa + size; a += line)
		__asm__ volatile("sys #3, c7, c14, #5, %0" : : "r"(a) : "memory"); /* DC CIGDVAC */
	dsb(sy);
}

void arch_zero_tags(paddr_t pa, u64 size)
{
	if (!cpu_feat.mte)
		return;
	u64 block = 4UL << (read_sysreg(dczid_el0) & 0xF);

	for (u64 a = pa; a < pa + size; a += block)
		__asm__ volatile("sys #3, c7, c4, #3, %0" : : "r"(a) : "memory"); /* DC GVA */
	dsb(ish);
}

/* DCZID_EL0: BS (bits 3:0) is log2 of the words DC ZVA zeroes; DZP (bit 4) set means it is prohibited. */
#define DCZID_BS_MASK 0xFULL
#define DCZID_DZP (1ULL << 4)

void arch_zero_range(paddr_t pa, u64 size)
{
	u64 dczid = read_sysreg(dczid_el0);
	u64 block = 4ULL << (dczid & DCZID_BS_MASK);
	u64 a = pa, end = pa + size;

	/*
	 * DC ZVA zeroes a whole block (64 bytes on QEMU's CPUs) per instruction:
	 * a 2 MiB scrub is 32768 of them instead of 262144 stores, which was most
	 * of what a reboot cost. hyparm maps RAM as Normal memory, which DC ZVA
	 * needs. Unaligned edges (and a CPU that prohibits it) take memset.
	 */
	if ((dczid & DCZID_DZP) || size < block) {
		memset((void *)(uintptr_t)pa, 0, size);
		return;
	}
	if (a & (block - 1)) {
		u64 head = block - (a & (block - 1));
		memset((void *)(uintptr_t)a, 0, head);
		a += head;
	}
	DC_BY_EIGHT("dc zva", &a, end, block);
	for (; a + block <= end; a += block)
		__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
	if (a < end)
		memset((void *)(uintptr_t)a, 0, end - a);
}

/* Set/way emulation works through the VM's RAM in pieces of this size (arch/cache.h). */
#define SETWAY_CHUNK MiB(4)

bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	u64 n = MIN(SETWAY_CHUNK, vm->ram_size - *off);

	arch_dcache_clean_inval_range(vm->ram_pa + *off, n); /* data and, with MTE, tags */
	*off += n;
	if (*off < vm->ram_size)
		return false;
	*off = 0;
	return true;
}
