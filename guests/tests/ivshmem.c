/*
 * Two VMs sharing memory through hyparm's ivshmem function (vdev/ivshmem.c),
 * each running this guest. Each enumerates bus 0 through ECAM, finds the
 * function (0x1af4:0x1110), sizes and assigns its BARs (BAR0 the
 * registers, BAR2 the 64-bit prefetchable region), turns memory decode on
 * and takes its INTx (INTA of its slot, swizzled to GUEST_PCI_INTX_INTID
 * + slot % 4) as a level SPI. Then, peer numbers from IVPosition:
 *   A  each writes a pattern into its half of the region and rings the
 *      other; each sees the other's pattern and the interrupt;
 *   B  peer 1 sets INTx disable and peer 0 rings it: no interrupt, but
 *      PCI_STATUS's interrupt bit is set; cleared, the interrupt arrives;
 *   C  peer 0 rings 1, 1 answers, ROUNDS times: the doorbell round trip
 *      (interrupt to interrupt), printed as "ivshmem round trip N ns";
 *   D  hostile writes: IVPosition (read-only), doorbells to peers that do
 *      not exist, byte accesses to the registers: all ignored; a storm of
 *      STORM doorbells at the other and BAR2 moved 64 times; the other VM
 *      goes on (both meet once more at the end).
 * Bootargs: none needed.
 */
#include "gic.h"
#include "guest.h"
#include <hyparm/pci.h>

#define IVSHMEM_VENDOR 0x1af4
#define IVSHMEM_DEVICE 0x1110
#define REG_INTR_MASK 0x0
#define REG_INTR_STATUS 0x4
#define REG_IV_POSITION 0x8
#define REG_DOORBELL 0xc
/* Where this guest puts the BARs in the window: registers low, the region size-aligned above. */
#define BAR0_AT (GUEST_PCI_MMIO_IPA + 0x100000)
#define BAR2_AT 0x20000000ULL
#define ROUNDS 200
#define STORM 1000

/* Shared words at the region's start (64-bit, aligned: the region is Device memory with the MMU off). */
#define W_READY(p) (0x00 + 8 * (p)) /* peer p set up and wrote its pattern */
#define W_SEQ(p) (0x40 + 8 * (p)) /* p's ping-pong counter */
#define W_PHASE(p) (0x80 + 8 * (p)) /* p's progress through the phases */
#define DATA_OFF 0x1000

static u64 cfg, regs, shm, shm_size;
static unsigned intid;
static volatile unsigned irqs;
static volatile u32 last_status;
static bool check_quiet = true;

static u64 ecam(unsigned dev)
{
	return GUEST_PCI_ECAM_IPA + ((u64)dev << PCI_ECAM_DEV_SHIFT);
}

static u16 cfg16(unsigned off)
{
	return (u16)(mmio_read32(cfg + (off & ~3u)) >> (8 * (off & 3)));
}

static volatile u64 *word(u64 off)
{
	return (volatile u64 *)(shm + off);
}

static void irq(void)
{
	u32 i = gic_ack();

	if (i == intid) {
		/* Reading IntrStatus clears it: the line drops before the EOI. */
		last_status = mmio_read32(regs + REG_INTR_STATUS);
		irqs++;
	}
	gic_eoi(i);
}

static void ring(unsigned peer)
{
	__asm__ volatile("dsb sy" ::: "memory");
	mmio_write32(regs + REG_DOORBELL, peer << 16);
}

/* Wait (WFI, interrupts masked around the test) until irqs passes n or ms elapse: whether it did. */
static bool wait_irq(unsigned n, u64 ms)
{
	u64 end = now_ticks() + ms * ticks_per_sec() / 1000;

	irqs_off();
	while (irqs <= n && now_ticks() < end) {
		__asm__ volatile("wfi" ::: "memory");
		irqs_on();
		isb();
		irqs_off();
	}
	irqs_on();
	return irqs > n;
}

/* Wait until a shared word reaches at least want (the other peer may already be further on). */
static bool wait_word(u64 off, u64 want, u64 ms)
{
	u64 end = now_ticks() + ms * ticks_per_sec() / 1000;

	while (*word(off) < want && now_ticks() < end)
		cpu_relax();
	return *word(off) >= want;
}

static u64 pattern(unsigned peer, u64 i)
{
	return (i * 0x9E3779B97F4A7C15ULL) ^ ((u64)peer << 56) ^ 0x5A5A;
}

