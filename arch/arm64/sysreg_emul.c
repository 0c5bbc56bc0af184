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
 *  - Registers that belong to a device are not here: the EL1 physical
 *    timer (vdev/ptimer.c) and SGI generation (vdev/vgic/vgic_dev.c)
 *    register hooks (hyparm/sysreg_hook.h) that the exit handler asks
 *    first.
 * Everything else that traps (PMU registers, implementation-defined
 * registers) is UNDEFINED for the guest.
 */
#include <arch/cache.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

#define OSLSR_OSLM_IMPL (1u << 3) /* OSLM = 0b10: OS lock implemented */
#define OSLSR_OSLK (1u << 1)
#define OSLAR_OSLK 1u

/*
 * MDSCR_EL1 bits a guest may set: SS (0), TDCC (12), KDE (13), MDE (15).
 * The others are RES0, belong to features hidden from guests (trace
 * filter, extended breakpoints, system PMU), or only save and restore
 * EDSCR for an external debugger, which a guest does not have: they read
 * as zero whatever is written.
 */
#define MDSCR_WRITABLE ((1u << 0) | (1u << 12) | (1u << 13) | (1u << 15))

enum sysreg_kind {
	SR_RAZ_WI, /* reads zero, writes ignored */
	SR_RO_ZERO, /* reads zero, writes UNDEF */
	SR_MDSCR,
	SR_OSLAR, /* write-only */
	SR_OSLSR, /* read-only */
	SR_SET_WAY, /* DC ISW/CSW/CISW */
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
};

static bool is_id_space(const struct exit_info *e)
{
	return e->u.sysreg.op0 == 3 && e->u.sysreg.op1 == 0 && e->u.sysreg.crn == 0 && e->u.sysreg.crm >= 1 &&
		e->u.sysreg.crm <= 7;
}

/* DBGBVR/DBGBCR/DBGWVR/DBGWCR<n>_EL1: op0=2 op1=0 CRn=0 CRm=n op2=4..7. */
static bool is_breakpoint_reg(const struct exit_info *e)
{
	return e->u.sysreg.op0 == 2 && e->u.sysreg.op1 == 0 && e->u.sysreg.crn == 0 && e->u.sysreg.op2 >= 4;
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
	case SR_SET_WAY:
		if (read)
			return SYSREG_UNDEF;
		/*
		 * Set/way operations cannot be virtualised (they act on the
		 * physical caches, shared with other VMs). A guest walks all
		 * sets and ways of each level; the operand is zero only for
		 * set 0, way 0 of level 1, once per walk: that is when hyparm
		 * cleans and invalidates all of the VM's RAM by address
		 * instead, which is what the guest wanted. One exit cleans
		 * SETWAY_CHUNK bytes and has the guest execute the instruction
		 * again until all is done, so the work is preemptible: the
		 * CPU serves interrupts and other vCPUs in between.
		 */
		if (vcpu_get_reg(v, rt) != 0)
			return SYSREG_DONE;
		if (vm_dcache_clean_inval_step(v->vm, &v->setway_off))
			return SYSREG_DONE;
		return SYSREG_AGAIN;
	}
	return SYSREG_UNDEF;
}
