/*
 * Self-hosted debug for guests (see arch/debug.h for the lazy switching).
 * Pure logic over the hardware accessors of debug_hw.c, so the host unit
 * tests run it on a fake CPU.
 *
 * Where a vCPU's debug state is:
 *  - inactive: in struct vcpu_debug. MDCR_EL2.TDA traps; the CPU's
 *    breakpoint registers may still hold another vCPU's values, but this
 *    one's MDSCR_EL1 (always loaded) has MDE, KDE and SS clear, so they
 *    cannot fire, and every read of them traps.
 *  - active: the breakpoint, watchpoint and MDCCINT_EL1 registers in
 *    the CPU while the vCPU is loaded. With its OS lock (or double lock)
 *    off it owns the hardware: TDA clear, its MDSCR_EL1 live. With a lock
 *    set, TDA traps, hyparm keeps its MDSCR_EL1 and the CPU has that value
 *    without MDE and SS, so no breakpoint, watchpoint or step fires, as the
 *    lock wants (KVM 6.1 clears MDE for the same reason); BRK still works.
 *
 * EL2 itself is never debugged by a guest: MDCR_EL2.TDE and HCR_EL2.TGE
 * stay 0, so debug exceptions target EL1 and are never generated at EL2
 * (AArch64.GenerateDebugExceptionsFrom: the target must be higher than
 * the current EL). The control values hyparm loads are also stripped of
 * what would match at EL2 or EL3 (debug_ctrl_sanitize); a guest that owns
 * the hardware writes them unchecked, which the first rule makes harmless.
 */
#include <arch/debug.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

#define OSLSR_OSLM_IMPL (1u << 3) /* OSLM = 0b10: OS lock implemented */
#define OSLSR_OSLK (1u << 1)

/*
 * MDSCR_EL1 bits a guest may set through the trap: SS, TDCC, KDE, MDE. The
 * others are RES0, belong to features hidden from guests, or save and
 * restore EDSCR for an external debugger (writable only under the OS lock
 * of the physical CPU, which hyparm keeps unlocked): they read as zero.
 */
#define MDSCR_WRITABLE (MDSCR_SS | MDSCR_TDCC | MDSCR_KDE | MDSCR_MDE)
/* What makes debug events possible: a vCPU whose MDSCR_EL1 has none of them need not stay active. */
#define MDSCR_EVENTS (MDSCR_SS | MDSCR_KDE | MDSCR_MDE)

/* DBGBCR/DBGWCR fields (ARM ARM D19.3). */
#define CTRL_E BIT(0)
#define CTRL_HMC BIT(13)
#define CTRL_SSC_SHIFT 14
#define CTRL_SSC_MASK (3UL << CTRL_SSC_SHIFT)
#define SSC_NONSECURE 1UL
#define BCR_BT_EL2 BIT(23) /* BT = 0b1xxx: VMID or CONTEXTIDR_EL2 match */

unsigned debug_nr_brps(void)
{
	return ((id_reg_guest_value(SYS_ID_AA64DFR0_EL1) >> 12) & 0xF) + 1; /* BRPs */
}

unsigned debug_nr_wrps(void)
{
	return ((id_reg_guest_value(SYS_ID_AA64DFR0_EL1) >> 20) & 0xF) + 1; /* WRPs */
}

u64 debug_ctrl_sanitize(u64 ctrl, bool breakpoint)
{
	/*
	 * A breakpoint or watchpoint matches at EL2 with HMC set (most SSC
	 * values) or with SSC = 0b11, at EL3 with HMC set (AArch64.StateMatch).
	 * Guests run in Non-secure EL1 and EL0 only: HMC cleared and SSC 0b11
	 * made 0b01 (Non-secure) keeps every EL1 and EL0 match they asked for.
	 */
	ctrl &= ~CTRL_HMC;
	if ((ctrl & CTRL_SSC_MASK) == CTRL_SSC_MASK)
		ctrl = (ctrl & ~CTRL_SSC_MASK) | (SSC_NONSECURE << CTRL_SSC_SHIFT);
	/* VMID and CONTEXTIDR_EL2 matches are about EL2 state, reserved for a guest that has no EL2: off. */
	if (breakpoint && (ctrl & BCR_BT_EL2))
		ctrl &= ~CTRL_E;
	return ctrl;
}

static bool locked(const struct vcpu_debug *d)
{
	/* The double lock counts only while no powerdown is held off (DoubleLockStatus()). */
	return d->oslk || (d->dlk && !d->corenpdrq);
}

/* It programs the hardware directly: TDA clear, its MDSCR_EL1 live. */
static bool owns_hw(const struct vcpu_debug *d)
{
	return d->active && !locked(d);
}

static u64 mdscr_in_cpu(const struct vcpu_debug *d)
{
	return locked(d) ? d->mdscr & ~(MDSCR_MDE | MDSCR_SS) : d->mdscr;
}

/* Whether register r exists in the guest's CPU (and so in the physical one). */
static bool implemented(unsigned r)
{
	if (r < DBG_WVR0)
		return r % DBG_MAX_BP < debug_nr_brps();
	if (r < DBG_MDCCINT)
		return r % DBG_MAX_BP < debug_nr_wrps();
	return r < DBG_NR_REGS;
}

static u64 sanitize(unsigned r, u64 val)
{
	if (r >= DBG_BCR0 && r < DBG_WVR0)
		return debug_ctrl_sanitize(val, true);
	if (r >= DBG_WCR0 && r < DBG_MDCCINT)
		return debug_ctrl_sanitize(val, false);
	return val;
}

