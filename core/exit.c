/*
 * Guest exits, from the vectors to the handler for each kind (the exit
 * policy). This is the core's exit entry (hyparm/exit.h): entry.S calls
 * handle_guest_*() directly; the syndrome is decoded once
 * (arch_exit_decode, inline from the arch); the table is indexed by exit kind and every kind has
 * an entry (the default injects UNDEFINED); the handler says what happens
 * next and the scheduler picks the vCPU to enter. The common case, an exit
 * that resumes the same vCPU, touches no system register beyond
 * ESR/FAR/HPFAR/ELR.
 */
#include <arch/exit_regs.h>
#include <arch/inject.h>
#include <arch/sysreg_emul.h>
#include <arch/vcpu_arch.h>
#include <hyparm/exit.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/mmio.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

typedef enum exit_action (*exit_handler_t)(struct vcpu *, const struct exit_info *);

/*
 * Step over the trapped instruction: 4 bytes, or 2 for a 16-bit T32 one
 * from an AArch32 EL0 (il32: ESR.IL). The instruction is done, as if the
 * guest had executed it: a guest single-stepping it takes its step
 * exception on return, before the next one (SPSR.SS cleared, as KVM does).
 * The one step-over of the fast path and the handlers.
 */
static inline void step_over(struct vcpu *v, bool il32)
{
	v->arch.regs.elr += il32 ? 4 : 2;
	v->arch.regs.spsr &= ~(u64)SPSR_SS;
}

static enum exit_action inject_or_crash(struct vcpu *v, bool injected, const char *what)
{
	if (injected)
		return ACT_RESUME;
	/* The vector it loops on says little: the fault that first sent it there says why. */
	vm_crash(v->vm,
		 "exception loop: %s at the guest's own exception vector 0x%llx (VBAR_EL1 unusable); "
		 "first fault: ESR_EL2 0x%llx (EC 0x%llx), FAR 0x%llx, at pc 0x%llx",
		 what, (unsigned long long)v->arch.regs.elr, (unsigned long long)v->injected_for_esr,
		 (unsigned long long)esr_ec(v->injected_for_esr), (unsigned long long)v->injected_for_far,
		 (unsigned long long)v->injected_for_pc);
	return ACT_STOP;
}

static enum exit_action handle_wfx(struct vcpu *v, const struct exit_info *e)
{
	step_over(v, e->il32);
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
	case SMCCC_VM_PANICKED:
		vm_crash(v->vm,
			 "guest kernel panic (it asked for the warm reset its command line keeps for "
			 "a panic: reboot=panic_warm)");
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
	step_over(v, e->il32); /* a trapped SMC leaves ELR at the SMC itself */
	return smccc_call(v);
}

/* A register that belongs to a device (hyparm/sysreg_hook.h), else the architectural table. */
static enum sysreg_result sysreg_access(struct vcpu *v, const struct exit_info *e)
{
	const struct sysreg_hook *h = sysreg_hook_find(e->u.sysreg.enc);
	unsigned rt = e->u.sysreg.rt;

	if (!h)
		return sysreg_emulate(v, e);
	if (h->retry) {
		h->retry(v);
		return SYSREG_AGAIN;
	}
	if (e->u.sysreg.read) {
		u64 val;
		if (!h->read || !h->read(v, &val))
			return SYSREG_UNDEF;
		vcpu_set_reg(v, rt, val);
		return SYSREG_DONE;
	}
	return h->write && h->write(v, vcpu_get_reg(v, rt)) ? SYSREG_DONE : SYSREG_UNDEF;
}

