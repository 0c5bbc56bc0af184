/*
 * The scheduler on the arch fake: run-queue decisions (round robin, slices
 * only when shared, WFI never picked, kicks), PSCI CPU_ON's ordering (the
 * target's registers are written by its own CPU, after it was published),
 * and that a kick never interrupts a CPU on behalf of a vCPU that cannot run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/fake.h>
#include <arch/hyp_timer.h>
#include <arch/vcpu_arch.h>
#include <hyparm/deadline.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/psci.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/spectre.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <hyparm/vcpu_watchdog.h>

/* What the scheduler needs from the rest of the core, reduced to counters. */
static int resets_stepped, crashed;
/* The reset job, done in one step: the VM runs again with its boot vCPU powered on. */
bool vm_reset_step(struct vm *vm)
{
	resets_stepped++;
	vm->state = VM_RUNNING;
	return true;
}
void guest_enter(struct vcpu *v)
{
	fail();
	for (;;)
		;
}
void hv_printf(const char *fmt, ...)
{
}
void vm_crash(struct vm *vm, const char *fmt, ...)
{
	crashed++;
}
void vcpu_watchdog_start(void)
{
}
/* core/vm.c's check, reduced: how often it was asked, and whether a vCPU of the VM was still loaded or running then. */
static int release_checks, release_busy;
void vm_release_if_idle(struct vm *vm)
{
	release_checks++;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->loaded || vm->vcpus[i]->running)
			release_busy++;
}
int firmware_arch_features(u32 fid)
{
	return SMCCC_RET_NOT_SUPPORTED;
}
s64 firmware_call(u32 fid, u64 arg)
{
	fail();
	return 0;
}
void spectre_bhb_clear(unsigned loop, bool clrbhb)
{
	fail();
}

/* An interrupt controller that says "pending" when the test says so. */
static bool pending[8];
static int flushes;
/* Set: the VM another CPU stops (for good) while this CPU enters one of its vCPUs (in its flush). */
static struct vm *stop_during_entry;
static void chip_flush(struct vcpu *v)
{
	flushes++;
	v->kicked = false;
	if (stop_during_entry == v->vm) {
		stop_during_entry = NULL;
		v->vm->state = VM_POWERED_OFF;
		v->vm->release_pending = true;
		for (unsigned i = 0; i < v->vm->nr_vcpus; i++)
			v->vm->vcpus[i]->state = VCPU_STOPPED;
	}
}
static void chip_nop(struct vcpu *v)
{
}
static bool chip_pending(struct vcpu *v)
{
	return pending[v->id];
}
static const struct irqchip_ops chip = {
	.flush = chip_flush,
	.sync = chip_nop,
	.vcpu_put = chip_nop,
	.vcpu_load = chip_nop,
	.vcpu_pending = chip_pending,
};

static struct vm vm_a, vm_b;
static struct vcpu a0, a1, b0;

static void make_vm(struct vm *vm, unsigned id, struct vcpu **v, unsigned n)
{
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->state = VM_RUNNING;
	vm->irqchip = &chip;
	vm->ram_ipa = 0x40000000ULL;
	vm->ram_size = 0x08000000ULL;
	vm->nr_vcpus = n;
	for (unsigned i = 0; i < n; i++) {
		memset(v[i], 0, sizeof(*v[i]));
		v[i]->vm = vm;
		v[i]->id = i;
		v[i]->mpidr = i;
		v[i]->state = VCPU_OFF;
		vm->vcpus[i] = v[i];
	}
}

static int setup(void **state)
{
	struct vcpu *av[] = { &a0, &a1 }, *bv[] = { &b0 };

	arch_fake_reset(2, 4);
	smccc_services_init(); /* what boot does */
	sched_init();
	make_vm(&vm_a, 0, av, 2);
	make_vm(&vm_b, 1, bv, 1);
	memset(pending, 0, sizeof(pending));
	flushes = resets_stepped = crashed = release_checks = release_busy = 0;
	stop_during_entry = NULL;
	return 0;
}

/* Make v the running vCPU of this CPU, as after an entry. */
static void running(struct vcpu *v)
{
	v->state = VCPU_RUNNABLE;
	v->running = true;
	v->loaded = true;
	pcpus[v->pcpu].loaded = v;
	pcpus[v->pcpu].current = v;
}

