/*
 * The guest's virtual timer (CNTV_*), hardware-mapped. The timer is the
 * guest's own hardware while its vCPU is loaded: its physical PPI 27 is
 * handed to the guest as virtual INTID 27 through a list register with the
 * HW bit, so the guest's deactivation deactivates the physical interrupt
 * and nothing is masked or latched by hand (KVM maps its timer the same
 * way). The virtual line is the timer's output, sampled whenever the
 * vGIC looks at it (a list register retires or is flushed, a guest reads
 * the pending bits). While the vCPU is not loaded, its timer lives in
 * memory: a deadline on its CPU raises the line when the count gets there.
 * Each VM has its own CNTVOFF_EL2, taken at VM creation, so its virtual
 * counter starts near zero, as under KVM.
 */
#include <arch/hyp_timer.h>
#include <drivers/gic.h>
#include <hyparm/deadline.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>
#include <vdev/timer.h>

struct vtimer {
	struct vcpu *vcpu;
	struct irq_source src; /* what the vGIC samples: timer_output(), hardware-mapped to PPI 27 */
	struct deadline dl; /* armed while the vCPU is not loaded and its timer is yet to fire */
};

static struct vtimer vtimers[VM_MAX][VM_MAX_VCPUS];

static struct vtimer *vtimer_of(struct vcpu *v)
{
	return &vtimers[v->vm->id][v->id];
}

static bool live_here(const struct vcpu *v)
{
	return v->loaded && v->pcpu == this_pcpu()->id;
}

/*
 * The timer's output. Live in the CPU: the hardware says (ISTATUS). In
 * memory: the virtual count (physical minus CNTVOFF) against CVAL, in the
 * guest's own unsigned 64-bit domain, so CVAL = ~0 never fires and no sum
 * can overflow. A vCPU loaded on another CPU is read from memory: a
 * snapshot, as for any register of a running vCPU.
 */
static bool saved_output(const struct vcpu *v)
{
	u64 ctl = v->arch.sys.cntv_ctl_el0, cval = v->arch.sys.cntv_cval_el0;

	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE)
		return false;
	return arch_counter_now() - v->vm->cntvoff >= cval;
}

static bool timer_output(struct vcpu *v, void *ctx)
{
	if (live_here(v))
		return CNT_CTL_FIRES(arch_vtimer_ctl());
	return saved_output(v);
}

static void deadline_passed(struct deadline *d)
{
	struct vcpu *v = container_of(d, struct vtimer, dl)->vcpu;

	vm_irq_line(v->vm, v, GUEST_VTIMER_INTID, timer_output(v, NULL));
}

/* The physical PPI of the loaded vCPU's timer: forward it; it stays active until the guest deactivates it. */
static enum irq_result vtimer_fired(u32 intid, void *ctx)
{
	struct vcpu *v = this_pcpu()->loaded;

	if (!v)
		return IRQ_DONE; /* nobody's timer is live here (put disables it): nothing to forward */
	vm_irq_line(v->vm, v, GUEST_VTIMER_INTID, true);
	return IRQ_FORWARDED;
}

static void vcpu_put(struct vdev *d, struct vcpu *v)
{
	struct vtimer *t = vtimer_of(v);
	u64 ctl = v->arch.sys.cntv_ctl_el0, cval = v->arch.sys.cntv_cval_el0;
	/*
	 * From memory: the arch's put saved the timer and switched it off in
	 * the CPU, while v still counts as loaded here (the CPU would say "not
	 * firing" for a due timer).
	 */
	bool out = saved_output(v);

	/* The physical PPI is the next vCPU's now: nothing of this one's may keep it active. */
	gic_ppi_set_active(GUEST_VTIMER_INTID, false);
	vm_irq_line(v->vm, v, GUEST_VTIMER_INTID, out);
	/* Yet to fire: wake it when the count gets there (unless the physical deadline is beyond 2^64). */
	if (!out && (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	    cval + v->vm->cntvoff >= cval)
		deadline_arm(&t->dl, v->pcpu, cval + v->vm->cntvoff);
}

static void vcpu_load(struct vdev *d, struct vcpu *v)
{
	deadline_cancel(&vtimer_of(v)->dl);
	/*
	 * A virtual interrupt of this timer that the guest has yet to complete
	 * keeps the physical one active, so that the physical timer does not
	 * fire again until the guest's deactivation reaches it.
	 */
	if (!timer_output(v, NULL))
		return;
	gic_ppi_set_active(GUEST_VTIMER_INTID, true);
	/*
	 * The line too: the timer may have come due since put with its
	 * deadline (just cancelled) yet to run. Nothing else would raise it:
	 * the physical PPI, active, does not fire, so the guest would never
	 * see this expiry and a vCPU that then waits in WFI sleeps for ever.
	 */
	vm_irq_line(v->vm, v, GUEST_VTIMER_INTID, true);
}

static void vcpu_reset(struct vdev *d, struct vcpu *v)
{
	deadline_cancel(&vtimer_of(v)->dl);
	vm_irq_line(v->vm, v, GUEST_VTIMER_INTID, false);
}

static int create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		struct vtimer *t = vtimer_of(v);
		*t = (struct vtimer){
			.vcpu = v,
			.src = { .get_line = timer_output, .phys_intid = GUEST_VTIMER_INTID },
		};
		deadline_init(&t->dl, deadline_passed);
		vm->irqchip->map_source(vm, v, GUEST_VTIMER_INTID, &t->src);
	}
	irq_register(GUEST_VTIMER_INTID, vtimer_fired, NULL); /* once for all VMs: -HV_EEXIST after */
	return HV_OK;
}

static void reset(struct vdev *d)
{
	for (unsigned i = 0; i < d->vm->nr_vcpus; i++)
		vcpu_reset(d, d->vm->vcpus[i]);
}

static const struct vdev_type vtimer_type = {
	.name = "arm-vtimer",
	.create = create,
	.reset = reset,
	.vcpu_put = vcpu_put,
	.vcpu_load = vcpu_load,
	.vcpu_reset = vcpu_reset,
};
VDEV_REGISTER(vtimer_type);
