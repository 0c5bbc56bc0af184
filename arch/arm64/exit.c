/*
 * Guest exits, from the vectors in entry.S to the handler for each kind.
 * The syndrome is decoded once (esr_decode) and dispatched through a table
 * indexed by exit kind; the handler says what happens next and the
 * scheduler picks the vCPU to enter. The common case, an exit that resumes
 * the same vCPU, touches no system register beyond ESR/FAR/HPFAR/ELR.
 */
#include <arch/inject.h>
#include <arch/sysreg.h>
#include <arch/sysreg_emul.h>
#include <arch/vgic_lr.h>
#include <hyparm/mmio.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

typedef enum exit_action (*exit_handler_t)(struct vcpu *, const struct exit_info *);

/* Step over the trapped instruction: 4 bytes, or 2 for a 16-bit T32 one from an AArch32 EL0 (ESR.IL = 0). */
static void skip_instruction(struct vcpu *v)
{
	v->arch.regs.elr += v->exit_il32 ? 4 : 2;
}

static enum exit_action inject_or_crash(struct vcpu *v, bool injected, const char *what)
{
	if (injected)
		return ACT_RESUME;
	vm_crash(v->vm, "exception loop: %s at the guest's own exception vector 0x%llx (VBAR_EL1 unusable)",
		 what, (unsigned long long)v->arch.regs.elr);
	return ACT_STOP;
}

static enum exit_action handle_wfx(struct vcpu *v, const struct exit_info *e)
{
	skip_instruction(v);
	return e->u.wfx.is_wfe ? ACT_YIELD : ACT_BLOCK;
}

static enum exit_action smccc_call(struct vcpu *v)
{
	switch (smccc_dispatch(v, v->arch.regs.x)) {
	case SMCCC_RESUME:
		return ACT_RESUME;
	case SMCCC_VM_OFF:
		vm_power_off(v->vm);
		return ACT_STOP;
	case SMCCC_VM_RESET:
		vm_reset(v->vm);
		return ACT_STOP;
	case SMCCC_VCPU_OFF:
		vcpu_power_off(v);
		return ACT_STOP;
	case SMCCC_VCPU_SUSPEND:
		return ACT_BLOCK;
	}
	return ACT_RESUME;
}

static enum exit_action handle_hvc(struct vcpu *v, const struct exit_info *e)
{
	return smccc_call(v); /* ELR already points past the HVC */
}

static enum exit_action handle_smc(struct vcpu *v, const struct exit_info *e)
{
	skip_instruction(v); /* a trapped SMC leaves ELR at the SMC itself */
	return smccc_call(v);
}

static enum exit_action handle_sysreg(struct vcpu *v, const struct exit_info *e)
{
	if (sysreg_emulate(v, e) == SYSREG_DONE) {
		skip_instruction(v);
		return ACT_RESUME;
	}
	return inject_or_crash(v, inject_undef(v), "undefined system register access");
}

static enum exit_action mmio_emulate(struct vcpu *v, const struct exit_info *e, struct mmio_region *r)
{
	u64 off = e->u.abort.ipa - r->base;
	unsigned size = e->u.abort.size;
	int err;

	if (e->u.abort.write) {
		u64 val = vcpu_get_reg(v, e->u.abort.rt);
		if (size < 8)
			val &= (1ULL << (size * 8)) - 1;
		r->writes++;
		err = r->ops->write(r->dev, v, off, size, val);
	} else {
		u64 val = 0;
		r->reads++;
		err = r->ops->read(r->dev, v, off, size, &val);
		if (!err) {
			if (size < 8) {
				val &= (1ULL << (size * 8)) - 1;
				if (e->u.abort.sign_extend && (val >> (size * 8 - 1)) & 1)
					val |= ~0ULL << (size * 8);
			}
			if (!e->u.abort.sf)
				val &= 0xFFFFFFFFULL;
			vcpu_set_reg(v, e->u.abort.rt, val);
		}
	}
	if (err)
		return inject_or_crash(v, inject_dabt_sea(v, e->u.abort.far), "device access error");
	skip_instruction(v);
	return ACT_RESUME;
}

