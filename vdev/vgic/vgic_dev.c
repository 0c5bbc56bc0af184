/*
 * The virtual GIC as a device of the registry, in two types: "gicv3" and
 * "gicv2", each only on a host GIC of its version (the guest's CPU
 * interface is the hardware's virtual one). Creating one gives the VM its
 * distributor (and redistributor ranges, or the GICV frame at its GICC),
 * installs the vGIC as the VM's interrupt controller (hyparm/irqchip.h),
 * and claims the system registers and the physical interrupt that belong
 * to it.
 */
#include <arch/esr.h>
#include <arch/sysreg_emul.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <vdev/vgic.h>

static void map_source(struct vm *vm, struct vcpu *v, u32 intid, const struct irq_source *src)
{
	struct vgic *g = vgic_of(vm);
	struct virq *irq = vgic_irq(g, intid < VGIC_NR_PRIVATE ? v : NULL, intid);

	if (irq && intid < VGIC_NR_IRQS)
		irq->src = src;
}

static u64 delivered(struct vcpu *v)
{
	return vgic_cpu_of(v)->delivered;
}

static const struct irqchip_ops vgic_irqchip = {
	.flush = vgic_flush,
	.sync = vgic_sync,
	.vcpu_put = vgic_vcpu_put,
	.vcpu_load = vgic_vcpu_load,
	.vcpu_pending = vgic_vcpu_pending,
	.set_line = vgic_set_line,
	.inject_edge = vgic_inject_edge,
	.map_source = map_source,
	.delivered = delivered,
};

/* GICv2: one flush of its own (SGI sources); everything else is the same. */
static const struct irqchip_ops vgic_v2_irqchip = {
	.flush = vgic_v2_flush,
	.sync = vgic_sync,
	.vcpu_put = vgic_vcpu_put,
	.vcpu_load = vgic_vcpu_load,
	.vcpu_pending = vgic_vcpu_pending,
	.set_line = vgic_set_line,
	.inject_edge = vgic_inject_edge,
	.map_source = map_source,
	.delivered = delivered,
};

/* The maintenance interrupt needs no work of its own: the exit it caused syncs the list registers. */
static enum irq_result maintenance(u32 intid, void *ctx)
{
	return IRQ_DONE;
}

/* Both versions: the model, the VM's irqchip and the maintenance interrupt's handler. */
static int vgic_create(struct vdev *d, unsigned version, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct vgic *g = vgic_of(vm);
	const struct vgic_lr_backend *be = arch_vgic_backend();

	if (!be) {
		hv_snprintf(err, errlen, "vm %s: no list-register backend for this GIC", vm->name);
		return -HV_ENOTSUP;
	}
	/* The guest's CPU interface is the hardware's virtual one: it has the host GIC's version. */
	if (be->version != version) {
		hv_snprintf(err, errlen, "vm %s: a virtual GICv%u needs a GICv%u host (this one is a GICv%u)",
			    vm->name, version, version, be->version);
		return -HV_ENOTSUP;
	}
	if (vm->nr_vcpus > VGIC_MAX_VCPUS) {
		hv_snprintf(err, errlen, "vm %s: the vGIC serves at most %u vCPUs", vm->name, VGIC_MAX_VCPUS);
		return -HV_EINVAL;
	}
	g->lock = (spinlock_t)SPINLOCK_INIT;
	/* LPIs only once this VM's ITS says so: a VM slot is reused by VMs of other configs. */
	g->lpis = false;
	for (unsigned n = 0; n < VGIC_MAX_VCPUS; n++)
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			g->cpu[n].priv[i].src = NULL;
	vgic_reset(g, vm, be);
	d->state = g;
	vm->irqchip = version == 2 ? &vgic_v2_irqchip : &vgic_irqchip;
	irq_register(be->maint_intid, maintenance, NULL); /* once for all VMs: -HV_EEXIST after */
	return HV_OK;
}

static int place_failed(struct vm *vm, int rc, char *err, size_t errlen)
{
	hv_snprintf(err, errlen, "vm %s: cannot place the GIC (%s)", vm->name, hv_strerror(rc));
	return rc;
}

