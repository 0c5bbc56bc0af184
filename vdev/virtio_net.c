/*
 * virtio-net (virtio 1.2 section 5.1, device ID 1) for a guest: one
 * receiveq (0) and one transmitq (1), no control queue, no offloads.
 * Features: MAC (the address in the configuration) and STATUS (link up);
 * with VERSION_1 every buffer starts with the 12-byte virtio_net_hdr_v1.
 * Not MRG_RXBUF: a driver without it posts receive buffers that each hold
 * a whole frame (Linux's "small buffers"), which is all that frames of at
 * most VSWITCH_FRAME_MAX bytes need.
 *
 * The device is a port on the machine's switch (core/vswitch.c). Its MAC
 * is the manifest node's `mac` or, without one, derived from the VM's name
 * (stable across boots and runs, locally administered); the port is
 * MAC-locked to it.
 *
 * Transmit (the VM's own vCPU, under vd->lock): a frame that lies in one
 * buffer of the chain (Linux's usual layout: the header and the frame in
 * one, or each in its own) goes to the switch from the guest's buffer; a
 * frame spread over several is gathered into hyparm's copy first. The
 * switch reads the frame's Ethernet header once and decides on that copy
 * (the guest may rewrite its buffer meanwhile), and copies the frame into
 * the receiving guest's buffer or the uplink's (the cut-through), or into
 * a destination port's queue. The chain is completed after that. After
 * vd->lock is released (the transport's `notified` hook) the sender kicks
 * the ports it sent to.
 *
 * Receive writes the receiving VM's memory only holding the receiving
 * device's lock, only while it is `live`, and only through the walker's
 * checked translation (which makes a lazily-populated 2 MiB block ready
 * first). It happens in two ways: a sender's CPU (another VM's vCPU, the
 * uplink's interrupt) that finds the lock free and a buffer posted writes
 * the frame straight in (vnet_deliver, which never waits for the lock:
 * the sender holds its own); otherwise the frame is queued on the port,
 * and whoever kicks (the sender after its unlock, or the VM's own vCPU
 * posting buffers) moves it in. `live` is set by the device's reset (the VM's
 * RAM is then in place: RESET_DEVICES is the last step of a reset) and
 * cleared under the same lock by quiesce, which the core calls before a
 * reset scrubs and unmaps the RAM and before a stopped VM gives it back:
 * once quiesce returned no other CPU is writing into it, and none will
 * until the next reset. See docs/design.md section 18.
 *
 * Manifest: net0 { compatible = "hyparm,virtio-net"; mac = "02:00:00:00:00:01"; };
 * or "virtio-net" in the VM's devices, after "virtio-mmio".
 */
#include <arch/hyp_timer.h>
#include <drivers/virtio_net.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vswitch.h>
#include <string.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_net.h>
#include <vdev/virtio_slots.h>

#define VNET_RXQ 0
#define VNET_TXQ 1

struct vnet {
	struct virtio_dev vd; /* first: the backend hooks get it */
	struct vswitch_port port;
	struct vswitch *sw;
	u8 mac[ETH_ALEN];
	char name[VM_NAME_MAX + 8];
	/* Under vd.lock: may other CPUs write the VM's RAM (see the top of this file). */
	bool live;
	u8 frame[VSWITCH_FRAME_MAX]; /* a frame being sent, gathered from several buffers (under vd.lock) */
	bool rx_interrupt; /* under vd.lock: frames were delivered since the receiveq's last interrupt */
	struct vnet_stats stats;
};

static struct vnet vnets[VM_MAX];

static struct vnet *vnet_of(struct virtio_dev *vd)
{
	return (struct vnet *)vd;
}

