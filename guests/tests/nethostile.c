/*
 * A hostile driver of hyparm's virtio-net (vdev/virtio_net.c) on a switch
 * it shares with Linux VMs (tests/integration/test_net.py):
 *   - transmit chains that are malformed (a writable buffer, buffers past
 *     RAM's end, wrapping, 4 GiB long, at IPA 0, a descriptor loop, a next
 *     index outside the table, INDIRECT without negotiating it, a frame
 *     too long, one shorter than its header): each must complete (used
 *     length 0) and the queue go on;
 *   - receive buffers that are outside RAM, device-readable, or in a
 *     2 MiB block of its RAM it never touched (hyparm must make that
 *     ready before writing it from the sending VM's CPU);
 *   - a flood of 2000 broadcasts, and frames with a source MAC that is
 *     not its own (refused by the switch);
 *   - at the end an available index that jumps by more than the queue
 *     size: NEEDS_RESET for its own device only, cleared by a reset.
 * The Linux VMs next to it must keep pinging and moving data, and hyparm
 * must stay up; then this VM powers off while they may still send to it.
 */
#include "guest.h"
#include "gic.h"
#include "timer.h"

#include <hyparm/guest_layout.h>

#define NET (GUEST_VIRTIO_IPA + 31 * GUEST_VIRTIO_SLOT)
#define QN 16
#define RXQ 0
#define TXQ 1

#include "virtio_drv.h"
#define F_MAC 5
#define HDR 12

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct queue {
	struct desc descs[QN] __attribute__((aligned(16)));
	volatile u16 avail[2 + QN + 1] __attribute__((aligned(4)));
	volatile u32 used[1 + 2 * QN + 1] __attribute__((aligned(4)));
};

static struct queue qs[2];
static u8 frame[4096] __attribute__((aligned(16)));
static u8 rxbuf[2048] __attribute__((aligned(16)));
static u8 mac[6];
static u64 ram_base, ram_size;

#define dmb() __asm__ volatile("dmb sy" ::: "memory")

static void wr(u64 off, u32 v)
{
	mmio_write32(NET + off, v);
}

static u32 rd(u64 off)
{
	return mmio_read32(NET + off);
}

static bool init(void)
{
	wr(STATUS, 0);
	for (unsigned q = 0; q < 2; q++) {
		u8 *p = (u8 *)&qs[q];
		for (unsigned i = 0; i < sizeof(qs[q]); i++)
			p[i] = 0;
	}
	if (!virtio_negotiate(NET, 1u << F_MAC, VIRTIO_F_VERSION_1_HI))
		return false;
	for (unsigned q = 0; q < 2; q++)
		virtio_queue_setup(NET, q, QN, (u64)(uintptr_t)qs[q].descs, (u64)(uintptr_t)qs[q].avail,
				   (u64)(uintptr_t)qs[q].used);
	virtio_driver_ok(NET);
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (u8)mmio_read32(NET + CONFIG + i); /* 32-bit reads of a byte each: the low byte */
	return true;
}

static u16 used_idx(unsigned q)
{
	dmb();
	return (u16)(qs[q].used[0] >> 16);
}

static u32 used_len(unsigned q, u16 i)
{
	return qs[q].used[1 + 2 * (i % QN) + 1];
}

/* Offer head on queue q and notify. */
static void offer(unsigned q, u16 head)
{
	u16 idx = qs[q].avail[1];
	qs[q].avail[2 + idx % QN] = head;
	dmb();
	qs[q].avail[1] = (u16)(idx + 1);
	dmb();
	wr(QUEUE_NOTIFY, q);
}

/* Send the chain at head on the transmitq: did it complete (with used length 0)? */
static bool tx_chain(u16 head)
{
	u16 want = (u16)(used_idx(TXQ) + 1);
	offer(TXQ, head);
	for (unsigned spins = 0; spins < 1000000; spins++)
		if (used_idx(TXQ) == want) {
			wr(INT_ACK, 3);
			return used_len(TXQ, (u16)(want - 1)) == 0;
		}
	return false;
}

