/*
 * The CFI flash state machine (vdev/cfi.c) under random guest reads and
 * writes (any offset, any size, commands weighted towards the real ones).
 * Checks: an access is refused exactly when its size or alignment is bad
 * or it leaves the bank; storage changes only through the changed()
 * callback, and then only by clearing bits (a program) or setting a whole
 * block to 0xFF (an erase); a read-only bank never changes; the
 * read-array callbacks alternate and agree with cfi_in_array_mode();
 * nothing is read or written outside the storage (ASan).
 *
 * Input: the first byte picks a read-only bank or not; then 1-byte
 * opcodes with their operands.
 */
#include <stdlib.h>
#include <string.h>
#include <hyparm/errno.h>
#include <vdev/cfi.h>
#include "input.h"

#define BANK_SIZE (4 * CFI_BLOCK_SIZE)
#define BACKED (2 * CFI_BLOCK_SIZE) /* half the bank has storage behind it */

static struct cfi_bank bank;
static u8 *storage, *shadow, *pristine;
static bool in_array;

static void array_mode(void *ctx, bool array)
{
	FUZZ_CHECK(array != in_array); /* entered or left, never twice the same */
	in_array = array;
}

static void changed(void *ctx, u64 off, u64 len, bool erased)
{
	FUZZ_CHECK(!bank.read_only);
	FUZZ_CHECK(off < BACKED && len <= BACKED - off);
	if (erased)
		FUZZ_CHECK(off % CFI_BLOCK_SIZE == 0 && len == CFI_BLOCK_SIZE);
	for (u64 i = off; i < off + len; i++) {
		if (erased)
			FUZZ_CHECK(storage[i] == 0xFF);
		else
			FUZZ_CHECK((storage[i] & ~shadow[i]) == 0); /* no bit set by a program */
		shadow[i] = storage[i];
	}
}

static const u8 commands[] = { 0xFF, 0x70, 0x90, 0x98, 0x50, 0x40, 0x10,
			       0x20, 0x28, 0xD0, 0xE8, 0x60, 0x01, 0x00 };

static u64 pick_off(struct fuzz_input *in, uint8_t how)
{
	switch (how & 3) {
	case 0:
		return (fuzz_u16(in) % 0x100) * 4; /* query, ID and the first block */
	case 1:
		return fuzz_u32(in) % BANK_SIZE;
	case 2:
		return BACKED - 8 + fuzz_u8(in) % 16; /* the edge of the storage */
	default:
		return fuzz_u64(in);
	}
}

static bool valid(u64 off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && !(off & (size - 1)) && off < BANK_SIZE &&
		size <= BANK_SIZE - off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);

	if (!storage) {
		storage = malloc(BACKED);
		shadow = malloc(BACKED);
		pristine = malloc(BACKED);
		for (u64 i = 0; i < BACKED; i++)
			pristine[i] = (u8)(i * 7); /* a mix of set and clear bits */
	}
	memcpy(storage, pristine, BACKED);
	memcpy(shadow, pristine, BACKED);
	bank = (struct cfi_bank){ .storage = storage,
				  .backed = BACKED,
				  .size = BANK_SIZE,
				  .read_only = fuzz_u8(&in) & 1,
				  .array_mode = array_mode,
				  .changed = changed };
	cfi_reset(&bank);
	in_array = true;

	while (in.left) {
		uint8_t op = fuzz_u8(&in);
		unsigned sz = 1u << ((op >> 2) & 3);
		u64 off = pick_off(&in, op), val;
		int rc;

		if (op & 0x80) {
			val = 0x5A5A5A5A5A5A5A5AULL;
			rc = cfi_read(&bank, off, sz, &val);
			FUZZ_CHECK(rc == (valid(off, sz) ? HV_OK : -HV_EINVAL));
			if (!rc && sz < 8)
				FUZZ_CHECK(val < (1ULL << (sz * 8)));
			if (!rc && cfi_in_array_mode(&bank) && off + sz <= BACKED)
				FUZZ_CHECK(memcmp(&val, storage + off, sz) == 0);
		} else {
			/* Mostly real commands, in both chips' halves; sometimes any value (data). */
			u32 c = commands[fuzz_u8(&in) % sizeof(commands)];
			val = (op & 0x40) ? fuzz_bytes(&in, sz) : ((u64)c << 48 | (u64)c << 32 | c << 16 | c);
			rc = cfi_write(&bank, off, sz, val);
			FUZZ_CHECK(rc == (valid(off, sz) ? HV_OK : -HV_EINVAL));
		}
		FUZZ_CHECK(in_array == cfi_in_array_mode(&bank));
	}
	/* Nothing changed that the callback was not told of (a read-only bank: nothing at all). */
	FUZZ_CHECK(memcmp(storage, shadow, BACKED) == 0);
	return 0;
}
