/*
 * MMIO accesses that run past the end of an emulated device are refused
 * with an external abort, the same for every device; the ones that end
 * inside it are emulated. With the MMU off every access is to Device
 * memory and must be aligned, so no access could cross a page: the guest
 * maps the UART and the GIC distributor as Normal (non-cacheable) memory,
 * where an unaligned access is allowed, and reaches the last bytes of
 * each device with one that runs over its end.
 */
#include "guest.h"

#define GICD_BASE GUEST_GICD_IPA
#define GICD_SIZE GUEST_GICD_SIZE
#define UART_SIZE GUEST_UART_SIZE

static volatile int aborts;
static volatile u64 abort_esr, abort_far;

static bool on_abort(struct frame *f, const struct exception *e)
{
	aborts++;
	abort_esr = e->esr;
	abort_far = e->far;
	f->elr = e->elr + 4;
	return true;
}

/* Identity map of the low 2 GiB with 4 KiB pages: level 1 (1 GiB) and level 2 (2 MiB) blocks. */
static u64 l1[512] __attribute__((aligned(4096)));
static u64 l2[512] __attribute__((aligned(4096)));

#define ATTR_DEVICE 0 /* MAIR attr0: Device-nGnRnE */
#define ATTR_NORMAL 1 /* MAIR attr1: Normal, inner and outer non-cacheable */
#define BLOCK(pa, attr) ((pa) | (1ULL << 10) /* AF */ | ((u64)(attr) << 2) | 1)

static void mmu_on(void)
{
	for (u64 i = 0; i < 512; i++) {
		u64 pa = i << 21;
		bool normal = pa == (UART_BASE & ~0x1FFFFFUL) || pa == (GICD_BASE & ~0x1FFFFFUL);
		l2[i] = BLOCK(pa, normal ? ATTR_NORMAL : ATTR_DEVICE);
	}
	l1[0] = (u64)l2 | 3; /* table */
	l1[1] = BLOCK(RAM_BASE, ATTR_NORMAL); /* RAM: 1-2 GiB */
	__asm__ volatile("dsb sy" ::: "memory");
	write_sysreg(mair_el1, 0x4400);
	/* T0SZ = 32 (4 GiB, walk starts at level 1), TG0 = 4 KiB, non-cacheable walks, EPD1, IPS 32 bits. */
	write_sysreg(tcr_el1, 32 | (1ULL << 23));
	write_sysreg(ttbr0_el1, (u64)l1);
	isb();
	__asm__ volatile("tlbi vmalle1\n dsb nsh" ::: "memory");
	write_sysreg(sctlr_el1, (read_sysreg(sctlr_el1) | 1) & ~(1ULL << 1)); /* M on, alignment check off */
	isb();
}

static u64 load32(u64 addr)
{
	u64 v = 0x5A5A5A5A;
	__asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	return v;
}

static u64 load64(u64 addr)
{
	u64 v = 0x5A5A5A5A5A5A5A5AULL;
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	return v;
}

static void store64(u64 addr, u64 v)
{
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

static bool external_abort_at(u64 addr, int before)
{
	return aborts == before + 1 && ((abort_esr >> 26) & 0x3F) == 0x25 && (abort_esr & 0x3F) == 0x10 &&
		abort_far == addr;
}

int main(void)
{
	u64 v;
	int n;

	set_exception_handler(on_abort);
	mmu_on();
	check(read_sysreg(sctlr_el1) & 1, "MMU on, the UART page mapped Normal");

	/* Inside: emulated (CellID3 of a PL011 is 0xB1; the last GICD word is reserved, RAZ). */
	n = aborts;
	v = load32(UART_BASE + UART_SIZE - 4);
	check(aborts == n && v == 0xB1, "4-byte read of the UART's last word: 0x%llx, no abort",
	      (unsigned long long)v);
	v = load32(GICD_BASE + GICD_SIZE - 4);
	check(aborts == n && v == 0, "4-byte read of the distributor's last word: 0x%llx, no abort",
	      (unsigned long long)v);

	/* Past the end: refused, whatever the device would have answered. */
	n = aborts;
	load32(UART_BASE + UART_SIZE - 2);
	check(external_abort_at(UART_BASE + UART_SIZE - 2, n),
	      "4-byte read 2 bytes before the UART's end: external abort (aborts %d, ESR 0x%llx, FAR 0x%llx)",
	      aborts - n, (unsigned long long)abort_esr, (unsigned long long)abort_far);
	n = aborts;
	load64(UART_BASE + UART_SIZE - 4);
	check(external_abort_at(UART_BASE + UART_SIZE - 4, n),
	      "8-byte read of the UART's last 4 bytes and beyond: external abort (ESR 0x%llx)",
	      (unsigned long long)abort_esr);
	n = aborts;
	v = load64(GICD_BASE + GICD_SIZE - 4);
	check(external_abort_at(GICD_BASE + GICD_SIZE - 4, n),
	      "8-byte read of the distributor's last 4 bytes and beyond: external abort (value 0x%llx, ESR "
	      "0x%llx)",
	      (unsigned long long)v, (unsigned long long)abort_esr);
	n = aborts;
	store64(GICD_BASE + GICD_SIZE - 4, 0);
	check(external_abort_at(GICD_BASE + GICD_SIZE - 4, n),
	      "8-byte write across the distributor's end: external abort (ESR 0x%llx)",
	      (unsigned long long)abort_esr);
	gprintf("still running after the aborts\n");
	return 0;
}
