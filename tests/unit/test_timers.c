/*
 * The guest's timers on the arch fake: the emulated EL1 physical timer
 * (vdev/ptimer.c) through its system-register hooks, and the
 * hardware-mapped virtual timer's vCPU put/load (vdev/vtimer.c), both
 * against the deadline service (core/deadline.c). The VM's irqchip is a
 * recorder of the lines the timers drive. Each test names the bug it
 * catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/fake.h>
#include <arch/sysreg_emul.h>
#include <arch/vcpu_arch.h>
#include <hyparm/deadline.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/ptimer.h>
#include <vdev/timer.h>

static struct vm vm;
static struct vcpu vcpus[2];

void hv_printf(const char *fmt, ...)
{
}

/* ---- the recording irqchip ---- */
static bool line[2][32];
static unsigned line_sets;
static const struct irq_source *mapped[2][32];
static void rec_set_line(struct vm *m, struct vcpu *v, u32 intid, bool level)
{
	assert_ptr_equal(m, &vm);
	assert_non_null(v);
	assert_true(intid < 32);
	line[v->id][intid] = level;
	line_sets++;
}
static void rec_map_source(struct vm *m, struct vcpu *v, u32 intid, const struct irq_source *src)
{
	mapped[v->id][intid] = src;
}
static const struct irqchip_ops rec_chip = { .set_line = rec_set_line, .map_source = rec_map_source };

static int setup(void **state)
{
	sysreg_hooks_init(); /* what boot does: index the hooks */
	char err[80];

	arch_fake_reset(2, 4);
	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	memset(line, 0, sizeof(line));
	memset(mapped, 0, sizeof(mapped));
	strcpy(vm.name, "t");
	vm.irqchip = &rec_chip;
	vm.nr_vcpus = 2;
	for (unsigned i = 0; i < 2; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].pcpu = i; /* vCPU i runs on CPU i */
		vm.vcpus[i] = &vcpus[i];
	}
	assert_int_equal(vdev_create(&vm, "arm-ptimer", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "arm-vtimer", err, sizeof(err)), HV_OK);
	line_sets = 0;
	arch_fake.now = 1000;
	return 0;
}

/* ---- the physical timer, through the hooks as an exit reaches it ---- */
static void sysreg_write(struct vcpu *v, u32 enc, u64 val)
{
	const struct sysreg_hook *h = sysreg_hook_find(enc);
	assert_non_null(h);
	assert_true(h->write(v, val));
}

static u64 sysreg_read(struct vcpu *v, u32 enc)
{
	const struct sysreg_hook *h = sysreg_hook_find(enc);
	u64 val = 0xdead;
	assert_non_null(h);
	assert_true(h->read(v, &val));
	return val;
}

#define PT GUEST_PTIMER_INTID

/* CVAL = 0 is a deadline in the past: it fires at once. Catches: 0 taken for "no deadline". */
static void ptimer_cval_zero_fires_at_once(void **state)
{
	struct vcpu *v = &vcpus[0];

	sysreg_write(v, SYS_CNTP_CVAL_EL0, 0);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE);
	assert_true(line[0][PT]);
	assert_false(deadline_armed(&ptimer_of(v)->dl));
	assert_int_equal(sysreg_read(v, SYS_CNTP_CTL_EL0), CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

/*
 * ISTATUS is the condition (enabled and due), masked or not; IMASK drops
 * the line, unmasking raises it again. Catches: ISTATUS hidden by IMASK,
 * a masked timer's line left high (the guest takes an interrupt it
 * masked), ISTATUS of a disabled timer.
 */
static void ptimer_istatus_and_imask(void **state)
{
	struct vcpu *v = &vcpus[0];

	sysreg_write(v, SYS_CNTP_CVAL_EL0, 500);
	assert_int_equal(sysreg_read(v, SYS_CNTP_CTL_EL0), 0); /* disabled: no ISTATUS */
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE);
	assert_true(line[0][PT]);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE | CNT_CTL_IMASK);
	assert_false(line[0][PT]);
	assert_int_equal(sysreg_read(v, SYS_CNTP_CTL_EL0), CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS);
	assert_false(deadline_armed(&ptimer_of(v)->dl));
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE);
	assert_true(line[0][PT]);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE | CNT_CTL_ISTATUS); /* ISTATUS is read-only */
	assert_int_equal(ptimer_of(v)->ctl, CNT_CTL_ENABLE);
	sysreg_write(v, SYS_CNTP_CTL_EL0, 0);
	assert_false(line[0][PT]);
}

