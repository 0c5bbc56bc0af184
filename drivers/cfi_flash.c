/*
 * hyparm's own use of the board's second CFI flash bank: the persistent
 * home of one VM's firmware variables (hyparm/nvstore.h). QEMU virt's
 * pflash1 (PA 0x0400_0000, 64 MiB), backed by the host file the launcher
 * attaches (-drive if=pflash,unit=1), writes every change to that file.
 * Intel command set, two x16 chips side by side: every command goes to
 * both (the same byte in each half of the bus word), as the virtual
 * device (vdev/cfi.c) expects from its guests.
 *
 * Reads are in read-array mode. Programming is by write buffer (0xE8, up
 * to 4 KiB at a time: QEMU writes the host file once per buffer, not per
 * word), skipping buffers with no bit to clear; QEMU completes every
 * operation at once, but the status is still polled and checked.
 */
#include <arch/mmu.h>
#include <drivers/cfi_flash.h>
#include <hyparm/errno.h>
#include <hyparm/nvstore.h>
#include <string.h>

#define CMD(c) ((u32)(c) << 16 | (c))
#define SR_READY CMD(0x80)
#define SR_ERRORS CMD(0x3A)
#define BLOCK_SIZE 0x40000ULL
#define WRITE_BUFFER 4096ULL /* 2 KiB per chip */
#define POLL_LIMIT 1000000 /* status reads before giving up (QEMU's are ready at once) */

static paddr_t flash_base;
static u64 flash_size;

static volatile u32 *word(u64 off)
{
	return (volatile u32 *)(uintptr_t)(flash_base + off);
}

/* Wait for the state machine; -HV_EIO on an error bit or if it never gets ready. Leaves read-array mode on. */
static int finish(u64 off)
{
	u32 s = 0;

	for (unsigned i = 0; i < POLL_LIMIT; i++) {
		s = *word(off);
		if ((s & SR_READY) == SR_READY)
			break;
	}
	*word(off) = CMD(0x50); /* clear status */
	*word(off) = CMD(0xFF); /* read array */
	return (s & SR_READY) == SR_READY && !(s & SR_ERRORS) ? HV_OK : -HV_EIO;
}

static void flash_read(u64 off, void *buf, u64 len)
{
	u8 *out = buf;

	/* Device memory: aligned 32-bit loads only. */
	for (u64 i = 0; i < len; i += 4) {
		u32 v = *word(off + i);
		memcpy(out + i, &v, MIN(4, len - i));
	}
}

static int flash_erase(u64 off)
{
	*word(off) = CMD(0x20);
	*word(off) = CMD(0xD0);
	return finish(off);
}

/* Words [off, off + len) of one write buffer, in one buffered program (0xE8): one write to the host file. */
static int program_buffer(u64 off, const u8 *in, u64 len)
{
	u64 words = len / 4;
	bool work = false;

	for (u64 i = 0; i < len && !work; i += 4) {
		u32 v;
		memcpy(&v, in + i, 4);
		work = (*word(off + i) & v) != *word(off + i); /* a bit to clear */
	}
	if (!work)
		return HV_OK;
	*word(off) = CMD(0xE8);
	int rc = HV_OK;
	for (unsigned i = 0; i < POLL_LIMIT && (*word(off) & SR_READY) != SR_READY; i++)
		; /* the buffer becomes available */
	*word(off) = CMD(words - 1);
	for (u64 i = 0; i < len; i += 4) {
		u32 v;
		memcpy(&v, in + i, 4);
		*word(off + i) = v;
	}
	*word(off) = CMD(0xD0);
	rc = finish(off);
	return rc;
}

static int flash_program(u64 off, const void *data, u64 len)
{
	const u8 *in = data;

	/* By write buffer (4 KiB across both chips): the pieces of the range in each. */
	while (len) {
		u64 n = MIN(len, ALIGN_UP(off + 1, WRITE_BUFFER) - off);
		int rc = program_buffer(off, in, n);
		if (rc)
			return rc;
		off += n;
		in += n;
		len -= n;
	}
	return HV_OK;
}

static struct nvstore_ops store = {
	.read = flash_read,
	.erase = flash_erase,
	.program = flash_program,
	.block_size = BLOCK_SIZE,
};

bool cfi_flash_init(paddr_t base, u64 size)
{
	if (!size || size % BLOCK_SIZE || mmu_map(base, size, EL2_DEVICE))
		return false;
	flash_base = base;
	flash_size = size;
	/* A CFI query: "QRY" from both chips, Intel command set. */
	*word(0) = CMD(0x98);
	bool cfi = *word(0x10 * 4) == CMD('Q') && *word(0x11 * 4) == CMD('R') &&
		*word(0x12 * 4) == CMD('Y') && *word(0x13 * 4) == CMD(0x01);
	*word(0) = CMD(0xFF);
	if (!cfi)
		return false;
	store.size = size;
	nvstore_register(&store);
	return true;
}
