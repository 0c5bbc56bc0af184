/*
 * The guest's PMU (see arch/pmu.h for the lazy switching). Pure logic over
 * the hardware accessors of pmu_hw.c, so the host unit tests run it on a
 * fake CPU.
 *
 * EL2 is never counted for a guest: every access traps, and the event
 * filters hyparm writes to the CPU have NSH (count at EL2), M (EL3), SH
 * and MT cleared (pmu_filter_sanitize), whatever the guest wrote; on a
 * PMUv3p1 CPU MDCR_EL2.HPMD prohibits EL2 event counting as well
 * (vcpu_switch.c). Writes are masked to the fields of PMUv3p1, which is
 * what ID_AA64DFR0_EL1 advertises. An active vCPU's counters stop when it
 * is switched out (pmu_vcpu_put clears PMCR_EL0.E, the enables, the
 * overflow flags and PMUSERENR_EL0), so nothing of it counts, or
 * interrupts, while another vCPU runs; the next one's registers are all
 * written before it may read any.
 */
#include <arch/pmu.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

/* PMCR_EL0 fields a guest may write (no export X, no 64-bit LP: PMUv3p5). */
#define PMCR_WRITABLE (PMCR_E | PMCR_D | PMCR_DP | PMCR_LC)
#define PMUSERENR_MASK 0xFUL /* EN, SW, CR, ER */
#define PMSELR_MASK 0x1FUL
#define SEL_CYCLE 31 /* PMSELR_EL0.SEL of PMCCFILTR_EL0 */
/* PMEVTYPER: P, U, NSK, NSU (filters at EL1 and EL0) and evtCount[15:0] (PMUv3p1). */
#define FILTER_EL1_EL0 0xF0000000UL
#define EVTCOUNT_MASK 0xFFFFUL
#define PMUVER_MAX 4 /* PMUv3p1 */
#define EV_SW_INCR 0x00

bool pmu_present(void)
{
	unsigned ver = (id_reg_guest_value(SYS_ID_AA64DFR0_EL1) >> 8) & 0xF;
	return ver != 0 && ver != 0xF;
}

unsigned pmu_nr_counters(void)
{
	unsigned n = pmu_present() ? pmu_hw_nr_counters() : 0;
	return n > PMU_MAX_COUNTERS ? PMU_MAX_COUNTERS : n;
}

u64 pmu_filter_sanitize(u64 typer, bool cycle_counter)
{
	return typer & (FILTER_EL1_EL0 | (cycle_counter ? 0 : EVTCOUNT_MASK));
}

/* The counter bits of PMCNTEN/PMINTEN/PMOVS: the event counters the guest has, and C (bit 31). */
static u64 counter_mask(void)
{
	return (BIT(pmu_nr_counters()) - 1) | BIT(31);
}

static bool implemented(unsigned r)
{
	if (r >= PMU_EVTYPER0)
		return r - PMU_EVTYPER0 < pmu_nr_counters();
	if (r >= PMU_EVCNTR0)
		return r - PMU_EVCNTR0 < pmu_nr_counters();
	return true;
}

/* Order matters on load: PMCR_EL0 (with E) last, so nothing counts half-loaded state. */
static void regs_to_hw(const struct vcpu_pmu *p)
{
	pmu_hw_write(PMU_CR, p->reg[PMU_CR] & ~PMCR_E);
	for (unsigned r = PMU_CNTEN; r < PMU_NR_REGS; r++)
		if (implemented(r))
			pmu_hw_write(r, p->reg[r]);
	pmu_hw_write(PMU_CR, p->reg[PMU_CR]);
}

static void regs_from_hw(struct vcpu_pmu *p)
{
	for (unsigned r = 0; r < PMU_NR_REGS; r++)
		if (implemented(r))
			p->reg[r] = pmu_hw_read(r);
	p->reg[PMU_CR] &= PMCR_WRITABLE;
}

void pmu_vcpu_reset(struct vcpu *v)
{
	v->arch.pmu = (struct vcpu_pmu){ .irq_wired = v->arch.pmu.irq_wired };
}

void pmu_vcpu_wire_irq(struct vcpu *v)
{
	v->arch.pmu.irq_wired = true;
}

void pmu_vcpu_load(struct vcpu *v)
{
	if (v->arch.pmu.active)
		regs_to_hw(&v->arch.pmu);
}

