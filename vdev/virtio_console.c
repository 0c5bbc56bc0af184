/*
 * virtio-console (virtio 1.2 section 5.3, device ID 3), one port, no
 * features (no MULTIPORT, SIZE or EMERG_WRITE, so no configuration
 * space): queue 0 is port 0's receiveq, queue 1 its transmitq. Linux
 * calls it hvc0.
 *
 * Output (transmitq) goes to the VM's console line exactly like the
 * PL011's (console_vm_putc: per-VM line buffering, the "[name] " prefix,
 * focus), so a guest may use either or both.
 *
 * Input: console input for the focused VM goes to one device. The PL011
 * keeps it unless the node says `input;`, then it comes here: a guest
 * with console=hvc0 and a getty on it types there. Each typed byte fills
 * one receive buffer (typing speed; Linux posts a ring of page-sized
 * buffers and re-posts each as it is consumed). With no buffer posted the
 * byte is held back by the console (core/console.c) until the driver
 * posts one (the `notified` hook, after vd->lock is released, because
 * console input takes its lock before vd->lock).
 *
 * Manifest: console0 { compatible = "hyparm,virtio-console"; input; };
 * after "virtio-mmio" in the VM's devices; highest free slot.
 */
#include <hyparm/console.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_slots.h>

#define VIRTIO_ID_CONSOLE 3
#define VCONS_RXQ 0
#define VCONS_TXQ 1

struct vcons {
	struct virtio_dev vd;
	struct console_port port;
	bool input; /* console input comes here, not to the PL011 */
};

static struct vcons vconses[VM_MAX];

/* Print the readable buffers of c on the VM's console line; a writable one is malformed. */
static void print_chain(struct virtio_dev *vd, struct virtq *q, struct virtq_chain *c)
{
	struct virtq_buf b;

	while (virtq_next(q, &vd->mem, c, &b) == 1) {
		if (b.write) {
			c->error = VQ_E_DIRECTION;
			break;
		}
		for (u32 i = 0; i < b.len; i++)
			console_vm_putc(vd->vm, ((const u8 *)b.host)[i]);
	}
}

/* At most a ring's worth of chains per call, so a driver re-filling the ring from another vCPU cannot hold us. */
static bool drain_tx(struct virtio_dev *vd, struct virtq *q, unsigned *budget, unsigned *done)
{
	struct virtq_chain c;
	int rc = 0;

	while (*budget && (rc = virtq_pop(q, &vd->mem, &c)) == 1) {
		print_chain(vd, q, &c);
		virtq_push(q, &vd->mem, &c, 0);
		--*budget;
		++*done;
	}
	return rc >= 0;
}

static void vcons_notify(struct virtio_dev *vd, unsigned qi)
{
	struct virtq *q = &vd->q[qi];
	unsigned budget = q->num, done = 0;
	bool ok = true;

	if (qi != VCONS_TXQ)
		return; /* receive buffers posted: taken as input arrives (rx below) */
	ok = drain_tx(vd, q, &budget, &done);
	if (ok && q->event_idx) {
		virtq_publish_avail_event(q, &vd->mem);
		ok = drain_tx(vd, q, &budget, &done);
	}
	if (done)
		virtio_queue_interrupt(vd, qi);
	if (!ok)
		virtio_needs_reset(vd, qi);
}

/* Receive buffers were posted: input held back for lack of them may flow. */
static void vcons_notified(struct virtio_dev *vd, unsigned qi)
{
	struct vcons *vc = vd->be_state;

	if (qi == VCONS_RXQ && vc->input)
		console_input_resume(vd->vm);
}

static bool rx_ready(struct virtio_dev *vd)
{
	return (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET) &&
		vd->q[VCONS_RXQ].ready;
}

/* Console input (input lock held, then vd->lock): one byte into the next receive buffer. */
static bool vcons_rx(void *ctx, u8 ch)
{
	struct vcons *vc = ctx;
	struct virtio_dev *vd = &vc->vd;
	struct virtq *q = &vd->q[VCONS_RXQ];
	struct virtq_chain c;
	struct virtq_buf b;
	bool taken = false;
	u32 written = 0;

	spin_lock(&vd->lock);
	if (!rx_ready(vd))
		goto out;
	int rc = virtq_pop(q, &vd->mem, &c);
	if (rc < 0) {
		virtio_needs_reset(vd, VCONS_RXQ);
		goto out;
	}
	if (rc == 0)
		goto out;
	/* The first non-empty writable buffer takes the byte; a readable one makes the chain malformed. */
	while (!written && virtq_next(q, &vd->mem, &c, &b) == 1) {
		if (!b.write) {
			c.error = VQ_E_DIRECTION;
			break;
		}
		if (b.len) {
			*(u8 *)b.host = ch;
			written = 1;
		}
	}
	virtq_push(q, &vd->mem, &c, c.error ? 0 : written);
	virtio_queue_interrupt(vd, VCONS_RXQ);
	/* A malformed buffer wastes the byte rather than retrying it for ever. */
	taken = true;
out:
	spin_unlock(&vd->lock);
	return taken;
}

/* Hold input back (rather than drop it) only while a driver runs the device. */
static bool vcons_drains(void *ctx)
{
	struct vcons *vc = ctx;
	return rx_ready(&vc->vd);
}

static const struct virtio_backend vcons_backend = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.notify = vcons_notify,
	.notified = vcons_notified,
};

static int vcons_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct vcons *vc = &vconses[vm->id];
	int slot;

	vc->input = d->node && devnode_flag(d->node, "input");
	vc->port = (struct console_port){ .rx = vcons_rx, .drains = vcons_drains, .ctx = vc };
	slot = virtio_slot_attach(vm, &vc->vd, &vcons_backend, vc);
	if (slot < 0) {
		hv_snprintf(err, errlen,
			    slot == -HV_ENOENT
				    ? "vm %s: virtio-console needs \"virtio-mmio\" before it in devices (%s)"
				    : "vm %s: virtio-console: no free virtio-mmio slot (%s)",
			    vm->name, hv_strerror(slot));
		return slot;
	}
	/* Created after the devices list, so this replaces the PL011's port. */
	if (vc->input)
		console_attach(vm, &vc->port);
	d->state = vc;
	return HV_OK;
}

static void vcons_reset(struct vdev *d)
{
	struct vcons *vc = d->state;

	virtio_dev_reset_locked(&vc->vd);
}

static const struct vdev_type vcons_type = {
	.name = "virtio-console",
	.create = vcons_create,
	.reset = vcons_reset,
};
VDEV_REGISTER(vcons_type);
