/* The CFI flash command state machine (vdev/cfi.c): what U-Boot's and EDK2's flash drivers rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <vdev/cfi.h>

#define BANK_SIZE 0x4000000ULL
#define BACKED 0x100000ULL /* 1 MiB of storage, the rest of the window unbacked */
#define CMD(c) ((u32)(c) << 16 | (c))

static u8 storage[BACKED];
static struct cfi_bank bank;
static int to_array, from_array, changes;
static u64 changed_off, changed_len;

static void mode_cb(void *ctx, bool array)
{
	if (array)
		to_array++;
	else
		from_array++;
}

static bool changed_erased;
static void changed_cb(void *ctx, u64 off, u64 len, bool erased)
{
	changes++;
	changed_erased = erased;
	changed_off = off;
	changed_len = len;
}

static int setup(void **state)
{
	memset(storage, 0xFF, sizeof(storage));
	bank = (struct cfi_bank){ .storage = storage,
				  .backed = BACKED,
				  .size = BANK_SIZE,
				  .array_mode = mode_cb,
				  .changed = changed_cb };
	cfi_reset(&bank);
	to_array = from_array = changes = 0;
	return 0;
}

static u64 rd(u64 off, unsigned size)
{
	u64 v = 0xDEAD;
	assert_int_equal(cfi_read(&bank, off, size, &v), HV_OK);
	return v;
}

static void wr(u64 off, u32 v)
{
	assert_int_equal(cfi_write(&bank, off, 4, v), HV_OK);
}

static u32 status(void)
{
	wr(0, CMD(0x70));
	u32 s = (u32)rd(0, 4);
	wr(0, CMD(0xFF));
	return s;
}

/* Catches: a probe (U-Boot's) not finding the chips, a wrong geometry, lanes mixed up. */
static void query_id_and_status(void **state)
{
	storage[0] = 0x12;
	assert_true(cfi_in_array_mode(&bank));
	assert_int_equal(rd(0, 1), 0x12);
	wr(0x55 * 4, CMD(0x98));
	assert_false(cfi_in_array_mode(&bank));
	assert_int_equal(from_array, 1);
	assert_int_equal(rd(0x10 * 4, 4), CMD('Q'));
	assert_int_equal(rd(0x11 * 4, 4), CMD('R'));
	assert_int_equal(rd(0x12 * 4, 4), CMD('Y'));
	assert_int_equal(rd(0x13 * 4, 4), CMD(0x01)); /* Intel command set */
	assert_int_equal(rd(0x27 * 4, 4), CMD(25)); /* 32 MiB per chip */
	assert_int_equal(rd(0x2A * 4, 4), CMD(11)); /* 2 KiB write buffer per chip */
	assert_int_equal(rd(0x2D * 4, 4), CMD(0xFF)); /* 256 blocks */
	assert_int_equal(rd(0x2E * 4, 4), CMD(0x00));
	assert_int_equal(rd(0x2F * 4, 4), CMD(0x00)); /* 128 KiB per chip: 0x200 * 256 */
	assert_int_equal(rd(0x30 * 4, 4), CMD(0x02));
	/* Narrower reads see their lanes; an 8-byte read two bus words. */
	assert_int_equal(rd(0x10 * 4, 2), 'Q');
	assert_int_equal(rd(0x10 * 4 + 1, 1), 0);
	assert_int_equal(rd(0x10 * 4 + 2, 2), 'Q');
	assert_int_equal(rd(0x10 * 4, 8), (u64)CMD('R') << 32 | CMD('Q'));
	/* A new command from query mode: read ID. */
	wr(0, CMD(0x90));
	assert_int_equal(rd(0, 4), CMD(0x89));
	assert_int_equal(rd(4, 4), CMD(0x18));
	assert_int_equal(rd(CFI_BLOCK_SIZE + 8, 4), 0); /* block lock status: unlocked */
	wr(0, CMD(0x70));
	assert_int_equal(rd(0x1234, 4), CMD(CFI_SR_READY));
	assert_int_equal(rd(0, 8), (u64)CMD(CFI_SR_READY) << 32 | CMD(CFI_SR_READY));
	wr(0, CMD(0xFF));
	assert_true(cfi_in_array_mode(&bank));
	assert_int_equal(to_array, 1);
	assert_int_equal(from_array, 1); /* leaving and entering once, not per command */
	assert_int_equal(rd(0, 1), 0x12);
	/* Beyond the storage: reads as erased. */
	assert_int_equal(rd(BACKED, 4), 0xFFFFFFFF);
}

