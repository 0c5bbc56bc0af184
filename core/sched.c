/*
 * Per-CPU scheduling (see include/hyparm/sched.h). Run lists are fixed
 * after boot, so walking them needs no lock; vCPU state changes are single
 * stores, and a CPU asleep in WFI is woken with an SGI.
 */
#include <arch/hyp_timer.h>
#include <arch/sysreg.h>
#include <arch/vcpu_arch.h>
#include <arch/vgic_lr.h>
#include <drivers/gic.h>
#include <drivers/psci_fw.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <vdev/vgic.h>

static volatile unsigned vms_running;

void sched_set_vm_count(unsigned n)
{
	vms_running = n;
}

void sched_place(struct vcpu *v, unsigned cpu)
{
	struct pcpu *p = &pcpus[cpu];
	struct vcpu **tail = &p->run_list;

	while (*tail)
		tail = &(*tail)->next_on_pcpu;
	v->pcpu = cpu;
	v->next_on_pcpu = NULL;
	*tail = v;
}

/*
 * v became runnable: its CPU must notice. If that CPU runs another vCPU,
 * the running one's time slice starts now (need_rearm, checked on its next
 * exit), or v would wait until the running one blocks; the wake-up SGI
 * forces that exit when the CPU is another one.
 */
static void wake_pcpu_of(struct vcpu *v)
{
	pcpus[v->pcpu].need_rearm = true;
	__asm__ volatile("dsb ish" ::: "memory");
	if (v->pcpu != this_pcpu()->id)
		gic_send_wake(v->pcpu);
}

void sched_wake(struct vcpu *v)
{
	v->state = VCPU_RUNNABLE;
	wake_pcpu_of(v);
}

void sched_start_pending(struct vcpu *v)
{
	wake_pcpu_of(v);
}

void sched_vm_stopped(void)
{
	if (__atomic_sub_fetch(&vms_running, 1, __ATOMIC_ACQ_REL) == 0) {
		hv_printf("hyparm: all VMs stopped\n");
		psci_fw_system_off();
	}
}

static void arm_hyp_timer(struct pcpu *p, struct vcpu *running);

static bool runnable(const struct vcpu *v)
{
	return (v->state == VCPU_RUNNABLE || v->state == VCPU_ON_PENDING) && v->vm->state == VM_RUNNING;
}

/* The next runnable vCPU after prev in p's list (round robin), or NULL. */
static struct vcpu *pick(struct pcpu *p, struct vcpu *prev)
{
	struct vcpu *v = prev && prev->next_on_pcpu ? prev->next_on_pcpu : p->run_list;

	for (struct vcpu *start = v; v;) {
		if (runnable(v))
			return v;
		v = v->next_on_pcpu ? v->next_on_pcpu : p->run_list;
		if (v == start)
			break;
	}
	return NULL;
}

static struct vcpu *pick_or_idle(struct pcpu *p, struct vcpu *prev)
{
	struct vcpu *v;

	while (!(v = pick(p, prev))) {
		/*
		 * Nothing to run: sleep until an interrupt (a wake-up SGI from
		 * another CPU, a device). Interrupts stay masked at EL2; WFI
		 * still wakes on a pending one and we take it here by hand.
		 */
		p->idle_entries++;
		if (p->run_list && p->run_list->next_on_pcpu)
			arm_hyp_timer(p, NULL);
		/* No list-register underflow interrupt while nobody runs. */
		write_sysreg(S3_4_C12_C11_0, 1);
		__asm__ volatile("dsb sy\n wfi" ::: "memory");
		irq_handle_physical();
	}
	return v;
}

#define SLICE_MS 10

/*
 * hyparm's timer for this CPU: the end of v's time slice if another vCPU
 * here is runnable, and the earliest virtual-timer deadline of the blocked
 * vCPUs that are not loaded (the loaded one's timer interrupts by itself).
 */
