/*
 * Stage-2 TLB maintenance. TLBI IPAS2E1IS and VMALLS12E1IS act on the VMID
 * in VTTBR_EL2, so the target VM's VTTBR is installed around them and the
 * previous value put back (another VM may be loaded on this CPU).
 */
#include <arch/stage2.h>
#include <arch/sysreg.h>
#include <arch/tlb.h>

static u64 enter_vmid(const struct stage2 *s2)
{
	u64 saved = read_sysreg(vttbr_el2);

	if (saved != stage2_vttbr(s2)) {
		write_sysreg(vttbr_el2, stage2_vttbr(s2));
		isb();
	}
	return saved;
}

static void leave_vmid(const struct stage2 *s2, u64 saved)
{
	if (saved != stage2_vttbr(s2)) {
		write_sysreg(vttbr_el2, saved);
		isb();
	}
}

void arch_tlb_inval_ipa(const struct stage2 *s2, ipa_t ipa)
{
	u64 saved = enter_vmid(s2);

	dsb(ishst);
	__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> 12) : "memory");
	dsb(ish);
	/* Combined stage-1+2 entries may cache the old translation too. */
	__asm__ volatile("tlbi vmalle1is" ::: "memory");
	dsb(ish);
	isb();
	leave_vmid(s2, saved);
}

void arch_tlb_inval_vmid(const struct stage2 *s2)
{
	u64 saved = enter_vmid(s2);

	dsb(ishst);
	__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	dsb(ish);
	isb();
	leave_vmid(s2, saved);
}
