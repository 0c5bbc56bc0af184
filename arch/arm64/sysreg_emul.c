/*
 * The table of system registers hyparm emulates (see arch/sysreg_emul.h).
 *
 * What traps, and why (HCR_EL2 and MDCR_EL2 in vcpu_switch.c):
 *  - ID registers (TID3, TID1): guests see the physical CPU minus what
 *    hyparm does not virtualise (SVE, SME, MTE, pointer authentication,
 *    PMU, SPE, trace, AMU, MPAM); AIDR/REVIDR read as zero.
 *  - Debug registers (TDA/TDOSA/TDRA): hyparm does not give guests hardware
 *    breakpoints or watchpoints yet. MDSCR_EL1 is kept per vCPU (Linux
 *    writes it often), the OS lock is modelled, the rest reads as zero
 *    and ignores writes.
 *  - ACTLR_EL1 (TACR): implementation defined, RAZ/WI.
 *  - Set/way cache maintenance (TSW): see below.
 *  - The EL1 physical timer (CNTHCTL_EL2.EL1PCEN clear): emulated in
 *    vdev/vtimer.c, as KVM does.
 *  - SGI generation (ICC_SGI1R_EL1 and friends trap because HCR_EL2.IMO
 *    is set): each becomes a virtual SGI to the target vCPUs.
 * Everything else that traps (PMU registers, implementation-defined
 * registers) is UNDEFINED for the guest.
 */
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

#define OSLSR_OSLM_IMPL  (1u << 3)  /* OSLM = 0b10: OS lock implemented */
#define OSLSR_OSLK       (1u << 1)
#define OSLAR_OSLK       1u

/*
 * MDSCR_EL1 bits a guest may set: SS (0), TDCC (12), KDE (13), MDE (15).
 * The others are RES0, belong to features hidden from guests (trace
 * filter, extended breakpoints, system PMU), or only save and restore
 * EDSCR for an external debugger, which a guest does not have: they read
 * as zero whatever is written.
 */
#define MDSCR_WRITABLE   ((1u << 0) | (1u << 12) | (1u << 13) | (1u << 15))

enum sysreg_kind {
	SR_RAZ_WI,       /* reads zero, writes ignored */
	SR_RO_ZERO,      /* reads zero, writes UNDEF */
	SR_MDSCR,
	SR_OSLAR,        /* write-only */
	SR_OSLSR,        /* read-only */
	SR_SET_WAY,      /* DC ISW/CSW/CISW */
	SR_SGI,          /* ICC_SGI1R/ASGI1R/SGI0R_EL1: trap with HCR_EL2.IMO, become virtual SGIs */
	SR_PTIMER_CTL,   /* the EL1 physical timer, emulated (vdev/vtimer.c) */
	SR_PTIMER_TVAL,
	SR_PTIMER_CVAL,
};

struct sysreg_entry {
	u32 enc;
	enum sysreg_kind kind;
};

static const struct sysreg_entry sysreg_table[] = {
	{ SYS_ACTLR_EL1, SR_RAZ_WI },
	{ SYS_AIDR_EL1, SR_RO_ZERO },
	{ SYS_REVIDR_EL1, SR_RO_ZERO },
	{ SYS_MDSCR_EL1, SR_MDSCR },
	{ SYS_MDCCINT_EL1, SR_RAZ_WI },
	{ SYS_MDRAR_EL1, SR_RO_ZERO },
	{ SYS_OSLAR_EL1, SR_OSLAR },
	{ SYS_OSLSR_EL1, SR_OSLSR },
	{ SYS_OSDLR_EL1, SR_RAZ_WI },
	{ SYS_DBGPRCR_EL1, SR_RAZ_WI },
	{ SYS_DBGCLAIMSET_EL1, SR_RAZ_WI },
	{ SYS_DBGCLAIMCLR_EL1, SR_RAZ_WI },
	{ SYS_DBGAUTHSTATUS_EL1, SR_RO_ZERO },
	{ SYS_MDCCSR_EL0, SR_RO_ZERO },
	{ SYS_DC_ISW, SR_SET_WAY },
	{ SYS_DC_CSW, SR_SET_WAY },
	{ SYS_DC_CISW, SR_SET_WAY },
	{ SYS_ICC_SGI1R_EL1, SR_SGI },
	{ SYS_ICC_ASGI1R_EL1, SR_SGI },
	{ SYS_ICC_SGI0R_EL1, SR_SGI },
	{ SYS_CNTP_CTL_EL0, SR_PTIMER_CTL },
	{ SYS_CNTP_TVAL_EL0, SR_PTIMER_TVAL },
	{ SYS_CNTP_CVAL_EL0, SR_PTIMER_CVAL },
};