static void set(unsigned q, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	qs[q].descs[i] = (struct desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* A frame from src to the broadcast address, header first, len bytes of frame. */
static u64 make_frame(const u8 *src, u32 len)
{
	for (unsigned i = 0; i < HDR + len; i++)
		frame[i] = 0;
	for (unsigned i = 0; i < 6; i++) {
		frame[HDR + i] = 0xff;
		frame[HDR + 6 + i] = src[i];
	}
	frame[HDR + 12] = 0x88; /* a local experimental EtherType: nobody's protocol */
	frame[HDR + 13] = 0xb5;
	return (u64)(uintptr_t)frame;
}

static bool one(u64 addr, u32 len, u16 flags)
{
	set(TXQ, 0, addr, len, flags, 0);
	return tx_chain(0);
}

int main(void)
{
	u64 f;

	gic_dist_init();
	gic_cpu_init();
	gic_set_priority(VTIMER_PPI, 0xA0);
	gic_enable(VTIMER_PPI, true);
	set_irq_handler(timer_irq);
	irqs_on();
	check(dtb_memory(&ram_base, &ram_size), "RAM from the DT");
	check(rd(DEVICE_ID) == 1, "slot 31 is virtio-net (device ID 1)");
	check(init(), "features negotiated");
	check(!(mac[0] & 1) && (mac[0] & 2), "its MAC %02x:%02x:%02x:%02x:%02x:%02x is local unicast", mac[0],
	      mac[1], mac[2], mac[3], mac[4], mac[5]);

	/* Receive buffers: outside RAM, device-readable, then good ones in its RAM's last (untouched) block. */
	u64 lazy = ram_base + ram_size - 0x1000;
	set(RXQ, 0, ram_base + ram_size - 8, 2048, D_WRITE, 0);
	set(RXQ, 1, (u64)(uintptr_t)rxbuf, sizeof(rxbuf), 0, 0);
	set(RXQ, 2, lazy, 2048, D_WRITE, 0);
	set(RXQ, 3, (u64)(uintptr_t)rxbuf, sizeof(rxbuf), D_WRITE, 0);
	for (u16 i = 0; i < 4; i++)
		offer(RXQ, i);

	f = make_frame(mac, 60);
	check(one(f, HDR + 60, 0), "a good frame is sent");
	check(one(f, HDR + 60, D_WRITE), "a writable transmit buffer: completed");
	check(one(ram_base + ram_size - 10, 100, 0), "a buffer past RAM's end: completed");
	check(one(~0ULL - 4, 100, 0), "a wrapping address: completed");
	check(one(f, 0xFFFFFFFFu, 0), "a 4 GiB buffer: completed");
	check(one(0, 100, 0), "a buffer at IPA 0 (devices): completed");
	check(one(f, HDR + 3000, 0), "a frame too long: completed");
	check(one(f, 5, 0), "a chain shorter than its header: completed");
	check(one(f, 16 * 4, D_INDIRECT), "INDIRECT not negotiated: completed");
	set(TXQ, 0, f, HDR, D_NEXT, 1);
	set(TXQ, 1, f + HDR, 60, D_NEXT, 0);
	check(tx_chain(0), "a descriptor loop: completed");
	set(TXQ, 0, f, HDR, D_NEXT, 200);
	check(tx_chain(0), "a next index outside the table: completed");
	check(!(rd(STATUS) & S_NEEDS_RESET), "the queues still work (no NEEDS_RESET)");

	/* Someone else's source address (another VM's, made up) and a multicast one: the switch refuses them. */
	static const u8 other[6] = { 0x02, 0x68, 0x11, 0x22, 0x33, 0x44 }, group[6] = { 0x03, 0, 0, 0, 0, 1 };
	bool all = true;
	for (unsigned i = 0; i < 200; i++)
		all &= one(make_frame(i & 1 ? other : group, 60), HDR + 60, 0);
	check(all, "200 frames with a source MAC not its own: completed");

	/* The flood. */
	all = true;
	f = make_frame(mac, 200);
	for (unsigned i = 0; i < 2000; i++)
		all &= one(f, HDR + 200, 0);
	check(all, "2000 broadcasts sent");

	/* The Linux VMs' broadcasts (ARP, IPv6 neighbour discovery) reach it: wait for four of them. */
	u64 t0 = read_sysreg(cntvct_el0);
	while (used_idx(RXQ) < 4 && read_sysreg(cntvct_el0) - t0 < timer_ms(240000)) {
		/* Asleep in WFI between looks: the Linux VM that shares this CPU boots meanwhile. */
		u32 before = timer_fired_count;
		write_sysreg(cntv_tval_el0, timer_ms(50));
		write_sysreg(cntv_ctl_el0, CTL_ENABLE);
		isb();
		timer_wait_fired(before + 1, 1000, true);
	}
	check(used_idx(RXQ) >= 4, "frames arrived (%u of 4)", used_idx(RXQ));
	check(used_len(RXQ, 0) == 0, "into a buffer outside RAM: completed with length 0 (%u)",
	      used_len(RXQ, 0));
	check(used_len(RXQ, 1) == 0, "into a readable buffer: completed with length 0 (%u)",
	      used_len(RXQ, 1));
	const volatile u8 *l = (const volatile u8 *)(uintptr_t)lazy;
	check(used_len(RXQ, 2) > HDR + 14 && l[10] == 1 && (l[HDR] & 1),
	      "into its untouched RAM block: header (num_buffers 1) and a group-addressed frame (%u bytes)",
	      used_len(RXQ, 2));
	check(used_len(RXQ, 3) > HDR + 14, "into a good buffer (%u bytes)", used_len(RXQ, 3));

	/* A ring that lies: the available index jumps by more than the queue size. */
	qs[TXQ].avail[1] = (u16)(qs[TXQ].avail[1] + 100);
	dmb();
	wr(QUEUE_NOTIFY, TXQ);
	check(rd(STATUS) & S_NEEDS_RESET, "an available index jump: NEEDS_RESET");
	check(init() && !(rd(STATUS) & S_NEEDS_RESET), "a reset clears it");
	check(one(make_frame(mac, 60), HDR + 60, 0), "and frames go again");
	test_finish();
}
