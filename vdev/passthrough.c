/*
 * Device "passthrough": one of the machine's virtio-mmio devices given
 * whole to one VM, which drives it with its own stock driver:
 *
 *     pt0 { compatible = "hyparm,passthrough"; host-address = <0x0a000000>; };
 *
 * - Its registers: the physical page holding the transport is mapped by
 *   stage 2 at the same address in the VM (the guest's virtio window is
 *   where the host's is on `virt`, slot for slot), so the guest's accesses
 *   never trap. The VM's emulated slots in that page are reserved, and
 *   every other physical transport in it must be empty (drivers/
 *   virtio_host.c checks): the page gives the VM nothing else.
 * - Its interrupt: the transport's SPI, hardware-mapped (hyparm/irqchip.h).
 *   It arrives at EL2 on the CPU of the VM's first vCPU, is raised there
 *   as the guest's SPI of that slot (the same INTID) and left active; the
 *   list register names it, so the guest's deactivation deactivates it
 *   and the device's next interrupt can come. hyparm never acknowledges
 *   the device itself.
 * - Its DMA: the device writes physical addresses the guest's driver
 *   wrote into its rings. With no SMMU nothing translates them, so the
 *   VM must be identity-mapped (IPA == PA, core/vm_memory.c): then the
 *   addresses are the guest's own RAM. A VM that is not is refused. This
 *   is not isolation: a guest may program any physical address and the
 *   device will write there. Passthrough without an SMMU is for a VM one
 *   trusts as much as hyparm (docs/design.md says so).
 * - Stopping: when the VM stops or resets, the device is reset (virtio
 *   Status 0 ends its use of the old rings, synchronously on virtio-mmio)
 *   before the VM's RAM is scrubbed or given back, the SPI is deactivated
 *   and masked; the next life enables it again.
 *
 * Only virtio-mmio devices: hyparm knows how to reset those and what their
 * interrupt is, and QEMU's virt has no other device one could give away.
 */
#include <drivers/gic.h>
#include <drivers/virtio_host.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/vdev.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <vdev/virtio_slots.h>

#define PT_MAX 4 /* passed-through devices in all: the machine has few to give */
#define SLOTS_PER_PAGE (PAGE_SIZE / GUEST_VIRTIO_SLOT)

struct passthrough {
	struct vm *vm;
	struct virtio_host h; /* the physical transport */
	struct irq_source src; /* its SPI, hardware-mapped in the VM's irqchip */
	u64 forwarded; /* physical interrupts handed to the guest */
	u64 stray; /* arrived while the VM was not running (masked then) */
};

static struct passthrough pts[PT_MAX];
static unsigned nr_pts;

static enum irq_result pt_irq(u32 intid, void *ctx)
{
	struct passthrough *p = ctx;