void pmu_vcpu_put(struct vcpu *v)
{
	struct vcpu_pmu *p = &v->arch.pmu;

	if (!p->active)
		return;
	regs_from_hw(p);
	/* Nothing of it may count or interrupt under the next vCPU (or hyparm), nor reach EL0. */
	pmu_hw_write(PMU_CR, 0);
	pmu_hw_write(PMU_CNTEN, 0);
	pmu_hw_write(PMU_INTEN, 0);
	pmu_hw_write(PMU_OVS, 0);
	pmu_hw_write(PMU_USERENR, 0);
	/* Not counting, EL0 shut out: stop paying for it; its next access traps and makes it active again. */
	if (!((p->reg[PMU_CR] & PMCR_E) && (p->reg[PMU_CNTEN] & counter_mask())) && !p->reg[PMU_USERENR])
		p->active = false;
}

bool pmu_overflow_line(const struct vcpu *v, bool live)
{
	const struct vcpu_pmu *p = &v->arch.pmu;
	u64 cr, ovs, inten;

	if (!p->active && !p->reg[PMU_OVS])
		return false;
	if (live && p->active) {
		cr = pmu_hw_read(PMU_CR);
		ovs = pmu_hw_read(PMU_OVS);
		inten = pmu_hw_read(PMU_INTEN);
	} else {
		cr = p->reg[PMU_CR];
		ovs = p->reg[PMU_OVS];
		inten = p->reg[PMU_INTEN];
	}
	return (cr & PMCR_E) && (ovs & inten);
}

/* First use since it was reset or went back to memory: its registers into the CPU. */
static void activate(struct vcpu_pmu *p)
{
	if (p->active)
		return;
	p->active = true;
	regs_to_hw(p);
}

/* The register index PMXEVCNTR/PMXEVTYPER_EL0 reach through PMSELR_EL0.SEL, or -1. */
static int selected(bool typer)
{
	unsigned sel = pmu_hw_read(PMU_SELR) & PMSELR_MASK;

	if (sel == SEL_CYCLE)
		return typer ? PMU_CCFILTR : -1;
	if (sel >= pmu_nr_counters())
		return -1;
	return (typer ? PMU_EVTYPER0 : PMU_EVCNTR0) + sel;
}

/* A read or write of register r (index), through the CPU: writes masked to what the guest may set. */
static enum sysreg_result access(struct vcpu *v, const struct exit_info *e, int r, u64 wval)
{
	if (r < 0)
		return SYSREG_UNDEF;
	if (e->u.sysreg.read) {
		vcpu_set_reg(v, e->u.sysreg.rt, pmu_hw_read(r));
		return SYSREG_DONE;
	}
	if (r >= PMU_EVTYPER0)
		wval = pmu_filter_sanitize(wval, false);
	else if (r >= PMU_EVCNTR0)
		wval &= 0xFFFFFFFFUL; /* 32-bit event counters (64-bit ones are PMUv3p5) */
	else if (r == PMU_CCFILTR)
		wval = pmu_filter_sanitize(wval, true);
	else if (r == PMU_SELR)
		wval &= PMSELR_MASK;
	else if (r == PMU_USERENR)
		wval &= PMUSERENR_MASK;
	pmu_hw_write(r, wval);
	return SYSREG_DONE;
}

/* PMCNTEN/PMINTEN/PMOVS: set or clear the guest's counter bits. */
static enum sysreg_result set_clr(struct vcpu *v, const struct exit_info *e, enum pmu_reg r, bool set,
				  u64 wval)
{
	u64 cur = pmu_hw_read(r);

	if (e->u.sysreg.read) {
		vcpu_set_reg(v, e->u.sysreg.rt, cur & counter_mask());
		return SYSREG_DONE;
	}
	wval &= counter_mask();
	if (r == PMU_INTEN && !v->arch.pmu.irq_wired)
		wval = 0; /* no interrupt line: RAZ/WI (struct vcpu_pmu) */
	pmu_hw_write(r, set ? cur | wval : cur & ~wval);
	return SYSREG_DONE;
}

/*
 * PMSWINC_EL0 in software, as KVM does: written by hyparm at EL2, the CPU
 * would not count it (EL2 is filtered out). Each enabled counter of event
 * SW_INCR named in val counts one; wrapping sets its overflow flag.
 */
