/*
 * virtio-mmio as a guest sees it (vdev/virtio_slots.c, virtio_mmio.c,
 * virtio_rng.c, core/virtqueue.c):
 *   - all 32 slots answer like QEMU's (magic, version 2, vendor "QEMU");
 *     empty ones have DeviceID 0 and ignore writes; the DT lists them;
 *   - with rng=1 (the VM has "virtio-rng"): slot 31 is a virtio-rng, driven
 *     through a well-formed queue, gives random bytes and interrupts on
 *     INTID 79; then, with hostile=1, malformed rings and chains: loops,
 *     buffers outside RAM (one ending on RAM's last byte is fine), huge
 *     lengths, indirect tables unnegotiated / nested / of bad length, a
 *     readable buffer, an available index that jumps, a head outside the
 *     queue, rings outside RAM. A malformed chain is completed with length 0
 *     (never written where it may not be); a malformed ring sets
 *     DEVICE_NEEDS_RESET with a configuration interrupt; after a reset the
 *     device works again.
 */
#include "gic.h"
#include "guest.h"

#include <hyparm/print.h>
#include <string.h>

#define SLOT(n) (GUEST_VIRTIO_IPA + (n)*GUEST_VIRTIO_SLOT)
#define RNG_SLOT 31
#define RNG SLOT(RNG_SLOT)
#define RNG_INTID (GUEST_VIRTIO_INTID + RNG_SLOT)
#define QN 8

#include "virtio_drv.h" /* the registers (virtio 1.2 4.2.2) and the handshake */

#define F_INDIRECT (1u << 28)
#define F_EVENT_IDX (1u << 29)
#define F_VERSION_1_HI VIRTIO_F_VERSION_1_HI


struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

static struct desc descs[QN] __attribute__((aligned(16)));
static struct desc table[4] __attribute__((aligned(16)));
static volatile u16 avail[2 + QN + 1] __attribute__((aligned(4)));
static volatile u32 used[1 + 2 * QN + 1] __attribute__((aligned(4))); /* flags|idx, elems, avail_event */
static u8 buf[2][64] __attribute__((aligned(16)));
static u64 ram_base, ram_size;

#define dmb() __asm__ volatile("dmb sy" ::: "memory")

static u32 rd(u64 slot, u64 off)
{
	return mmio_read32(slot + off);
}

static void wr(u64 slot, u64 off, u32 v)
{
	mmio_write32(slot + off, v);
}

static u16 used_idx(void)
{
	return (u16)(used[0] >> 16);
}

static u32 used_len(unsigned i)
{
	return used[1 + 2 * (i % QN) + 1];
}

static u32 used_id(unsigned i)
{
	return used[1 + 2 * (i % QN)];
}

static void zero(void *p, u64 n)
{
	volatile u8 *b = p;
	for (u64 i = 0; i < n; i++)
		b[i] = 0;
}

/* Reset and set the device up with the given features; false if FEATURES_OK did not stick. */
static bool dev_init(u32 features_lo, u64 desc_ipa, u64 avail_ipa, u64 used_ipa)
{
	wr(RNG, STATUS, 0);
	zero(descs, sizeof(descs));
	zero((void *)avail, sizeof(avail));
	zero((void *)used, sizeof(used));
	dmb();
	if (!virtio_negotiate(RNG, features_lo, F_VERSION_1_HI))
		return false;
	virtio_queue_setup(RNG, 0, QN, desc_ipa, avail_ipa, used_ipa);
	virtio_driver_ok(RNG);
	return true;
}

static bool dev_init_std(u32 features_lo)
{
	return dev_init(features_lo, (u64)(uintptr_t)descs, (u64)(uintptr_t)avail, (u64)(uintptr_t)used);
}

static void set_desc(struct desc *d, u64 addr, u32 len, u16 flags, u16 next)
{
	volatile struct desc *v = d;
	v->addr = addr;
	v->len = len;
	v->flags = flags;
	v->next = next;
}

/* Offer head, notify, and return the used index after the device's (synchronous) answer. */
static u16 offer(u16 head)
{
	u16 idx = avail[1];
	avail[2 + idx % QN] = head;
	dmb(); /* the entry before the index */
	avail[1] = (u16)(idx + 1);
	dmb(); /* the index before the notification */
	wr(RNG, QUEUE_NOTIFY, 0);
	dmb();
	return used_idx();
}

