/*
 * Trap configuration and the system-register half of the world switch.
 *
 * Exits never touch the EL1 registers: they stay live in the CPU while the
 * same vCPU keeps running. Only when a physical CPU changes vCPU does the
 * scheduler put one (arch_vcpu_put) and load the other (arch_vcpu_load),
 * together with the VM's stage 2 (VTTBR_EL2/VTCR_EL2) and the shadow ID
 * registers.
 */
#include <arch/cpu_features.h>
#include <arch/debug.h>
#include <arch/mte.h>
#include <arch/pauth.h>
#include <arch/pmu.h>
#include <arch/sve.h>
#include <arch/sysreg.h>
#include <arch/vcpu_arch.h>
#include <arch/watchdog.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>
#include <string.h>

/*
 * HCR_EL2 for every guest, bit by bit:
 *  VM      stage-2 translation on: the guest reaches only what stage 2 maps.
 *  SWIO    set/way invalidates act as clean+invalidate (they would otherwise
 *          discard other guests' dirty lines).
 *  FMO/IMO/AMO  physical FIQ/IRQ/SError go to EL2; the guest's GIC CPU
 *          interface becomes the virtual one.
 *  FB, BSU=IS   the guest's TLB and cache maintenance reaches every CPU the
 *          VM may run on, as its vCPUs move between CPUs.
 *  TWI     WFI traps, so an idle vCPU gives its CPU up. WFE is not trapped:
 *          a vCPU alone on its CPU loses nothing by spinning in WFE.
 *  TSC     SMC traps: guests must not reach the firmware.
 *  TID1    AIDR_EL1/REVIDR_EL1 trap (they describe the physical part).
 *  TID3    ID registers trap so hyparm shows a sanitised CPU.
 *  TIDCP   implementation-defined registers trap (UNDEF for the guest).
 *  TACR    ACTLR_EL1 traps (implementation-defined controls).
 *  TSW     set/way cache maintenance traps (handled as KVM does).
 *  RW      EL1 is AArch64.
 * Left clear on purpose: TVM/TRVM (EL1 MMU registers are the guest's),
 * TTLB (guest TLB maintenance needs no help with VMIDs), API/APK (pointer
 * authentication: its instructions and key registers trap until the vCPU
 * first uses them, then arch/arm64/pauth.c sets both in its HCR_EL2; on a
 * CPU without it they stay clear and the traps make them UNDEFINED), EnSCXT
 * (SCXTNUM_EL0/EL1 trap), TID5 (GMID_EL1 is the CPU's, nothing to hide).
 * TERR and TLOR are added per CPU (cpu_feat.hcr_traps): they are RES0
 * without RAS and LORegions. ATA is added per VM (mte_hcr_bits): set where
 * the CPU has MTE2 and the VM may use it, its tags and tag registers are
 * then the guest's; clear, tags are RAZ/WI to EL1/EL0, nothing is tag
 * checked and the MTE registers trap.
 */
#define HCR_GUEST \
	(HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWI | HCR_TSC | \
	 HCR_TID1 | HCR_TID3 | HCR_TIDCP | HCR_TACR | HCR_TSW | HCR_RW)

/*
 * MDCR_EL2: PMU accesses trap always (TPM, TPMCR): arch/arm64/pmu.c
 * emulates them on the physical PMU, so a guest's event filters never
 * count EL2; HPMD (PMUv3p1 and later) prohibits EL2 event counting too.
 * The OS lock
 * registers (TDOSA) and MDRAR_EL1 (TDRA) trap always, hyparm emulates
 * them; the other debug registers (TDA) trap until a vCPU uses them, then
 * not while it runs (arch/arm64/debug.c switches TDA per vCPU). TDE stays
 * 0: the guest's debug exceptions go to its own EL1, never to EL2.
 * HPMN (bits 4:0) keeps all counters the physical PMCR_EL0.N has.
 */
#define MDCR_TPMCR BIT(5)
#define MDCR_TPM BIT(6)
#define MDCR_TDA BIT(9)
#define MDCR_TDOSA BIT(10)
#define MDCR_TDRA BIT(11)
#define MDCR_HPMD BIT(17)

/*
 * CPTR_EL2 (nVHE layout): RES1 bits plus TZ (SVE traps: until a vCPU first
 * uses it, arch/arm64/sve.c then clears TZ while that vCPU runs) and TSM
 * (SME traps). TFP stays 0: FP/SIMD is the guest's, switched eagerly with
 * the vCPU. TTA traps trace registers.
 */