static bool driver_running(const struct virtio_dev *vd)
{
	return (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

/*
 * The frame in c's readable buffers, the header skipped: its length, and
 * in *frame where it is: in the guest's buffer if it lies in one, else
 * gathered into vn->frame. -1 if the chain is malformed (a writable
 * buffer, a bad descriptor) or the frame too long.
 */
static int gather(struct vnet *vn, struct virtq *q, struct virtq_chain *c, const u8 **frame)
{
	struct virtq_buf b;
	const u8 *in_guest = NULL; /* the frame so far, while it is one piece of one buffer */
	u64 off = 0;
	u32 len = 0;
	bool too_long = false;
	int rc;

	while ((rc = virtq_next(q, &vn->vd.mem, c, &b)) == 1) {
		if (b.write) {
			c->error = VQ_E_DIRECTION;
			return -1;
		}
		u32 skip = off < VIRTIO_NET_HDR_BYTES ? (u32)MIN((u64)b.len, VIRTIO_NET_HDR_BYTES - off) : 0;
		u32 n = b.len - skip;
		off += b.len;
		if (!n)
			continue;
		if (n > VSWITCH_FRAME_MAX - len) {
			too_long = true; /* walk on: the rest of the chain is still checked */
			continue;
		}
		if (!len && !too_long) {
			in_guest = b.host + skip;
		} else {
			if (in_guest) /* a second piece: the frame is gathered after all */
				memcpy(vn->frame, in_guest, len);
			in_guest = NULL;
			memcpy(vn->frame + len, b.host + skip, n);
		}
		len += n;
	}
	if (rc < 0 || too_long || off < VIRTIO_NET_HDR_BYTES)
		return -1;
	*frame = in_guest ? in_guest : vn->frame;
	return (int)len;
}

/* At most a ring's worth of chains per call: a driver refilling from another vCPU cannot hold us. */
static bool drain_tx(struct vnet *vn, struct virtq *q, unsigned *budget, unsigned *done)
{
	struct virtq_chain c;
	int rc = 0;

	while (*budget && (rc = virtq_pop(q, &vn->vd.mem, &c)) == 1) {
		const u8 *frame;
		int len = gather(vn, q, &c, &frame);
		if (len < 0) {
			vn->stats.tx_errors++;
		} else {
			vn->stats.tx_frames++;
			vswitch_input(vn->sw, &vn->port, frame, (u32)len, hyp_timer_now());
		}
		/* Completed once the switch is done with the guest's buffer. The used length is 0 (nothing written). */
		virtq_push(q, &vn->vd.mem, &c, 0);
		--*budget;
		++*done;
	}
	return rc >= 0;
}

static void tx(struct vnet *vn)
{
	struct virtio_dev *vd = &vn->vd;
	struct virtq *q = &vd->q[VNET_TXQ];
	unsigned budget = q->num, done = 0;
	bool ok = drain_tx(vn, q, &budget, &done);

	if (ok && q->event_idx) {
		virtq_publish_avail_event(q, &vd->mem);
		ok = drain_tx(vn, q, &budget, &done);
	}
	if (done)
		virtio_queue_interrupt(vd, VNET_TXQ);
	if (!ok)
		virtio_needs_reset(vd, VNET_TXQ);
}

/*
 * Write the virtio-net header, then the frame of len bytes (its Ethernet
 * header from eth, the rest from frame + ETH_HLEN) into chain c's writable
 * buffers: the bytes written, or -1 (malformed, too small).
 */
static int fill(struct vnet *vn, struct virtq *q, struct virtq_chain *c, const u8 *eth, const u8 *frame,
		u32 len)
{
	/* The v1 header: no checksum or GSO to report, one buffer (num_buffers is 1 without MRG_RXBUF). */
	u8 hdr[VIRTIO_NET_HDR_BYTES] = { 0 };
	const struct {
		const u8 *at;
		u32 len;
	} piece[] = { { hdr, VIRTIO_NET_HDR_BYTES },
		      { eth, ETH_HLEN },
		      { frame + ETH_HLEN, len - ETH_HLEN } };
	struct virtq_buf b;
	u32 total = VIRTIO_NET_HDR_BYTES + len, put = 0, pi = 0, pdone = 0;
	int rc;

	hdr[VIRTIO_NET_HDR_NUM_BUFFERS] = 1;
	while (put < total && (rc = virtq_next(q, &vn->vd.mem, c, &b)) == 1) {
		if (!b.write) {
			c->error = VQ_E_DIRECTION;
			return -1;
		}
		u32 n = MIN(b.len, total - put);
		for (u32 i = 0; i < n;) {
			/* Each piece copied as it falls in this buffer. */
			u32 run = MIN(piece[pi].len - pdone, n - i);
			memcpy(b.host + i, piece[pi].at + pdone, run);
			i += run;
			pdone += run;
			if (pdone == piece[pi].len) {
				pi++;
				pdone = 0;
			}
		}
		put += n;
	}
	if (c->error || put < total)
		return -1; /* the buffers ended before the frame: a driver without MRG_RXBUF must post whole ones */
	return (int)put;
}

/*
 * Caller holds vd.lock: put one frame into the next receive buffer. 1 put,
 * 0 no buffer posted (the frame waits), -1 the ring is broken, -2 the
 * buffer was malformed or too small (the frame is dropped with it).
 */
static int receive_one(struct vnet *vn, const u8 *eth, const u8 *frame, u32 len)
{
	struct virtio_dev *vd = &vn->vd;
	struct virtq *q = &vd->q[VNET_RXQ];
	struct virtq_chain c;
	int rc = virtq_pop(q, &vd->mem, &c);

	if (rc == 0 && q->event_idx) {
		/* No buffer: ask for a notification when the driver adds one, then look once more (the race). */
		virtq_publish_avail_event(q, &vd->mem);
		rc = virtq_pop(q, &vd->mem, &c);
	}
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	int put = fill(vn, q, &c, eth, frame, len);
	virtq_push(q, &vd->mem, &c, put < 0 ? 0 : (u32)put);
	if (put < 0) {
		vn->stats.rx_errors++;
		return -2;
	}
	vn->stats.rx_frames++;
	return 1;
}

/* Caller holds vd.lock: move waiting frames into the guest's receive buffers. */
static void rx_locked(struct vnet *vn)
{
	struct virtio_dev *vd = &vn->vd;
	struct virtq *q = &vd->q[VNET_RXQ];
	const struct vswitch_frame *f;
	unsigned budget = VSWITCH_QUEUE_LEN;
	bool broken = false;

	if (!vn->live || !driver_running(vd) || !q->ready)
		return; /* the frames wait (or are dropped by the port's close) */
	while (budget-- && (f = vswitch_port_peek(&vn->port))) {
		int rc = receive_one(vn, f->data, f->data, f->len);
		if (rc == -1) {
			broken = true;
			break;
		}
		if (rc == 0) {
			/* Counted here only: a cut-through that found no buffer queued the frame, which comes here. */
			vn->stats.rx_no_buffer++;
			break; /* the driver's next receiveq notification brings us back */
		}
		/* A frame dropped with a bad buffer (-2) goes too: progress whatever the driver posts. */
		vswitch_port_pop(&vn->port, rc == 1);
		vn->rx_interrupt = true;
	}
	if (vn->rx_interrupt) {
		vn->rx_interrupt = false;
		virtio_queue_interrupt(vd, VNET_RXQ);
	}
	if (broken)
		virtio_needs_reset(vd, VNET_RXQ);
}

/* The switch has frames for us (any CPU, no lock held). */
static void vnet_kick(struct vswitch_port *p)
{
	struct vnet *vn = p->ctx;

	spin_lock(&vn->vd.lock);
	rx_locked(vn);
	spin_unlock(&vn->vd.lock);
}

/*
 * The cut-through (another VM's vCPU, or the uplink's interrupt, holding
 * its own lock): the frame straight into this VM's next receive buffer if
 * its lock is free and a buffer is posted. The interrupt waits for the
 * kick that follows (the sender's, after its unlock): one per batch.
 */
static enum vswitch_delivery vnet_deliver(struct vswitch_port *p, const u8 *eth, const u8 *frame, u32 len)
{
	struct vnet *vn = p->ctx;
	struct virtio_dev *vd = &vn->vd;
	enum vswitch_delivery d = VSWITCH_QUEUE;

	if (!spin_trylock(&vd->lock))
		return VSWITCH_QUEUE;
	if (vn->live && driver_running(vd) && vd->q[VNET_RXQ].ready) {
		int rc = receive_one(vn, eth, frame, len);
		/* A broken ring (-1) is found again, and reported, by the kick's rx_locked. */
		d = rc == 1 ? VSWITCH_DELIVERED : rc == -2 ? VSWITCH_REFUSED : VSWITCH_QUEUE;
		if (d != VSWITCH_QUEUE)
			vn->rx_interrupt = true;
	}
	spin_unlock(&vd->lock);
	return d;
}

static const struct vswitch_port_ops vnet_port_ops = { .kick = vnet_kick, .deliver = vnet_deliver };

static void vnet_notify(struct virtio_dev *vd, unsigned qi)
{
	struct vnet *vn = vnet_of(vd);

	if (qi == VNET_TXQ)
		tx(vn);
	else if (qi == VNET_RXQ)
		rx_locked(vn); /* buffers posted: frames that waited for them go now */
}

/* After vd->lock is released: deliver what this VM just sent (the receivers' locks are taken there). */
static void vnet_notified(struct virtio_dev *vd, unsigned qi)
{
	if (qi == VNET_TXQ)
		vswitch_kick_pending(vnet_of(vd)->sw);
}

static u64 vnet_config_read(struct virtio_dev *vd, u32 off, unsigned size)
{
	struct vnet *vn = vnet_of(vd);
	u8 cfg[VIRTIO_NET_CONFIG_BYTES] = { 0 };
	u16 status = VIRTIO_NET_S_LINK_UP, pairs = 1, mtu = VSWITCH_FRAME_MAX - ETH_HLEN - 4; /* 1500 */
	u64 v = 0;

	memcpy(cfg + 0, vn->mac, ETH_ALEN);
	memcpy(cfg + 6, &status, 2);
	memcpy(cfg + 8, &pairs, 2);
	memcpy(cfg + 10, &mtu, 2);
	memcpy(&v, cfg + off, size);
	return v;
}

static const struct virtio_backend vnet_backend = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS,
	.num_queues = 2,
	.config_size = VIRTIO_NET_CONFIG_BYTES,
	.config_read = vnet_config_read,
	.notify = vnet_notify,
	.notified = vnet_notified,
};

int vnet_mac_parse(const char *s, u8 *mac)
{
	for (unsigned i = 0; i < ETH_ALEN; i++) {
		unsigned v = 0;
		for (unsigned d = 0; d < 2; d++) {
			char ch = *s++;
			unsigned x = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0')
				: ch >= 'a' && ch <= 'f'    ? (unsigned)(ch - 'a' + 10)
				: ch >= 'A' && ch <= 'F'    ? (unsigned)(ch - 'A' + 10)
							    : 16;
			if (x == 16)
				return -HV_EINVAL;
			v = v * 16 + x;
		}
		mac[i] = (u8)v;
		if (*s != (i == ETH_ALEN - 1 ? '\0' : ':'))
			return -HV_EINVAL;
		s++;
	}
	/* A station address: not a group one, not all zeros. */
	static const u8 zero[ETH_ALEN];
	if ((mac[0] & 1) || memcmp(mac, zero, ETH_ALEN) == 0)
		return -HV_EINVAL;
	return HV_OK;
}

void vnet_mac_from_name(const char *name, u8 *mac)
{
	/* FNV-1a of the name: the same VM name gives the same address on every boot and every run. */
	u32 h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (u8)*p) * 16777619u;
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x68; /* 'h' for hyparm: keeps clear of QEMU's 52:54:00 and 52:55:0a (user net) */
	mac[2] = (u8)(h >> 24);
	mac[3] = (u8)(h >> 16);
	mac[4] = (u8)(h >> 8);
	mac[5] = (u8)h;
}

