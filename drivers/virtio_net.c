/* hyparm's uplink, a driver of QEMU's virtio-net-device: see drivers/virtio_net.h. */
#include <arch/hyp_timer.h>
#include <arch/spinlock.h>
#include <drivers/gic.h>
#include <drivers/virtio_host.h>
#include <drivers/virtio_net.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>
#include <hyparm/page_alloc.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/virtio_net_regs.h>
#include <hyparm/vswitch.h>
#include <string.h>

#define HOSTNET_RX 0
#define HOSTNET_TX 1
#define HOSTNET_BUFS 64 /* buffers per queue */
#define HOSTNET_BUF 2048 /* header + the largest frame, rounded: a page holds two */

struct hostnet {
	struct virtio_host h;
	struct vhost_queue rxq, txq;
	u8 *rxbuf, *txbuf; /* HOSTNET_BUFS buffers each */
	bool tx_busy[HOSTNET_BUFS];
	struct vswitch *sw;
	struct vswitch_port port;
	spinlock_t lock; /* both queues, the buffers, tx_busy */
	bool again; /* work came while another CPU held lock: that CPU does it (uplink_work) */
	bool tx_unkicked; /* frames were added to the transmit queue by the cut-through, not yet notified */
	u64 rx_frames, tx_frames, rx_short;
};

static struct hostnet net;
static int attach_rc = 1; /* 1: not tried yet */

/* Caller holds net.lock: give receive buffer i to the device. */
static void post_rx(unsigned i)
{
	struct vhost_sg sg = { (paddr_t)(uintptr_t)(net.rxbuf + i * HOSTNET_BUF), HOSTNET_BUF, true };

	virtio_host_add(&net.rxq, &sg, 1, net.rxbuf + i * HOSTNET_BUF);
}

/* Caller holds net.lock: free the transmit buffers the device is done with. */
static void reap_tx(void)
{
	u8 *buf;
	u32 len;

	while ((buf = virtio_host_reap(&net.txq, &len)) != NULL)
		net.tx_busy[(buf - net.txbuf) / HOSTNET_BUF] = false;
}

/*
 * Caller holds net.lock: the frame of len bytes (its Ethernet header from
 * eth, the rest from frame + ETH_HLEN) copied into a free transmit buffer
 * and added to the device's queue, not yet notified. false: no buffer or
 * no room (the device completes some, its interrupt brings us back).
 */
static bool transmit(const u8 *eth, const u8 *frame, u32 len)
{
	unsigned i;

	for (i = 0; i < HOSTNET_BUFS && net.tx_busy[i]; i++)
		;
	if (i == HOSTNET_BUFS || !virtio_host_room(&net.txq, 1))
		return false;
	u8 *b = net.txbuf + i * HOSTNET_BUF;
	memset(b, 0, VIRTIO_NET_HDR_BYTES);
	memcpy(b + VIRTIO_NET_HDR_BYTES, eth, ETH_HLEN);
	memcpy(b + VIRTIO_NET_HDR_BYTES + ETH_HLEN, frame + ETH_HLEN, len - ETH_HLEN);
	struct vhost_sg sg = { (paddr_t)(uintptr_t)b, VIRTIO_NET_HDR_BYTES + len, false };
	if (virtio_host_add(&net.txq, &sg, 1, b) != HV_OK)
		return false;
	net.tx_busy[i] = true;
	net.tx_frames++;
	return true;
}

/* Caller holds net.lock: send what waits on the uplink port while transmit buffers are free. */
static void send_waiting(void)
{
	const struct vswitch_frame *f;
	bool added = net.tx_unkicked;

	reap_tx();
	while ((f = vswitch_port_peek(&net.port)) != NULL && transmit(f->data, f->data, f->len)) {
		vswitch_port_pop(&net.port, true);
		added = true;
	}
	net.tx_unkicked = false;
	if (added)
		virtio_host_kick(&net.txq);
}

/* Caller holds net.lock: what the device received goes to the switch, its buffers back to it; how many. */
static unsigned receive(void)
{
	u8 *buf;
	u32 len;
	unsigned n = 0;

	/* A bounded batch: the rest raises the interrupt again. */
	while (n++ < HOSTNET_BUFS && (buf = virtio_host_reap(&net.rxq, &len)) != NULL) {
		if (len > VIRTIO_NET_HDR_BYTES && len <= HOSTNET_BUF) {
			net.rx_frames++;
			/* The switch copies it into the destination queues: the buffer is ours again at once. */
			vswitch_input(net.sw, &net.port, buf + VIRTIO_NET_HDR_BYTES,
				      len - VIRTIO_NET_HDR_BYTES, hyp_timer_now());
		} else {
			net.rx_short++;
		}
		post_rx((unsigned)((buf - net.rxbuf) / HOSTNET_BUF));
	}
	virtio_host_kick(&net.rxq);
	return n - 1;
}

