/*
 * The guest's PMU (PMUv3; arch/arm64/pmu.c, vdev/vpmu.c) as a guest sees
 * it. Run under -icount (the instruction event exists only then in QEMU).
 *  role=single (default): ID_AA64DFR0_EL1.PMUVer and the DT node; the
 *    cycle counter and the instruction event count; hyparm's EL2 work is
 *    not counted, not even when the guest asks for it (NSH); PMSWINC; a
 *    counter overflow raises INTID 23 and the guest can clear it.
 *  role=holder / role=peeker, two VMs on one physical CPU: the holder
 *    leaves a pattern in its counters, the peeker must never see it.
 */
#include "gic.h"

#define PMCR_E (1u << 0)
#define PMCR_P (1u << 1)
#define PMCR_C (1u << 2)
#define PMCR_LC (1u << 6)
#define TYPER_NSH (1u << 27)
#define EV_SW_INCR 0x00
#define EV_INST_RETIRED 0x08
#define CYCLE_BIT (1u << 31)
#define PMU_INTID 23
#define PATTERN 0x5EC7E75EULL
#define SMCCC_VERSION 0x80000000

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static volatile u32 irq_count, irq_last;
static volatile u64 irq_ovs;

static void pmu_irq(void)
{
	u32 i = gic_ack();

	if (i == GIC_INTID_SPURIOUS)
		return;
	irq_last = i;
	irq_count++;
	if (i == PMU_INTID) {
		irq_ovs = read_sysreg(pmovsclr_el0);
		write_sysreg(pmovsclr_el0, irq_ovs); /* the line is level: lower it before the EOI */
		isb();
	}
	gic_eoi(i);
}

static unsigned nr_counters(void)
{
	return (read_sysreg(pmcr_el0) >> 11) & 0x1F;
}

static void spin(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		__asm__ volatile("nop");
}

static void id_and_dt(void)
{
	u64 dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned ver = (dfr0 >> 8) & 0xF;
	u32 len = 0;
	const char *compat = dtb_prop("pmu", "compatible", &len);
	const u8 *irq = dtb_prop("pmu", "interrupts", &len);

	check(ver >= 1 && ver <= 4, "ID_AA64DFR0_EL1.PMUVer %u (PMUv3, at most PMUv3p1)", ver);
	check(nr_counters() >= 1, "PMCR_EL0.N = %u event counters", nr_counters());
	check(compat && streq(compat, "arm,armv8-pmuv3"), "DT pmu node is arm,armv8-pmuv3");
	check(irq && len == 12 && irq[3] == 1 && irq[7] == 7 && irq[11] == 4, "DT pmu interrupts = <1 7 4>");
}

/* Instructions (or cycles) between two reads around n HVCs: what only EL1 executes. */
static u64 across_hvcs(bool cycles, unsigned n)
{
	u64 a, b;

	a = cycles ? read_sysreg(pmccntr_el0) : read_sysreg(pmevcntr1_el0);
	for (unsigned i = 0; i < n; i++)
		hvc_call(SMCCC_VERSION, 0, 0, 0);
	b = cycles ? read_sysreg(pmccntr_el0) : read_sysreg(pmevcntr1_el0);
	return cycles ? b - a : (u32)(b - a);
}

static void counting(void)
{
	u64 ceid0 = read_sysreg(pmceid0_el0), c0, c1, t;
	bool has_inst = ceid0 & (1u << EV_INST_RETIRED);

	gprintf("PMCEID0_EL0 0x%llx\n", (unsigned long long)ceid0);
	write_sysreg(pmcr_el0, PMCR_P | PMCR_C | PMCR_LC);
	write_sysreg(pmccfiltr_el0, TYPER_NSH); /* asks to count EL2: refused */
	write_sysreg(pmevtyper1_el0, EV_INST_RETIRED | TYPER_NSH);
	isb();
	t = read_sysreg(pmevtyper1_el0);
	check(!(read_sysreg(pmccfiltr_el0) & TYPER_NSH) && !(t & TYPER_NSH),
	      "NSH (count EL2) is not taken (PMCCFILTR 0x%llx, PMEVTYPER1 0x%llx)",
	      (unsigned long long)read_sysreg(pmccfiltr_el0), (unsigned long long)t);
	check((t & 0xFFFF) == EV_INST_RETIRED, "PMEVTYPER1_EL0 keeps its event (0x%llx)",
	      (unsigned long long)t);
	write_sysreg(pmcntenset_el0, CYCLE_BIT | 2);
	write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
	isb();

	c0 = read_sysreg(pmccntr_el0);
	spin(10000);
	c1 = read_sysreg(pmccntr_el0);
	check(c1 > c0 + 5000, "the cycle counter counts (%llu over 10000 nops)",
	      (unsigned long long)(c1 - c0));
	if (has_inst) {
		/*
		 * Only where QEMU has the instruction event (-icount) are its
		 * cycles instructions too; without it they are host time,
		 * which TCG's own work at EL1 (translating code) inflates.
		 */
		t = across_hvcs(true, 20);
		check(t < 1000, "cycles across 20 HVCs: %llu, hyparm's EL2 work not counted",
		      (unsigned long long)t);
		c0 = read_sysreg(pmevcntr1_el0);
		spin(10000);
		c1 = read_sysreg(pmevcntr1_el0);
		t = (u32)(c1 - c0);
		check(t >= 10000 && t < 40000, "INST_RETIRED counts %llu over 10000 nops",
		      (unsigned long long)t);
		t = across_hvcs(false, 20);
		check(t < 1000, "instructions across 20 HVCs: %llu, hyparm's EL2 work not counted",
		      (unsigned long long)t);
	} else {
		gprintf("note: INST_RETIRED not implemented by this CPU (QEMU: only with -icount)\n");
	}
	write_sysreg(pmcr_el0, 0);
	write_sysreg(pmcntenclr_el0, ~0u);
	isb();
}