/* Guest-caused warnings are capped per VM, so a guest cannot flood the console with them. */
static bool may_report(struct vm *vm)
{
	if (vm->reports >= VM_MAX_REPORTS)
		return false;
	vm->reports++;
	return true;
}

static enum exit_action handle_dabt(struct vcpu *v, const struct exit_info *e)
{
	struct mmio_region *r = mmio_bus_find(&v->vm->mmio, e->u.abort.ipa);

	if (r && e->u.abort.isv && !e->u.abort.s1ptw) {
		if (mmio_access_fits(r, e->u.abort.ipa, e->u.abort.size))
			return mmio_emulate(v, e, r);
		/* Past the end of the device: what is there is not its to answer, for any device. */
		if (may_report(v->vm))
			hv_printf("hyparm: vm %s: %u-byte access at IPA 0x%llx runs past the end of %s "
				  "at pc 0x%llx: external abort\n",
				  v->vm->name, e->u.abort.size, (unsigned long long)e->u.abort.ipa, r->name,
				  (unsigned long long)v->arch.regs.elr);
	} else if (r && may_report(v->vm)) {
		hv_printf("hyparm: vm %s: access to %s at IPA 0x%llx without a usable syndrome "
			  "(ISV=0: load/store pair or writeback?) at pc 0x%llx: external abort\n",
			  v->vm->name, r->name, (unsigned long long)e->u.abort.ipa,
			  (unsigned long long)v->arch.regs.elr);
	}
	/* No one owns this IPA: the guest sees what a bus with nothing there gives, an external abort. */
	return inject_or_crash(v, inject_dabt_sea(v, e->u.abort.far), "data abort");
}

static enum exit_action handle_iabt(struct vcpu *v, const struct exit_info *e)
{
	return inject_or_crash(v, inject_iabt_sea(v, e->u.abort.far), "instruction abort");
}

static enum exit_action handle_undef(struct vcpu *v, const struct exit_info *e)
{
	return inject_or_crash(v, inject_undef(v), "undefined instruction");
}

static const exit_handler_t exit_handlers[] = {
	[EXIT_UNKNOWN] = handle_undef,
	[EXIT_WFX] = handle_wfx,
	[EXIT_HVC] = handle_hvc,
	[EXIT_SMC] = handle_smc,
	[EXIT_SYSREG] = handle_sysreg,
	[EXIT_DABT] = handle_dabt,
	[EXIT_IABT] = handle_iabt,
	[EXIT_FP] = handle_undef,
	[EXIT_OTHER] = handle_undef,
};

struct vcpu *handle_guest_sync(struct vcpu *v)
{
	struct exit_info e;
	enum exit_action a;
	u64 esr = read_sysreg(esr_el2);

	if (v->vgic.lr_used)
		vgic_lr_sync(v);
	esr_decode(esr, read_sysreg(far_el2), read_sysreg(hpfar_el2), &e);
	v->exits[e.kind]++;
	v->exit_il32 = esr & ESR_IL;
	v->prev_injected_elr = v->injected_elr;
	v->injected_elr = 0;
	a = exit_handlers[e.kind](v, &e);
	return sched_after_exit(v, a);
}

struct vcpu *handle_guest_irq(struct vcpu *v)
{
	v->exits[EXIT_IRQ]++;
	if (v->vgic.lr_used)
		vgic_lr_sync(v);
	irq_handle_physical();
	return sched_after_exit(v, ACT_RESUME);
}

struct vcpu *handle_guest_serror(struct vcpu *v)
{
	vm_crash(v->vm, "SError from the guest (ESR_EL2 0x%llx)", (unsigned long long)read_sysreg(esr_el2));
	return sched_after_exit(v, ACT_STOP);
}
