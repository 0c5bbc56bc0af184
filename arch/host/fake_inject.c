/*
 * The arch fake's exception injection: records it in the vCPU's registers
 * as arch/arm64/inject.c does, roughly (one vector, the same loop rule).
 * Separate from fake.c so that the test of the real inject.c
 * (tests/unit/test_inject.c) links the rest of the fake without it.
 */
#include <arch/inject.h>
#include <hyparm/vm.h>

static bool fake_inject(struct vcpu *v, u64 far)
{
	v->injected_elr = 0x400;        /* "the guest's vector" */
	if (v->prev_injected_elr == v->injected_elr)
		return false;               /* the same vector twice in a row: a loop */
	v->arch.regs.elr = v->injected_elr;
	return true;
}
bool inject_undef(struct vcpu *v) { return fake_inject(v, 0); }
bool inject_dabt_sea(struct vcpu *v, u64 far) { return fake_inject(v, far); }
bool inject_iabt_sea(struct vcpu *v, u64 far) { return fake_inject(v, far); }