static bool wait_irq(u32 count, u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;
	while (irq_count < count && now_ticks() < end)
		cpu_relax();
	return irq_count >= count;
}

static void overflow(void)
{
	gic_set_priority(PMU_INTID, 0x80);
	gic_enable(PMU_INTID, true);
	set_irq_handler(pmu_irq);
	irqs_on();

	/* Event counter 0 counting software increments, one short of wrapping: PMSWINC overflows it. */
	write_sysreg(pmevtyper0_el0, EV_SW_INCR);
	write_sysreg(pmevcntr0_el0, 0xFFFFFFFEu);
	write_sysreg(pmintenset_el1, 1);
	write_sysreg(pmcntenset_el0, 1);
	write_sysreg(pmcr_el0, PMCR_E);
	isb();
	write_sysreg(pmswinc_el0, 1);
	isb();
	check(read_sysreg(pmevcntr0_el0) == 0xFFFFFFFF && irq_count == 0, "PMSWINC increments counter 0");
	write_sysreg(pmswinc_el0, 1);
	isb();
	check(wait_irq(1, 500) && irq_last == PMU_INTID && (irq_ovs & 1),
	      "counter 0 overflow interrupt at INTID %u (count %u, PMOVS 0x%llx)", irq_last, irq_count,
	      (unsigned long long)irq_ovs);
	delay_ms(20);
	check(irq_count == 1, "cleared overflow does not interrupt again (count %u)", irq_count);
	write_sysreg(pmcntenclr_el0, 1);

	/* The cycle counter, 64-bit (LC), 100000 cycles short of wrapping. */
	write_sysreg(pmccntr_el0, ~0ULL - 100000);
	write_sysreg(pmintenset_el1, CYCLE_BIT);
	write_sysreg(pmcntenset_el0, CYCLE_BIT);
	write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
	isb();
	check(wait_irq(2, 2000) && irq_last == PMU_INTID && (irq_ovs & CYCLE_BIT),
	      "cycle counter overflow interrupt (count %u, PMOVS 0x%llx)", irq_count,
	      (unsigned long long)irq_ovs);
	irqs_off();
	write_sysreg(pmcr_el0, 0);
	write_sysreg(pmcntenclr_el0, ~0u);
	write_sysreg(pmintenclr_el1, ~0u);
	isb();
}

/* Leaves the pattern in its (stopped) counters and keeps checking them across switches. */
static void holder(void)
{
	write_sysreg(pmcr_el0, 0);
	write_sysreg(pmccntr_el0, PATTERN << 32 | PATTERN);
	write_sysreg(pmevcntr0_el0, PATTERN);
	write_sysreg(pmevtyper0_el0, 0x11);
	isb();
	bool kept = true;
	for (unsigned i = 0; i < 50; i++) {
		delay_ms(10);
		kept &= read_sysreg(pmccntr_el0) == (PATTERN << 32 | PATTERN) &&
			read_sysreg(pmevcntr0_el0) == PATTERN && read_sysreg(pmevtyper0_el0) == 0x11;
	}
	check(kept, "the holder's counters keep its values across switches");
}

static void peeker(void)
{
	bool clean = true;
	u64 c = 0, e = 0, ty = 0;

	for (unsigned i = 0; i < 50; i++) {
		delay_ms(10);
		c = read_sysreg(pmccntr_el0);
		e = read_sysreg(pmevcntr0_el0);
		ty = read_sysreg(pmevtyper0_el0);
		clean &= (u32)c != PATTERN && (c >> 32) != PATTERN && e != PATTERN && ty != 0x11;
	}
	check(clean, "the peeker never sees the holder's counters (last 0x%llx 0x%llx 0x%llx)",
	      (unsigned long long)c, (unsigned long long)e, (unsigned long long)ty);
}

int main(void)
{
	char role[16] = "single";

	bootarg_str("role", role, sizeof(role));
	gic_dist_init();
	gic_cpu_init();
	id_and_dt();
	if (streq(role, "holder"))
		holder();
	else if (streq(role, "peeker"))
		peeker();
	else {
		counting();
		overflow();
	}
	return 0;
}
