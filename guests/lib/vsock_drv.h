/*
 * A bare-metal guest's own small virtio-vsock driver (virtio 1.2 5.10 over
 * virtio-mmio 4.2.2) for the test guests that poke hyparm's device
 * (vdev/virtio_vsock.c) on slot 31: queues of QN entries, polled (no
 * interrupts), VERSION_1 only. A guest's driver has its own copy of the
 * register map and header, as a real one would. Included once per guest.
 */
#ifndef GUEST_VSOCK_DRV_H
#define GUEST_VSOCK_DRV_H

#include "gic.h" /* mmio_read32 / mmio_write32 */
#include "guest.h"

#include <hyparm/guest_layout.h>
#include <hyparm/print.h>

#define DEV (GUEST_VIRTIO_IPA + 31 * GUEST_VIRTIO_SLOT)
#define QN 8

#include "virtio_drv.h"

#define RXQ 0
#define TXQ 1
#define EVQ 2

/* virtio-vsock's packet header (5.10.6). */
struct vhdr {
	u64 src_cid, dst_cid;
	u32 src_port, dst_port, len;
	u16 type, op;
	u32 flags, buf_alloc, fwd_cnt;
} __attribute__((packed));
#define OP_REQUEST 1
#define OP_RESPONSE 2
#define OP_RST 3
#define OP_SHUTDOWN 4
#define OP_RW 5
#define OP_CREDIT_UPDATE 6

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct queue {
	struct desc d[QN] __attribute__((aligned(16)));
	volatile u16 avail[2 + QN + 1] __attribute__((aligned(4)));
	volatile u32 used[1 + 2 * QN + 1] __attribute__((aligned(4)));
	u16 seen; /* used entries consumed */
};

static struct queue qs[3];
#define RXBUF 1024
static u8 rxbuf[QN][RXBUF] __attribute__((aligned(16)));
static struct vhdr txh;
static u64 my_cid; /* from the device configuration (init) */

#define dmb() __asm__ volatile("dmb sy" ::: "memory")

static __attribute__((unused)) void wr(u64 off, u32 v)
{
	mmio_write32(DEV + off, v);
}

static __attribute__((unused)) u32 rd(u64 off)
{
	return mmio_read32(DEV + off);
}

static __attribute__((unused)) bool init(void)
{
	wr(STATUS, 0);
	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < sizeof(qs[i]); j++)
			((volatile u8 *)&qs[i])[j] = 0;
	if (!virtio_negotiate(DEV, 0, VIRTIO_F_VERSION_1_HI))
		return false;
	for (unsigned i = 0; i < 3; i++)
		virtio_queue_setup(DEV, i, QN, (u64)(uintptr_t)qs[i].d, (u64)(uintptr_t)qs[i].avail,
				   (u64)(uintptr_t)qs[i].used);
	virtio_driver_ok(DEV);
	my_cid = rd(CONFIG) | (u64)rd(CONFIG + 4) << 32;
	return true;
}

/* Offer descriptor head on queue qi and notify. */
static __attribute__((unused)) void offer(unsigned qi, u16 head)
{
	struct queue *q = &qs[qi];
	u16 idx = q->avail[1];

	q->avail[2 + idx % QN] = head;
	dmb();
	q->avail[1] = (u16)(idx + 1);
	dmb();
	wr(QUEUE_NOTIFY, qi);
}

/* The next used element of queue qi within ms milliseconds: its length, or -1. */
static __attribute__((unused)) long next_used(unsigned qi, u64 ms, u32 *id)
{
	struct queue *q = &qs[qi];
	u64 end = now_ticks() + ms * ticks_per_sec() / 1000;

	do {
		dmb();
		if ((u16)(q->used[0] >> 16) != q->seen) {
			unsigned e = q->seen % QN;
			q->seen++;
			wr(INT_ACK, 3);
			if (id)
				*id = q->used[1 + 2 * e];
			return q->used[1 + 2 * e + 1];
		}
	} while (now_ticks() < end);
	return -1;
}

/* Post receive buffer i (RXBUF bytes, device-writable) on rx descriptor i. */
static __attribute__((unused)) void post_rx(unsigned i, u64 addr, u32 len, u16 flags)
{
	qs[RXQ].d[i] = (struct desc){ .addr = addr, .len = len, .flags = flags };
	offer(RXQ, (u16)i);
}

/* Transmit a chain of the two descriptors given (len2 0: one); its used length or -1. */
static __attribute__((unused)) long tx2(u64 a1, u32 l1, u16 f1, u64 a2, u32 l2, u16 f2)
{
	struct queue *q = &qs[TXQ];

	q->d[0] = (struct desc){ .addr = a1, .len = l1, .flags = (u16)(f1 | (l2 ? D_NEXT : 0)), .next = 1 };
	q->d[1] = (struct desc){ .addr = a2, .len = l2, .flags = f2 };
	offer(TXQ, 0);
	return next_used(TXQ, 2000, NULL);
}

/* Transmit a packet: the header as given, buflen bytes of data after it; its used length or -1. */
static __attribute__((unused)) long tx_data(u64 src_cid, u32 src_port, u64 dst_cid, u32 dst_port, u16 op,
					    u32 len, const void *data, u32 buflen, u32 fwd_cnt)
{
	txh = (struct vhdr){ .src_cid = src_cid,
			     .dst_cid = dst_cid,
			     .src_port = src_port,
			     .dst_port = dst_port,
			     .len = len,
			     .type = 1,
			     .op = op,
			     .buf_alloc = 65536,
			     .fwd_cnt = fwd_cnt };
	return tx2((u64)(uintptr_t)&txh, sizeof(txh), 0, (u64)(uintptr_t)data, buflen, 0);
}

/* Wait for a packet in the next receive buffer: its header in *h, up to max payload bytes in data; false if none came. */
static __attribute__((unused)) bool rx_pkt(struct vhdr *h, u8 *data, u32 max, u64 ms)
{
	u32 id;
	long len = next_used(RXQ, ms, &id);

	if (len < (long)sizeof(*h) || id >= QN)
		return false;
	for (unsigned i = 0; i < sizeof(*h); i++)
		((u8 *)h)[i] = rxbuf[id][i];
	for (u32 i = 0; data && i < max && i < h->len && sizeof(*h) + i < (u64)len; i++)
		data[i] = rxbuf[id][sizeof(*h) + i];
	post_rx(id, (u64)(uintptr_t)rxbuf[id], RXBUF, D_WRITE); /* back to the device */
	return true;
}

static __attribute__((unused)) bool rx(struct vhdr *h, u64 ms)
{
	return rx_pkt(h, NULL, 0, ms);
}

static __attribute__((unused)) bool is_rst(const struct vhdr *h, u64 from_cid, u32 from_port, u32 to_port)
{
	return h->op == OP_RST && h->src_cid == from_cid && h->dst_cid == my_cid &&
		h->src_port == from_port && h->dst_port == to_port;
}

static __attribute__((unused)) void post_all_rx(void)
{
	for (unsigned i = 0; i < QN; i++)
		post_rx(i, (u64)(uintptr_t)rxbuf[i], RXBUF, D_WRITE);
}

#endif
