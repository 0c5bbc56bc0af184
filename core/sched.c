/*
 * Per-CPU scheduling (see include/hyparm/sched.h). Run lists are fixed
 * after boot, so walking them needs no lock; vCPU state changes are single
 * stores or compare-and-swap, and a CPU asleep in WFI is woken with an SGI.
 *
 * Who touches a vCPU: its registers, its list registers and its loading
 * only its own CPU; other CPUs only change its state word and kick it.
 */
#include <arch/hyp_timer.h>
#include <arch/vcpu_arch.h>
#include <drivers/gic.h>
#include <drivers/psci_fw.h>
#include <hyparm/deadline.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/vcpu_watchdog.h>
#include <hyparm/vdev.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>

#define SLICE_MS 10

static u64 slice_ticks(void)
{
	return hyp_timer_freq() / 1000 * SLICE_MS;
}

static u32 weight_of(const struct vcpu *v)
{
	return v->vm->weight ? v->vm->weight : VMCONF_WEIGHT_DEFAULT;
}

/* v ran (or was served) for ticks: its virtual run time grows by them, scaled down by its weight. */
static void charge(struct pcpu *p, struct vcpu *v, u64 ticks)
{
	v->vruntime += ticks * VMCONF_WEIGHT_DEFAULT / weight_of(v);
	if (v->vruntime > p->vclock)
		p->vclock = v->vruntime;
}

/* The running v's accounts brought up to now (its CPU time and its share), as when it leaves. */
static void charge_running(struct pcpu *p, struct vcpu *v)
{
	u64 now = hyp_timer_now(), ran = now - v->run_since;

	v->run_ticks += ran;
	v->run_since = now;
	charge(p, v, ran);
}

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
	v->slept = true; /* its first run starts from its CPU's clock */
	*tail = v;
}

void sched_vm_started(void)
{
	__atomic_add_fetch(&vms_running, 1, __ATOMIC_ACQ_REL);
}

u64 sched_vcpu_run_ticks(const struct vcpu *v)
{
	u64 t = v->run_ticks;

	return v->running ? t + (hyp_timer_now() - v->run_since) : t;
}

void sched_vm_stopped(void)
{
	if (__atomic_sub_fetch(&vms_running, 1, __ATOMIC_ACQ_REL) == 0) {
		hv_printf("hyparm: all VMs stopped\n");
		psci_fw_system_off();
	}
}

/* v's CPU must look at its run list again: start a slice there, or leave WFI. */
static void wake_cpu_of(struct vcpu *v)
{
	pcpus[v->pcpu].need_rearm = true;
	arch_smp_mb();
	if (v->pcpu != this_pcpu()->id)
		gic_send_wake(v->pcpu);
}

