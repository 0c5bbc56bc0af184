/*
 * The arch fake's exception injection: records it in the vCPU's registers
 * as arch/arm64/inject.c does, roughly (one vector, 0x400; the same loop rule).
 * Separate from fake.c so that the test of the real inject.c
 * (tests/unit/test_inject.c) links the rest of the fake without it.
 */
#include <arch/inject.h>
#include <hyparm/vm.h>

static bool fake_inject(struct vcpu *v, u64 far)
{
	/* inject.c's rule: faulting at the vector the previous exit's injection sent it to is a loop. */
	if (v->prev_injected_elr && v->arch.regs.elr == v->prev_injected_elr)
		return false;
	v->injected_elr = 0x400; /* "the guest's vector" */
	v->injected_for_far = far;
	v->injected_for_pc = v->arch.regs.elr;
	v->arch.regs.elr = v->injected_elr;
	return true;
}
bool inject_undef(struct vcpu *v)
{
	return fake_inject(v, 0);
}
bool inject_dabt_sea(struct vcpu *v, u64 far)
{
	return fake_inject(v, far);
}
bool inject_iabt_sea(struct vcpu *v, u64 far)
{
	return fake_inject(v, far);
}