/*
 * TVAL is the signed 32-bit distance to CVAL, both ways. Catches: an
 * unsigned TVAL (a negative write sets a deadline 2^32 ticks away), upper
 * bits of the register taken in.
 */
static void ptimer_tval_is_signed_32_bit(void **state)
{
	struct vcpu *v = &vcpus[0];

	sysreg_write(v, SYS_CNTP_CVAL_EL0, 900);
	assert_int_equal(sysreg_read(v, SYS_CNTP_TVAL_EL0), 0xFFFFFF9Cu); /* -100 */
	sysreg_write(v, SYS_CNTP_TVAL_EL0, 0xFFFFFFCEu); /* -50 */
	assert_int_equal(sysreg_read(v, SYS_CNTP_CVAL_EL0), 950);
	sysreg_write(v, SYS_CNTP_TVAL_EL0, 0xABCD000000000010ULL); /* only the low 32 bits */
	assert_int_equal(sysreg_read(v, SYS_CNTP_CVAL_EL0), 1016);
	sysreg_write(v, SYS_CNTP_TVAL_EL0, 0x7FFFFFFF);
	assert_int_equal(sysreg_read(v, SYS_CNTP_CVAL_EL0), 1000 + 0x7FFFFFFFULL);
	assert_int_equal(sysreg_read(v, SYS_CNTP_TVAL_EL0), 0x7FFFFFFF);
}

/*
 * A timer yet to fire has a deadline on its vCPU's physical CPU, moved
 * with CVAL and cancelled by disable or mask; when it passes, the line
 * rises. Catches: a deadline on the wrong CPU (fires for nobody), a
 * stale deadline after the guest disabled the timer, no deadline (the
 * interrupt comes at the next unrelated exit).
 */
static void ptimer_deadline_on_the_vcpus_cpu(void **state)
{
	struct vcpu *v = &vcpus[1];
	struct ptimer *t = ptimer_of(v);

	sysreg_write(v, SYS_CNTP_CVAL_EL0, 1500);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE);
	assert_false(line[1][PT]);
	assert_int_equal(t->dl.cpu, 1);
	assert_int_equal(deadline_next(&pcpus[1]), 1500);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	sysreg_write(v, SYS_CNTP_CVAL_EL0, 2000);
	assert_int_equal(deadline_next(&pcpus[1]), 2000);
	arch_fake.now = 1999;
	deadline_run(1, arch_fake.now);
	assert_false(line[1][PT]);
	arch_fake.now = 2000;
	deadline_run(1, arch_fake.now);
	assert_true(line[1][PT]);
	assert_false(deadline_armed(&t->dl));

	sysreg_write(v, SYS_CNTP_CVAL_EL0, 3000); /* pushed out: the line drops, a deadline again */
	assert_false(line[1][PT]);
	assert_int_equal(deadline_next(&pcpus[1]), 3000);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE | CNT_CTL_IMASK);
	assert_int_equal(deadline_next(&pcpus[1]), DEADLINE_NONE);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE);
	assert_int_equal(deadline_next(&pcpus[1]), 3000);
	sysreg_write(v, SYS_CNTP_CTL_EL0, 0);
	assert_int_equal(deadline_next(&pcpus[1]), DEADLINE_NONE);
	assert_int_equal(line_sets, 2); /* driven on changes only */
}

/*
 * ISTATUS read as 1 means the interrupt is pending at that moment: the
 * line and ISTATUS come from one reading of the counter. Catches
 * (found by tests/integration test_timer_edge_cases case (d), flaky
 * under load): ptimer_read_ctl() read the counter twice, once to drive
 * the line and once for ISTATUS, so a CVAL passing in between gave
 * ISTATUS = 1 with the line still low until the deadline's interrupt.
 * The fake's counter moves by one at each read here.
 */
