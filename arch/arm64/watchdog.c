/*
 * hyparm's watchdog (see arch/watchdog.h).
 *
 * How a tick tells a stuck CPU from a busy one without the exit path
 * paying for it: every exit a guest takes already counts itself in its
 * vCPU's exits[] (core/exit.c), and the vCPUs placed on a CPU stay there,
 * so the sum of those counters over the CPU's run list moves whenever the
 * CPU has been to a guest and back. A tick that finds the CPU in EL2
 * notes the sum and the time; a later tick that finds the CPU in EL2
 * again with the same sum knows the CPU has not left EL2 in between (the
 * idle WFI, where the tick is off, starts the clock again; so does each
 * step of a VM reset, which never leaves EL2, see progress()).
 * When that has lasted WATCHDOG_BOUND_MS, over at least WATCHDOG_TICKS
 * ticks (a CPU thread that QEMU did not run for a while gets one late
 * tick, not several), the CPU is stuck: dump and stop it.
 *
 * Only this CPU reads or writes its state here, with FIQs masked (in the
 * tick handler) or between ticks (sleep, wake): no lock.
 */
#include <arch/context.h>
#include <arch/esr.h>
#include <arch/fault.h>
#include <arch/sysreg.h>
#include <arch/watchdog.h>
#include <hyparm/gic_regs.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>

#define CNT_ENABLE BIT(0)

struct watchdog_cpu {
	u64 progress; /* the exit count the last tick in EL2 saw */
	u64 since; /* physical count at that tick; 0 = the clock is not running */
	unsigned ticks; /* ticks in EL2 since then with no progress */
};

static struct watchdog_cpu wd[MAX_PCPUS];
/* The tick's period in counter ticks; also read by watchdog_fiq.S. */
u64 watchdog_period;
/* The GICv2 CPU interface (GICC) the tick is acknowledged through, 0 on a GICv3; read by watchdog_fiq.S too. */
u64 watchdog_gicc;
static u64 watchdog_bound;

void watchdog_el2_fiq(struct gp_regs *frame);

static u64 now(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

static void arm_tick(u64 t)
{
	write_sysreg(cntp_cval_el0, t + watchdog_period);
	write_sysreg(cntp_ctl_el0, CNT_ENABLE);
	isb();
}

void watchdog_cpu_init(void)
{
	u64 freq = read_sysreg(cntfrq_el0);

	watchdog_bound = freq * WATCHDOG_BOUND_MS / 1000;
	watchdog_period = watchdog_bound / WATCHDOG_TICKS;
	wd[this_pcpu()->id].since = 0;
	arm_tick(now());
}

void watchdog_sleep(void)
{
	write_sysreg(cntp_ctl_el0, 0);
	wd[this_pcpu()->id].since = 0;
	isb();
}

void watchdog_wake(void)
{
	arm_tick(now());
}

/*
 * What moves whenever this CPU has been to a guest: the exits of the vCPUs
 * placed on it; or when it made progress in a VM reset, which runs in
 * steps on the CPU of the VM's boot vCPU and never leaves EL2 (its
 * position, phase and offset, only grows during a reset).
 */
static u64 progress(const struct pcpu *p)
{
	u64 sum = 0;

	for (const struct vcpu *v = p->run_list; v; v = v->next_on_pcpu) {
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
			sum += v->exits[k];
		sum += ((u64)v->vm->reset_phase << 48) + v->vm->reset_off;
	}
	return sum;
}

static void bark(const struct pcpu *p, const struct gp_regs *frame, u64 stuck)
{
	u64 esr = read_sysreg(esr_el2); /* an FIQ leaves it alone: the last synchronous exit's */

	hv_printf("\nhyparm: WATCHDOG: CPU %u has been in EL2 for more than %llu ms\n", p->id,
		  (unsigned long long)(stuck * 1000 / read_sysreg(cntfrq_el0)));
	fault_dump(frame, (u64)(uintptr_t)frame + sizeof(*frame));
	if (p->current)
		hv_printf("  last synchronous exit of this CPU: ESR_EL2 0x%08llx (EC 0x%02x %s)\n",
			  (unsigned long long)esr, esr_ec(esr), esr_ec_name(esr_ec(esr)));
	fault_stop_cpu();
}

/*
 * Group 0 is the watchdog's alone (its PPI is the only Group 0 interrupt),
 * so it acknowledges and ends its interrupts itself, as watchdog_fiq.S does.
 */
static u32 ack_fiq(void)
{
	u32 intid;

	if (watchdog_gicc) {
		/* GICC_IAR takes Group 1 too (AckCtl): acknowledge only if the tick is what is pending. */
		volatile u32 *cpuif = (volatile u32 *)(uintptr_t)watchdog_gicc;
		intid = cpuif[GICC_IAR / 4] & GICC_IAR_INTID_MASK;
	} else
		intid = read_sysreg(S3_0_C12_C8_0) & 0xFFFFFF; /* ICC_IAR0_EL1 */
	dsb(sy);
	return intid;
}

static void eoi_fiq(u32 intid)
{
	if (watchdog_gicc) {
		*(volatile u32 *)(uintptr_t)(watchdog_gicc + GICC_EOIR) = intid; /* priority drop */
		*(volatile u32 *)(uintptr_t)(watchdog_gicc + GICC_DIR) = intid; /* deactivate */
		return;
	}
	write_sysreg(S3_0_C12_C8_1, intid); /* ICC_EOIR0_EL1: priority drop */
	write_sysreg(S3_0_C12_C11_1, intid); /* ICC_DIR_EL1: deactivate (EOImode = 1) */
	isb();
}

void watchdog_set_cpuif(paddr_t gicc)
{
	watchdog_gicc = gicc;
}

/* A tick that interrupted EL2 (entry.S, cur_spx_fiq). Returns unless this CPU is stuck. */
void watchdog_el2_fiq(struct gp_regs *frame)
{
	struct pcpu *p = this_pcpu();
	struct watchdog_cpu *w = &wd[p->id];
	u32 intid = ack_fiq();
	u64 t = now();

	if (intid >= 1020)
		return; /* spurious: nothing to acknowledge */
	if (intid == WATCHDOG_INTID) {
		u64 seen = progress(p);

		if (!w->since || seen != w->progress) {
			w->progress = seen;
			w->since = t;
			w->ticks = 0;
		} else if (++w->ticks >= WATCHDOG_TICKS && t - w->since >= watchdog_bound) {
			bark(p, frame, t - w->since);
		}
		arm_tick(t);
	}
	eoi_fiq(intid);
}