static int vnet_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct vnet *vn = &vnets[vm->id];
	char mac[24];
	int rc, slot;

	memset(vn, 0, sizeof(*vn));
	vnet_mac_from_name(vm->name, vn->mac);
	if (d->node) {
		if (devnode_string(d->node, "mac", mac, sizeof(mac)))
			return devnode_fail(d->node, "mac", err, errlen,
					    "a MAC address is \"02:00:00:00:00:01\"");
		if (mac[0] && vnet_mac_parse(mac, vn->mac))
			return devnode_fail(
				d->node, "mac", err, errlen,
				"\"%s\" is not a station MAC address (six hex pairs with ':', the "
				"first byte's low bit clear, not all zero): \"02:00:00:00:00:01\"",
				mac);
	}
	/* Two ports with one address would steal each other's frames. */
	for (unsigned i = 0; i < VM_MAX; i++)
		if (i != vm->id && vnets[i].sw && memcmp(vnets[i].mac, vn->mac, ETH_ALEN) == 0) {
			hv_snprintf(
				err, errlen,
				"vm %s: virtio-net: MAC %02x:%02x:%02x:%02x:%02x:%02x is another VM's: give "
				"one of them mac = \"...\" in its net node",
				vm->name, vn->mac[0], vn->mac[1], vn->mac[2], vn->mac[3], vn->mac[4],
				vn->mac[5]);
			return -HV_EEXIST;
		}
	struct vswitch_frame *q = page_alloc((VSWITCH_QUEUE_LEN * sizeof(*q) + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!q) {
		hv_snprintf(err, errlen, "vm %s: virtio-net: out of memory for its queue", vm->name);
		return -HV_ENOMEM;
	}
	vn->sw = vswitch_machine(VSWITCH_MAC_AGE_S * hyp_timer_freq());
	/* The machine's virtio-net, if the launcher gave it one, is the switch's uplink (first VM only). */
	rc = hostnet_attach(vn->sw);
	if (rc && rc != -HV_ENOENT)
		hv_printf("hyparm: virtio-net uplink: not attached (%s): VMs only reach each other\n",
			  hv_strerror(rc));
	hv_snprintf(vn->name, sizeof(vn->name), "%s", vm->name);
	/* Closed until the VM's reset (its last step) opens it. */
	rc = vswitch_port_add(vn->sw, &vn->port, vn->name, &vnet_port_ops, vn, q, VSWITCH_QUEUE_LEN, vn->mac);
	if (rc) {
		vn->sw = NULL;
		hv_snprintf(err, errlen, "vm %s: virtio-net: the switch has %u ports already", vm->name,
			    VSWITCH_MAX_PORTS);
		return rc;
	}
	slot = virtio_slot_attach(vm, &vn->vd, &vnet_backend, vn);
	if (slot < 0) {
		hv_snprintf(err, errlen,
			    slot == -HV_ENOENT
				    ? "vm %s: virtio-net needs \"virtio-mmio\" before it in devices (%s)"
				    : "vm %s: virtio-net: no free virtio-mmio slot (%s)",
			    vm->name, hv_strerror(slot));
		return slot;
	}
	d->state = vn;
	return HV_OK;
}

