/*
 * Device "virtio-mmio": the 32 virtio-mmio transports every VM sees where
 * QEMU's virt machine puts them (GUEST_VIRTIO_IPA, 0x200 bytes each, slot
 * n on SPI 16 + n), listed in the device tree as QEMU lists them. A slot
 * with a backend (virtio_slot_attach) is its transport
 * (vdev/virtio_mmio.c); an empty one answers as QEMU's does: MagicValue,
 * Version 2, VendorID "QEMU", DeviceID 0 (which tells a driver "nothing
 * here"), every other register 0, writes ignored. Probing guests (Linux
 * probes every node and skips DeviceID 0) and guests that poke these
 * addresses see what they would see under QEMU or KVM.
 *
 * One MMIO region covers the 32 slots (the bus holds few regions, and the
 * window is one thing); an access is routed by slot, and one that would
 * straddle two slots reads 0 and is ignored on write.
 */
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <libfdt.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_slots.h>

#define GIC_SPI 0
#define IRQ_LEVEL_HIGH 4

struct virtio_slots {
	bool present;
	struct virtio_dev *dev[GUEST_VIRTIO_SLOTS]; /* NULL: empty slot */
	bool reserved
		[GUEST_VIRTIO_SLOTS]; /* a passed-through page's: the hardware answers, stage 2 maps it */
};

static struct virtio_slots slots_of_vm[VM_MAX];

static u32 empty_read(u64 off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	default:
		return 0; /* DeviceID 0: no device */
	}
}

static int slots_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct virtio_slots *s = dev;
	unsigned n = off / GUEST_VIRTIO_SLOT;
	u64 in = off % GUEST_VIRTIO_SLOT;

	(void)v;
	*val = 0;
	if (n >= GUEST_VIRTIO_SLOTS || size > GUEST_VIRTIO_SLOT - in)
		return HV_OK;
	if (s->dev[n])
		return virtio_mmio_read(s->dev[n], in, size, val);
	if (size == 4 && IS_ALIGNED(in, 4))
		*val = empty_read(in);
	return HV_OK;
}

static int slots_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct virtio_slots *s = dev;
	unsigned n = off / GUEST_VIRTIO_SLOT;
	u64 in = off % GUEST_VIRTIO_SLOT;

	(void)v;
	if (n >= GUEST_VIRTIO_SLOTS || size > GUEST_VIRTIO_SLOT - in || !s->dev[n])
		return HV_OK;
	return virtio_mmio_write(s->dev[n], in, size, val);
}

static const struct mmio_ops slots_ops = { .read = slots_read, .write = slots_write };

int virtio_slot_attach(struct vm *vm, struct virtio_dev *vd, const struct virtio_backend *be, void *be_state)
{
	struct virtio_slots *s = &slots_of_vm[vm->id];

	if (!s->present)
		return -HV_ENOENT;
	for (int n = GUEST_VIRTIO_SLOTS - 1; n >= 0; n--) {
		if (s->dev[n] || s->reserved[n])
			continue;
		virtio_dev_init(vd, vm, (unsigned)n, be, be_state);
		s->dev[n] = vd;
		return n;
	}
	return -HV_EBUSY;
}

int virtio_slot_reserve(struct vm *vm, unsigned first, unsigned count, unsigned *taken)
{
	struct virtio_slots *s = &slots_of_vm[vm->id];

	if (!s->present)
		return -HV_ENOENT;
	if (first >= GUEST_VIRTIO_SLOTS || count > GUEST_VIRTIO_SLOTS - first)
		return -HV_ERANGE;
	for (unsigned n = first; n < first + count; n++)
		if (s->dev[n]) {
			*taken = n;
			return -HV_EBUSY;
		}
	for (unsigned n = first; n < first + count; n++)
		s->reserved[n] = true;
	return HV_OK;
}

static int slots_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct virtio_slots *s = &slots_of_vm[vm->id];
	int rc;

	*s = (struct virtio_slots){ 0 };
	rc = mmio_bus_add(&vm->mmio, GUEST_VIRTIO_IPA, GUEST_VIRTIO_SLOTS * GUEST_VIRTIO_SLOT, &slots_ops, s,
			  "virtio-mmio");
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: cannot place the virtio-mmio slots (%s)", vm->name,
			    hv_strerror(rc));
		return rc;
	}
	s->present = true;
	d->state = s;
	return HV_OK;
}

/* Backends reset their own transports (their vdev reset); an empty slot has no state. */
static void slots_reset(struct vdev *d)
{
	(void)d;
}

/* As QEMU's virt: virtio_mmio@<addr> nodes, lowest address first, level interrupts, DMA-coherent. */
static int slots_fdt(struct vdev *d, void *fdt)
{
	(void)d;
	for (unsigned n = 0; n < GUEST_VIRTIO_SLOTS; n++) {
		u64 base = GUEST_VIRTIO_IPA + n * GUEST_VIRTIO_SLOT;
		fdt32_t reg[4] = { cpu_to_fdt32(base >> 32), cpu_to_fdt32((u32)base), 0,
				   cpu_to_fdt32(GUEST_VIRTIO_SLOT) };
		fdt32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(GUEST_VIRTIO_INTID - 32 + n),
				   cpu_to_fdt32(IRQ_LEVEL_HIGH) };
		char name[32];
		int rc;

		hv_snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
		if ((rc = fdt_begin_node(fdt, name)) || (rc = fdt_property(fdt, "dma-coherent", NULL, 0)) ||
		    (rc = fdt_property(fdt, "interrupts", irq, sizeof(irq))) ||
		    (rc = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
		    (rc = fdt_property_string(fdt, "compatible", "virtio,mmio")) || (rc = fdt_end_node(fdt)))
			return rc;
	}
	return 0;
}

static const struct vdev_type virtio_slots_type = {
	.name = "virtio-mmio",
	.create = slots_create,
	.reset = slots_reset,
	.fdt_node = slots_fdt,
};
VDEV_REGISTER(virtio_slots_type);