static enum exit_action handle_sysreg(struct vcpu *v, const struct exit_info *e)
{
	switch (sysreg_access(v, e)) {
	case SYSREG_DONE:
		step_over(v, e->il32);
		return ACT_RESUME;
	case SYSREG_AGAIN:
		return ACT_RESUME;
	case SYSREG_UNDEF:
		break;
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
	step_over(v, e->il32);
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

	/* RAM the guest touches for the first time since it booted: scrubbed and mapped now, then retried. */
	if (!r && vm_ram_fault(v, e->u.abort.ipa))
		return ACT_RESUME;

	/* The common case first: a device access with a syndrome that stays inside the device. */
	if (r && e->u.abort.isv && !e->u.abort.s1ptw && mmio_access_fits(r, e->u.abort.ipa, e->u.abort.size))
		return mmio_emulate(v, e, r);
	if (r && e->u.abort.isv && !e->u.abort.s1ptw) {
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
	if (vm_ram_fault(v, e->u.abort.ipa))
		return ACT_RESUME;
	return inject_or_crash(v, inject_iabt_sea(v, e->u.abort.far), "instruction abort");
}

static enum exit_action handle_undef(struct vcpu *v, const struct exit_info *e)
{
	return inject_or_crash(v, inject_undef(v), "undefined instruction");
}

/*
 * SVE or a PAC instruction, trapped because the vCPU had not used it yet:
 * the arch makes that state live and the instruction runs again; on a CPU
 * without the feature the guest takes UNDEFINED, as the CPU would give it.
 */
static enum exit_action handle_first_use(struct vcpu *v, const struct exit_info *e)
{
	if (arch_vcpu_first_use(v, e))
		return ACT_RESUME;
	return handle_undef(v, e);
}

static const exit_handler_t exit_handlers[EXIT_KIND_COUNT] = {
	[EXIT_UNKNOWN] = handle_undef, [EXIT_WFX] = handle_wfx,	      [EXIT_HVC] = handle_hvc,
	[EXIT_SMC] = handle_smc,       [EXIT_SYSREG] = handle_sysreg, [EXIT_DABT] = handle_dabt,
	[EXIT_IABT] = handle_iabt,     [EXIT_FP] = handle_first_use,  [EXIT_OTHER] = handle_undef,
	[EXIT_IRQ] = handle_undef, /* never from a syndrome; here so that no kind lacks an entry */
};

/* After any exit: fold the guest's list registers back before anything looks at the interrupt state. */
static void sync_irqchip(struct vcpu *v)
{
	if (v->irqchip_busy)
		v->vm->irqchip->sync(v);
}

/*
 * A trapped MRS/MSR the fast path answers, or EXIT_KIND_COUNT (nothing
 * done): a read of an ID register (trapped by TID3, Linux reads them at
 * boot and in its user-space emulation of MRS) unless a hook claims the ID
 * space; a write to a device's register whose hook takes every value
 * before any interrupt folding (hyparm/sysreg_hook.h, fast_write: the
 * vGIC's SGI registers, every IPI). Stepped over: always 32 bits.
 */
static unsigned sysreg_fast(struct vcpu *v, u32 iss)
{
	if (iss & SYSREG_ISS_READ) {
		if (!sysreg_iss_is_id_read(iss) || sysreg_hooks_in(3, 0))
			return EXIT_KIND_COUNT;
		sysreg_fast_id_read(v, iss);
	} else {
		const struct sysreg_hook *h = sysreg_hook_find(sysreg_iss_enc(iss));
		if (!h || !h->fast_write)
			return EXIT_KIND_COUNT;
		/* The hook takes a lock (the vGIC's): the watchdog's tick on first, so a hang there is caught. */
		arch_exit_fast_begin();
		h->write(v, vcpu_get_reg(v, sysreg_iss_rt(iss)));
	}
	step_over(v, true);
	return EXIT_SYSREG;
}

/*
 * The fast path: an exit whose handling needs only ESR_EL2 and the vCPU's
 * registers, answered before the full decode and the table; the answer is
 * the full path's. The exit's kind for the statistics, or EXIT_KIND_COUNT:
 * not a fast one, nothing done. Fast today:
 *  - an HVC that smccc_fast() answers (the Spectre workaround calls, which
 *    Linux makes on every context switch, and owners with no service);
 *    ELR already points past an HVC;
 *  - the system registers of sysreg_fast().
 * Everything after the handler (statistics, interrupt folding, the
 * scheduler's check) is the common path's.
 */
static unsigned exit_fast(struct vcpu *v, u64 esr)
{
	switch (esr_ec(esr)) {
	case EC_HVC64:
		return smccc_fast(v->arch.regs.x) ? EXIT_HVC : EXIT_KIND_COUNT;
	case EC_SYS64:
		return sysreg_fast(v, esr_iss(esr));
	}
	return EXIT_KIND_COUNT;
}

/*
 * exit_ticks: the time hyparm spent on the vCPU's exits, from the exit's
 * first C instruction to the handler's verdict (decode, emulation,
 * interrupts): the monitor's "time in hyparm". The world switch and time
 * the CPU then spends elsewhere (another vCPU, idle) are not the exit's.
 */
struct vcpu *handle_guest_sync(struct vcpu *v)
{
	u64 t0 = arch_exit_timestamp();
	u64 esr = arch_exit_peek_esr();
	unsigned kind = exit_fast(v, esr); /* injects nothing, needs no interrupt state */
	bool fast = kind != EXIT_KIND_COUNT;
	enum exit_action a = ACT_RESUME;
	struct exit_info e;

	if (fast) {
		arch_exit_fast_begin();
	} else {
		arch_exit_decode(esr, &e);
		kind = e.kind;
	}
	sync_irqchip(v);
	v->exits[kind]++;
	v->prev_injected_elr = v->injected_elr;
	v->injected_elr = 0;
	if (!fast)
		a = exit_handlers[kind](v, &e);
	v->exit_ticks += arch_exit_timestamp() - t0;
	return sched_after_exit(v, a);
}

struct vcpu *handle_guest_irq(struct vcpu *v)
{
	u64 t0 = arch_exit_timestamp();

	arch_exit_irq_begin();
	v->exits[EXIT_IRQ]++;
	sync_irqchip(v); /* first: it also turns the underflow interrupt off, so the loop below ends */
	irq_handle_physical();
	v->exit_ticks += arch_exit_timestamp() - t0;
	return sched_after_exit(v, ACT_RESUME);
}

struct vcpu *handle_guest_serror(struct vcpu *v)
{
	vm_crash(v->vm, "SError from the guest (ESR_EL2 0x%llx)", (unsigned long long)arch_exit_esr());
	return sched_after_exit(v, ACT_STOP);
}

const char *exit_kind_name(unsigned kind)
{
	static const char *const names[EXIT_KIND_COUNT] = {
		[EXIT_UNKNOWN] = "undef", [EXIT_WFX] = "wfx",	[EXIT_HVC] = "hvc",   [EXIT_SMC] = "smc",
		[EXIT_SYSREG] = "sysreg", [EXIT_DABT] = "mmio", [EXIT_IABT] = "iabt", [EXIT_FP] = "fp",
		[EXIT_OTHER] = "other",	  [EXIT_IRQ] = "irq",
	};
	return kind < EXIT_KIND_COUNT && names[kind] ? names[kind] : "?";
}
