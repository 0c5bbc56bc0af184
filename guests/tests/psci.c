/*
 * PSCI CPU_ON / CPU_OFF / AFFINITY_INFO / CPU_SUSPEND with every error code
 * the spec gives them. Run with 2 vCPUs sharing one physical CPU: a vCPU
 * that CPU_ON accepted has then not run yet when the caller asks again,
 * which makes ON_PENDING observable.
 */
#include "gic.h"

#define CPU_OFF 0x84000002
#define CPU_ON64 0xC4000003
#define AFFINITY_INFO64 0xC4000004
#define CPU_SUSPEND64 0xC4000001

#define SUCCESS 0
#define INVALID_PARAMETERS (-2)
#define ALREADY_ON (-4)
#define ON_PENDING (-5)
#define INVALID_ADDRESS (-9)
#define AFF_ON 0
#define AFF_OFF 1
#define AFF_ON_PENDING 2

static volatile u32 cpu1_runs;
static volatile u64 cpu1_sp, cpu1_mpidr;
static volatile s64 cpu1_self_on, cpu1_off_returned;

void secondary_main(void)
{
	u64 sp;
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	cpu1_sp = sp;
	cpu1_mpidr = read_sysreg(mpidr_el1);
	cpu1_self_on = psci_cpu_on(1, secondary_stack_top(1));
	cpu1_runs++;
	/* CPU_OFF does not return; if it does, say so. */
	cpu1_off_returned = (s64)hvc_call(CPU_OFF, 0, 0, 0);
	cpu1_runs += 100;
	for (;;)
		__asm__ volatile("wfi");
}

static s64 affinity(u64 mpidr, u64 level)
{
	return (s64)hvc_call(AFFINITY_INFO64, mpidr, level, 0);
}

static bool wait_affinity(u64 mpidr, s64 want, u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;
	while (affinity(mpidr, 0) != want && now_ticks() < end)
		cpu_relax();
	return affinity(mpidr, 0) == want;
}

static bool wait_runs(u32 n, u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;
	while (cpu1_runs < n && now_ticks() < end)
		cpu_relax();
	return cpu1_runs >= n;
}