static void alone_on_a_cpu_no_slice_and_no_switch(void **state)
{
	sched_place(&a0, 0);
	running(&a0);
	assert_ptr_equal(sched_after_exit(&a0, ACT_RESUME), &a0);
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &a0);
	assert_int_equal(pcpus[0].slice_end, 0); /* nobody else: no slice timer */
	assert_int_equal(arch_fake.hyp_timer_cval, 0);
	assert_int_equal(arch_fake.nput, 0); /* and no register switch */
}

static void shared_cpu_round_robin_with_slices(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&a0);
	b0.state = VCPU_RUNNABLE;
	arch_fake.now = 1000;
	/* A yield hands the CPU to the other runnable vCPU, which gets a slice since a0 waits. */
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &b0);
	assert_int_not_equal(pcpus[0].slice_end, 0);
	assert_int_equal(arch_fake.hyp_timer_cval, pcpus[0].slice_end);
	assert_ptr_equal(arch_fake.put_log[0], &a0);
	assert_ptr_equal(arch_fake.load_log[0], &b0);
	/* The slice ends: the timer fires (a physical interrupt), the next exit switches back. */
	arch_fake.now = pcpus[0].slice_end;
	arch_fake.pending[arch_fake.npending++] = HYP_TIMER_INTID;
	irq_handle_physical();
	assert_true(pcpus[0].need_resched);
	assert_ptr_equal(sched_after_exit(&b0, ACT_RESUME), &a0);
}

static void blocked_vcpus_are_never_picked_until_kicked(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&a0);
	b0.state = VCPU_BLOCKED;
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &a0); /* b0 sleeps in WFI */
	vcpu_kick(&b0);
	assert_int_equal(b0.state, VCPU_RUNNABLE);
	assert_true(pcpus[0].need_rearm);
	assert_int_equal(arch_fake.ipis[0], 0); /* same CPU: no IPI */
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &b0);
}

static void wfi_with_an_interrupt_pending_does_not_block(void **state)
{
	sched_place(&a0, 0);
	running(&a0);
	pending[0] = true;
	assert_ptr_equal(sched_after_exit(&a0, ACT_BLOCK), &a0);
	assert_int_equal(a0.state, VCPU_RUNNABLE);
	assert_int_equal(arch_fake.waits, 0);
}

/* The CPU sleeps until something happens: here, an interrupt for a0 arrives while it waits. */
static bool kick_a0(void)
{
	vcpu_kick(&a0);
	return true;
}

static void wfi_blocks_and_a_kick_wakes(void **state)
{
	sched_place(&a0, 0);
	running(&a0);
	arch_fake.on_wait = kick_a0;
	assert_ptr_equal(sched_after_exit(&a0, ACT_BLOCK), &a0);
	assert_int_equal(arch_fake.waits, 1);
	assert_int_equal(a0.state, VCPU_RUNNABLE);
	assert_true(flushes > 0); /* the kick is looked at before entry */
}

static void kicks_interrupt_only_a_cpu_running_the_vcpu(void **state)
{
	sched_place(&a0, 0);
	sched_place(&a1, 1);
	running(&a0);
	/* a1 never started (OFF): a kick for it costs its CPU nothing. */
	vcpu_kick(&a1);
	assert_int_equal(arch_fake.ipis[1], 0);
	/* Runnable but not in its guest (waiting for its turn): it flushes on entry, no IPI either. */
	a1.state = VCPU_RUNNABLE;
	vcpu_kick(&a1);
	assert_int_equal(arch_fake.ipis[1], 0);
	/* In its guest on CPU 1: one IPI. */
	a1.running = true;
	vcpu_kick(&a1);
	assert_int_equal(arch_fake.ipis[1], 1);
	/* Blocked on CPU 1: woken, and CPU 1 told. */
	a1.running = false;
	a1.state = VCPU_BLOCKED;
	vcpu_kick(&a1);
	assert_int_equal(a1.state, VCPU_RUNNABLE);
	assert_int_equal(arch_fake.ipis[1], 2);
}

