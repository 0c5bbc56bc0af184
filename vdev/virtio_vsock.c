/*
 * virtio-vsock (virtio 1.2 section 5.10, device ID 19): AF_VSOCK streams
 * between VMs, switched by hyparm (core/vsock_router.c). Queue 0 is the
 * receive queue (device-writable buffers hyparm fills with packets for the
 * guest), queue 1 the transmit queue (the guest's packets), queue 2 the
 * event queue (buffers kept, no event is ever sent: a VM's CID never
 * changes under it). No feature bits: streams only (no SEQPACKET).
 * Configuration: the guest's CID, 64 bits.
 *
 * CID: 3 + the VM's index, or the manifest node's `cid`; refused at
 * creation if another VM has it or it is one of the well-known ones.
 *
 * Cross-VM delivery, the part that must not fault hyparm: a packet for VM
 * B is written into B's memory only by B's device code, under B's
 * vd->lock, with B's receive queue ready and DRIVER_OK, B running, and
 * through the virtqueue walker's checked translation (which makes B's
 * lazily populated 2 MiB blocks ready first). The sender's device never
 * touches B: it hands the packet to the router (a copy in hyparm's
 * memory) under its own lock, and after releasing it (the transport's
 * `notified` hook) kicks B, whose device takes B's lock and drains what
 * waits into B's buffers. No CPU ever holds two device locks. Before B's
 * RAM is forgotten (reset) or given back (stopped for good), the core
 * calls the `quiesce` hook: it takes B's lock, so a delivery in progress
 * finishes first, and resets the device, so that none starts again until
 * B's driver sets its queues up anew in B's next life.
 *
 * Work per notification is bounded by a ring's worth of chains, and each
 * chain by VSOCK_MAX_PAYLOAD bytes (and the queues' size): a guest cannot
 * hold a CPU in EL2.
 *
 * Manifest: vsock0 { compatible = "hyparm,virtio-vsock"; cid = <7>; };
 * (or "virtio-vsock" in devices), after "virtio-mmio"; highest free slot.
 */
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vsock_router.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_slots.h>

#define VIRTIO_ID_VSOCK 19
#define VSOCK_RXQ 0
#define VSOCK_TXQ 1
#define VSOCK_EVQ 2
/* Buffers one packet may span: Linux uses two (header, payload); more is refused as malformed. */
#define VSOCK_SEGS_MAX 16

struct vsock_dev {
	struct virtio_dev vd;
	struct vsock_ep ep;
};

static struct vsock_dev vsocks[VM_MAX];
static struct vsock_router router;
static bool router_ready;

/* The chain's buffers of one direction into sg; false (c->error set) if malformed or too many. */
static bool gather(struct virtio_dev *vd, struct virtq *q, struct virtq_chain *c, bool want_write,
		   struct vsock_sg *sg, unsigned *nsg)
{
	struct virtq_buf b;
	int rc;

	*nsg = 0;
	while ((rc = virtq_next(q, &vd->mem, c, &b)) == 1) {
		if (b.write != want_write) {
			c->error = VQ_E_DIRECTION;
			return false;
		}
		if (*nsg == VSOCK_SEGS_MAX) {
			c->error = VQ_E_DIRECTION; /* not a shape any driver sends */
			return false;
		}
		sg[(*nsg)++] = (struct vsock_sg){ .p = b.host, .len = b.len };
	}
	return rc == 0;
}