int main(void)
{
	extern char secondary_start[];
	s64 r;

	r = affinity(0, 0);
	check(r == AFF_ON, "AFFINITY_INFO(self) = %lld (ON)", (long long)r);
	r = affinity(1, 0);
	check(r == AFF_OFF, "AFFINITY_INFO(vCPU 1) = %lld (OFF) before CPU_ON", (long long)r);
	r = affinity(7, 0);
	check(r == INVALID_PARAMETERS, "AFFINITY_INFO(no such MPIDR) = %lld (INVALID_PARAMETERS)",
	      (long long)r);
	/* Levels 1..3 as KVM answers them: the vCPUs sharing the higher affinity fields, any on = ON. */
	r = affinity(1, 1);
	check(r == AFF_ON, "AFFINITY_INFO(vCPU 1, level 1) = %lld (ON: vCPU 0 shares Aff1)", (long long)r);
	r = affinity(0x100, 1);
	check(r == INVALID_PARAMETERS, "AFFINITY_INFO(Aff1 = 1, level 1) = %lld (INVALID_PARAMETERS)",
	      (long long)r);
	r = affinity(1, 4);
	check(r == INVALID_PARAMETERS, "AFFINITY_INFO(level 4) = %lld (INVALID_PARAMETERS)", (long long)r);
	/* An MPIDR with bits outside the affinity fields names no CPU, as under KVM. */
	r = affinity(0x80000001ULL, 0);
	check(r == INVALID_PARAMETERS, "AFFINITY_INFO(MPIDR with bit 31) = %lld (INVALID_PARAMETERS)",
	      (long long)r);
	r = (s64)hvc_call(CPU_ON64, 0x80000001ULL, (u64)secondary_start, secondary_stack_top(1));
	check(r == INVALID_PARAMETERS, "CPU_ON(MPIDR with bit 31) = %lld (INVALID_PARAMETERS)", (long long)r);

	r = (s64)hvc_call(CPU_ON64, 7, (u64)secondary_start, secondary_stack_top(1));
	check(r == INVALID_PARAMETERS, "CPU_ON(no such MPIDR) = %lld (INVALID_PARAMETERS)", (long long)r);
	r = (s64)hvc_call(CPU_ON64, 1, 0x1000, secondary_stack_top(1));
	check(r == INVALID_ADDRESS, "CPU_ON(entry outside RAM) = %lld (INVALID_ADDRESS)", (long long)r);
	r = psci_cpu_on(0, secondary_stack_top(1));
	check(r == ALREADY_ON, "CPU_ON(self) = %lld (ALREADY_ON)", (long long)r);

	r = psci_cpu_on(1, secondary_stack_top(1));
	check(r == SUCCESS, "CPU_ON(vCPU 1) = %lld (SUCCESS)", (long long)r);
	r = psci_cpu_on(1, secondary_stack_top(1));
	check(r == ON_PENDING, "CPU_ON again before it ran = %lld (ON_PENDING)", (long long)r);
	r = affinity(1, 0);
	check(r == AFF_ON_PENDING, "AFFINITY_INFO(vCPU 1) = %lld (ON_PENDING) before it ran", (long long)r);

	check(wait_runs(1, 2000), "vCPU 1 runs (it shares our physical CPU: after our time slice)");
	/* secondary_start makes x0 (the context id) its stack: our frame sits just below it. */
	check(cpu1_sp <= secondary_stack_top(1) && cpu1_sp > secondary_stack_top(1) - 256,
	      "vCPU 1 started with the context id in x0 (sp 0x%llx)", (unsigned long long)cpu1_sp);
	check((cpu1_mpidr & 0xFF) == 1, "vCPU 1 reads MPIDR Aff0 = 1");
	check(cpu1_self_on == ALREADY_ON, "vCPU 1's CPU_ON(itself) = %lld (ALREADY_ON)",
	      (long long)cpu1_self_on);
	check(wait_affinity(1, AFF_OFF, 2000), "after its CPU_OFF, AFFINITY_INFO(vCPU 1) = OFF");
	check(cpu1_runs == 1, "CPU_OFF did not return");

	/* Off again: it can be started again, fresh. */
	r = psci_cpu_on(1, secondary_stack_top(1));
	check(r == SUCCESS, "CPU_ON(vCPU 1) after CPU_OFF = %lld (SUCCESS)", (long long)r);
	check(wait_runs(2, 2000), "vCPU 1 runs a second time");
	check(wait_affinity(1, AFF_OFF, 2000), "and is off again");

	/* While it runs, ALREADY_ON: start it, wait until it is ON, then ask. It turns itself off
	 * right away, so accept OFF as the answer only if CPU_ON succeeds then. */
	r = psci_cpu_on(1, secondary_stack_top(1));
	check(r == SUCCESS, "CPU_ON(vCPU 1) a third time = %lld", (long long)r);
	wait_runs(3, 2000);
	wait_affinity(1, AFF_OFF, 2000);

	/* CPU_SUSPEND (standby) returns when an interrupt is pending, as WFI does: the virtual timer's. */
	gic_dist_init();
	gic_cpu_init();
	gic_enable(GUEST_VTIMER_INTID, true);
	write_sysreg(cntv_tval_el0, ticks_per_sec() / 100);
	write_sysreg(cntv_ctl_el0, 1);
	isb();
	u64 t0 = now_ticks();
	r = (s64)hvc_call(CPU_SUSPEND64, 0, 0, 0);
	u64 slept = now_ticks() - t0;
	check(r == SUCCESS, "CPU_SUSPEND(standby) = %lld (SUCCESS)", (long long)r);
	check(slept >= ticks_per_sec() / 200, "CPU_SUSPEND waited for the timer (%llu us)",
	      (unsigned long long)(slept * 1000000 / ticks_per_sec()));
	write_sysreg(cntv_ctl_el0, 0);
	return 0;
}