static s64 cpu_on(struct vcpu *caller, u64 mpidr, u64 entry, u64 ctx)
{
	u64 regs[18] = { PSCI_0_2_FN64_CPU_ON, mpidr, entry, ctx };

	assert_int_equal(smccc_dispatch(caller, regs), SMCCC_RESUME);
	return (s64)regs[0];
}

static void cpu_on_target_registers_are_written_by_its_own_cpu(void **state)
{
	sched_place(&a0, 0);
	sched_place(&a1, 1);
	sched_place(&b0, 1);
	running(&a0);
	arch_fake_set_cpu(1);
	running(&b0);
	arch_fake_set_cpu(0);
	assert_int_equal(cpu_on(&a0, 1, 0x40080000ULL, 0x1234), PSCI_RET_SUCCESS);
	/* Published, with nothing written to its registers from here. */
	assert_int_equal(a1.state, VCPU_ON_PENDING);
	assert_int_equal(arch_fake.nreset, 0);
	assert_int_equal(arch_fake.ipis[1], 1);
	assert_int_equal(cpu_on(&a0, 1, 0x40000000ULL, 0), PSCI_RET_ON_PENDING);
	/* CPU 1 takes it: reset on CPU 1, then loaded, with the entry CPU_ON asked for. */
	arch_fake_set_cpu(1);
	assert_ptr_equal(sched_after_exit(&b0, ACT_BLOCK), &a1);
	assert_int_equal(arch_fake.nreset, 1);
	assert_ptr_equal(arch_fake.reset_log[0], &a1);
	assert_ptr_equal(arch_fake.load_log[arch_fake.nload - 1], &a1);
	assert_int_equal(a1.arch.regs.elr, 0x40080000ULL);
	assert_int_equal(a1.arch.regs.x[0], 0x1234);
	assert_int_equal(a1.state, VCPU_RUNNABLE);
}


static void stopped_vcpu_is_unloaded_and_never_resumed(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&a0);
	b0.state = VCPU_RUNNABLE;
	/* Another CPU marks a0 off (a VM reset): its next exit, even one that would resume, leaves it. */
	a0.state = VCPU_OFF;
	pcpus[0].need_resched = true; /* what core/vm.c does with the state change */
	assert_ptr_equal(sched_after_exit(&a0, ACT_RESUME), &b0);
	assert_false(a0.loaded);
	assert_ptr_equal(arch_fake.put_log[0], &a0);
}

/*
 * The VM of the vCPU being entered stops for good between the pick and the
 * entry (another CPU powers it off): the vCPU is not entered (its memory may
 * be given back as soon as it is unloaded), it is unloaded, and the VM's
 * release check runs once nothing of it is on the CPU any more.
 */
static void a_vcpu_whose_vm_stopped_during_entry_is_not_entered(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&b0);
	a0.state = VCPU_RUNNABLE;
	a0.kicked = true; /* so that its entry flushes, where the test stops its VM */
	stop_during_entry = &vm_a;
	assert_ptr_equal(sched_after_exit(&b0, ACT_YIELD), &b0);
	assert_false(a0.loaded);
	assert_false(a0.running);
	assert_true(release_checks >= 1);
	assert_int_equal(release_busy, 0);
}

static void a_resetting_vm_runs_its_reset_on_the_boot_vcpus_cpu(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&b0);
	vm_a.state = VM_RESETTING;
	/* vm_reset_step (stubbed: done at once) runs, then a0 is powered on and picked. */
	vm_a.entry_ipa = 0x40080000ULL;
	a0.state = VCPU_OFF;
	assert_ptr_equal(sched_after_exit(&b0, ACT_YIELD), &a0);
	assert_int_equal(resets_stepped, 1);
	assert_int_equal(a0.arch.regs.elr, 0x40080000ULL); /* reset on this CPU, then entered */
}

/*
 * Stolen time (account_switch): counts a vCPU waits, runnable, while its CPU runs another. Each case
 * names the bug it catches.
 */
static void stolen_time_is_the_wait_of_a_runnable_vcpu_displaced_by_another(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&a0);
	b0.state = VCPU_RUNNABLE;
	arch_fake.now = 1000;
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &b0);
	assert_int_equal(b0.stolen, 0); /* its first entry: it was never displaced */
	arch_fake.now = 1700;
	assert_ptr_equal(sched_after_exit(&b0, ACT_YIELD), &a0);
	assert_int_equal(a0.stolen, 700); /* runnable from 1000 to 1700: all of it stolen */
	arch_fake.now = 2000;
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &b0);
	assert_int_equal(b0.stolen, 300);
	assert_int_equal(a0.stolen, 700); /* the one that runs is not stolen from */
}