#define CPTR_EL2_VALUE (0x33FFUL | BIT(20))

/* HCRX_EL2 (FEAT_HCX), an encoding older assemblers do not name. 0: every control it adds off or trapping. */
#define HCRX_EL2 S3_4_C1_C2_2
#define TPIDR2_EL0 S3_3_C13_C0_5
#define VDISR_EL2 S3_4_C12_C1_1
#define ACCDATA_EL1 S3_0_C13_C0_5
/* One macro level more, so that an encoding given by name is expanded before it is stringified. */
#define read_sysreg_enc(enc) read_sysreg(enc)
#define write_sysreg_enc(enc, v) write_sysreg(enc, v)

/* CNTHCTL_EL2 (nVHE): EL1PCTEN=1, the physical counter is readable; EL1PCEN=0, the physical timer traps. */
#define CNTHCTL_VALUE 0x1UL

/* SCTLR_EL1 at reset: RES1 bits only, MMU and caches off. */
#define SCTLR_EL1_RESET 0x30D00800UL

void arch_cpu_init_traps(unsigned parange)
{
	u64 pmcr_n = (read_sysreg(pmcr_el0) >> 11) & 0x1F;
	unsigned pmuver = pmu_hw_version();
	u64 hpmd = pmuver >= 4 && pmuver != 0xF ? MDCR_HPMD : 0;

	write_sysreg(mdcr_el2,
		     MDCR_TPMCR | MDCR_TPM | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA | hpmd | pmcr_n |
			     cpu_feat.mdcr_traps);
	dbg_hw_cpu_init();
	pmu_hw_cpu_init();
	write_sysreg(cptr_el2, CPTR_EL2_VALUE | cpu_feat.cptr_traps);
	isb();
	sve_cpu_init();
	if (cpu_feat.hcx)
		write_sysreg_enc(HCRX_EL2, 0);
	write_sysreg(cnthctl_el2, CNTHCTL_VALUE);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(hstr_el2, 0);
	/* Until a guest runs: no stage 2, EL1 AArch64. */
	write_sysreg(hcr_el2, HCR_RW);
	isb();
}

void arch_vcpu_reset(struct vcpu *v, u64 entry, u64 x0)
{
	struct arch_vcpu *a = &v->arch;

	memset(&a->regs, 0, sizeof(a->regs));
	memset(&a->sys, 0, sizeof(a->sys));
	memset(&a->fp, 0, sizeof(a->fp));
	debug_vcpu_reset(v);
	pmu_vcpu_reset(v);
	sve_vcpu_reset(v);
	pauth_vcpu_reset(v);
	a->regs.x[0] = x0;
	a->regs.elr = entry;
	a->regs.spsr = SPSR_DAIF | SPSR_MODE_EL1H;
	a->sys.sctlr_el1 = SCTLR_EL1_RESET;
	a->sys.vmpidr_el2 = BIT(31) | v->mpidr;
	a->sys.vpidr_el2 = read_sysreg(midr_el1);
	a->hcr_el2 = HCR_GUEST | cpu_feat.hcr_traps | mte_hcr_bits(cpu_feat.mte, v->vm->mte);
	v->injected_elr = 0;
	v->prev_injected_elr = 0;
}

#define SAVE(r) s->r = read_sysreg(r)
#define LOAD(r) write_sysreg(r, s->r)
#define SAVE_ENC(f, enc) s->f = read_sysreg_enc(enc)
#define LOAD_ENC(f, enc) write_sysreg_enc(enc, s->f)

/* Registers only some CPUs have: one flag test on the others. */
static void el1_save_extra(struct el1_sysregs *s)
{
	if (cpu_feat.tpidr2)
		SAVE_ENC(tpidr2_el0, TPIDR2_EL0);
	if (cpu_feat.vdisr)
		SAVE_ENC(vdisr_el2, VDISR_EL2);
	if (cpu_feat.accdata)
		SAVE_ENC(accdata_el1, ACCDATA_EL1);
}

static void el1_load_extra(const struct el1_sysregs *s)
{
	if (cpu_feat.tpidr2)
		LOAD_ENC(tpidr2_el0, TPIDR2_EL0);
	if (cpu_feat.vdisr)
		LOAD_ENC(vdisr_el2, VDISR_EL2);
	if (cpu_feat.accdata)
		LOAD_ENC(accdata_el1, ACCDATA_EL1);
}