static void ptimer_istatus_and_line_agree(void **state)
{
	struct vcpu *v = &vcpus[0];

	sysreg_write(v, SYS_CNTP_CVAL_EL0, 1001);
	sysreg_write(v, SYS_CNTP_CTL_EL0, CNT_CTL_ENABLE);
	arch_fake.now = 1000;
	arch_fake.now_step = 1;
	u64 ctl = sysreg_read(v, SYS_CNTP_CTL_EL0);
	arch_fake.now_step = 0;
	assert_int_equal(!!(ctl & CNT_CTL_ISTATUS), line[0][PT]);
}

/* ---- the virtual timer: put and load as core/sched.c does them ---- */
#define VT GUEST_VTIMER_INTID

static void load(struct vcpu *v)
{
	struct pcpu *p = &pcpus[v->pcpu];

	arch_fake_set_cpu(v->pcpu);
	arch_vcpu_load(v, NULL);
	vdev_vcpu_load_all(&vm, v);
	p->loaded = v;
	v->loaded = true;
}

/* core/sched.c's put_loaded(): registers saved first, then the devices, then "not loaded". */
static void put(struct vcpu *v)
{
	struct pcpu *p = &pcpus[v->pcpu];

	arch_fake_set_cpu(v->pcpu);
	arch_vcpu_put(v);
	vdev_vcpu_put_all(&vm, v);
	p->loaded = NULL;
	v->loaded = false;
}

/* The guest programs its (live) virtual timer. */
static void guest_vtimer(struct vcpu *v, u64 ctl, u64 cval)
{
	v->arch.sys.cntv_cval_el0 = cval; /* the fake CPU keeps CVAL in the vCPU's registers */
	arch_fake.vtimer_ctl = ctl;
}

/* The vGIC samples the virtual timer's line through the source the timer attached. */
static bool vtimer_line(struct vcpu *v)
{
	const struct irq_source *src = mapped[v->id][VT];
	assert_non_null(src);
	assert_int_equal(src->phys_intid, VT);
	return src->get_line(v, src->ctx);
}

/*
 * Put with the timer enabled, unmasked and not yet due: a deadline at
 * CVAL + CNTVOFF on the vCPU's CPU raises the line; load cancels it
 * (the hardware timer takes over). Catches: a descheduled vCPU's timer
 * never firing (a guest sleeping in WFI for ever), CNTVOFF forgotten.
 */
static void vtimer_deadline_while_unloaded(void **state)
{
	struct vcpu *v = &vcpus[1];
	struct deadline *dl;

	vm.cntvoff = 400;
	load(v);
	guest_vtimer(v, CNT_CTL_ENABLE, 1000); /* due at physical 1400 */
	assert_false(vtimer_line(v));
	put(v);
	assert_false(line[1][VT]);
	assert_int_equal(deadline_next(&pcpus[1]), 1400);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	arch_fake.now = 1399;
	deadline_run(1, arch_fake.now);
	assert_false(line[1][VT]);
	arch_fake.now = 1400;
	assert_true(vtimer_line(v)); /* from memory now */
	deadline_run(1, arch_fake.now);
	assert_true(line[1][VT]);

	/* Put again, not due: load cancels the deadline. */
	arch_fake.now = 1000;
	load(v);
	put(v);
	assert_int_equal(deadline_next(&pcpus[1]), 1400);
	dl = pcpus[1].deadlines;
	load(v);
	assert_false(deadline_armed(dl));
	assert_int_equal(deadline_next(&pcpus[1]), DEADLINE_NONE);
}

/*
 * No deadline for a masked or disabled timer, nor when CVAL + CNTVOFF
 * passes 2^64 (the virtual count cannot get there before the physical
 * one wraps). Catches: a wrapped sum firing at once (an interrupt storm
 * for a guest that set CVAL = ~0 to mean "never").
 */
static void vtimer_no_deadline_when_it_cannot_fire(void **state)
{
	struct vcpu *v = &vcpus[0];

	vm.cntvoff = 100;
	load(v);
	guest_vtimer(v, CNT_CTL_ENABLE, ~0ULL - 10);
	put(v);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	assert_false(line[0][VT]);
	load(v);
	guest_vtimer(v, CNT_CTL_ENABLE | CNT_CTL_IMASK, 5000);
	put(v);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	load(v);
	guest_vtimer(v, 0, 5000);
	put(v);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	assert_false(line[0][VT]);
}