static bool all_zero(const u8 *b, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void probe_slots(bool rng)
{
	unsigned magic = 0, version = 0, vendor = 0, empty = 0, nodes = 0;
	char node[32];

	for (unsigned n = 0; n < GUEST_VIRTIO_SLOTS; n++) {
		u64 s = SLOT(n);
		magic += rd(s, MAGIC) == 0x74726976;
		version += rd(s, VERSION) == 2;
		vendor += rd(s, VENDOR_ID) == 0x554D4551;
		if (rd(s, DEVICE_ID) == 0)
			empty++;
		/* The DT names each slot as QEMU does. */
		hv_snprintf(node, sizeof(node), "virtio_mmio@%llx", (unsigned long long)s);
		u32 len = 0;
		const char *compat = dtb_prop(node, "compatible", &len);
		if (compat && len == sizeof("virtio,mmio") && !strcmp(compat, "virtio,mmio"))
			nodes++;
	}
	check(magic == 32 && version == 32 && vendor == 32, "32 slots answer magic, version 2, vendor QEMU");
	check(empty == (rng ? 31u : 32u), "%u empty slots (DeviceID 0)", empty);
	check(nodes == 32, "32 virtio,mmio DT nodes (%u)", nodes);
	/* An empty slot ignores writes. */
	wr(SLOT(0), STATUS, S_ACK | S_DRIVER);
	wr(SLOT(0), QUEUE_NUM, 8);
	check(rd(SLOT(0), STATUS) == 0 && rd(SLOT(0), QUEUE_NUM_MAX) == 0 && rd(SLOT(0), DEV_FEATURES) == 0,
	      "empty slot: writes ignored, registers zero");
}

static void rng_well_formed(void)
{
	u32 gen;

	check(rd(RNG, DEVICE_ID) == 4, "slot 31 is virtio-rng (device ID 4)");
	wr(RNG, DEV_FEATURES_SEL, 1);
	check(rd(RNG, DEV_FEATURES) & F_VERSION_1_HI, "VERSION_1 offered");
	wr(RNG, DEV_FEATURES_SEL, 0);
	check((rd(RNG, DEV_FEATURES) & (F_EVENT_IDX | F_INDIRECT)) == (F_EVENT_IDX | F_INDIRECT),
	      "EVENT_IDX and INDIRECT_DESC offered");
	/* Without VERSION_1 FEATURES_OK does not stick. */
	wr(RNG, STATUS, 0);
	wr(RNG, STATUS, S_ACK | S_DRIVER);
	wr(RNG, DRV_FEATURES_SEL, 1);
	wr(RNG, DRV_FEATURES, 0);
	wr(RNG, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	check(!(rd(RNG, STATUS) & S_FEATURES_OK), "FEATURES_OK refused without VERSION_1");
	gen = rd(RNG, CONFIG_GEN);
	check(gen == rd(RNG, CONFIG_GEN), "config generation stable");

	check(dev_init_std(0), "features negotiated");
	check(rd(RNG, QUEUE_NUM_MAX) >= QN && rd(RNG, QUEUE_READY) == 1, "queue 0 ready");
	gic_dist_init();
	gic_cpu_init();
	gic_route(RNG_INTID, 0);
	gic_set_edge(RNG_INTID, false); /* level, as the DT says */
	set_desc(&descs[0], (u64)(uintptr_t)buf[0], 64, D_WRITE, 0);
	check(offer(0) == 1 && used_id(0) == 0 && used_len(0) == 64, "request 1 completed, 64 bytes");
	check(!all_zero(buf[0], 64), "random bytes");
	check(rd(RNG, INT_STATUS) & 1, "used-buffer interrupt status");
	check(gic_is_pending(RNG_INTID), "INTID %u pending at the GIC", RNG_INTID);
	wr(RNG, INT_ACK, 1);
	check(rd(RNG, INT_STATUS) == 0 && !gic_is_pending(RNG_INTID), "acknowledged: line low");
	set_desc(&descs[1], (u64)(uintptr_t)buf[1], 64, D_WRITE, 0);
	check(offer(1) == 2 && used_len(1) == 64, "request 2 completed");
	bool same = true;
	for (int i = 0; i < 64; i++)
		same &= buf[0][i] == buf[1][i];
	check(!same, "two requests, different bytes");
	gprintf("RNG ");
	for (int i = 0; i < 16; i++)
		gprintf("%02x", buf[1][i]);
	gprintf("\n");
}

/* A malformed chain: completed, length 0, the queue goes on. */
static void expect_refused_chain(const char *what)
{
	u16 before = used_idx();
	u16 after = offer(0);
	check(after == (u16)(before + 1) && used_len(before) == 0 && used_id(before) == 0 &&
		      !(rd(RNG, STATUS) & S_NEEDS_RESET),
	      "%s: completed with length 0", what);
}

static void expect_needs_reset(const char *what)
{
	u32 st = rd(RNG, STATUS);
	check((st & S_NEEDS_RESET) && (rd(RNG, INT_STATUS) & 2), "%s: DEVICE_NEEDS_RESET, config interrupt",
	      what);
}

static void rng_hostile(void)
{
	u64 ram_end = ram_base + ram_size;

	dev_init_std(0);
	/* A loop. */
	set_desc(&descs[0], (u64)(uintptr_t)buf[0], 8, D_WRITE | D_NEXT, 1);
	set_desc(&descs[1], (u64)(uintptr_t)buf[0], 8, D_WRITE | D_NEXT, 0);
	expect_refused_chain("descriptor loop");
	/* next outside the queue. */
	set_desc(&descs[0], (u64)(uintptr_t)buf[0], 8, D_WRITE | D_NEXT, 200);
	expect_refused_chain("next index 200");
	/* Outside RAM: below, hyparm's GIC, past the end, wrapping. */
	set_desc(&descs[0], GUEST_GICD_IPA, 64, D_WRITE, 0);
	expect_refused_chain("buffer at the GIC");
	set_desc(&descs[0], ram_end - 32, 33, D_WRITE, 0);
	expect_refused_chain("buffer one byte past RAM");
	set_desc(&descs[0], 0xFFFFFFFFFFFFFFF0ULL, 0x20, D_WRITE, 0);
	expect_refused_chain("wrapping buffer");
	set_desc(&descs[0], ram_base, 0xFFFFFFFFu, D_WRITE, 0);
	expect_refused_chain("4 GiB buffer");
	/* Ending on RAM's last byte: valid (the page is the guest's). */
	set_desc(&descs[0], ram_end - 32, 32, D_WRITE, 0);
	u16 before = used_idx();
	check(offer(0) == (u16)(before + 1) && used_len(before) == 32,
	      "buffer ending on RAM's last byte filled");
	/* A device-readable buffer: never written. */
	zero(buf[0], 64);
	set_desc(&descs[0], (u64)(uintptr_t)buf[0], 64, 0, 0);
	expect_refused_chain("readable buffer");
	check(all_zero(buf[0], 64), "readable buffer not written");
	/* Indirect without negotiating it. */
	set_desc(&table[0], (u64)(uintptr_t)buf[0], 16, D_WRITE, 0);
	set_desc(&descs[0], (u64)(uintptr_t)table, 16, D_INDIRECT, 0);
	expect_refused_chain("indirect, not negotiated");

	check(dev_init_std(F_INDIRECT), "INDIRECT_DESC negotiated");
	set_desc(&table[0], (u64)(uintptr_t)buf[0], 16, D_WRITE | D_NEXT, 1);
	set_desc(&table[1], (u64)(uintptr_t)buf[1], 16, D_WRITE, 0);
	set_desc(&descs[0], (u64)(uintptr_t)table, 32, D_INDIRECT, 0);
	before = used_idx();
	check(offer(0) == (u16)(before + 1) && used_len(before) == 32,
	      "indirect table of two buffers filled");
	set_desc(&descs[0], (u64)(uintptr_t)table, 24, D_INDIRECT, 0);
	expect_refused_chain("indirect length 24");
	set_desc(&table[0], (u64)(uintptr_t)&table[2], 16, D_INDIRECT, 0);
	set_desc(&descs[0], (u64)(uintptr_t)table, 32, D_INDIRECT, 0);
	expect_refused_chain("nested indirect");
	set_desc(&table[0], (u64)(uintptr_t)buf[0], 16, D_WRITE | D_NEXT, 0);
	expect_refused_chain("loop in an indirect table");

	/* Ring-level: the available index jumps. */
	dev_init_std(0);
	set_desc(&descs[0], (u64)(uintptr_t)buf[0], 8, D_WRITE, 0);
	avail[1] = QN + 5;
	dmb();
	wr(RNG, QUEUE_NOTIFY, 0);
	expect_needs_reset("avail index jump");
	check(used_idx() == 0, "nothing completed from a jumped ring");
	/* The driver cannot clear NEEDS_RESET, only reset. */
	wr(RNG, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	check(rd(RNG, STATUS) & S_NEEDS_RESET, "NEEDS_RESET sticks until reset");

	/* A head index outside the queue. */
	dev_init_std(0);
	offer(QN + 3);
	expect_needs_reset("head index outside the queue");

	/* Rings outside RAM: the queue is refused when made ready. */
	dev_init(0, GUEST_GICD_IPA, (u64)(uintptr_t)avail, (u64)(uintptr_t)used);
	check(rd(RNG, QUEUE_READY) == 0, "ring at the GIC: queue not ready");
	check(rd(RNG, STATUS) & S_NEEDS_RESET, "ring at the GIC: DEVICE_NEEDS_RESET");
	dev_init(0, ram_end - 64, (u64)(uintptr_t)avail, (u64)(uintptr_t)used);
	check(rd(RNG, QUEUE_READY) == 0, "descriptor table running past RAM: queue not ready");

	/* After a reset the device works again. */
	check(dev_init_std(F_EVENT_IDX), "reset, EVENT_IDX negotiated");
	set_desc(&descs[0], (u64)(uintptr_t)buf[0], 64, D_WRITE, 0);
	zero(buf[0], 64);
	check(offer(0) == 1 && used_len(0) == 64 && !all_zero(buf[0], 64), "well-formed request after reset");
	check(used[1 + 2 * QN] == 1, "avail_event published (%u)", used[1 + 2 * QN] & 0xFFFF);
}

int main(void)
{
	u64 rng = 0, hostile = 0;

	bootarg_u64("rng", &rng);
	bootarg_u64("hostile", &hostile);
	check(dtb_memory(&ram_base, &ram_size), "RAM from the DT");
	probe_slots(rng);
	if (rng)
		rng_well_formed();
	if (rng && hostile)
		rng_hostile();
	test_finish();
}
