/*
 * case=virtio: random virtqueues thrown at the VM's virtio-rng (slot 31;
 * the VM's devices list has "virtio-rng"), from two vCPUs. vCPU 0, round
 * after round: reset, random features, a queue of random size with rings
 * that are usually ours (sometimes outside RAM or misaligned), random
 * descriptors (addresses in a scratch half of RAM, at RAM's end, outside
 * RAM, wrapping; any length and flags; random next; indirect tables of
 * random descriptors), random heads and available-index steps, notify,
 * and random register writes. vCPU 1 meanwhile rewrites the same rings
 * and notifies too, so hyparm's walker races with a guest changing what it
 * reads. hyparm must stay up, the honest VM on the same CPU keep its rate,
 * and after it all the device must still serve a well-formed request.
 */
#include "hostile.h"

#define RNG (GUEST_VIRTIO_IPA + 31 * GUEST_VIRTIO_SLOT)
#define QN 8
#define STATUS 0x070

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

static volatile struct desc descs[16] __attribute__((aligned(16)));
static volatile struct desc table[16] __attribute__((aligned(16)));
static volatile u16 avail[2 + QN + 1] __attribute__((aligned(4)));
static volatile u32 used[1 + 2 * QN + 1] __attribute__((aligned(4)));
static u64 ram_base, ram_size;
static volatile u64 notifies[2];
static volatile u32 qnum = QN; /* this round's queue size */

static void wr(u64 off, u32 v)
{
	mmio_write32(RNG + off, v);
}

static u32 rd(u64 off)
{
	return mmio_read32(RNG + off);
}

/* Where a random buffer goes: never our own image or stack (the scratch half of RAM), or nowhere. */
static u64 rnd_addr(void)
{
	u64 scratch = ram_base + ram_size / 2;

	switch (rnd() % 6) {
	case 0:
	case 1:
		return scratch + rnd() % (ram_size / 2);
	case 2:
		return ram_base + ram_size - rnd() % 64; /* at and just past RAM's end */
	case 3:
		return GUEST_GICD_IPA + (rnd() & 0xFFFF);
	case 4:
		return ~0ULL - (rnd() & 0xFF); /* wraps */
	default:
		return rnd() | (1ULL << 63); /* far outside */
	}
}

static u32 rnd_len(void)
{
	switch (rnd() % 4) {
	case 0:
		return 0xFFFFFFFFu - (u32)(rnd() & 0xFF);
	case 1:
		return (u32)rnd();
	default:
		return (u32)(rnd() % 80);
	}
}

static void rnd_desc(volatile struct desc *d, bool table_ok)
{
	u16 flags = (u16)(rnd() & 7);

	if (table_ok && flags & 4) {
		d->addr = rnd() % 4 ? (u64)(uintptr_t)table : rnd_addr();
		d->len = rnd() % 4 ? 16 * (u32)(1 + rnd() % 16) : rnd_len();
	} else {
		d->addr = rnd_addr();
		d->len = rnd_len();
	}
	d->flags = flags;
	d->next = (u16)(rnd() % 8 ? rnd() % qnum : rnd());
}

static void scribble(void)
{
	for (unsigned i = 0; i < 16; i++) {
		rnd_desc(&descs[i], true);
		rnd_desc(&table[i], true);
	}
	for (unsigned i = 0; i < QN; i++)
		avail[2 + i] = (u16)(rnd() % 16 ? rnd() % qnum : rnd());
	avail[0] = (u16)(rnd() & 1);
	avail[2 + QN] = (u16)rnd();
}

