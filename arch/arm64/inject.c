/* Exception injection into a guest's EL1 (see arch/inject.h). */
#include <arch/esr.h>
#include <arch/inject.h>
#include <arch/sysreg.h>
#include <hyparm/vm.h>

#define PSR_PAN BIT(22)
#define SCTLR_SPAN BIT(23)
#define MMFR1_PAN(v) (((v) >> 20) & 0xF)

/* VBAR_EL1 offsets (ARM ARM D1.10.2). */
#define VEC_CUR_SP0 0x000
#define VEC_CUR_SPX 0x200
#define VEC_LOW_A64 0x400
#define VEC_LOW_A32 0x600

static bool inject(struct vcpu *v, unsigned ec_same_el, unsigned ec_lower_el, u32 iss, u64 far, bool set_far)
{
	struct gp_regs *r = &v->arch.regs;
	u64 spsr = r->spsr;
	unsigned mode = spsr & 0x1F;
	bool from_el1 = (mode & 0xC) == 0x4; /* EL1t or EL1h */
	u64 offset, vector;
	u64 pstate = SPSR_DAIF | SPSR_MODE_EL1H;

	if (spsr & 0x10)
		offset = VEC_LOW_A32; /* AArch32 EL0 */
	else if (!from_el1)
		offset = VEC_LOW_A64;
	else
		offset = (mode & 1) ? VEC_CUR_SPX : VEC_CUR_SP0;
	vector = read_sysreg(vbar_el1) + offset;

	/* Faulting on the vector hyparm just sent it to, before anything else: a loop. */
	if (v->prev_injected_elr && r->elr == v->prev_injected_elr)
		return false;
	v->injected_elr = vector;
	/* Kept for the report if the guest loops from here (core/exit.c): the cause, not its echo. */
	v->injected_for_esr = read_sysreg(esr_el2);
	v->injected_for_far = read_sysreg(far_el2);
	v->injected_for_pc = r->elr;

	write_sysreg(esr_el1, ((u64)(from_el1 ? ec_same_el : ec_lower_el) << ESR_EC_SHIFT) | ESR_IL | iss);
	if (set_far)
		write_sysreg(far_el1, far);
	write_sysreg(elr_el1, r->elr);
	write_sysreg(spsr_el1, spsr);
	/* PAN is set on exception entry if SCTLR_EL1.SPAN is 0, else left as it was. */
	if (MMFR1_PAN(read_sysreg(id_aa64mmfr1_el1)))
		pstate |= (read_sysreg(sctlr_el1) & SCTLR_SPAN) ? spsr & PSR_PAN : PSR_PAN;
	r->spsr = pstate;
	r->elr = vector;
	return true;
}

bool inject_undef(struct vcpu *v)
{
	return inject(v, EC_UNKNOWN, EC_UNKNOWN, 0, 0, false);
}

bool inject_dabt_sea(struct vcpu *v, u64 far)
{
	return inject(v, EC_DABT_CUR, EC_DABT_LOW, FSC_SEA, far, true);
}

bool inject_iabt_sea(struct vcpu *v, u64 far)
{
	return inject(v, EC_IABT_CUR, EC_IABT_LOW, FSC_SEA, far, true);
}