static void stolen_time_alone_on_a_cpu_stays_zero(void **state)
{
	sched_place(&a0, 0);
	running(&a0);
	arch_fake.now = 1000;
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &a0);
	arch_fake.now = 5000;
	pcpus[0].need_resched = true; /* a slice end with nobody else: the same vCPU again */
	assert_ptr_equal(sched_after_exit(&a0, ACT_RESUME), &a0);
	assert_int_equal(a0.stolen, 0);
}

static void stolen_time_of_a_blocked_vcpu_counts_from_its_wake_up_only(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&b0);
	a0.state = VCPU_BLOCKED; /* in WFI: not waiting for the CPU */
	arch_fake.now = 1000;
	assert_ptr_equal(sched_after_exit(&b0, ACT_YIELD), &b0);
	/* a0 runs once, blocks, and b0 takes the CPU at 2000 (a0 displaced while blocked). */
	a0.state = VCPU_RUNNABLE;
	pcpus[0].need_resched = true;
	assert_ptr_equal(sched_after_exit(&b0, ACT_RESUME), &a0);
	arch_fake.now = 2000;
	assert_ptr_equal(sched_after_exit(&a0, ACT_BLOCK), &b0);
	assert_int_equal(a0.state, VCPU_BLOCKED);
	/* Its interrupt arrives at 5000; it gets the CPU at 5400: 400 stolen, not the 3000 in WFI. */
	arch_fake.now = 5000;
	vcpu_kick(&a0);
	arch_fake.now = 5400;
	pcpus[0].need_resched = true;
	assert_ptr_equal(sched_after_exit(&b0, ACT_RESUME), &a0);
	assert_int_equal(a0.stolen, 400);
}

static void stolen_time_ignores_a_wake_up_from_before_the_displacement(void **state)
{
	sched_place(&a0, 0);
	sched_place(&b0, 0);
	running(&a0);
	b0.state = VCPU_RUNNABLE;
	a0.woken_at = 100; /* a kick's late store from an earlier wake-up */
	arch_fake.now = 1000;
	a0.state = VCPU_BLOCKED;
	assert_ptr_equal(sched_after_exit(&a0, ACT_BLOCK), &b0);
	/* Made runnable without a kick stamp (as a power-on race would): nothing to count from. */
	a0.state = VCPU_RUNNABLE;
	arch_fake.now = 3000;
	assert_ptr_equal(sched_after_exit(&b0, ACT_YIELD), &a0);
	assert_int_equal(a0.stolen, 0);
}

static void stolen_time_is_not_the_time_a_vcpu_was_off(void **state)
{
	sched_place(&a0, 0);
	sched_place(&a1, 0);
	running(&a0);
	a1.state = VCPU_RUNNABLE;
	arch_fake.now = 1000;
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &a1);
	/* a0 is displaced while runnable, then its VM resets it; powered on again at 9000. */
	a0.state = VCPU_OFF;
	arch_fake.now = 9000;
	a0.state = VCPU_ON_PENDING;
	pcpus[0].need_resched = true;
	assert_ptr_equal(sched_after_exit(&a1, ACT_RESUME), &a0);
	assert_int_equal(a0.stolen, 0);
}

/*
 * Fair shares (virtual run time, weights). A small simulation of one CPU:
 * time moves in 0.5 ms steps, each ending with an exit of the running
 * vCPU, hyparm's timer firing when it is due.
 */
#define MS (62500ULL) /* the fake's counter runs at 62.5 MHz */

static void fire_due_timer(void)
{
	if (arch_fake.hyp_timer_cval && arch_fake.now >= arch_fake.hyp_timer_cval) {
		arch_fake.pending[arch_fake.npending++] = HYP_TIMER_INTID;
		irq_handle_physical();
	}
}

