/*
 * The guest's pointer-authentication keys, switched from its first use on
 * (see arch/pauth.h). Pure logic over pauth_hw.c, so the host unit tests
 * run it on a fake CPU.
 */
#include <arch/cpu_features.h>
#include <arch/pauth.h>
#include <arch/sysreg.h>
#include <hyparm/vm.h>
#include <string.h>

void pauth_vcpu_reset(struct vcpu *v)
{
	memset(&v->arch.pauth, 0, sizeof(v->arch.pauth));
}

void pauth_vcpu_load(struct vcpu *v)
{
	if (v->arch.pauth.active)
		pauth_hw_write_keys(v->arch.pauth.key);
}

void pauth_vcpu_put(struct vcpu *v)
{
	if (v->arch.pauth.active)
		pauth_hw_read_keys(v->arch.pauth.key);
}

bool pauth_first_use(struct vcpu *v)
{
	struct vcpu_pauth *p = &v->arch.pauth;

	if (!cpu_feat.pauth || p->active)
		return false;
	/* Its keys first: nothing of it runs with API/APK set while another vCPU's keys are in the CPU. */
	pauth_hw_write_keys(p->key);
	p->active = true;
	v->arch.hcr_el2 |= HCR_API | HCR_APK;
	pauth_hw_write_hcr(v->arch.hcr_el2);
	return true;
}
