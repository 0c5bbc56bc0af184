/*
 * The firmware convention and the CFI flash, from a firmware VM: run as
 * build/guests/flash-fw.bin (guests/firmware/stub.S in flash bank 0, which
 * copies this guest into RAM). Checks: hyparm entered the firmware at
 * IPA 0 with x0 = 0 and put the device tree at the start of RAM; bank 0
 * reads as the image, answers CFI query and ID reads, and refuses to be
 * programmed or erased (error status, content unchanged); bank 1 (the
 * variables) programs (bits only cleared), erases, takes buffered writes,
 * drops an unconfirmed buffer, and keeps what was written across a VM
 * reset. On a hyparm without the flash the firmware never runs.
 */
#include "gic.h"
#include "guest.h"

#define BANK0 GUEST_FLASH0_IPA
#define BANK1 GUEST_FLASH1_IPA
#define BLOCK 0x40000u
#define CMD(c) ((u32)(c) << 16 | (c)) /* the same command to both x16 chips */
#define SR_READY 0x80
#define SR_ERASE_ERR 0x20
#define SR_PROGRAM_ERR 0x10
#define MARKER 0x600DB007u /* left in bank 1 by the first boot */
#define MARKER_AT (BANK1 + 0x1000)

static volatile int aborts;

static bool on_abort(struct frame *f, const struct exception *e)
{
	if (((e->esr >> 26) & 0x3F) != 0x25)
		return false;
	aborts++;
	f->elr = e->elr + 4;
	return true;
}