	if (__atomic_load_n(&p->vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING) {
		/* Nobody would deactivate it, and a level line would fire again at once: masked until the next reset. */
		gic_spi_disable(intid);
		p->stray++;
		return IRQ_DONE;
	}
	p->forwarded++;
	vm_irq_edge(p->vm, NULL, intid);
	return IRQ_FORWARDED;
}

static int refuse_pass(const struct devnode *dn, int rc, u64 addr, paddr_t conflict, char *err, size_t errlen)
{
	switch (rc) {
	case -HV_ENOENT:
		return devnode_fail(dn, "host-address", err, errlen,
				    "0x%llx: the machine has no virtio-mmio transport there "
				    "(hyparm passes through virtio-mmio devices only)",
				    (unsigned long long)addr);
	case -HV_EBUSY:
		return devnode_fail(
			dn, "host-address", err, errlen,
			"0x%llx is taken already (by hyparm's own disk or network, or another VM)",
			(unsigned long long)addr);
	case -HV_ENODEV:
		return devnode_fail(dn, "host-address", err, errlen,
				    "nothing is attached at 0x%llx (with QEMU: the launcher's --passthrough, "
				    "or qemu-device in this node)",
				    (unsigned long long)addr);
	case -HV_ENOTSUP:
		return devnode_fail(dn, "host-address", err, errlen,
				    "0x%llx is a legacy (version 1) transport: QEMU needs "
				    "-global virtio-mmio.force-legacy=false",
				    (unsigned long long)addr);
	default:
		return devnode_fail(dn, "host-address", err, errlen,
				    "0x%llx shares its page with the device at 0x%llx: stage 2 maps whole "
				    "pages, so the VM would reach that one too",
				    (unsigned long long)addr, (unsigned long long)conflict);
	}
}

static int pt_create(struct vdev *d, char *err, size_t errlen)
{
	const struct devnode *dn = d->node;
	struct vm *vm = d->vm;
	struct passthrough *p;
	u32 cells[2];
	unsigned n = 0, taken = 0;
	paddr_t conflict = 0;
	int rc;

	if (!dn) {
		hv_snprintf(err, errlen,
			    "vm %s: passthrough needs a device node that names the device "
			    "(host-address)",
			    vm->name);
		return -HV_EINVAL;
	}
	if (devnode_cells(dn, "host-address", cells, 2, &n) || n == 0)
		return devnode_fail(
			dn, "host-address", err, errlen,
			"expected the transport's physical address: <0x0a000000> or <0x0 0x0a000000>");
	u64 addr = n == 2 ? (u64)cells[0] << 32 | cells[1] : cells[0];
	if (!vm->config || !vm->config->identity_mapped)
		return devnode_fail(
			dn, NULL, err, errlen,
			"the device's DMA goes to physical addresses and this machine has no "
			"SMMU: the VM must be identity-mapped (add identity-mapped; to its node)");
	if (addr < GUEST_VIRTIO_IPA || addr >= GUEST_VIRTIO_IPA + GUEST_VIRTIO_SLOTS * GUEST_VIRTIO_SLOT ||
	    (addr - GUEST_VIRTIO_IPA) % GUEST_VIRTIO_SLOT)
		return devnode_fail(
			dn, "host-address", err, errlen,
			"0x%llx is not a transport of the virtio window 0x%llx..0x%llx, "
			"where the guest sees it too",
			(unsigned long long)addr, (unsigned long long)GUEST_VIRTIO_IPA,
			(unsigned long long)(GUEST_VIRTIO_IPA + GUEST_VIRTIO_SLOTS * GUEST_VIRTIO_SLOT - 1));
	if (nr_pts >= PT_MAX)
		return devnode_fail(dn, NULL, err, errlen, "more than %u passed-through devices", PT_MAX);
	p = &pts[nr_pts];
	*p = (struct passthrough){ .vm = vm };
	if ((rc = virtio_host_pass(addr, &p->h, &conflict)))
		return refuse_pass(dn, rc, addr, conflict, err, errlen);
	unsigned slot = (unsigned)((addr - GUEST_VIRTIO_IPA) / GUEST_VIRTIO_SLOT);
	/* The guest's device tree gives slot n SPI 16 + n, as QEMU's virt does for its own transports. */
	if (p->h.intid != GUEST_VIRTIO_INTID + slot)
		return devnode_fail(dn, "host-address", err, errlen,
				    "the device at 0x%llx interrupts on INTID %u, but the guest's slot there "
				    "has INTID %u",
				    (unsigned long long)addr, p->h.intid,
				    (unsigned)(GUEST_VIRTIO_INTID + slot));
	rc = virtio_slot_reserve(vm, slot / SLOTS_PER_PAGE * SLOTS_PER_PAGE, SLOTS_PER_PAGE, &taken);
	if (rc == -HV_EBUSY)
		return devnode_fail(dn, "host-address", err, errlen,
				    "the VM's own virtio device in slot %u shares the page of 0x%llx", taken,
				    (unsigned long long)addr);
	if (rc)
		return devnode_fail(dn, NULL, err, errlen, "needs the \"virtio-mmio\" device in the VM");
	rc = vm_map_device(vm, addr & ~(u64)(PAGE_SIZE - 1), addr & ~(u64)(PAGE_SIZE - 1), PAGE_SIZE);
	if (rc)
		return devnode_fail(dn, NULL, err, errlen, "cannot map its page (%s)", hv_strerror(rc));
	if ((rc = irq_register(p->h.intid, pt_irq, p)))
		return devnode_fail(dn, NULL, err, errlen, "its INTID %u is hyparm's already (%s)",
				    p->h.intid, hv_strerror(rc));
	p->src = (struct irq_source){ .get_line = NULL, .phys_intid = p->h.intid };
	vm->irqchip->map_source(vm, NULL, p->h.intid, &p->src);
	nr_pts++;
	d->state = p;
	hv_printf("hyparm: vm %s: passthrough of virtio device %u at 0x%llx, INTID %u\n", vm->name,
		  p->h.device_id, (unsigned long long)addr, p->h.intid);
	return HV_OK;
}

/* Off the VM's RAM: the device forgets the rings the guest gave it, and its interrupt stops. */
static void pt_quiesce(struct vdev *d)
{
	struct passthrough *p = d->state;

	virtio_host_reset(&p->h);
	gic_spi_disable(p->h.intid);
}

static void pt_reset(struct vdev *d)
{
	struct passthrough *p = d->state;

	virtio_host_reset(&p->h);
	/* One the last life left in a list register was never deactivated: no later one could arrive. */
	gic_spi_set_active(p->h.intid, false);
	gic_spi_enable(p->h.intid, pcpus[d->vm->vcpus[0]->pcpu].mpidr);
}

static void pt_stats(struct vdev *d)
{
	struct passthrough *p = d->state;

	hv_printf("  passthrough 0x%llx (virtio device %u): %llu interrupts forwarded, %llu while stopped\n",
		  (unsigned long long)p->h.base, p->h.device_id, (unsigned long long)p->forwarded,
		  (unsigned long long)p->stray);
}

static const struct vdev_type passthrough_type = {
	.name = "passthrough",
	.create = pt_create,
	.reset = pt_reset,
	.quiesce = pt_quiesce,
	.print_stats = pt_stats,
	.multi_instance = true,
};
VDEV_REGISTER(passthrough_type);
