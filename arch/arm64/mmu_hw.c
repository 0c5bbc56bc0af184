/*
 * The hardware half of hyparm's EL2 translation regime (see arch/mmu.h):
 * TCR/MAIR/TTBR0/SCTLR_EL2, cache and TLB maintenance for the tables. The
 * tables themselves are planned and audited in mmu.c, which host tests run
 * as it is (with their own versions of these functions).
 */
#include <arch/cpu_features.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>

static u64 tcr_value;

void mmu_map_barrier(void)
{
	/* New entries only replace invalid ones: no TLB maintenance needed, just ordering. */
	dsb(ishst);
	isb();
}

void mmu_hw_enable(const u64 *root)
{
	/* Read here, not from cpu_feat: the MMU is on before the features are decoded. */
	bool mte2 = pfr1_has_mte2(read_sysreg(id_aa64pfr1_el1));

	if (!tcr_value) {
		unsigned parange = MMFR0_PARANGE(read_sysreg(id_aa64mmfr0_el1));
		if (parange > 5)
			parange = 5; /* 48-bit output is all a 48-bit VA identity map can use */
		/* T0SZ=16 (48-bit VA), WB-WA inner/outer, inner shareable, 4K, PS=parange, RES1 bits 23, 31. */
		tcr_value = 16 | (1UL << 8) | (1UL << 10) | (3UL << 12) | ((u64)parange << 16) | BIT(23) |
			BIT(31);
	}
	write_sysreg(mair_el2, mmu_mair_value(mte2));
	write_sysreg(tcr_el2, tcr_value);
	write_sysreg(ttbr0_el2, (u64)(uintptr_t)root);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(nsh);
	isb();
	write_sysreg(sctlr_el2, MMU_SCTLR_VALUE | (mte2 ? SCTLR_EL2_ATA : 0));
	isb();
}

void mmu_hw_clean_tables(const void *pool, unsigned pages)
{
	/* The tables were written with the MMU and caches off: drop stale lines before the walker looks. */
	for (u64 off = 0; off < (u64)pages * PAGE_SIZE; off += 64)
		__asm__ volatile("dc ivac, %0" : : "r"((u64)(uintptr_t)pool + off) : "memory");
	dsb(sy);
}

bool mmu_wxn_enabled(void)
{
	return read_sysreg(sctlr_el2) & SCTLR_WXN_BIT;
}
