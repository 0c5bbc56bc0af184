/*
 * Physical interrupts hyparm receives (all of them: HCR_EL2.IMO routes them
 * to EL2), whether a guest was running or the CPU was idle.
 */
#include <arch/hyp_timer.h>
#include <drivers/gic.h>
#include <hyparm/sched.h>
#include <hyparm/pcpu.h>
#include <hyparm/console.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <vdev/vgic.h>

/* The loaded vCPU's virtual timer fired: hold the physical PPI off and raise the virtual one. */
static void vtimer_fired(void)
{
	struct vcpu *v = this_pcpu()->loaded;

	gic_ppi_enable(VTIMER_INTID, false);
	if (!v)
		return;
	v->vtimer_masked = true;
	vgic_set_line(v->vm, v, VTIMER_INTID, true);
}

static void dispatch(u32 intid)
{
	switch (intid) {
	case SGI_WAKE:         /* another CPU wanted us out of WFI or out of the guest: done */
	case VGIC_MAINT_INTID: /* list registers need attention: the exit path syncs them */
		break;
	case VTIMER_INTID:
		vtimer_fired();
		break;
	case HYP_TIMER_INTID:
		sched_hyp_timer_fired();
		break;
	default:
		if (intid && intid == console_input_intid())
			console_input_poll();
		break;
	}
}

void irq_handle_physical(void)
{
	for (;;) {
		u32 intid = gic_ack();
		if (intid >= 1020)
			return;
		dispatch(intid);
		gic_eoi(intid);
	}
}