static void regs_to_hw(const struct vcpu_debug *d)
{
	for (unsigned r = 0; r < DBG_NR_REGS; r++)
		if (implemented(r))
			dbg_hw_write(r, sanitize(r, d->reg[r]));
}

static void regs_from_hw(struct vcpu_debug *d)
{
	for (unsigned r = 0; r < DBG_NR_REGS; r++)
		if (implemented(r))
			d->reg[r] = dbg_hw_read(r);
}

void debug_vcpu_reset(struct vcpu *v)
{
	v->arch.debug = (struct vcpu_debug){ 0 };
}

void debug_vcpu_load(struct vcpu *v)
{
	struct vcpu_debug *d = &v->arch.debug;

	if (d->active)
		regs_to_hw(d);
	dbg_hw_set_mdscr(mdscr_in_cpu(d));
	dbg_hw_trap(!owns_hw(d));
}

void debug_vcpu_put(struct vcpu *v)
{
	struct vcpu_debug *d = &v->arch.debug;

	if (!d->active)
		return;
	regs_from_hw(d);
	if (owns_hw(d))
		d->mdscr = dbg_hw_mdscr();
	/* Nothing enabled: stop paying for it; its next debug access traps and makes it active again. */
	if (!(d->mdscr & MDSCR_EVENTS))
		d->active = false;
}

/* First use since it was loaded: its registers into the CPU, and stop trapping unless a lock is set. */
static void activate(struct vcpu_debug *d)
{
	if (d->active)
		return;
	d->active = true;
	regs_to_hw(d);
	dbg_hw_trap(!owns_hw(d));
}

/* A lock changes: the guest's MDSCR_EL1 moves between the CPU and hyparm's copy. */
static void set_lock(struct vcpu_debug *d, bool *lock, bool val)
{
	if (owns_hw(d))
		d->mdscr = dbg_hw_mdscr();
	*lock = val;
	dbg_hw_set_mdscr(mdscr_in_cpu(d));
	dbg_hw_trap(!owns_hw(d));
}

/* DBGBVR/BCR/WVR/WCR<n>_EL1 (op0=2 op1=0 CRn=0 CRm=n op2=4..7): the register index, or -1. */
static int bp_index(const struct exit_info *e)
{
	static const unsigned base[4] = { DBG_BVR0, DBG_BCR0, DBG_WVR0, DBG_WCR0 };
	const unsigned idx = base[e->u.sysreg.op2 - 4] + e->u.sysreg.crm;

	return implemented(idx) ? (int)idx : -1;
}

/* A register whose value lives in the CPU once the vCPU is active: the access goes there. */
static enum sysreg_result hw_access(struct vcpu *v, const struct exit_info *e, enum dbg_reg r, u64 wval)
{
	activate(&v->arch.debug);
	if (e->u.sysreg.read)
		vcpu_set_reg(v, e->u.sysreg.rt, dbg_hw_read(r));
	else
		dbg_hw_write(r, sanitize(r, wval));
	return SYSREG_DONE;
}

enum sysreg_result debug_sysreg(struct vcpu *v, const struct exit_info *e)
{
	struct vcpu_debug *d = &v->arch.debug;
	const bool read = e->u.sysreg.read;
	const unsigned rt = e->u.sysreg.rt;
	const u64 val = read ? 0 : vcpu_get_reg(v, rt);
	int bp;

	if (e->u.sysreg.op0 == 2 && e->u.sysreg.op1 == 0 && e->u.sysreg.crn == 0 && e->u.sysreg.op2 >= 4) {
		bp = bp_index(e);
		/* Beyond what ID_AA64DFR0_EL1 advertises there is no register: UNDEFINED, as on the CPU. */
		return bp < 0 ? SYSREG_UNDEF : hw_access(v, e, (enum dbg_reg)bp, val);
	}

	switch (e->u.sysreg.enc) {
	case SYS_MDSCR_EL1:
		/* Trapped only while hyparm keeps the guest's value (inactive or locked). */
		activate(d);
		if (read) {
			vcpu_set_reg(v, rt, owns_hw(d) ? dbg_hw_mdscr() : d->mdscr);
		} else {
			d->mdscr = val & MDSCR_WRITABLE;
			dbg_hw_set_mdscr(mdscr_in_cpu(d));
		}
		return SYSREG_DONE;
	case SYS_MDCCINT_EL1:
		return hw_access(v, e, DBG_MDCCINT, val);
	/* The OS lock registers trap always (MDCR_EL2.TDOSA), whatever the vCPU's state. */
	case SYS_OSLAR_EL1:
		if (read)
			return SYSREG_UNDEF;
		if ((val & 1) != d->oslk)
			set_lock(d, &d->oslk, val & 1);
		return SYSREG_DONE;
	case SYS_OSLSR_EL1:
		if (!read)
			return SYSREG_UNDEF;
		vcpu_set_reg(v, rt, OSLSR_OSLM_IMPL | (d->oslk ? OSLSR_OSLK : 0));
		return SYSREG_DONE;
	case SYS_OSDLR_EL1:
		if (read)
			vcpu_set_reg(v, rt, d->dlk);
		else if ((val & 1) != d->dlk)
			set_lock(d, &d->dlk, val & 1);
		return SYSREG_DONE;
	case SYS_DBGPRCR_EL1:
		if (read)
			vcpu_set_reg(v, rt, d->corenpdrq);
		else if ((val & 1) != d->corenpdrq)
			set_lock(d, &d->corenpdrq, val & 1);
		return SYSREG_DONE;
	}
	return SYSREG_UNDEF;
}