static void setup_queue(void)
{
	u64 d = (u64)(uintptr_t)descs, a = (u64)(uintptr_t)avail, u = (u64)(uintptr_t)used;

	wr(STATUS, 0);
	avail[1] = 0; /* the device starts at index 0 again */
	used[0] = 0;
	qnum = rnd() % 16 ? 1u << (rnd() % 4) : (u32)rnd();
	wr(STATUS, 3);
	wr(0x024, 0);
	wr(0x020, (u32)rnd() & ((1u << 28) | (1u << 29)));
	wr(0x024, 1);
	wr(0x020, rnd() % 8 ? 1 : (u32)rnd());
	wr(STATUS, 0xB);
	/* Mostly our rings; sometimes one elsewhere or misaligned. */
	switch (rnd() % 32) {
	case 0:
		d = rnd_addr();
		break;
	case 1:
		u = (u64)(uintptr_t)used + 2;
		break;
	case 2:
		a = ram_base + ram_size - 8;
		break;
	}
	wr(0x030, 0);
	wr(0x038, qnum);
	if (qnum > QN || !qnum)
		qnum = QN;
	wr(0x080, (u32)d);
	wr(0x084, (u32)(d >> 32));
	wr(0x090, (u32)a);
	wr(0x094, (u32)(a >> 32));
	wr(0x0a0, (u32)u);
	wr(0x0a4, (u32)(u >> 32));
	wr(0x044, 1);
	wr(STATUS, 0xF);
}

/* vCPU 1: rewrite the rings and notify, until vCPU 0 is done. */
void sec_virtio_scribble(void)
{
	sec_ready = 1;
	while (!time_up()) {
		scribble();
		avail[1] = (u16)(avail[1] + (rnd() % 64 ? 1 : rnd()));
		wr(0x050, (u32)(rnd() % 4 ? 0 : rnd()));
		notifies[1]++;
	}
	hvc_call(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)
		;
}

void attack_virtio(void)
{
	u64 rounds = 0, needs_reset = 0, completed = 0;
	u8 buf[64] __attribute__((aligned(16)));

	dtb_memory(&ram_base, &ram_size);
	check(rd(0x008) == 4, "slot 31 is virtio-rng");
	psci_cpu_on(1, secondary_stack_top(1));
	do {
		setup_queue();
		for (int i = 0; i < 16; i++) {
			scribble();
			u16 step = (u16)(rnd() % 64 ? 1 : rnd());
			avail[1] = (u16)(avail[1] + step);
			wr(0x050, 0);
			notifies[0]++;
			wr(0x064, rd(0x060));
			if (rnd() % 8 == 0)
				wr(rnd() % 0x200 & ~3ULL, (u32)rnd()); /* any register, any value */
		}
		needs_reset += (rd(STATUS) & 0x40) != 0;
		completed += (u16)(used[0] >> 16);
		rounds++;
	} while (!time_up());
	/* vCPU 1 stops at the same deadline; give it a moment to leave the rings alone. */
	for (u64 end = now_ticks() + ms_ticks(20); now_ticks() < end;)
		cpu_relax();

	/* Still a working device: one well-formed request. */
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
	wr(STATUS, 0);
	for (unsigned i = 0; i < sizeof(avail) / 2; i++)
		avail[i] = 0;
	for (unsigned i = 0; i < sizeof(used) / 4; i++)
		used[i] = 0;
	wr(STATUS, 3);
	wr(0x024, 1);
	wr(0x020, 1);
	wr(STATUS, 0xB);
	wr(0x030, 0);
	wr(0x038, QN);
	wr(0x080, (u32)(uintptr_t)descs);
	wr(0x084, 0);
	wr(0x090, (u32)(uintptr_t)avail);
	wr(0x094, 0);
	wr(0x0a0, (u32)(uintptr_t)used);
	wr(0x0a4, 0);
	wr(0x044, 1);
	wr(STATUS, 0xF);
	descs[0].addr = (u64)(uintptr_t)buf;
	descs[0].len = sizeof(buf);
	descs[0].flags = 2;
	descs[0].next = 0;
	avail[2] = 0;
	__asm__ volatile("dmb sy" ::: "memory");
	avail[1] = 1;
	__asm__ volatile("dmb sy" ::: "memory");
	wr(0x050, 0);
	bool nonzero = false;
	for (unsigned i = 0; i < sizeof(buf); i++)
		nonzero |= buf[i] != 0;
	gprintf("virtio: %llu rounds, %llu + %llu notifications, %llu chains completed, %llu rounds ended in "
		"NEEDS_RESET\n",
		(unsigned long long)rounds, (unsigned long long)notifies[0], (unsigned long long)notifies[1],
		(unsigned long long)completed, (unsigned long long)needs_reset);
	check((used[0] >> 16) == 1 && used[2] == sizeof(buf) && nonzero,
	      "after the storm, a well-formed request gets 64 random bytes");
	check(notifies[1] > 0, "vCPU 1 raced with notifications of its own");
}