static void vnet_reset(struct vdev *d)
{
	struct vnet *vn = d->state;

	spin_lock(&vn->vd.lock);
	virtio_dev_reset(&vn->vd);
	/* The last step of the VM's reset: its RAM is in place, frames may come in. */
	vn->live = true;
	vswitch_port_open(&vn->port);
	spin_unlock(&vn->vd.lock);
}

static void vnet_quiesce(struct vdev *d)
{
	struct vnet *vn = d->state;

	/* Under the lock every writer holds: when we have it, no other CPU is inside the VM's RAM. */
	spin_lock(&vn->vd.lock);
	vn->live = false;
	vswitch_port_close(&vn->port);
	spin_unlock(&vn->vd.lock);
}

const struct vnet_stats *vnet_stats_of(const struct vm *vm)
{
	return vm->id < VM_MAX && vnets[vm->id].sw ? &vnets[vm->id].stats : NULL;
}

static void vnet_print_stats(struct vdev *d)
{
	struct vnet *vn = d->state;
	const struct vswitch_port_stats *p = &vn->port.stats;

	hv_printf(
		"  device virtio-net %02x:%02x:%02x:%02x:%02x:%02x: tx %llu frames, %llu malformed; rx %llu "
		"frames, %llu bad buffers, %llu waits for buffers\n",
		vn->mac[0], vn->mac[1], vn->mac[2], vn->mac[3], vn->mac[4], vn->mac[5],
		(unsigned long long)vn->stats.tx_frames, (unsigned long long)vn->stats.tx_errors,
		(unsigned long long)vn->stats.rx_frames, (unsigned long long)vn->stats.rx_errors,
		(unsigned long long)vn->stats.rx_no_buffer);
	hv_printf("  switch port %u: in %llu frames (%llu bytes), refused %llu runts, %llu spoofed, %llu bad "
		  "source; out %llu frames (%llu bytes), %llu dropped\n",
		  vn->port.id, (unsigned long long)p->in_frames, (unsigned long long)p->in_bytes,
		  (unsigned long long)p->in_runt, (unsigned long long)p->in_spoofed,
		  (unsigned long long)p->in_bad_src, (unsigned long long)p->out_frames,
		  (unsigned long long)p->out_bytes, (unsigned long long)p->out_dropped);
}

static const struct vdev_type vnet_type = {
	.name = "virtio-net",
	.create = vnet_create,
	.reset = vnet_reset,
	.quiesce = vnet_quiesce,
	.print_stats = vnet_print_stats,
};
VDEV_REGISTER(vnet_type);