/*
 * Receive and send, by whichever CPU gets the lock; one that finds it
 * taken leaves its work to the holder and never waits. The holder can be
 * slow for reasons outside hyparm: its notification is an MMIO write to
 * the physical device, which under QEMU waits for QEMU's own lock while
 * the device's backend works (a flood of frames into user-mode
 * networking). A CPU spinning behind it meanwhile would be stuck in EL2
 * (the watchdog stopped hyparm so, test_net's hostile flood). The holder
 * checks `again` after its unlock, and a CPU that set it looks at the lock
 * once more: one of them sees the other (both sequentially consistent).
 */
static void uplink_work(void)
{
	for (;;) {
		if (!spin_trylock(&net.lock)) {
			__atomic_store_n(&net.again, true, __ATOMIC_SEQ_CST);
			if (spin_is_locked(&net.lock))
				return; /* the holder sees `again` after its unlock */
			continue; /* it let go meanwhile: try ourselves */
		}
		unsigned got = receive();
		send_waiting(); /* transmit buffers may have come free */
		spin_unlock(&net.lock);
		/* No lock held: the receivers take their own (only for frames the device gave: no kick calls kick). */
		if (got)
			vswitch_kick_pending(net.sw);
		if (!__atomic_exchange_n(&net.again, false, __ATOMIC_SEQ_CST))
			return;
	}
}

/* The switch has frames for the uplink (any CPU, no lock held). */
static void uplink_kick(struct vswitch_port *p)
{
	(void)p;
	uplink_work();
}

/*
 * The cut-through (a VM's vCPU sending, holding its device lock): the
 * frame straight into a transmit buffer if the lock is free. The device is
 * notified by the kick that follows, after the sender's unlock: an MMIO
 * write to QEMU's device can wait on QEMU (see uplink_work), and the
 * sender's lock should not be held across it.
 */
static enum vswitch_delivery uplink_deliver(struct vswitch_port *p, const u8 *eth, const u8 *frame, u32 len)
{
	(void)p;
	if (!spin_trylock(&net.lock))
		return VSWITCH_QUEUE;
	reap_tx();
	bool sent = transmit(eth, frame, len);
	if (sent)
		net.tx_unkicked = true;
	spin_unlock(&net.lock);
	return sent ? VSWITCH_DELIVERED : VSWITCH_QUEUE;
}

static const struct vswitch_port_ops uplink_ops = { .kick = uplink_kick, .deliver = uplink_deliver };

static enum irq_result hostnet_irq(u32 intid, void *ctx)
{
	(void)intid;
	(void)ctx;
	virtio_host_irq_ack(&net.h);
	uplink_work();
	return IRQ_DONE;
}

static int attach(struct vswitch *sw)
{
	int rc = virtio_host_find(VIRTIO_ID_NET, 0, &net.h);
	if (rc)
		return rc;
	if (!net.h.intid)
		return -HV_ENOTSUP;
	/* VERSION_1 only: no offloads, no MRG_RXBUF (each receive buffer holds a whole frame), no control queue. */
	rc = virtio_host_negotiate(&net.h, 0);
	if (rc)
		return rc;
	rc = virtio_host_queue_init(&net.h, HOSTNET_RX, &net.rxq, HOSTNET_BUFS);
	if (!rc)
		rc = virtio_host_queue_init(&net.h, HOSTNET_TX, &net.txq, HOSTNET_BUFS);
	if (rc)
		return rc;
	net.rxbuf = page_alloc(HOSTNET_BUFS * HOSTNET_BUF / PAGE_SIZE);
	net.txbuf = page_alloc(HOSTNET_BUFS * HOSTNET_BUF / PAGE_SIZE);
	struct vswitch_frame *q = page_alloc((VSWITCH_QUEUE_LEN * sizeof(*q) + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!net.rxbuf || !net.txbuf || !q)
		return -HV_ENOMEM;
	net.lock = (spinlock_t)SPINLOCK_INIT;
	net.sw = sw;
	rc = vswitch_port_add(sw, &net.port, "uplink", &uplink_ops, NULL, q, VSWITCH_QUEUE_LEN, NULL);
	if (rc)
		return rc;
	spin_lock(&net.lock);
	for (unsigned i = 0; i < net.rxq.num && i < HOSTNET_BUFS; i++)
		post_rx(i);
	spin_unlock(&net.lock);
	rc = irq_register(net.h.intid, hostnet_irq, &net);
	if (rc)
		return rc;
	virtio_host_driver_ok(&net.h);
	virtio_host_kick(&net.rxq);
	gic_spi_enable(net.h.intid, pcpus[0].mpidr);
	vswitch_port_open(&net.port);
	hv_printf("hyparm: virtio-net uplink at 0x%llx (INTID %u): port %u of the switch\n",
		  (unsigned long long)net.h.base, net.h.intid, net.port.id);
	return HV_OK;
}

int hostnet_attach(struct vswitch *sw)
{
	if (attach_rc == 1)
		attach_rc = attach(sw);
	return attach_rc;
}
