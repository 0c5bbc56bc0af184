/*
 * The table of system registers hyparm emulates (see arch/sysreg_emul.h).
 *
 * What traps, and why (HCR_EL2 and MDCR_EL2 in vcpu_switch.c):
 *  - ID registers (TID3, TID1): guests see the physical CPU minus what
 *    hyparm does not virtualise (SME, MTE, SPE, trace, AMU, MPAM); SVE and
 *    pointer authentication as the CPU has them; AIDR/REVIDR read as zero.
 *  - PMU registers (MDCR_EL2.TPM, TPMCR): the guest's PMUv3, emulated on
 *    the physical one by arch/arm64/pmu.c.
 *  - Debug registers (TDA/TDOSA/TDRA): self-hosted debug is the guest's
 *    (arch/arm64/debug.c: breakpoints, watchpoints, MDSCR_EL1, the OS
 *    lock, switched per vCPU); the table hands those registers to it.
 *    MDRAR_EL1 (no memory-mapped debug) and the debug communication
 *    channel's status read as zero; the claim tags and OSECCR_EL1,
 *    OSDTRRX/TX_EL1 (an external debugger's) are RAZ/WI, as in KVM.
 *  - Pointer-authentication keys (HCR_EL2.APK): trapped until the vCPU
 *    first uses pointer authentication (arch/arm64/pauth.c makes its keys
 *    live and the access runs again, untrapped); UNDEFINED on a CPU
 *    without it.
 *  - ACTLR_EL1 (TACR): implementation defined, RAZ/WI.
 *  - Set/way cache maintenance (TSW): see below.
 *  - Registers that belong to a device are not here: the EL1 physical
 *    timer (vdev/ptimer.c) and SGI generation (vdev/vgic/vgic_dev.c)
 *    register hooks (hyparm/sysreg_hook.h) that the exit handler asks
 *    first.
 * Everything else that traps (implementation-defined registers) is
 * UNDEFINED for the guest.
 */
#include <arch/cache.h>
#include <arch/debug.h>
#include <arch/pauth.h>
#include <arch/pmu.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

enum sysreg_kind {
	SR_RAZ_WI, /* reads zero, writes ignored */
	SR_RO_ZERO, /* reads zero, writes UNDEF */
	SR_DEBUG, /* self-hosted debug: arch/arm64/debug.c */
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
	{ SYS_MDSCR_EL1, SR_DEBUG },
	{ SYS_MDCCINT_EL1, SR_DEBUG },
	{ SYS_MDRAR_EL1, SR_RO_ZERO },
	{ SYS_OSLAR_EL1, SR_DEBUG },
	{ SYS_OSLSR_EL1, SR_DEBUG },
	{ SYS_OSDLR_EL1, SR_DEBUG },
	{ SYS_DBGPRCR_EL1, SR_DEBUG },
	{ SYS_DBGCLAIMSET_EL1, SR_RAZ_WI },
	{ SYS_DBGCLAIMCLR_EL1, SR_RAZ_WI },
	{ SYS_DBGAUTHSTATUS_EL1, SR_RO_ZERO },
	{ SYS_OSECCR_EL1, SR_RAZ_WI },
	{ SYS_OSDTRRX_EL1, SR_RAZ_WI },
	{ SYS_OSDTRTX_EL1, SR_RAZ_WI },
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
		vcpu_set_reg(v, rt, id_reg_vcpu_value(v, e->u.sysreg.enc));
		return SYSREG_DONE;
	}
	if (is_breakpoint_reg(e))
		return debug_sysreg(v, e);
	if (pmu_is_pmu_reg(e))
		return pmu_sysreg(v, e);
	if (pauth_is_key_reg(e))
		return pauth_first_use(v) ? SYSREG_AGAIN : SYSREG_UNDEF;
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
	case SR_DEBUG:
		return debug_sysreg(v, e);
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