/* Catches: programming that sets bits, a read-only or unbacked range that changes, no error reported. */
static void program_clears_bits_only(void **state)
{
	wr(0x100, CMD(0x40));
	wr(0x100, 0x12345678);
	assert_int_equal(rd(0x100, 4), CMD(CFI_SR_READY)); /* status until read array */
	assert_int_equal(changes, 1);
	assert_int_equal(changed_off, 0x100);
	assert_int_equal(changed_len, 4);
	assert_false(changed_erased);
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0x100, 4), 0x12345678);
	wr(0x100, CMD(0x10));
	wr(0x100, 0xFFFF00FF);
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0x100, 4), 0x12340078);
	/* Halfword and byte programs. */
	wr(0x200, CMD(0x40));
	assert_int_equal(cfi_write(&bank, 0x202, 2, 0xABCD), HV_OK);
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0x200, 4), 0xABCDFFFF);
	assert_int_equal(status(), CMD(CFI_SR_READY));

	/* Unbacked: a program error, nothing changed. */
	wr(BACKED, CMD(0x40));
	wr(BACKED, 0);
	assert_int_equal(rd(BACKED, 4), CMD(CFI_SR_READY | CFI_SR_PROGRAM_ERR));
	wr(0, CMD(0x50)); /* clear status */
	assert_int_equal(status(), CMD(CFI_SR_READY));

	/* Read-only (the firmware's code): commands work, content does not change. */
	bank.read_only = true;
	changes = 0;
	wr(0x100, CMD(0x40));
	wr(0x100, 0);
	assert_int_equal(rd(0x100, 4), CMD(CFI_SR_READY | CFI_SR_PROGRAM_ERR));
	wr(0, CMD(0x20));
	wr(0, CMD(0xD0));
	assert_int_equal(rd(0, 4), CMD(CFI_SR_READY | CFI_SR_PROGRAM_ERR | CFI_SR_ERASE_ERR));
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0x100, 4), 0x12340078);
	assert_int_equal(changes, 0);
}

/* Catches: an erase without confirm, the wrong block erased, a broken sequence taken as a command. */
static void erase_needs_confirm(void **state)
{
	memset(storage, 0, sizeof(storage));
	wr(CFI_BLOCK_SIZE + 0x10, CMD(0x20));
	assert_int_equal(rd(CFI_BLOCK_SIZE, 4), CMD(CFI_SR_READY)); /* setup only: status, no change */
	wr(0, CMD(0xD0));
	wr(0, CMD(0xFF));
	assert_int_equal(rd(CFI_BLOCK_SIZE - 4, 4), 0);
	assert_int_equal(rd(CFI_BLOCK_SIZE, 4), 0xFFFFFFFF);
	assert_int_equal(rd(2 * CFI_BLOCK_SIZE - 4, 4), 0xFFFFFFFF);
	assert_int_equal(rd(2 * CFI_BLOCK_SIZE, 4), 0);
	assert_int_equal(changed_len, CFI_BLOCK_SIZE);
	assert_true(changed_erased);
	/* Erase then read array: cancelled. Erase then something else: improper sequence. */
	wr(0, CMD(0x20));
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0, 4), 0);
	wr(0, CMD(0x20));
	wr(0, CMD(0x42));
	assert_true(cfi_in_array_mode(&bank));
	assert_int_equal(rd(0, 4), 0);
	assert_int_equal(status(), CMD(CFI_SR_READY | CFI_SR_ERASE_ERR | CFI_SR_PROGRAM_ERR));
	/* An unknown command: the same. */
	wr(0, CMD(0x50));
	wr(0, CMD(0x33));
	assert_int_equal(status(), CMD(CFI_SR_READY | CFI_SR_ERASE_ERR | CFI_SR_PROGRAM_ERR));
	/* Lock and unlock are accepted and change nothing. */
	wr(0, CMD(0x50));
	wr(0, CMD(0x60));
	wr(0, CMD(0xD0));
	wr(0, CMD(0x60));
	wr(0, CMD(0x01));
	assert_int_equal(status(), CMD(CFI_SR_READY));
}