/* GICv3: the distributor and one redistributor per vCPU, all emulated. */
static int vgic_v3_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	int rc = vgic_create(d, 3, err, errlen);

	if (rc)
		return rc;
	rc = mmio_bus_add(&vm->mmio, GUEST_GICD_IPA, GUEST_GICD_SIZE, &vgic_dist_mmio_ops, d->state,
			  "gic-distributor");
	if (!rc)
		rc = mmio_bus_add(&vm->mmio, GUEST_GICR_IPA, GUEST_GICR_STRIDE * vm->nr_vcpus,
				  &vgic_redist_mmio_ops, d->state, "gic-redistributors");
	return rc ? place_failed(vm, rc, err, errlen) : HV_OK;
}

/*
 * GICv2: the distributor emulated; the CPU interface is the host's GICV
 * frame, mapped by stage 2 at the guest's GICC address, so the guest
 * acknowledges and ends interrupts without trapping (as KVM does on a
 * GICv2 host). GICV is banked: whichever CPU the vCPU runs on, the guest
 * reaches that CPU's virtual interface, which holds only its own list
 * registers.
 */
static int vgic_v2_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	const struct vgic_lr_backend *be;
	int rc = vgic_create(d, 2, err, errlen);

	if (rc)
		return rc;
	be = arch_vgic_backend();
	rc = mmio_bus_add(&vm->mmio, GUEST_GICD_IPA, GUEST_GICD_SIZE, &vgic_dist_v2_mmio_ops, d->state,
			  "gic-distributor");
	if (!rc)
		rc = vm_map_device(vm, GUEST_GICC_IPA, be->gicv_base, be->gicv_size);
	return rc ? place_failed(vm, rc, err, errlen) : HV_OK;
}

static void vgic_dev_reset(struct vdev *d)
{
	vgic_reset(d->state, d->vm, arch_vgic_backend());
}

static const struct vdev_type vgic_type = {
	.name = "gicv3",
	.is_irqchip = true,
	.create = vgic_v3_create,
	.reset = vgic_dev_reset,
};
VDEV_REGISTER(vgic_type);

static const struct vdev_type vgic_v2_type = {
	.name = "gicv2",
	.is_irqchip = true,
	.create = vgic_v2_create,
	.reset = vgic_dev_reset,
};
VDEV_REGISTER(vgic_v2_type);

/*
 * ICC_SGI1R_EL1 and friends trap (HCR_EL2.IMO): each write becomes virtual
 * SGIs. Reads UNDEF. Every value is a valid request, and pending an SGI
 * needs the sender's list registers in no particular state (the target's
 * flush sorts it out), so the exit's fast path may call it.
 */
static bool sgi_write(struct vcpu *v, u64 val)
{
	vgic_send_sgi(v, val);
	return true;
}

SYSREG_HOOK_FAST_WRITE(icc_sgi1r, SYS_ICC_SGI1R_EL1, sgi_write);
SYSREG_HOOK_FAST_WRITE(icc_asgi1r, SYS_ICC_ASGI1R_EL1, sgi_write);
SYSREG_HOOK_FAST_WRITE(icc_sgi0r, SYS_ICC_SGI0R_EL1, sgi_write);

/*
 * The group-1 registers of the guest's own (virtual) CPU interface trap
 * only while the flush asked for it (VGIC_HCR_TALL1, vdev/vgic/vgic_lr.c):
 * the exit synced the list registers, the flush looks at them again, and
 * the access runs in the guest.
 */
SYSREG_HOOK_RETRY(icc_iar1, SYS_ICC_IAR1_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_eoir1, SYS_ICC_EOIR1_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_hppir1, SYS_ICC_HPPIR1_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_bpr1, SYS_ICC_BPR1_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_igrpen1, SYS_ICC_IGRPEN1_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_ap1r0, SYS_ICC_AP1R0_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_ap1r1, SYS_ICC_AP1R1_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_ap1r2, SYS_ICC_AP1R2_EL1, vgic_grp1_trapped);
SYSREG_HOOK_RETRY(icc_ap1r3, SYS_ICC_AP1R3_EL1, vgic_grp1_trapped);