/* Run CPU 0's vCPUs, all busy (never WFI), for ms milliseconds from cur; the vCPU running at the end. */
static struct vcpu *run_busy(struct vcpu *cur, unsigned ms)
{
	for (unsigned i = 0; i < 2 * ms; i++) {
		arch_fake.now += MS / 2;
		fire_due_timer();
		cur = sched_after_exit(cur, ACT_RESUME);
	}
	return cur;
}

static void start(struct vcpu *first, struct vcpu **others, unsigned n)
{
	sched_place(first, 0);
	for (unsigned i = 0; i < n; i++) {
		sched_place(others[i], 0);
		others[i]->state = VCPU_RUNNABLE;
	}
	running(first);
	arch_fake.now = 1000;
	first->run_since = 1000;
	pcpus[0].need_rearm = true; /* as after the others became runnable: the next exit starts a slice */
}

/* The bug behind a Linux VM getting 28% next to a hog: a deadline firing restarted the hog's slice. */
static void a_deadline_firing_does_not_extend_the_running_slice(void **state)
{
	struct vcpu *others[] = { &b0 };
	struct deadline d;
	u64 end;

	start(&a0, others, 1);
	assert_ptr_equal(sched_after_exit(&a0, ACT_YIELD), &b0);
	end = pcpus[0].slice_end;
	assert_int_not_equal(end, 0);
	deadline_init(&d, (deadline_fn)chip_nop);
	deadline_arm(&d, 0, arch_fake.now + MS / 2);
	assert_ptr_equal(sched_after_exit(&b0, ACT_RESUME), &b0); /* the timer now fires first for d */
	assert_int_equal(arch_fake.hyp_timer_cval, d.when);
	arch_fake.now = d.when;
	fire_due_timer();
	assert_true(pcpus[0].need_rearm);
	assert_ptr_equal(sched_after_exit(&b0, ACT_RESUME), &b0);
	assert_int_equal(pcpus[0].slice_end, end);
	assert_int_equal(arch_fake.hyp_timer_cval, end);
}

static void equal_weights_share_the_cpu_equally(void **state)
{
	struct vcpu *others[] = { &a1, &b0 };

	start(&a0, others, 2);
	run_busy(&a0, 3000);
	/* 3 s among three: 1 s each, give or take a slice. */
	assert_in_range(a0.run_ticks, 990 * MS, 1010 * MS);
	assert_in_range(a1.run_ticks, 990 * MS, 1010 * MS);
	assert_in_range(b0.run_ticks, 990 * MS, 1010 * MS);
}

static void a_vms_weight_sets_its_share(void **state)
{
	struct vcpu *others[] = { &b0 };

	vm_a.weight = 512; /* twice vm_b's (the default, 256) */
	start(&a0, others, 1);
	run_busy(&a0, 3000);
	assert_in_range(a0.run_ticks, 1990 * MS, 2010 * MS);
	assert_in_range(b0.run_ticks, 990 * MS, 1010 * MS);
	assert_true(a0.preempted > 0 && b0.preempted > 0);
}

/*
 * b0 runs 3 ms, then sleeps in WFI for 1 ms until an interrupt (a kick);
 * a0 never sleeps. b0 wants 75% of the CPU; its fair share is half. Before
 * wake-up preemption it got 3 ms of every 13 (23%).
 */
static void a_vcpu_that_sleeps_often_still_gets_its_share(void **state)
{
	struct vcpu *others[] = { &a0 }, *cur = &b0;
	u64 burst_start = 0, wake_at = 0;

	start(&b0, others, 1);
	for (unsigned i = 0; i < 6000; i++) {
		arch_fake.now += MS / 2;
		fire_due_timer();
		if (b0.state == VCPU_BLOCKED && arch_fake.now >= wake_at) {
			vcpu_kick(&b0);
			burst_start = sched_vcpu_run_ticks(&b0);
		}
		if (cur == &b0 && sched_vcpu_run_ticks(&b0) - burst_start >= 3 * MS) {
			cur = sched_after_exit(cur, ACT_BLOCK);
			wake_at = arch_fake.now + MS;
		} else {
			cur = sched_after_exit(cur, ACT_RESUME);
		}
	}
	assert_in_range(b0.run_ticks, 1400 * MS, 1600 * MS); /* of 3 s */
	assert_true(b0.wakeups > 100);
}

