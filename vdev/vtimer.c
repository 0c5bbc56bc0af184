/* The emulated EL1 physical timer (see vdev/vtimer.h). */
#include <hyparm/vm.h>
#include <vdev/vgic.h>
#include <vdev/vtimer.h>

static bool fires(const struct ptimer *t, u64 now)
{
	return now >= t->cval;
}

u64 ptimer_deadline(const struct vcpu *v)
{
	const struct ptimer *t = &v->ptimer;

	if ((t->ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE)
		return 0;
	/* 0 means "none": a CVAL of 0 is as past as 1, and must still fire. */
	return t->cval ? t->cval : 1;
}

void ptimer_update(struct vcpu *v)
{
	v->ptimer_dirty = true;
	u64 d = ptimer_deadline(v);
	vgic_set_line(v->vm, v, PTIMER_INTID, d && fires(&v->ptimer, arch_counter_now()));
}

u64 ptimer_read_ctl(struct vcpu *v)
{
	u64 ctl = v->ptimer.ctl;
	if ((ctl & CNT_CTL_ENABLE) && fires(&v->ptimer, arch_counter_now()))
		ctl |= CNT_CTL_ISTATUS;
	return ctl;
}

void ptimer_write_ctl(struct vcpu *v, u64 val)
{
	v->ptimer.ctl = val & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
	ptimer_update(v);
}

u64 ptimer_read_tval(struct vcpu *v)
{
	/* TVAL is the signed 32-bit distance to CVAL. */
	return (u64)(u32)(v->ptimer.cval - arch_counter_now());
}

void ptimer_write_tval(struct vcpu *v, u64 val)
{
	v->ptimer.cval = arch_counter_now() + (u64)(s64)(s32)val;
	ptimer_update(v);
}

u64 ptimer_read_cval(struct vcpu *v)
{
	return v->ptimer.cval;
}

void ptimer_write_cval(struct vcpu *v, u64 val)
{
	v->ptimer.cval = val;
	ptimer_update(v);
}