/*
 * Already due at put: the line is raised then (no deadline needed) and
 * the physical PPI is deactivated for the next vCPU on the CPU; at load,
 * a due timer's PPI is made active again, so the physical timer does not
 * fire until the guest deactivates the virtual one. Catches: the line
 * sampled from the CPU after put switched the timer off (dropped while
 * due, raised only by a deadline already in the past), the PPI left
 * active for the next vCPU (its timer never fires), a due timer firing
 * again at every load.
 */
static void vtimer_due_at_put_and_load(void **state)
{
	struct vcpu *v = &vcpus[0];

	load(v);
	guest_vtimer(v, CNT_CTL_ENABLE | CNT_CTL_ISTATUS, 5000);
	assert_true(vtimer_line(v)); /* live: the CPU's ISTATUS says, not memory */
	assert_false(vtimer_line(&vcpus[1]));
	guest_vtimer(v, CNT_CTL_ENABLE | CNT_CTL_ISTATUS, 900);
	arch_fake.ppi_active[VT] = true; /* forwarded, the guest has yet to deactivate it */
	put(v);
	assert_true(line[0][VT]);
	assert_false(arch_fake.ppi_active[VT]);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);

	load(v);
	assert_true(arch_fake.ppi_active[VT]);

	/* Not due at load: the PPI stays inactive. */
	guest_vtimer(v, CNT_CTL_ENABLE, 5000);
	put(v);
	assert_false(arch_fake.ppi_active[VT]);
	load(v);
	assert_false(arch_fake.ppi_active[VT]);
}

/*
 * Due between put and the deadline's run: the vCPU is loaded again (an
 * IPI woke it) before hyparm's timer interrupt ran the deadline, which
 * load cancels. Load itself must raise the line, as it makes the PPI
 * active (which then never fires). Catches: the expiry lost, a guest
 * that then waits in WFI never woken (a Linux VM hung in poweroff, RCU
 * stalls with 8 VMs on 2 CPUs).
 */
static void vtimer_due_since_put_with_its_deadline_not_yet_run(void **state)
{
	struct vcpu *v = &vcpus[0];

	load(v);
	guest_vtimer(v, CNT_CTL_ENABLE, 1500);
	put(v);
	assert_false(line[0][VT]);
	assert_int_equal(deadline_next(&pcpus[0]), 1500);
	arch_fake.now = 1600; /* due; the deadline has not run */
	load(v);
	assert_true(arch_fake.ppi_active[VT]);
	assert_true(line[0][VT]);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
}

/*
 * The physical PPI while a vCPU is loaded is its timer's: forwarded (the
 * guest deactivates it, so no deactivation here) and the line raised.
 * Catches: hyparm deactivating a forwarded interrupt (the timer fires
 * again at once: an interrupt storm until the guest handles it).
 */
static void vtimer_ppi_is_forwarded(void **state)
{
	struct vcpu *v = &vcpus[0];

	load(v);
	guest_vtimer(v, CNT_CTL_ENABLE | CNT_CTL_ISTATUS, 900);
	arch_fake.pending[arch_fake.npending++] = VT;
	irq_handle_physical();
	assert_true(line[0][VT]);
	assert_int_equal(arch_fake.neoi, 1);
	assert_int_equal(arch_fake.eoi[0], VT); /* priority drop only */
	put(v);
	arch_fake.pending[arch_fake.npending++] = VT; /* nobody loaded: handled here */
	irq_handle_physical();
	assert_int_equal(arch_fake.eoi[1], VT | FAKE_DEACTIVATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ptimer_cval_zero_fires_at_once, setup),
		cmocka_unit_test_setup(ptimer_istatus_and_imask, setup),
		cmocka_unit_test_setup(ptimer_tval_is_signed_32_bit, setup),
		cmocka_unit_test_setup(ptimer_deadline_on_the_vcpus_cpu, setup),
		cmocka_unit_test_setup(ptimer_istatus_and_line_agree, setup),
		cmocka_unit_test_setup(vtimer_deadline_while_unloaded, setup),
		cmocka_unit_test_setup(vtimer_no_deadline_when_it_cannot_fire, setup),
		cmocka_unit_test_setup(vtimer_due_at_put_and_load, setup),
		cmocka_unit_test_setup(vtimer_ppi_is_forwarded, setup),
		cmocka_unit_test_setup(vtimer_due_since_put_with_its_deadline_not_yet_run, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