static void arm_hyp_timer(struct pcpu *p, struct vcpu *running)
{
	u64 deadline = 0;

	for (struct vcpu *o = p->run_list; o; o = o->next_on_pcpu) {
		u64 d = 0;
		if (o == running)
			continue;
		if (running && runnable(o))
			d = hyp_timer_now() + hyp_timer_freq() / 1000 * SLICE_MS;
		else if (o->state == VCPU_BLOCKED && p->loaded != o)
			d = vtimer_deadline(&o->arch.sys, o->vm->cntvoff);
		if (d && (!deadline || d < deadline))
			deadline = d;
	}
	/* Emulated physical timers of every vCPU here, the running one included (those already due have raised their line). */
	u64 now = hyp_timer_now();
	for (struct vcpu *o = p->run_list; o; o = o->next_on_pcpu) {
		u64 d = ptimer_deadline(o);
		if (d > now && (!deadline || d < deadline))
			deadline = d;
	}
	if (deadline || p->hyp_timer_armed)
		hyp_timer_set(deadline);
	p->hyp_timer_armed = deadline != 0;
}

/* The hyp timer fired: wake blocked vCPUs whose timers are due, and end the slice. */
void sched_hyp_timer_fired(void)
{
	struct pcpu *p = this_pcpu();
	u64 now = hyp_timer_now();

	hyp_timer_set(0);
	p->hyp_timer_armed = false;
	for (struct vcpu *o = p->run_list; o; o = o->next_on_pcpu) {
		u64 d = vtimer_deadline(&o->arch.sys, o->vm->cntvoff);
		if (o->state == VCPU_BLOCKED && p->loaded != o && d && d <= now)
			o->state = VCPU_RUNNABLE;
		if (ptimer_deadline(o))
			ptimer_update(o);
	}
	p->need_resched = true;
}

/* Everything a vCPU needs before ERET: its registers loaded, its interrupts in list registers. */
static struct vcpu *enter(struct pcpu *p, struct vcpu *v)
{
	p->need_resched = false;
	p->need_rearm = false;
	v->running = true;
	/* A PSCI CPU_ON completes when the vCPU first runs: until then AFFINITY_INFO says ON_PENDING. */
	if (v->state == VCPU_ON_PENDING)
		v->state = VCPU_RUNNABLE;
	arch_vcpu_load(p, v);
	p->current = v;
	if (v->vgic.lr_used || v->vgic_kicked)
		vgic_lr_flush(v);
	if (p->run_list->next_on_pcpu || p->hyp_timer_armed || ptimer_deadline(v))
		arm_hyp_timer(p, v);
	return v;
}

void vgic_kick(struct vcpu *v)
{
	__atomic_store_n(&v->vgic_kicked, true, __ATOMIC_RELEASE);
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		wake_pcpu_of(v);
		return;
	}
	__asm__ volatile("dsb ish" ::: "memory");
	if (v->pcpu != this_pcpu()->id)
		gic_send_wake(v->pcpu);
}

/* WFI: sleep unless an interrupt is already waiting. The state is set first so that a kick racing with the check is not lost. */
static void block(struct vcpu *v)
{
	v->state = VCPU_BLOCKED;
	__asm__ volatile("dsb ish" ::: "memory");
	if (vgic_vcpu_pending(v) && v->state == VCPU_BLOCKED)
		v->state = VCPU_RUNNABLE;
}

struct vcpu *sched_after_exit(struct vcpu *v, enum exit_action a)
{
	struct pcpu *p = this_pcpu();

	if (p->need_resched && a == ACT_RESUME)
		a = ACT_YIELD;
	/* The fast path: the same vCPU goes on, nothing to switch. */
	if (a == ACT_RESUME && v->vm->state == VM_RUNNING && !v->arch.reset_pending) {
		if (v->ptimer_dirty || p->need_rearm) {
			v->ptimer_dirty = false;
			p->need_rearm = false;
			arm_hyp_timer(p, v);
		}
		if (v->vgic.lr_used || v->vgic_kicked)
			vgic_lr_flush(v);
		return v;
	}
	/* Leaving v (perhaps only for a moment): whoever waits for it to be off the CPU may go on. */
	v->running = false;
	__asm__ volatile("dmb ish" ::: "memory");
	if (a == ACT_BLOCK && v->state == VCPU_RUNNABLE)
		block(v);
	if (a == ACT_YIELD && runnable(v)) {
		struct vcpu *other = pick(p, v);
		return enter(p, other ? other : v);
	}
	return enter(p, pick_or_idle(p, v));
}

void sched_start(void)
{
	struct pcpu *p = this_pcpu();
	struct vcpu *v = enter(p, pick_or_idle(p, NULL));

	guest_enter(v);
}
