/* The vCPU progress watchdog (see hyparm/vcpu_watchdog.h). */
#include <arch/context.h>
#include <arch/hyp_timer.h>
#include <hyparm/deadline.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/vcpu_watchdog.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

/*
 * Seconds between looks: a few per threshold, and few enough that a vCPU
 * alone on its CPU is hardly interrupted (one interrupt exit per look).
 */
#define LOOK_SECONDS 2

static struct deadline ticks[MAX_PCPUS];

/* What the vCPU asked of hyparm: every exit but the interrupt ones (the watchdog's own tick is one). */
static u64 requests(const struct vcpu *v)
{
	u64 n = 0;

	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
		if (k != EXIT_IRQ)
			n += v->exits[k];
	return n;
}

bool vcpu_watchdog_check(struct vcpu *v, u64 now, u64 freq)
{
	u64 asked = requests(v);
	bool masked = v->arch.regs.spsr & SPSR_I;

	if (!v->wd_since || asked != v->wd_requests || !masked || !v->vm->irqchip->vcpu_pending(v)) {
		/* Progress, or nothing it cannot take: a new baseline. */
		v->wd_requests = asked;
		v->wd_since = now;
		return false;
	}
	return now - v->wd_since >= (u64)VCPU_WATCHDOG_SECONDS * freq;
}

static void tick(struct deadline *d)
{
	struct pcpu *p = this_pcpu();
	struct vcpu *v = p->current;
	u64 now = hyp_timer_now(), freq = hyp_timer_freq();

	deadline_arm(d, p->id, now + LOOK_SECONDS * freq);
	/*
	 * Only a vCPU this interrupt took out of its guest: its registers were
	 * saved by the exit, its interrupt state folded back (core/exit.c).
	 */
	if (!v || !v->running || v->vm->state != VM_RUNNING || v->state != VCPU_RUNNABLE)
		return;
	if (vcpu_watchdog_check(v, now, freq)) {
		v->wd_since = 0;
		vm_crash(v->vm,
			 "no progress: vcpu %u spun %u s with interrupts masked (PSTATE.I) and one pending, "
			 "making no request of hyparm",
			 v->id, VCPU_WATCHDOG_SECONDS);
	}
}

void vcpu_watchdog_start(void)
{
	struct pcpu *p = this_pcpu();

	deadline_init(&ticks[p->id], tick);
	deadline_arm(&ticks[p->id], p->id, hyp_timer_now() + LOOK_SECONDS * hyp_timer_freq());
}