/* A vCPU that slept long gets no burst for it: back at most one slice behind. */
static void a_long_sleep_earns_at_most_one_slice(void **state)
{
	struct vcpu *others[] = { &b0 };

	start(&a0, others, 1);
	b0.state = VCPU_BLOCKED;
	run_busy(&a0, 1000); /* a0 alone for 1 s */
	vcpu_kick(&b0);
	run_busy(&a0, 100);
	/* b0 was owed nothing: it had 100 ms to share, 10 ms of credit: at most 60 ms. */
	assert_in_range(b0.run_ticks, 45 * MS, 61 * MS);
}

/* A vCPU powered on where another runs waits its turn (PSCI's ON_PENDING stays observable), then gets it. */
static void a_vcpu_powered_on_waits_for_the_slice_end(void **state)
{
	struct vcpu *others[] = { &a1 };

	start(&a0, others, 1);
	a1.state = VCPU_OFF;
	run_busy(&a0, 50);
	sched_power_on(&a1, 0x40080000ULL, 0);
	arch_fake.now += MS / 2;
	assert_ptr_equal(sched_after_exit(&a0, ACT_RESUME), &a0);
	assert_int_equal(a1.state, VCPU_ON_PENDING);
	assert_ptr_equal(run_busy(&a0, 11), &a1);
}

/* One vCPU per CPU: a slice end or a deadline never costs it a timer, and it never leaves. */
static void alone_on_a_cpu_deadlines_do_not_start_slices(void **state)
{
	struct deadline d;

	sched_place(&a0, 0);
	running(&a0);
	deadline_init(&d, (deadline_fn)chip_nop);
	arch_fake.now = 1000;
	deadline_arm(&d, 0, 2000);
	arch_fake.now = 2000;
	fire_due_timer();
	assert_ptr_equal(sched_after_exit(&a0, ACT_RESUME), &a0);
	assert_int_equal(pcpus[0].slice_end, 0);
	assert_int_equal(arch_fake.nput, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(alone_on_a_cpu_no_slice_and_no_switch, setup),
		cmocka_unit_test_setup(shared_cpu_round_robin_with_slices, setup),
		cmocka_unit_test_setup(blocked_vcpus_are_never_picked_until_kicked, setup),
		cmocka_unit_test_setup(wfi_with_an_interrupt_pending_does_not_block, setup),
		cmocka_unit_test_setup(wfi_blocks_and_a_kick_wakes, setup),
		cmocka_unit_test_setup(kicks_interrupt_only_a_cpu_running_the_vcpu, setup),
		cmocka_unit_test_setup(cpu_on_target_registers_are_written_by_its_own_cpu, setup),
		cmocka_unit_test_setup(stopped_vcpu_is_unloaded_and_never_resumed, setup),
		cmocka_unit_test_setup(a_vcpu_whose_vm_stopped_during_entry_is_not_entered, setup),
		cmocka_unit_test_setup(a_resetting_vm_runs_its_reset_on_the_boot_vcpus_cpu, setup),
		cmocka_unit_test_setup(stolen_time_is_the_wait_of_a_runnable_vcpu_displaced_by_another,
				       setup),
		cmocka_unit_test_setup(stolen_time_alone_on_a_cpu_stays_zero, setup),
		cmocka_unit_test_setup(stolen_time_of_a_blocked_vcpu_counts_from_its_wake_up_only, setup),
		cmocka_unit_test_setup(stolen_time_ignores_a_wake_up_from_before_the_displacement, setup),
		cmocka_unit_test_setup(stolen_time_is_not_the_time_a_vcpu_was_off, setup),
		cmocka_unit_test_setup(a_deadline_firing_does_not_extend_the_running_slice, setup),
		cmocka_unit_test_setup(equal_weights_share_the_cpu_equally, setup),
		cmocka_unit_test_setup(a_vms_weight_sets_its_share, setup),
		cmocka_unit_test_setup(a_vcpu_that_sleeps_often_still_gets_its_share, setup),
		cmocka_unit_test_setup(a_long_sleep_earns_at_most_one_slice, setup),
		cmocka_unit_test_setup(a_vcpu_powered_on_waits_for_the_slice_end, setup),
		cmocka_unit_test_setup(alone_on_a_cpu_deadlines_do_not_start_slices, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