static void software_increment(u64 val)
{
	u64 cnten = pmu_hw_read(PMU_CNTEN), ovs = pmu_hw_read(PMU_OVS), c;

	if (!(pmu_hw_read(PMU_CR) & PMCR_E))
		return;
	for (unsigned n = 0; n < pmu_nr_counters(); n++) {
		if (!(val & cnten & BIT(n)) || (pmu_hw_read(PMU_EVTYPER0 + n) & EVTCOUNT_MASK) != EV_SW_INCR)
			continue;
		c = (pmu_hw_read(PMU_EVCNTR0 + n) + 1) & 0xFFFFFFFFUL;
		pmu_hw_write(PMU_EVCNTR0 + n, c);
		if (!c)
			ovs |= BIT(n);
	}
	if (ovs != pmu_hw_read(PMU_OVS))
		pmu_hw_write(PMU_OVS, ovs);
}

enum sysreg_result pmu_sysreg(struct vcpu *v, const struct exit_info *e)
{
	struct vcpu_pmu *p = &v->arch.pmu;
	const bool read = e->u.sysreg.read;
	const u8 op1 = e->u.sysreg.op1, crn = e->u.sysreg.crn, crm = e->u.sysreg.crm, op2 = e->u.sysreg.op2;
	const u64 val = read ? 0 : vcpu_get_reg(v, e->u.sysreg.rt);
	unsigned n;

	if (!pmu_present())
		return SYSREG_UNDEF;
	activate(p);
	if (crn == 14) {
		/* PMEVCNTR<n>_EL0: CRm 8..11, PMEVTYPER<n>_EL0: CRm 12..15; n = CRm[1:0]:op2. */
		n = ((crm & 3u) << 3) | op2;
		if (crm >= 12)
			return access(v, e,
				      n == SEL_CYCLE		      ? PMU_CCFILTR
					      : n < pmu_nr_counters() ? (int)(PMU_EVTYPER0 + n)
								      : -1,
				      val);
		return access(v, e, n < pmu_nr_counters() ? (int)(PMU_EVCNTR0 + n) : -1, val);
	}
	if (op1 == 0) /* PMINTENSET_EL1 / PMINTENCLR_EL1 (PMMIR_EL1: none) */
		return op2 == 6 ? SYSREG_UNDEF : set_clr(v, e, PMU_INTEN, op2 == 1, val);
	switch ((crm << 4) | op2) {
	case 0xC0: /* PMCR_EL0: N, IMP, IDCODE are the CPU's; P and C act on the hardware */
		if (read)
			vcpu_set_reg(v, e->u.sysreg.rt, pmu_hw_read(PMU_CR));
		else
			pmu_hw_write(PMU_CR, val & (PMCR_WRITABLE | PMCR_P | PMCR_C));
		return SYSREG_DONE;
	case 0xC1:
		return set_clr(v, e, PMU_CNTEN, true, val);
	case 0xC2:
		return set_clr(v, e, PMU_CNTEN, false, val);
	case 0xC3:
		return set_clr(v, e, PMU_OVS, false, val);
	case 0xC4: /* PMSWINC_EL0, write-only */
		if (read)
			return SYSREG_UNDEF;
		software_increment(val);
		return SYSREG_DONE;
	case 0xC5:
		return access(v, e, PMU_SELR, val);
	case 0xC6: /* PMCEID0/1_EL0: the events the CPU counts, read-only */
	case 0xC7:
		if (!read)
			return SYSREG_UNDEF;
		vcpu_set_reg(v, e->u.sysreg.rt, pmu_hw_ceid(op2 - 6));
		return SYSREG_DONE;
	case 0xD0:
		return access(v, e, PMU_CCNTR, val);
	case 0xD1:
		return access(v, e, selected(true), val);
	case 0xD2:
		return access(v, e, selected(false), val);
	case 0xE0:
		return access(v, e, PMU_USERENR, val);
	case 0xE3:
		return set_clr(v, e, PMU_OVS, true, val);
	}
	return SYSREG_UNDEF;
}

/* The ID_AA64DFR0_EL1.PMUVer guests see: the CPU's PMUv3, capped at PMUv3p1; IMPLEMENTATION DEFINED ones hidden. */
unsigned pmu_guest_version(unsigned hw)
{
	if (hw == 0xF)
		return 0;
	return hw > PMUVER_MAX ? PMUVER_MAX : hw;
}