static bool find_function(void)
{
	for (unsigned d = 0; d < 32; d++) {
		u32 id = mmio_read32(ecam(d));
		if ((id & 0xFFFF) == IVSHMEM_VENDOR && id >> 16 == IVSHMEM_DEVICE) {
			cfg = ecam(d);
			intid = GUEST_PCI_INTX_INTID + d % GUEST_PCI_INTX_LINES; /* INTA's swizzle */
			return true;
		}
	}
	return false;
}

static void assign_bars(void)
{
	mmio_write32(cfg + PCI_BAR0, 0xFFFFFFFF);
	u32 sz0 = mmio_read32(cfg + PCI_BAR0);
	check(sz0 == (~(256u - 1) & PCI_BAR_MEM_MASK), "BAR0 is 256 bytes of 32-bit memory (reads 0x%x)",
	      sz0);
	u32 type2 = mmio_read32(cfg + PCI_BAR0 + 8) & 0xF;
	mmio_write32(cfg + PCI_BAR0 + 8, 0xFFFFFFFF);
	mmio_write32(cfg + PCI_BAR0 + 12, 0xFFFFFFFF);
	u64 mask = (u64)mmio_read32(cfg + PCI_BAR0 + 12) << 32 |
		(mmio_read32(cfg + PCI_BAR0 + 8) & PCI_BAR_MEM_MASK);
	shm_size = ~mask + 1;
	check(type2 == (PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH),
	      "BAR2 is 64-bit prefetchable (type 0x%x)", type2);
	check(shm_size >= 0x10000 && !(shm_size & (shm_size - 1)), "BAR2 is %llu KiB",
	      (unsigned long long)(shm_size >> 10));
	mmio_write32(cfg + PCI_BAR0, (u32)BAR0_AT);
	mmio_write32(cfg + PCI_BAR0 + 8, (u32)BAR2_AT);
	mmio_write32(cfg + PCI_BAR0 + 12, (u32)(BAR2_AT >> 32));
	regs = BAR0_AT;
	shm = BAR2_AT;
	mmio_write32(cfg + PCI_COMMAND, PCI_COMMAND_MEMORY);
}

static void set_intx_disable(bool off)
{
	mmio_write32(cfg + PCI_COMMAND, PCI_COMMAND_MEMORY | (off ? PCI_COMMAND_INTX_DISABLE : 0));
}