static bool is_id_space(const struct exit_info *e)
{
	return e->u.sysreg.op0 == 3 && e->u.sysreg.op1 == 0 && e->u.sysreg.crn == 0 &&
	       e->u.sysreg.crm >= 1 && e->u.sysreg.crm <= 7;
}

/* DBGBVR/DBGBCR/DBGWVR/DBGWCR<n>_EL1: op0=2 op1=0 CRn=0 CRm=n op2=4..7. */
static bool is_breakpoint_reg(const struct exit_info *e)
{
	return e->u.sysreg.op0 == 2 && e->u.sysreg.op1 == 0 && e->u.sysreg.crn == 0 &&
	       e->u.sysreg.op2 >= 4;
}

static const struct sysreg_entry *lookup(u32 enc)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysreg_table); i++)
		if (sysreg_table[i].enc == enc)
			return &sysreg_table[i];
	return NULL;
}

enum sysreg_result sysreg_emulate(struct vcpu *v, const struct exit_info *e)
{
	const struct sysreg_entry *ent;
	bool read = e->u.sysreg.read;
	unsigned rt = e->u.sysreg.rt;

	if (is_id_space(e)) {
		if (!read)
			return SYSREG_UNDEF;
		vcpu_set_reg(v, rt, id_reg_guest_value(e->u.sysreg.enc));
		return SYSREG_DONE;
	}
	if (is_breakpoint_reg(e)) {
		if (read)
			vcpu_set_reg(v, rt, 0);
		return SYSREG_DONE;
	}
	ent = lookup(e->u.sysreg.enc);
	if (!ent)
		return SYSREG_UNDEF;

	switch (ent->kind) {
	case SR_RAZ_WI:
		if (read)
			vcpu_set_reg(v, rt, 0);
		return SYSREG_DONE;
	case SR_RO_ZERO:
		if (!read)
			return SYSREG_UNDEF;
		vcpu_set_reg(v, rt, 0);
		return SYSREG_DONE;
	case SR_MDSCR:
		if (read)
			vcpu_set_reg(v, rt, v->arch.sys.mdscr_el1);
		else
			v->arch.sys.mdscr_el1 = vcpu_get_reg(v, rt) & MDSCR_WRITABLE;
		return SYSREG_DONE;
	case SR_OSLAR:
		if (read)
			return SYSREG_UNDEF;
		v->oslk = vcpu_get_reg(v, rt) & OSLAR_OSLK;
		return SYSREG_DONE;
	case SR_OSLSR:
		if (!read)
			return SYSREG_UNDEF;
		vcpu_set_reg(v, rt, OSLSR_OSLM_IMPL | (v->oslk ? OSLSR_OSLK : 0));
		return SYSREG_DONE;
	case SR_SGI:
		if (read)
			return SYSREG_UNDEF;
		vgic_send_sgi(v, vcpu_get_reg(v, rt));
		return SYSREG_DONE;
	case SR_PTIMER_CTL:
		if (read)
			vcpu_set_reg(v, rt, ptimer_read_ctl(v));
		else
			ptimer_write_ctl(v, vcpu_get_reg(v, rt));
		return SYSREG_DONE;
	case SR_PTIMER_TVAL:
		if (read)
			vcpu_set_reg(v, rt, ptimer_read_tval(v));
		else
			ptimer_write_tval(v, vcpu_get_reg(v, rt));
		return SYSREG_DONE;
	case SR_PTIMER_CVAL:
		if (read)
			vcpu_set_reg(v, rt, ptimer_read_cval(v));
		else
			ptimer_write_cval(v, vcpu_get_reg(v, rt));
		return SYSREG_DONE;
	case SR_SET_WAY:
		if (read)
			return SYSREG_UNDEF;
		/*
		 * Set/way operations cannot be virtualised (they act on the
		 * physical caches, shared with other VMs). A guest walks all
		 * sets and ways of each level; the operand is zero only for
		 * set 0, way 0 of level 1, once per walk: that is when hyparm
		 * cleans and invalidates all of the VM's RAM by address
		 * instead, which is what the guest wanted.
		 */
		if (vcpu_get_reg(v, rt) == 0)
			vm_dcache_clean_inval(v->vm);
		return SYSREG_DONE;
	}
	return SYSREG_UNDEF;
}
