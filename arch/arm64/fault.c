/*
 * An exception taken while hyparm itself ran is a bug in hyparm: print
 * everything that helps find it (syndrome, addresses, registers, a
 * frame-pointer backtrace) and stop this CPU. The other CPUs and their
 * VMs go on. Never a silent hang.
 */
#include <arch/esr.h>
#include <arch/exit.h>
#include <arch/fault.h>
#include <drivers/gic.h>
#include <arch/sysreg.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>

static const char *const vector_names[] = {
	"sync (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)", "sync", "IRQ", "FIQ", "SError",
};

extern char __image_start[], __text_end[], boot_stacks[];

/* Frame records live on the per-CPU stacks; anything else is not followed (it could fault again). */
static bool on_stack(u64 a)
{
	u64 lo = (u64)(uintptr_t)boot_stacks;
	return a >= lo && a + 16 <= lo + (u64)MAX_PCPUS * PCPU_STACK_SLOT && pcpu_guard_index(lo, a) < 0 &&
		pcpu_guard_index(lo, a + 15) < 0;
}

/* Which CPU's stack guard page the fault address or SP is in: a stack overflow (-1: none). */
static int overflowed_stack(u64 esr, u64 far, u64 sp)
{
	u64 lo = (u64)(uintptr_t)boot_stacks;
	int cpu = pcpu_guard_index(lo, sp);

	if (cpu < 0 && esr_ec(esr) == EC_DABT_CUR)
		cpu = pcpu_guard_index(lo, far);
	return cpu;
}

static bool in_text(u64 a)
{
	return a >= (u64)(uintptr_t)__image_start && a < (u64)(uintptr_t)__text_end;
}

void fault_dump(const struct gp_regs *frame, u64 sp)
{
	struct pcpu *p = this_pcpu();
	u64 base = (u64)(uintptr_t)__image_start;
	u64 fp = frame->x[29];

	hv_printf("  ELR_EL2 0x%016llx (image +0x%llx)  SPSR 0x%llx\n", (unsigned long long)frame->elr,
		  (unsigned long long)(frame->elr - base), (unsigned long long)frame->spsr);
	for (int i = 0; i < 30; i += 3)
		hv_printf("  x%-2d %016llx  x%-2d %016llx  x%-2d %016llx\n", i,
			  (unsigned long long)frame->x[i], i + 1, (unsigned long long)frame->x[i + 1], i + 2,
			  (unsigned long long)frame->x[i + 2]);
	hv_printf("  x30 %016llx  sp  %016llx\n", (unsigned long long)frame->x[30], (unsigned long long)sp);
	if (p && p->current)
		hv_printf("  while serving vm %s vcpu %u\n", p->current->vm->name, p->current->id);
	hv_printf("  backtrace (image offsets; addr2line -e build/hyparm.elf):\n    +0x%llx\n",
		  (unsigned long long)(frame->elr - base));
	for (int depth = 0; fp && depth < 16; depth++) {
		u64 *rec = (u64 *)(uintptr_t)fp;

		if ((fp & 7) || !on_stack(fp))
			break;
		if (!in_text(rec[1]))
			break;
		hv_printf("    +0x%llx\n", (unsigned long long)(rec[1] - 4 - base));
		fp = rec[0];
	}
}

void fault_stop_cpu(void)
{
	struct pcpu *p = this_pcpu();

	hv_printf("hyparm: CPU %u stopped\n", p ? p->id : 0);
	/* Nothing may wake this CPU again (the watchdog's tick included): no interrupt signalled to it. */
	gic_cpu_stop();
	for (;;)
		__asm__ volatile("wfi");
}

void hyp_fault(struct gp_regs *frame, unsigned kind, u64 sp)
{
	u64 esr = read_sysreg(esr_el2), far = read_sysreg(far_el2);
	struct pcpu *p = this_pcpu();
	int overflow = overflowed_stack(esr, far, sp);

	hv_printf("\nhyparm: FAULT in hyparm on CPU %u: %s exception\n", p ? p->id : 0,
		  vector_names[kind & 7]);
	if (overflow >= 0)
		hv_printf("hyparm: stack overflow on CPU %u: ran into the guard page below CPU %d's stack\n",
			  p ? p->id : 0, overflow);
	hv_printf("  ESR_EL2 0x%08llx (EC 0x%02x %s, ISS 0x%07x)\n", (unsigned long long)esr, esr_ec(esr),
		  esr_ec_name(esr_ec(esr)), esr_iss(esr));
	hv_printf("  FAR_EL2 0x%016llx\n", (unsigned long long)far);
	fault_dump(frame, sp);
	fault_stop_cpu();
}