int main(void)
{
	check(find_function(), "an ivshmem function (1af4:1110) on bus 0");
	if (!cfg)
		test_finish();
	check(cfg16(PCI_INTERRUPT_PIN) == 1, "interrupt pin INTA");
	assign_bars();
	unsigned me = mmio_read32(regs + REG_IV_POSITION), other = 1 - me;
	check(me <= 1, "IVPosition %u (two peers)", me);

	gic_dist_init();
	gic_cpu_init();
	gic_set_edge(intid, false);
	gic_route(intid, 0);
	set_irq_handler(irq);
	gic_enable(intid, true);
	irqs_on();
	mmio_write32(regs + REG_INTR_MASK, 1);

	/* A: patterns both ways. */
	u64 half = shm_size / 2, n = (half - DATA_OFF) / 8;
	for (u64 i = 0; i < n; i++)
		*word(me * half + DATA_OFF + 8 * i) = pattern(me, i);
	*word(W_READY(me)) = 1;
	check(wait_word(W_READY(other), 1, 20000), "peer %u is ready", other);
	ring(other);
	check(wait_irq(0, 5000), "the doorbell from peer %u arrived as INTx (SPI %u)", other, intid - 32);
	check(last_status & 1, "IntrStatus bit 0 was set (0x%x)", last_status);
	u64 bad = 0;
	for (u64 i = 0; i < n; i++)
		bad += *word(other * half + DATA_OFF + 8 * i) != pattern(other, i);
	check(!bad, "peer %u's %llu KiB pattern is intact (%llu words differ)", other,
	      (unsigned long long)(n * 8 >> 10), (unsigned long long)bad);
	check((cfg16(PCI_STATUS) & PCI_STATUS_INTERRUPT) == 0,
	      "PCI_STATUS interrupt bit clear after IntrStatus read");

	/* B: INTx disable on peer 1. */
	*word(W_PHASE(me)) = 1;
	wait_word(W_PHASE(other), 1, 20000);
	unsigned before = irqs;
	if (me == 1) {
		set_intx_disable(true);
		*word(W_PHASE(me)) = 2;
		check(wait_word(W_PHASE(other), 2, 20000), "peer 0 rang while INTx was disabled");
		delay_ms(20);
		check(irqs == before, "no interrupt with INTx disabled");
		check(cfg16(PCI_STATUS) & PCI_STATUS_INTERRUPT,
		      "but PCI_STATUS says the function asserts INTx");
		set_intx_disable(false);
		check(wait_irq(before, 5000), "INTx enabled again: the interrupt arrives");
		check(!(cfg16(PCI_STATUS) & PCI_STATUS_INTERRUPT),
		      "and its status bit is clear once handled");
	} else {
		check(wait_word(W_PHASE(other), 2, 20000), "peer 1 disabled its INTx");
		ring(other);
		*word(W_PHASE(me)) = 2;
	}

	/* C: round trips, peer 0 measuring; interrupts counted from before the other can ring. */
	unsigned base = irqs;
	*word(W_PHASE(me)) = 3;
	wait_word(W_PHASE(other), 3, 20000);
	bool ok = true;
	static u64 trip[ROUNDS];
	u64 t0 = now_ticks();
	for (u64 r = 1; r <= ROUNDS && ok; r++) {
		u64 t = now_ticks();
		if (me == 0) {
			*word(W_SEQ(0)) = r;
			ring(other);
			ok = wait_irq(base + r - 1, 5000) && *word(W_SEQ(1)) == r;
		} else {
			ok = wait_irq(base + r - 1, 5000) && *word(W_SEQ(0)) == r;
			*word(W_SEQ(1)) = r;
			ring(other);
		}
		trip[r - 1] = now_ticks() - t;
	}
	u64 ticks = now_ticks() - t0;
	check(ok, "%u doorbell round trips, each seen as an interrupt", ROUNDS);
	if (me == 0 && ok) {
		/* Mean, minimum and median: a loaded host (QEMU threads sharing cores) stretches the mean. */
		for (unsigned i = 1; i < ROUNDS; i++)
			for (unsigned j = i; j && trip[j - 1] > trip[j]; j--) {
				u64 x = trip[j];
				trip[j] = trip[j - 1];
				trip[j - 1] = x;
			}
		u64 f = ticks_per_sec();
		gprintf("ivshmem round trip %llu ns (min %llu ns, median %llu ns)\n",
			(unsigned long long)(ticks * 1000000000ULL / f / ROUNDS),
			(unsigned long long)(trip[0] * 1000000000ULL / f),
			(unsigned long long)(trip[ROUNDS / 2] * 1000000000ULL / f));
	}

	/* D: hostile writes, then meet again. */
	mmio_write32(regs + REG_IV_POSITION, 5);
	check(mmio_read32(regs + REG_IV_POSITION) == me, "IVPosition is read-only");
	unsigned seen = irqs;
	mmio_write32(regs + REG_DOORBELL, 7u << 16);
	mmio_write32(regs + REG_DOORBELL, 0xFFFFu << 16 | 3);
	mmio_write8(regs + REG_INTR_MASK, 0);
	check(mmio_read32(regs + REG_INTR_MASK) == 1, "a byte write to IntrMask is ignored");
	delay_ms(10);
	check(irqs == seen, "doorbells to peers 7 and 0xffff reached nobody here");
	/* A storm (once both are past the quiet checks): doorbells to the other as fast as they go, BAR2 moved about. */
	*word(W_PHASE(me)) = 4;
	wait_word(W_PHASE(other), 4, 20000);
	for (unsigned i = 0; i < STORM; i++)
		ring(other);
	for (unsigned i = 0; i < 64; i++) {
		u64 at = BAR2_AT + (i % 4) * shm_size;
		mmio_write32(cfg + PCI_BAR0 + 8, (u32)at);
		check_quiet &= ((volatile u64 *)at)[W_READY(me) / 8] == 1;
	}
	mmio_write32(cfg + PCI_BAR0 + 8, (u32)BAR2_AT);
	check(check_quiet, "BAR2 moved 64 times: the region follows it");
	*word(W_PHASE(me)) = 5;
	check(wait_word(W_PHASE(other), 5, 20000), "peer %u is still running", other);
	test_finish();
}
