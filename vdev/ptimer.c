/*
 * The emulated EL1 physical timer (see vdev/ptimer.h). Its output is
 * recomputed at every point the guest can observe it (each register
 * access) and when its deadline passes, so the interrupt line always
 * equals ENABLE && !IMASK && count >= CVAL: never early, never stale. A
 * CVAL of 0 is a deadline like any other (it has passed).
 */
#include <arch/hyp_timer.h>
#include <arch/sysreg_emul.h>
#include <hyparm/deadline.h>
#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/vm.h>
#include <vdev/ptimer.h>
#include <vdev/timer.h>

static struct ptimer ptimers[VM_MAX][VM_MAX_VCPUS];

struct ptimer *ptimer_of(struct vcpu *v)
{
	return &ptimers[v->vm->id][v->id];
}

static bool expired(const struct ptimer *t, u64 now)
{
	return now >= t->cval;
}

/* Drive the line from the timer's state at count now, and keep the deadline for when it changes next. */
static void update_at(struct vcpu *v, u64 now)
{
	struct ptimer *t = ptimer_of(v);
	bool armed = (t->ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE;
	bool fires = armed && expired(t, now);

	if (armed && !fires)
		deadline_arm(&t->dl, v->pcpu, t->cval);
	else
		deadline_cancel(&t->dl);
	if (fires != t->line) {
		t->line = fires;
		vm_irq_line(v->vm, v, GUEST_PTIMER_INTID, fires);
	}
}

static void update(struct vcpu *v)
{
	update_at(v, arch_counter_now());
}

static void deadline_passed(struct deadline *d)
{
	update(container_of(d, struct ptimer, dl)->vcpu);
}

u64 ptimer_read_ctl(struct vcpu *v)
{
	struct ptimer *t = ptimer_of(v);
	u64 ctl = t->ctl, now = arch_counter_now();

	/* One count for both: a guest that sees ISTATUS with the interrupt unmasked sees it pending too. */
	update_at(v, now);
	if ((ctl & CNT_CTL_ENABLE) && expired(t, now))
		ctl |= CNT_CTL_ISTATUS;
	return ctl;
}

void ptimer_write_ctl(struct vcpu *v, u64 val)
{
	ptimer_of(v)->ctl = val & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
	update(v);
}

u64 ptimer_read_tval(struct vcpu *v)
{
	/* TVAL is the signed 32-bit distance to CVAL. */
	return (u64)(u32)(ptimer_of(v)->cval - arch_counter_now());
}

void ptimer_write_tval(struct vcpu *v, u64 val)
{
	ptimer_of(v)->cval = arch_counter_now() + (u64)(s64)(s32)val;
	update(v);
}

u64 ptimer_read_cval(struct vcpu *v)
{
	return ptimer_of(v)->cval;
}

void ptimer_write_cval(struct vcpu *v, u64 val)
{
	ptimer_of(v)->cval = val;
	update(v);
}

static bool ctl_rd(struct vcpu *v, u64 *val)
{
	*val = ptimer_read_ctl(v);
	return true;
}
static bool ctl_wr(struct vcpu *v, u64 val)
{
	ptimer_write_ctl(v, val);
	return true;
}
static bool tval_rd(struct vcpu *v, u64 *val)
{
	*val = ptimer_read_tval(v);
	return true;
}
static bool tval_wr(struct vcpu *v, u64 val)
{
	ptimer_write_tval(v, val);
	return true;
}
static bool cval_rd(struct vcpu *v, u64 *val)
{
	*val = ptimer_read_cval(v);
	return true;
}
static bool cval_wr(struct vcpu *v, u64 val)
{
	ptimer_write_cval(v, val);
	return true;
}

SYSREG_HOOK(cntp_ctl, SYS_CNTP_CTL_EL0, ctl_rd, ctl_wr);
SYSREG_HOOK(cntp_tval, SYS_CNTP_TVAL_EL0, tval_rd, tval_wr);
SYSREG_HOOK(cntp_cval, SYS_CNTP_CVAL_EL0, cval_rd, cval_wr);

static void vcpu_reset(struct vdev *d, struct vcpu *v)
{
	struct ptimer *t = ptimer_of(v);

	deadline_cancel(&t->dl);
	t->ctl = 0;
	t->cval = 0;
	if (t->line) {
		t->line = false;
		vm_irq_line(v->vm, v, GUEST_PTIMER_INTID, false);
	}
}

static int create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct ptimer *t = ptimer_of(vm->vcpus[i]);
		*t = (struct ptimer){ .vcpu = vm->vcpus[i] };
		deadline_init(&t->dl, deadline_passed);
	}
	return HV_OK;
}

static void reset(struct vdev *d)
{
	for (unsigned i = 0; i < d->vm->nr_vcpus; i++)
		vcpu_reset(d, d->vm->vcpus[i]);
}

static const struct vdev_type ptimer_type = {
	.name = "arm-ptimer",
	.create = create,
	.reset = reset,
	.vcpu_reset = vcpu_reset,
};
VDEV_REGISTER(ptimer_type);
