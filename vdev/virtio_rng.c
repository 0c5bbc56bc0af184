/*
 * virtio-rng (virtio 1.2 section 5.4, device ID 4): one request queue of
 * device-writable buffers that the device fills with random bytes, here
 * hyparm's DRBG output (hyparm/entropy.h: one stream for all VMs, so no
 * two VMs or boots get the same bytes).
 *
 * Off by default (device name "virtio-rng" in the VM's devices list,
 * after "virtio-mmio"): a VM under QEMU or KVM has no virtio-rng unless
 * asked for one, and a guest here gets entropy without it (its DT's
 * rng-seed, SMCCC TRNG). It takes the highest free slot, as QEMU's first
 * virtio device does: slot 31, IPA 0x0a003e00, SPI 47 (INTID 79).
 *
 * A request with a device-readable buffer is malformed (the device never
 * writes one): it is completed with length 0. One notification serves at
 * most a ring's worth of requests (the rest waits for the next one) and
 * writes at most RNG_NOTIFY_BYTES in all (the device may write less than
 * offered, down to 0: the used length says how much, and the driver asks
 * again), so neither huge buffers nor a ring re-filled from another vCPU
 * as fast as it drains hold a CPU in EL2 (or the device's lock, which the
 * other vCPUs' accesses wait for) for long. Linux asks for 64 bytes at a
 * time, one request outstanding: it never meets either bound.
 */
#include <hyparm/entropy.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_pci.h>
#include <vdev/virtio_slots.h>

#define VIRTIO_ID_RNG 4
#define RNG_NOTIFY_BYTES 4096

/* What one notification may still do. */
struct budget {
	unsigned chains;
	u32 bytes;
};

static struct virtio_dev rngs[VM_MAX];
static struct virtio_pci rng_pcis[VM_MAX];

/* Fill c's writable buffers within the budget; returns the bytes written (0 if the chain is malformed). */
static u32 serve(struct virtio_dev *vd, struct virtq *q, struct virtq_chain *c, struct budget *bg)
{
	struct virtq_buf b;
	u32 written = 0;
	int rc;

	while ((rc = virtq_next(q, &vd->mem, c, &b)) == 1) {
		if (!b.write) {
			c->error = VQ_E_DIRECTION;
			break;
		}
		u32 n = MIN(b.len, bg->bytes);
		if (n)
			entropy_get(b.host, n);
		written += n;
		bg->bytes -= n;
	}
	return c->error ? 0 : written;
}

/*
 * Take the available requests within the budget; false if the ring is
 * broken. Without the chain budget a driver that re-fills the ring from
 * another vCPU while the device drains it would keep it here for ever.
 */
static bool drain(struct virtio_dev *vd, struct virtq *q, unsigned *done, struct budget *bg)
{
	struct virtq_chain c;
	int rc = 0;

	while (bg->chains && (rc = virtq_pop(q, &vd->mem, &c)) == 1) {
		virtq_push(q, &vd->mem, &c, serve(vd, q, &c, bg));
		++*done;
		--bg->chains;
	}
	return rc >= 0;
}

static void rng_notify(struct virtio_dev *vd, unsigned qi)
{
	struct virtq *q = &vd->q[qi];
	/* A ring's worth of requests: all an honest driver can have outstanding at once. */
	struct budget bg = { .chains = q->num, .bytes = RNG_NOTIFY_BYTES };
	unsigned done = 0;
	bool ok = drain(vd, q, &done, &bg);

	/* EVENT_IDX: ask for the next notification, then look once more for what came meanwhile. */
	if (ok && q->event_idx) {
		virtq_publish_avail_event(q, &vd->mem);
		ok = drain(vd, q, &done, &bg);
	}
	if (done)
		virtio_queue_interrupt(vd, qi);
	if (!ok)
		virtio_needs_reset(vd, qi);
}

static const struct virtio_backend rng_backend = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.notify = rng_notify,
};

static int rng_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct virtio_dev *vd = &rngs[vm->id];
	int slot = virtio_slot_attach(vm, vd, &rng_backend, NULL);

	if (slot < 0) {
		hv_snprintf(err, errlen,
			    slot == -HV_ENOENT
				    ? "vm %s: virtio-rng needs \"virtio-mmio\" before it in devices (%s)"
				    : "vm %s: virtio-rng: no free virtio-mmio slot (%s)",
			    vm->name, hv_strerror(slot));
		return slot;
	}
	d->state = vd;
	return HV_OK;
}

static void rng_reset(struct vdev *d)
{
	struct virtio_dev *vd = d->state;

	virtio_dev_reset_locked(vd);
}

static const struct vdev_type rng_type = {
	.name = "virtio-rng",
	.create = rng_create,
	.reset = rng_reset,
};
VDEV_REGISTER(rng_type);

/*
 * Device "virtio-rng-pci": the same backend behind the virtio-pci
 * transport, a function on the VM's PCIe host bridge ("pci-host" listed
 * before it), interrupting by MSI-X through the ITS.
 */
static int rng_pci_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct virtio_pci *vp = &rng_pcis[vm->id];
	int rc = virtio_pci_attach(vp, vm, &rng_backend, NULL);

	if (rc < 0) {
		hv_snprintf(err, errlen,
			    rc == -HV_ENOENT
				    ? "vm %s: virtio-rng-pci needs \"pci-host\" before it in devices (%s)"
				    : "vm %s: virtio-rng-pci: no free PCI slot (%s)",
			    vm->name, hv_strerror(rc));
		return rc;
	}
	d->state = vp;
	return HV_OK;
}

static void rng_pci_reset(struct vdev *d)
{
	virtio_pci_reset(d->state);
}

static void rng_pci_stats(struct vdev *d)
{
	virtio_pci_print_stats(d->state);
}

static const struct vdev_type rng_pci_type = {
	.name = "virtio-rng-pci",
	.create = rng_pci_create,
	.reset = rng_pci_reset,
	.print_stats = rng_pci_stats,
};
VDEV_REGISTER(rng_pci_type);