static bool queue_usable(struct virtio_dev *vd, unsigned qi)
{
	return (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET) &&
		vd->q[qi].ready && __atomic_load_n(&vd->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING;
}

/* The guest's packets to the router, at most budget chains; false if the ring is broken. */
static bool drain_tx(struct vsock_dev *vs, unsigned *budget, unsigned *done)
{
	struct virtio_dev *vd = &vs->vd;
	struct virtq *q = &vd->q[VSOCK_TXQ];
	struct vsock_sg sg[VSOCK_SEGS_MAX];
	struct virtq_chain c;
	unsigned nsg;
	int rc = 0;

	while (*budget && (rc = virtq_pop(q, &vd->mem, &c)) == 1) {
		if (gather(vd, q, &c, false, sg, &nsg))
			vsock_router_tx(&router, &vs->ep, sg, nsg);
		virtq_push(q, &vd->mem, &c, 0); /* nothing written: the buffers were read-only */
		--*budget;
		++*done;
	}
	return rc >= 0;
}

/* Fill the guest's receive buffers with what the router has for it; vd->lock held. */
static void deliver_locked(struct vsock_dev *vs)
{
	struct virtio_dev *vd = &vs->vd;
	struct virtq *q = &vd->q[VSOCK_RXQ];
	struct vsock_sg sg[VSOCK_SEGS_MAX];
	struct virtq_chain c;
	unsigned budget, done = 0, nsg;
	bool published = false;
	int rc = 0;

	/* A driver runs the device (or not: a broken queue, the VM stopped): may connections to it be made? */
	__atomic_store_n(&vs->ep.up, queue_usable(vd, VSOCK_RXQ), __ATOMIC_RELEASE);
	if (!vs->ep.up)
		return;
	budget = q->num;
	while (budget && vsock_router_has_pending(&router, &vs->ep)) {
		rc = virtq_pop(q, &vd->mem, &c);
		if (rc == 0 && q->event_idx && !published) {
			/* Out of buffers: ask to be notified when the driver adds one, then look again. */
			virtq_publish_avail_event(q, &vd->mem);
			published = true;
			rc = virtq_pop(q, &vd->mem, &c);
		}
		if (rc <= 0)
			break;
		u32 written = 0;
		if (gather(vd, q, &c, true, sg, &nsg) &&
		    vsock_router_rx(&router, &vs->ep, sg, nsg, &written) < 0)
			c.error = VQ_E_DIRECTION; /* shorter than a header */
		virtq_push(q, &vd->mem, &c, c.error ? 0 : written);
		budget--;
		done++;
	}
	if (rc == 0 && q->event_idx && !published)
		virtq_publish_avail_event(q, &vd->mem);
	if (done)
		virtio_queue_interrupt(vd, VSOCK_RXQ);
	if (rc < 0)
		virtio_needs_reset(vd, VSOCK_RXQ);
}

static void vsock_notify(struct virtio_dev *vd, unsigned qi)
{
	struct vsock_dev *vs = vd->be_state;
	struct virtq *q = &vd->q[qi];
	unsigned budget = q->num, done = 0;
	bool ok;

	if (qi == VSOCK_RXQ) {
		deliver_locked(vs); /* buffers posted: what waited for them goes now */
		return;
	}
	if (qi != VSOCK_TXQ)
		return; /* event buffers are kept */
	ok = drain_tx(vs, &budget, &done);
	if (ok && q->event_idx) {
		virtq_publish_avail_event(q, &vd->mem);
		ok = drain_tx(vs, &budget, &done);
	}
	if (done)
		virtio_queue_interrupt(vd, qi);
	if (!ok)
		virtio_needs_reset(vd, qi);
	/* Replies hyparm makes itself (RST, credit) for this guest go at once. */
	deliver_locked(vs);
}

/* After any notification, with no device lock held: the endpoints with new packets take them. */
static void vsock_notified(struct virtio_dev *vd, unsigned qi)
{
	(void)vd;
	(void)qi;
	vsock_router_kick_pending(&router);
}

/* The router has packets for this endpoint (no lock held). */
static void vsock_kick(struct vsock_ep *ep)
{
	struct vsock_dev *vs = ep->ctx;

	spin_lock(&vs->vd.lock);
	deliver_locked(vs);
	spin_unlock(&vs->vd.lock);
}

static u64 vsock_config_read(struct virtio_dev *vd, u32 off, unsigned size)
{
	struct vsock_dev *vs = vd->be_state;
	u64 cid = vs->ep.cid;

	/* guest_cid, le64, read in any width inside it. */
	u64 v = cid >> (8 * off);
	return size >= 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/* The device is reset (by its driver, Status 0, or with its VM), vd->lock held: its connections end. */
static void vsock_be_reset(struct virtio_dev *vd)
{
	struct vsock_dev *vs = vd->be_state;

	/* Peers hear the RSTs at the next kick (after_reset, or the VM reset's): no other device's lock here. */
	__atomic_store_n(&vs->ep.up, false, __ATOMIC_RELEASE);
	if (router_ready && vs->ep.attached)
		vsock_router_reset_ep(&router, &vs->ep);
}

/* The driver reset the device, vd->lock released: the peers of its connections hear the RSTs now. */
static void vsock_after_reset(struct virtio_dev *vd)
{
	(void)vd;
	vsock_router_kick_pending(&router);
}

static const struct virtio_backend vsock_backend = {
	.name = "virtio-vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.num_queues = 3,
	.config_size = 8,
	.config_read = vsock_config_read,
	.notify = vsock_notify,
	.notified = vsock_notified,
	.reset = vsock_be_reset,
	.after_reset = vsock_after_reset,
};

static int vsock_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct vsock_dev *vs = &vsocks[vm->id];
	u32 cid = VSOCK_CID_FIRST_GUEST + vm->id;
	bool given = false;
	int rc, slot;

	if (d->node) {
		rc = devnode_u32(d->node, "cid", &cid, &given);
		if (rc)
			return devnode_fail(d->node, "cid", err, errlen, "not a CID");
	}
	if (!router_ready) {
		u8 *buf = page_alloc(VSOCK_ROUTER_BUF_BYTES / PAGE_SIZE);
		if (!buf) {
			hv_snprintf(err, errlen, "vm %s: virtio-vsock: no memory for the connection queues",
				    vm->name);
			return -HV_ENOMEM;
		}
		vsock_router_init(&router, buf);
		router_ready = true;
	}
	vs->ep = (struct vsock_ep){ .cid = cid, .kick = vsock_kick, .ctx = vs };
	rc = vsock_router_attach(&router, &vs->ep);
	if (rc) {
		const char *why = rc == -HV_EEXIST ? "another VM has it"
			: rc == -HV_EINVAL	   ? "0, 1, 2 and 0xffffffff are not a VM's"
						   : "too many vsock devices";
		/* Worded about the node (the VM builder adds nothing then): "...: /vms/b/vsock0: cid <7>: ...". */
		if (d->node && given)
			return devnode_fail(d->node, NULL, err, errlen, "cid <%u>: %s", cid, why);
		hv_snprintf(err, errlen, "vm %s: virtio-vsock: CID %u: %s", vm->name, cid, why);
		return rc;
	}
	slot = virtio_slot_attach(vm, &vs->vd, &vsock_backend, vs);
	if (slot < 0) {
		hv_snprintf(err, errlen,
			    slot == -HV_ENOENT
				    ? "vm %s: virtio-vsock needs \"virtio-mmio\" before it in devices (%s)"
				    : "vm %s: virtio-vsock: no free virtio-mmio slot (%s)",
			    vm->name, hv_strerror(slot));
		return slot;
	}
	d->state = vs;
	return HV_OK;
}

/*
 * The VM's RAM is about to be forgotten or given back: the device back to
 * power-on under its lock (a delivery in progress finishes first, none
 * starts until the guest's driver sets the queues up again). Its peers'
 * RSTs wait for the router's next kick (the VM's reset makes one).
 */
static void vsock_quiesce(struct vdev *d)
{
	struct vsock_dev *vs = d->state;

	virtio_dev_reset_locked(&vs->vd);
}

/* VM reset, at its end: the device is at power-on already (quiesce); the peers hear the RSTs now. */
static void vsock_reset(struct vdev *d)
{
	struct vsock_dev *vs = d->state;

	virtio_dev_reset_locked(&vs->vd);
	vsock_router_kick_pending(&router);
}

/* The router's counters of this endpoint (read without its lock: statistics). */
static void vsock_print_stats(struct vdev *d)
{
	const struct vsock_ep *ep = &((struct vsock_dev *)d->state)->ep;

	hv_printf(
		"  device virtio-vsock: cid %llu, sent %llu packets (%llu data bytes), received %llu packets "
		"(%llu data bytes), refused %llu, malformed %llu, spoofed src_cid %llu, credit overruns "
		"%llu\n",
		(unsigned long long)ep->cid, (unsigned long long)ep->tx_packets,
		(unsigned long long)ep->tx_bytes, (unsigned long long)ep->rx_packets,
		(unsigned long long)ep->rx_bytes, (unsigned long long)ep->refused,
		(unsigned long long)ep->malformed, (unsigned long long)ep->spoofed,
		(unsigned long long)ep->overruns);
}

static const struct vdev_type vsock_type = {
	.name = "virtio-vsock",
	.create = vsock_create,
	.reset = vsock_reset,
	.quiesce = vsock_quiesce,
	.print_stats = vsock_print_stats,
};
VDEV_REGISTER(vsock_type);