static u64 read64(u64 addr)
{
	u64 v;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void cmd(u64 bank, u32 c)
{
	mmio_write32(bank, CMD(c));
}

/* Both chips' status, in read-status mode; back to read array afterwards. */
static u32 status(u64 bank)
{
	cmd(bank, 0x70);
	u32 s = mmio_read32(bank);
	cmd(bank, 0xFF);
	return s;
}

static bool program_word(u64 addr, u32 v)
{
	cmd(addr, 0x40);
	mmio_write32(addr, v);
	u32 s = mmio_read32(addr); /* reads show the status now */
	cmd(addr, 0xFF);
	return s == CMD(SR_READY);
}

static u32 erase_block(u64 addr)
{
	cmd(addr, 0x20);
	cmd(addr, 0xD0);
	u32 s = mmio_read32(addr);
	cmd(addr, 0x50); /* clear the errors for the next check */
	cmd(addr, 0xFF);
	return s;
}

/* Buffered program of n words at addr; confirm or not. The status read after it. */
static u32 buffered(u64 addr, const u32 *w, unsigned n, bool confirm)
{
	cmd(addr, 0xE8);
	u32 ready = mmio_read32(addr);
	mmio_write32(addr, CMD(n - 1));
	for (unsigned i = 0; i < n; i++)
		mmio_write32(addr + 4 * i, w[i]);
	cmd(addr, confirm ? 0xD0 : 0xFF);
	u32 s = confirm ? mmio_read32(addr) : ready;
	cmd(addr, 0x50);
	cmd(addr, 0xFF);
	return s;
}

static void bank0_checks(void)
{
	const u32 *image = (const u32 *)(GUEST_RAM_IPA + GUEST_RAW_IMAGE_OFFSET);
	u64 copy = entry_state.x[4]; /* where the stub found us in the flash */
	bool same = true;

	for (unsigned i = 0; i < 1024; i++)
		same &= mmio_read32(copy + 4 * i) == image[i];
	check(same, "bank 0 reads (read-array mode) as the image: this guest's copy at 0x%llx",
	      (unsigned long long)copy);

	/* CFI query: "QRY" at query addresses 0x10..0x12 (one per 32-bit bus word), Intel command set. */
	cmd(BANK0, 0x98);
	u32 q = mmio_read32(BANK0 + 0x40), r = mmio_read32(BANK0 + 0x44), y = mmio_read32(BANK0 + 0x48);
	u32 set = mmio_read32(BANK0 + 0x4C), size = mmio_read32(BANK0 + 0x27 * 4);
	u64 wide = read64(BANK0 + 0x40);
	cmd(BANK0, 0xFF);
	check(q == CMD('Q') && r == CMD('R') && y == CMD('Y') && set == CMD(1),
	      "CFI query: QRY, command set 1 (0x%x 0x%x 0x%x 0x%x)", q, r, y, set);
	check(size == CMD(25), "CFI query: 2^25 bytes per chip, two chips: 64 MiB (0x%x)", size);
	check(wide == ((u64)CMD('R') << 32 | CMD('Q')), "a 64-bit read in query mode: two bus words");
	cmd(BANK0, 0x90);
	u32 man = mmio_read32(BANK0), dev = mmio_read32(BANK0 + 4), lock = mmio_read32(BANK0 + BLOCK + 8);
	cmd(BANK0, 0xFF);
	check(man == CMD(0x89) && dev == CMD(0x18) && lock == 0, "read ID: 0x89/0x18, blocks unlocked");
	check(mmio_read32(copy) == image[0], "back in read-array mode: the image again");

	/* The code bank refuses to change: a program error, an erase error, the content as it was. */
	u64 victim = copy + 0x100;
	u32 before = mmio_read32(victim);
	check(!program_word(victim, 0) && mmio_read32(victim) == before,
	      "programming bank 0: refused, the word unchanged (0x%x)", mmio_read32(victim));
	cmd(BANK0, 0x50);
	cmd(BANK0, 0xFF);
	u32 s = erase_block(copy & ~(u64)(BLOCK - 1));
	check(s == CMD(SR_READY | SR_ERASE_ERR) && mmio_read32(victim) == before,
	      "erasing bank 0: erase error (0x%x), the block unchanged", s);
	check(status(BANK0) == CMD(SR_READY), "clear status clears the errors");
}

static void bank1_checks(void)
{
	u64 a = BANK1 + 0x100;
	u32 w[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 }, x[2] = { 0, 0 };
	bool ok;

	check(erase_block(BANK1) == CMD(SR_READY) && mmio_read32(a) == 0xFFFFFFFF,
	      "erasing a block of bank 1: no error, reads 0xffffffff");
	check(program_word(a, 0x12345678) && mmio_read32(a) == 0x12345678, "word program: reads back 0x%x",
	      mmio_read32(a));
	program_word(a, 0xFFFF00FF);
	check(mmio_read32(a) == 0x12340078, "programming again only clears bits (0x%x)", mmio_read32(a));
	check(buffered(BANK1 + 0x200, w, 4, true) == CMD(SR_READY), "buffered program of 4 words: no error");
	ok = true;
	for (unsigned i = 0; i < 4; i++)
		ok &= mmio_read32(BANK1 + 0x200 + 4 * i) == w[i];
	check(ok, "the 4 words read back");
	buffered(BANK1 + 0x300, x, 2, false);
	check(mmio_read32(BANK1 + 0x300) == 0xFFFFFFFF, "an unconfirmed buffer changes nothing");
	/* Two words on either side of a write-block boundary: refused as a whole. */
	cmd(BANK1, 0xE8);
	mmio_write32(BANK1 + 0xFFC, CMD(1));
	mmio_write32(BANK1 + 0xFFC, 0);
	mmio_write32(BANK1 + 0x1004, 0);
	cmd(BANK1, 0xD0);
	u32 s = mmio_read32(BANK1);
	cmd(BANK1, 0x50);
	cmd(BANK1, 0xFF);
	check(s == CMD(SR_READY | SR_PROGRAM_ERR) && mmio_read32(BANK1 + 0xFFC) == 0xFFFFFFFF,
	      "a buffer across two write blocks: program error (0x%x), nothing written", s);
	erase_block(BANK1);
	check(mmio_read32(a) == 0xFFFFFFFF && mmio_read32(BANK1 + 0x200) == 0xFFFFFFFF, "erased again");

	/* An 8-byte read of the status in read-status mode; a pair load there has no syndrome: abort. */
	cmd(BANK1, 0x70);
	u64 st = read64(BANK1);
	int n = aborts;
	u64 p0, p1;
	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(p0), "=r"(p1) : "r"(BANK1) : "memory");
	cmd(BANK1, 0xFF);
	check(st == ((u64)CMD(SR_READY) << 32 | CMD(SR_READY)), "8-byte status read: ready in every lane");
	check(aborts == n + 1, "a load pair in command mode (no syndrome): external abort");
}

int main(void)
{
	set_exception_handler(on_abort);
	/* At every boot, the reset one too. */
	check(entry_state.x[2] == 0, "the firmware was entered with x0 = 0 (0x%llx)",
	      (unsigned long long)entry_state.x[2]);
	check(entry_state.x[3] == GUEST_FLASH0_IPA, "the firmware ran from the flash at IPA 0x%llx",
	      (unsigned long long)entry_state.x[3]);
	check(dtb_addr() == GUEST_RAM_IPA && dtb_size() > 0,
	      "device tree at the start of RAM (0x%llx, %llu bytes)", (unsigned long long)dtb_addr(),
	      (unsigned long long)dtb_size());
	if (mmio_read32(MARKER_AT) == MARKER) {
		/* Second boot, after SYSTEM_RESET: the variables bank kept what the first one wrote. */
		check(true, "bank 1 kept the marker across the VM's reset");
		erase_block(MARKER_AT & ~(u64)(BLOCK - 1));
		return 0;
	}
	bank0_checks();
	bank1_checks();
	check(aborts == 1, "no other external abort (%d in all)", aborts);
	check(program_word(MARKER_AT, MARKER), "a marker programmed into bank 1; resetting the VM");
	hvc_call(0x84000009, 0, 0, 0); /* PSCI SYSTEM_RESET */
	check(false, "still running after SYSTEM_RESET");
	return 0;
}
