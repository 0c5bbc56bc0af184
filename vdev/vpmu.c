/*
 * The PMU's overflow interrupt and device tree node (the PMU registers are
 * the arch's: arch/arm64/pmu.c). Like the virtual timer (vdev/vtimer.c),
 * the interrupt is hardware-mapped: while the vCPU is loaded its counters
 * are the CPU's, and the physical PPI 7 (INTID 23) is handed to the guest
 * as virtual INTID 23 through a list register with the HW bit, so the
 * guest's deactivation deactivates the physical interrupt; the line is the
 * PMU's interrupt request, sampled when the vGIC looks. Switched out, the
 * vCPU's counters stop (pmu_vcpu_put), so its line is what its saved
 * registers say until it runs again. A host without a PMUv3 gives guests
 * neither the interrupt nor the node.
 */
#include <arch/pmu.h>
#include <drivers/gic.h>
#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/vdev.h>
#include <hyparm/vm.h>
#include <libfdt.h>

static struct irq_source sources[VM_MAX][VM_MAX_VCPUS];

static bool live_here(const struct vcpu *v)
{
	return v->loaded && v->pcpu == this_pcpu()->id;
}

static bool pmu_output(struct vcpu *v, void *ctx)
{
	(void)ctx;
	return pmu_overflow_line(v, live_here(v));
}

/* The physical PPI of the loaded vCPU's PMU: forward it; it stays active until the guest deactivates it. */
static enum irq_result pmu_fired(u32 intid, void *ctx)
{
	struct vcpu *v = this_pcpu()->loaded;

	(void)intid;
	(void)ctx;
	if (!v)
		return IRQ_DONE; /* nobody's counters are live here (put stops them): nothing to forward */
	vm_irq_line(v->vm, v, GUEST_PMU_INTID, true);
	return IRQ_FORWARDED;
}

static void vcpu_put(struct vdev *d, struct vcpu *v)
{
	(void)d;
	/* The physical PPI is the next vCPU's now; this one's line is what its saved registers say. */
	gic_ppi_set_active(GUEST_PMU_INTID, false);
	vm_irq_line(v->vm, v, GUEST_PMU_INTID, pmu_overflow_line(v, false));
}

static void vcpu_load(struct vdev *d, struct vcpu *v)
{
	(void)d;
	/* An overflow the guest has yet to complete keeps the physical PPI active, so it does not fire again. */
	if (pmu_overflow_line(v, true))
		gic_ppi_set_active(GUEST_PMU_INTID, true);
}

static void vcpu_reset(struct vdev *d, struct vcpu *v)
{
	(void)d;
	vm_irq_line(v->vm, v, GUEST_PMU_INTID, false);
}

static int create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;

	(void)err;
	(void)errlen;
	if (!pmu_present())
		return HV_OK;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		struct irq_source *s = &sources[vm->id][v->id];

		*s = (struct irq_source){ .get_line = pmu_output, .phys_intid = GUEST_PMU_INTID };
		vm->irqchip->map_source(vm, v, GUEST_PMU_INTID, s);
		pmu_vcpu_wire_irq(v);
	}
	irq_register(GUEST_PMU_INTID, pmu_fired, NULL); /* once for all VMs: -HV_EEXIST after */
	return HV_OK;
}

static void reset(struct vdev *d)
{
	for (unsigned i = 0; i < d->vm->nr_vcpus; i++)
		vcpu_reset(d, d->vm->vcpus[i]);
}

/* pmu { compatible = "arm,armv8-pmuv3"; interrupts = <1 7 4>; } as KVM's virt platform has it. */
static int fdt_node(struct vdev *d, void *fdt)
{
	fdt32_t irq[3] = { cpu_to_fdt32(1) /* PPI */, cpu_to_fdt32(GUEST_PMU_INTID - 16),
			   cpu_to_fdt32(4) /* level high */ };
	int e;

	(void)d;
	if (!pmu_present())
		return 0;
	if ((e = fdt_begin_node(fdt, "pmu")) ||
	    (e = fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3")) ||
	    (e = fdt_property(fdt, "interrupts", irq, sizeof(irq))))
		return e;
	return fdt_end_node(fdt);
}

static const struct vdev_type vpmu_type = {
	.name = "arm-pmu",
	.create = create,
	.reset = reset,
	.vcpu_put = vcpu_put,
	.vcpu_load = vcpu_load,
	.vcpu_reset = vcpu_reset,
	.fdt_node = fdt_node,
};
VDEV_REGISTER(vpmu_type);