static void el1_save(struct el1_sysregs *s)
{
	SAVE(sctlr_el1);
	SAVE(ttbr0_el1);
	SAVE(ttbr1_el1);
	SAVE(tcr_el1);
	SAVE(mair_el1);
	SAVE(amair_el1);
	SAVE(vbar_el1);
	SAVE(contextidr_el1);
	SAVE(tpidr_el0);
	SAVE(tpidrro_el0);
	SAVE(tpidr_el1);
	SAVE(sp_el0);
	SAVE(sp_el1);
	SAVE(elr_el1);
	SAVE(spsr_el1);
	SAVE(esr_el1);
	SAVE(far_el1);
	SAVE(afsr0_el1);
	SAVE(afsr1_el1);
	SAVE(par_el1);
	SAVE(cpacr_el1);
	SAVE(cntkctl_el1);
	SAVE(csselr_el1);
	SAVE(cntv_ctl_el0);
	SAVE(cntv_cval_el0);
	if (cpu_feat.el1_extra)
		el1_save_extra(s);
}

static void el1_load(const struct el1_sysregs *s)
{
	LOAD(sctlr_el1);
	LOAD(ttbr0_el1);
	LOAD(ttbr1_el1);
	LOAD(tcr_el1);
	LOAD(mair_el1);
	LOAD(amair_el1);
	LOAD(vbar_el1);
	LOAD(contextidr_el1);
	LOAD(tpidr_el0);
	LOAD(tpidrro_el0);
	LOAD(tpidr_el1);
	LOAD(sp_el0);
	LOAD(sp_el1);
	LOAD(elr_el1);
	LOAD(spsr_el1);
	LOAD(esr_el1);
	LOAD(far_el1);
	LOAD(afsr0_el1);
	LOAD(afsr1_el1);
	LOAD(par_el1);
	LOAD(cpacr_el1);
	LOAD(cntkctl_el1);
	LOAD(csselr_el1);
	LOAD(cntv_cval_el0);
	LOAD(cntv_ctl_el0);
	LOAD(vmpidr_el2);
	LOAD(vpidr_el2);
	if (cpu_feat.el1_extra)
		el1_load_extra(s);
}

void arch_vcpu_put(struct vcpu *v)
{
	el1_save(&v->arch.sys);
	debug_vcpu_put(v);
	pmu_vcpu_put(v);
	if (vcpu_has_mte(v))
		mte_vcpu_put(v);
	pauth_vcpu_put(v);
	fpsimd_save(&v->arch.fp);
	sve_vcpu_put(v); /* the whole Z registers (their low 128 bits are what fpsimd_save just saved) */
	/* Its virtual timer must not fire for whoever runs here next (the next load writes its own). */
	write_sysreg(cntv_ctl_el0, 0);
}

void arch_vcpu_sync_sysregs(struct vcpu *v)
{
	el1_save(&v->arch.sys);
}

void arch_vcpu_load(struct vcpu *v, const struct vm *prev_vm)
{
	/* Stage 2 first, so no EL1 state of v is ever live under another VM's translation. */
	if (prev_vm != v->vm) {
		write_sysreg(vtcr_el2, v->vm->vtcr);
		write_sysreg(vttbr_el2, stage2_vttbr(&v->vm->s2));
		write_sysreg(cntvoff_el2, v->vm->cntvoff);
	}
	write_sysreg(hcr_el2, v->arch.hcr_el2);
	isb();
	el1_load(&v->arch.sys);
	debug_vcpu_load(v);
	pmu_vcpu_load(v);
	if (vcpu_has_mte(v))
		mte_vcpu_load(v);
	pauth_vcpu_load(v);
	fpsimd_restore(&v->arch.fp);
	sve_vcpu_load(v); /* after the Q registers: writing them zeroed the Z registers' upper bits */
	isb();
}

bool arch_vcpu_first_use(struct vcpu *v, const struct exit_info *e)
{
	switch (e->ec) {
	case EC_SVE:
		return sve_first_use(v);
	case EC_PAC:
		return pauth_first_use(v);
	}
	return false; /* FP/SIMD never traps (TFP clear): nothing to make live */
}

u64 arch_vcpu_state_bytes(void)
{
	return sve_area_bytes();
}

void arch_vcpu_set_state_area(struct vcpu *v, void *area)
{
	v->arch.sve.regs = area;
}

void arch_wait_for_interrupt(void)
{
	watchdog_sleep(); /* no tick while asleep */
	__asm__ volatile("dsb sy\n wfi" ::: "memory");
	watchdog_wake();
}