/* Catches: buffered data written before the confirm, a window overrun, a too-long count accepted. */
static void buffered_program(void **state)
{
	wr(0x1000, CMD(0xE8));
	assert_int_equal(rd(0x1000, 4), CMD(CFI_SR_READY)); /* buffer available */
	wr(0x1000, CMD(3));
	for (unsigned i = 0; i < 4; i++)
		wr(0x1000 + 4 * i, 0x11111111 * (i + 1));
	assert_int_equal(changes, 0); /* nothing before the confirm */
	wr(0x1000, CMD(0xD0));
	assert_int_equal(changes, 1);
	assert_int_equal(rd(0x1000, 4), CMD(CFI_SR_READY));
	wr(0, CMD(0xFF));
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(rd(0x1000 + 4 * i, 4), 0x11111111 * (i + 1));
	assert_int_equal(rd(0x1010, 4), 0xFFFFFFFF);

	/* Not confirmed: dropped. */
	wr(0x2000, CMD(0xE8));
	wr(0x2000, CMD(0));
	wr(0x2000, 0);
	wr(0x2000, CMD(0xFF));
	assert_true(cfi_in_array_mode(&bank));
	assert_int_equal(rd(0x2000, 4), 0xFFFFFFFF);

	/* Halfword data writes count as writes (a probe that took the bank for 16-bit). */
	wr(0x3000, CMD(0xE8));
	wr(0x3000, CMD(1));
	assert_int_equal(cfi_write(&bank, 0x3000, 2, 0x1234), HV_OK);
	assert_int_equal(cfi_write(&bank, 0x3002, 2, 0x5678), HV_OK);
	wr(0x3000, CMD(0xD0));
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0x3000, 4), 0x56781234);

	/* Across a write-block boundary: a program error, nothing written. */
	wr(0, CMD(0xE8));
	wr(0, CMD(1));
	wr(CFI_WRITE_BUFFER - 4, 0);
	wr(CFI_WRITE_BUFFER, 0);
	wr(0, CMD(0xD0));
	assert_int_equal(rd(0, 4), CMD(CFI_SR_READY | CFI_SR_PROGRAM_ERR));
	wr(0, CMD(0x50));
	assert_int_equal(rd(CFI_WRITE_BUFFER - 4, 4), 0xFFFFFFFF);

	/* More words than the buffer holds: an improper sequence. */
	wr(0, CMD(0xE8));
	wr(0, CMD(CFI_WRITE_BUFFER / 4));
	assert_true(cfi_in_array_mode(&bank));
	assert_int_equal(status(), CMD(CFI_SR_READY | CFI_SR_ERASE_ERR | CFI_SR_PROGRAM_ERR));
}

/* Catches: odd widths or misaligned accesses half-emulated, an 8-byte store faulting (EDK2 does them). */
static void access_checks(void **state)
{
	u64 v;

	assert_int_equal(cfi_read(&bank, 0, 3, &v), -HV_EINVAL);
	assert_int_equal(cfi_read(&bank, 2, 4, &v), -HV_EINVAL);
	assert_int_equal(cfi_read(&bank, BANK_SIZE - 4, 8, &v), -HV_EINVAL);
	assert_int_equal(cfi_write(&bank, 1, 2, 0x98), -HV_EINVAL);
	assert_int_equal(cfi_write(&bank, BANK_SIZE, 4, 0x98), -HV_EINVAL);
	assert_true(cfi_in_array_mode(&bank));
	/* An 8-byte write is two bus writes, low first: here 0x40 then the data. */
	assert_int_equal(cfi_write(&bank, 0x100, 8, (u64)0x0000AAAA << 32 | CMD(0x40)), HV_OK);
	wr(0, CMD(0xFF));
	assert_int_equal(rd(0x104, 4), 0x0000AAAA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(query_id_and_status, setup),
		cmocka_unit_test_setup(program_clears_bits_only, setup),
		cmocka_unit_test_setup(erase_needs_confirm, setup),
		cmocka_unit_test_setup(buffered_program, setup),
		cmocka_unit_test_setup(access_checks, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