void vcpu_kick(struct vcpu *v)
{
	enum vcpu_state blocked = VCPU_BLOCKED;

	__atomic_store_n(&v->kicked, true, __ATOMIC_RELEASE);
	if (v->state == VCPU_BLOCKED) {
		/* Read before the state changes, so it is earlier than any entry that follows the wake-up. */
		u64 now = hyp_timer_now();

		if (__atomic_compare_exchange_n(&v->state, &blocked, VCPU_RUNNABLE, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			__atomic_store_n(&v->woken_at, now, __ATOMIC_RELAXED);
			__atomic_add_fetch(&v->wakeups, 1, __ATOMIC_RELAXED);
			wake_cpu_of(v);
			return;
		}
	}
	/* On this CPU: it looks at its kick before it next enters the guest. */
	if (v->pcpu == this_pcpu()->id)
		return;
	/*
	 * Runnable elsewhere: only a vCPU in its guest needs an interrupt to
	 * look (one waiting for its turn flushes on entry). Pairs with the
	 * barrier between `running = true` and the flush in enter().
	 */
	arch_smp_mb();
	if (v->state == VCPU_RUNNABLE && v->running)
		gic_send_wake(v->pcpu);
}

void sched_power_on(struct vcpu *v, u64 entry, u64 ctx)
{
	v->boot_entry = entry;
	v->boot_ctx = ctx;
	/* Published last: the vCPU's CPU writes its registers from these when it first enters it. */
	__atomic_store_n(&v->state, VCPU_ON_PENDING, __ATOMIC_RELEASE);
	wake_cpu_of(v);
}

static bool runnable(const struct vcpu *v)
{
	if (v->vm->state == VM_RESETTING)
		return v == v->vm->vcpus[0]; /* it runs the reset (vm_reset_step) */
	return (v->state == VCPU_RUNNABLE || v->state == VCPU_ON_PENDING) && v->vm->state == VM_RUNNING;
}

/* May v stay loaded while it does not run (blocked in WFI: it comes back soon)? */
static bool keeps_loaded(const struct vcpu *v)
{
	return (v->state == VCPU_RUNNABLE || v->state == VCPU_BLOCKED) && v->vm->state == VM_RUNNING;
}

/*
 * A vCPU that slept (WFI, off) did not run, so its virtual run time fell
 * behind; it may not spend that as a burst that starves the others. It
 * comes back at most one slice behind the CPU's clock, the largest share
 * charged there (credit2 resets credit for the same reason; CFS places a
 * waking task at min_vruntime less half its latency).
 */
static void catch_up(const struct pcpu *p, struct vcpu *v)
{
	/* One being powered on (CPU_ON, a VM's start) earned nothing: it waits its turn, as under round robin. */
	u64 credit = v->state == VCPU_ON_PENDING ? 0 : slice_ticks();
	u64 floor = p->vclock > credit ? p->vclock - credit : 0;

	if (v->slept && v->vruntime < floor)
		v->vruntime = floor;
	v->slept = false;
}

/*
 * The runnable vCPU of p with the least virtual run time, or NULL; skip
 * (a vCPU that yields) only if nobody else can run. Equal ones go round
 * robin: the walk starts after prev and only a smaller value replaces the
 * first found. The lists are short (the vCPUs placed here), so a walk is
 * cheaper and simpler than a tree.
 */
static struct vcpu *pick_skipping(struct pcpu *p, struct vcpu *prev, const struct vcpu *skip)
{
	struct vcpu *start = prev && prev->next_on_pcpu ? prev->next_on_pcpu : p->run_list;
	struct vcpu *best = NULL, *v = start;

	if (!v)
		return NULL;
	do {
		if (v != skip && runnable(v)) {
			catch_up(p, v);
			if (!best || v->vruntime < best->vruntime)
				best = v;
		}
		v = v->next_on_pcpu ? v->next_on_pcpu : p->run_list;
	} while (v != start);
	return best;
}

static struct vcpu *pick(struct pcpu *p, struct vcpu *prev)
{
	return pick_skipping(p, prev, NULL);
}

/* Save the loaded vCPU's state to memory: its registers, its interrupt-controller and device state. */
static void put_loaded(struct pcpu *p)
{
	struct vcpu *o = p->loaded;

	if (!o)
		return;
	arch_vcpu_put(o);
	o->vm->irqchip->vcpu_put(o);
	vdev_vcpu_put_all(o->vm, o);
	p->loaded = NULL;
	__atomic_store_n(&o->loaded, false, __ATOMIC_RELEASE);
	/* The last vCPU of a VM stopped for good to leave its CPU gives the VM's memory back. */
	if (__atomic_load_n(&o->vm->release_pending, __ATOMIC_ACQUIRE))
		vm_release_if_idle(o->vm);
}

static void switch_to(struct pcpu *p, struct vcpu *v)
{
	struct vcpu *old = p->loaded;

	if (old == v)
		return;
	put_loaded(p);
	arch_vcpu_load(v, old ? old->vm : NULL);
	v->vm->irqchip->vcpu_load(v);
	vdev_vcpu_load_all(v->vm, v);
	p->loaded = v;
	v->loaded = true;
}

/* hyparm's timer: the earlier of the slice end and the next deadline of this CPU. */
static void program_timer(struct pcpu *p)
{
	u64 next = deadline_next(p);

	if (p->slice_end && p->slice_end < next)
		next = p->slice_end;
	if (next != p->timer_at) {
		hyp_timer_set(next == DEADLINE_NONE ? 0 : next);
		p->timer_at = next;
	}
}

/*
 * v runs: it gets a slice only if another vCPU here waits for the CPU (1:1
 * placements pay nothing). A slice already running is kept: a deadline
 * firing or a wake-up here must not give the running vCPU a new one (that
 * let a busy vCPU keep the CPU as long as the others' timers fired).
 */
static void start_slice(struct pcpu *p, struct vcpu *v)
{
	if (p->slice_end || !p->run_list->next_on_pcpu || !pick_skipping(p, v, v))
		return;
	p->slice_end = hyp_timer_now() + slice_ticks();
}

static enum irq_result hyp_timer_fired(u32 intid, void *ctx)
{
	struct pcpu *p = this_pcpu();
	u64 now = hyp_timer_now();

	hyp_timer_set(0);
	p->timer_at = DEADLINE_NONE;
	if (p->slice_end && now >= p->slice_end) {
		p->slice_end = 0;
		p->need_resched = true;
	}
	deadline_run(p->id, now);
	p->need_rearm = true;
	return IRQ_DONE;
}

static enum irq_result wake_sgi(u32 intid, void *ctx)
{
	return IRQ_DONE; /* another CPU wanted us out of WFI or out of the guest: done */
}

void sched_init(void)
{
	irq_register(SGI_WAKE, wake_sgi, NULL);
	irq_register(HYP_TIMER_INTID, hyp_timer_fired, NULL);
}

/* A vCPU whose CPU_ON (or VM start) is pending: its registers are written here, on its own CPU. */
static void power_on_here(struct pcpu *p, struct vcpu *v)
{
	if (p->loaded == v)
		put_loaded(p); /* its live registers are of its previous life */
	arch_vcpu_reset(v, v->boot_entry, v->boot_ctx);
	vdev_vcpu_reset_all(v->vm, v);
	v->displaced_at = 0; /* a new life: the time it was off is not stolen */
	v->wd_since = 0; /* nor does it carry the watchdog's look at its previous life */
	v->state = VCPU_RUNNABLE;
}

/*
 * The CPU changes from the vCPU it last ran to v: stolen-time accounting,
 * the way KVM's run_delay counts a vCPU thread waiting on its run queue.
 * The one it leaves waits from now if it is runnable (else from its next
 * wake-up); v waited from when it was displaced, if it was runnable then,
 * or from its wake-up since. A wake-up stamped before v was displaced is a
 * stale one (v ran after it) and counts nothing. Only a change of vCPU
 * gets here: a vCPU alone on its CPU never pays for it, nor is stolen from.
 */
static void account_switch(struct pcpu *p, struct vcpu *v)
{
	struct vcpu *prev = p->current;
	u64 now = hyp_timer_now(), since = 0;

	if (prev) {
		prev->displaced_at = now;
		prev->displaced_runnable = prev->state == VCPU_RUNNABLE;
	}
	if (v->displaced_at) {
		u64 woken = __atomic_load_n(&v->woken_at, __ATOMIC_RELAXED);

		if (v->displaced_runnable)
			since = v->displaced_at;
		else if (woken >= v->displaced_at)
			since = woken;
	}
	if (since && now > since)
		v->stolen += now - since;
}

/* Everything a vCPU needs before ERET: its registers loaded, its interrupts in list registers. */
static struct vcpu *enter(struct pcpu *p, struct vcpu *v)
{
	p->need_resched = false;
	p->need_rearm = false;
	if (v->state == VCPU_ON_PENDING)
		power_on_here(p, v);
	if (p->current != v) {
		account_switch(p, v);
		v->switches_in++;
		p->slice_end = 0; /* a new vCPU: a new slice */
	}
	switch_to(p, v);
	p->current = v;
	v->run_since = hyp_timer_now();
	v->running = true;
	arch_smp_mb(); /* pairs with vcpu_kick(): either it sees running, or we see its kick */
	if (v->irqchip_busy || v->kicked)
		v->vm->irqchip->flush(v);
	start_slice(p, v);
	program_timer(p);
	return v;
}

/*
 * enter(), but never into a VM that stopped after v was picked: a VM stopped
 * for good gives its memory back once none of its vCPUs is loaded or
 * running (vm_release_if_idle), and enter() marks v both before this look
 * at the VM's state (the barrier in enter() pairs with the one there).
 */
static struct vcpu *pick_or_idle(struct pcpu *p, struct vcpu *prev);
static struct vcpu *enter_checked(struct pcpu *p, struct vcpu *v)
{
	for (;;) {
		v = enter(p, v);
		if (__atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING)
			return v;
		v->run_ticks += hyp_timer_now() - v->run_since;
		v->running = false;
		arch_smp_mb();
		if (!keeps_loaded(v))
			put_loaded(p);
		v = pick_or_idle(p, v);
	}
}

/* WFI: sleep unless an interrupt is already waiting. The state is set first so that a kick racing with the check is not lost. */
static void block(struct vcpu *v)
{
	enum vcpu_state blocked = VCPU_BLOCKED;

	v->state = VCPU_BLOCKED;
	arch_smp_mb();
	if (v->vm->irqchip->vcpu_pending(v))
		__atomic_compare_exchange_n(&v->state, &blocked, VCPU_RUNNABLE, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
}

static struct vcpu *pick_or_idle(struct pcpu *p, struct vcpu *prev)
{
	for (;;) {
		struct vcpu *v = pick(p, prev);

		if (v && v->vm->state == VM_RESETTING) {
			/* The reset runs in steps, so this CPU's interrupts and other vCPUs are served in between. */
			u64 t0 = hyp_timer_now();

			if (p->loaded && p->loaded->vm == v->vm)
				put_loaded(p);
			bool done = vm_reset_step(v->vm);
			charge(p, v, hyp_timer_now() - t0); /* the others' turns come between the steps */
			if (done) {
				if (v->vm->state == VM_RUNNING)
					sched_power_on(v, v->vm->entry_ipa, v->vm->dtb_ipa);
			} else {
				irq_handle_physical();
				prev = v;
			}
			continue;
		}
		if (v)
			return v;
		/*
		 * Nothing to run: sleep until an interrupt (a wake-up SGI from
		 * another CPU, a device, hyparm's timer). Interrupts stay masked
		 * at EL2; WFI still wakes on a pending one and we take it here by
		 * hand. A vCPU that no longer runs is unloaded first, so that its
		 * VM can be reset or the vCPU powered on afresh.
		 */
		if (p->loaded && !keeps_loaded(p->loaded))
			put_loaded(p);
		/* No slice while idle; the timer needs programming only if something moved since it last was. */
		if (p->slice_end || p->need_rearm) {
			p->slice_end = 0;
			p->need_rearm = false;
			program_timer(p);
		}
		arch_wait_for_interrupt();
		irq_handle_physical();
		prev = NULL;
	}
}

/*
 * A vCPU here may have woken. One that is behind the running one by more
 * than WAKE_GRANULARITY_MS of virtual run time takes the CPU now rather
 * than at the slice end: a vCPU that sleeps often (a Linux guest's WFI)
 * would otherwise lose the rest of its share to a busy one each time.
 */
#define WAKE_GRANULARITY_MS 1

bool sched_rearm(struct pcpu *p, struct vcpu *v)
{
	p->need_rearm = false;
	if (p->run_list->next_on_pcpu) {
		struct vcpu *w;

		charge_running(p, v);
		w = pick_skipping(p, v, v);
		if (w && w->vruntime + hyp_timer_freq() / 1000 * WAKE_GRANULARITY_MS < v->vruntime)
			return true;
	}
	start_slice(p, v);
	program_timer(p);
	return false;
}

struct vcpu *sched_switch(struct vcpu *v, enum exit_action a)
{
	struct pcpu *p = this_pcpu();

	/* A guest's yield (WFE: it spins on a lock) lets the others go first; a slice end picks by share. */
	bool yield = a == ACT_YIELD;

	/* Leaving v (perhaps only for a moment): whoever waits for it to be off the CPU may go on. */
	charge_running(p, v);
	v->running = false;
	arch_smp_mb();
	if (a == ACT_BLOCK && v->state == VCPU_RUNNABLE)
		block(v);
	if (v->state != VCPU_RUNNABLE)
		v->slept = true; /* its share is not owed while it sleeps or is off */
	if (!keeps_loaded(v))
		put_loaded(p);
	if ((a == ACT_RESUME || yield) && runnable(v)) {
		struct vcpu *other = pick_skipping(p, v, yield ? v : NULL);

		if (!other || other->vm->state != VM_RESETTING) {
			if (other && other != v)
				v->preempted += a == ACT_RESUME;
			return enter_checked(p, other ? other : v);
		}
	}
	return enter_checked(p, pick_or_idle(p, v));
}

void sched_start(void)
{
	struct pcpu *p = this_pcpu();

	p->timer_at = DEADLINE_NONE;
	vcpu_watchdog_start();
	guest_enter(enter_checked(p, pick_or_idle(p, NULL)));
}
