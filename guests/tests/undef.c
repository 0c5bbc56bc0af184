/* f. Unknown hypercalls return NOT_SUPPORTED; unemulated system registers are UNDEFINED in the guest. */
#include "guest.h"

static volatile int undefs;
static volatile u64 last_esr;

static bool on_undef(struct frame *f, const struct exception *e)
{
	last_esr = e->esr;
	undefs++;
	f->elr = e->elr + 4;
	return true;
}

int main(void)
{
	u64 v;

	v = hvc_call(0xC6000123, 1, 2, 3);
	check(v == (u64)-1, "unknown HVC 0xc6000123 returns -1 (got %lld)", (long long)v);
	v = hvc_call(0x82001234, 0, 0, 0);
	check(v == (u64)-1, "unknown HVC 0x82001234 returns -1 (got %lld)", (long long)v);
	v = hvc_call(0xBF00FF01, 0, 0, 0);
	check(v == (u64)-1, "unknown vendor-hypervisor HVC returns -1 (got %lld)", (long long)v);

	set_exception_handler(on_undef);
	/*
	 * PMU registers trap to hyparm (MDCR_EL2.TPM); those the guest's PMU
	 * does not have (an event counter beyond PMCR_EL0.N, PMMIR_EL1 of
	 * PMUv3p4) must be UNDEFINED in the guest.
	 */
	int before = undefs;
	__asm__ volatile("msr s3_3_c14_c11_6, %0" : : "r"(0UL)); /* PMEVCNTR30_EL0 */
	check(undefs == before + 1, "write of PMEVCNTR30_EL0 was UNDEFINED");
	check(((last_esr >> 26) & 0x3F) == 0 && (last_esr & (1u << 25)),
	      "ESR_EL1 = 0x%llx (EC 0: unknown reason, IL 1)", (unsigned long long)last_esr);
	before = undefs;
	__asm__ volatile("mrs %0, s3_0_c9_c14_6" : "=r"(v)); /* PMMIR_EL1 */
	check(undefs == before + 1, "read of PMMIR_EL1 was UNDEFINED");
	/* Writing an ID register (trapped by HCR_EL2.TID3) is UNDEFINED too. */
	before = undefs;
	__asm__ volatile("msr s3_0_c0_c4_0, %0" : : "r"(0UL));
	check(undefs == before + 1, "write of ID_AA64PFR0_EL1 was UNDEFINED");
	/* An emulated debug register still works. */
	before = undefs;
	write_sysreg(mdscr_el1, 0x1000);
	check(read_sysreg(mdscr_el1) == 0x1000 && undefs == before, "MDSCR_EL1 is emulated");
	return 0;
}
