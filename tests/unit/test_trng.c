/* SMCCC TRNG (core/trng.c) as a guest sees it through smccc_dispatch: DEN0098 1.0, as KVM 6.1 answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/fake.h>
#include <hyparm/entropy.h>
#include <hyparm/smccc.h>
#include <hyparm/trng.h>

/* core/smccc.c's calls into drivers/psci_fw.c: a firmware with nothing. */
int firmware_arch_features(u32 fid)
{
	return SMCCC_RET_NOT_SUPPORTED;
}
s64 firmware_call(u32 fid, u64 arg)
{
	return SMCCC_RET_NOT_SUPPORTED;
}

static u64 regs[18];

static s64 call(u64 fid, u64 a1)
{
	memset(regs, 0x5A, sizeof(regs)); /* what the guest left in x1..x17 */
	regs[0] = fid;
	regs[1] = a1;
	assert_int_equal(smccc_dispatch(NULL, regs), SMCCC_RESUME);
	return (s64)regs[0];
}

static int setup(void **state)
{
	arch_fake_reset(1, 4);
	assert_int_equal(smccc_services_init(), 0); /* what boot does */
	entropy_add("test seed", 9, true);
	return 0;
}

static void version_and_features(void **state)
{
	static const u32 fids[] = { TRNG_VERSION_FID, TRNG_FEATURES_FID, TRNG_GET_UUID_FID, TRNG_RND32_FID,
				    TRNG_RND64_FID };

	assert_int_equal(call(TRNG_VERSION_FID, 0), 0x10000);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(call(TRNG_FEATURES_FID, fids[i]), TRNG_SUCCESS);
	/* An SMC32 call: the upper half of x1 is not part of the argument. */
	assert_int_equal(call(TRNG_FEATURES_FID, 0xFFFFFFFF00000000ULL | TRNG_RND64_FID), TRNG_SUCCESS);
	assert_int_equal(call(TRNG_FEATURES_FID, 0xC4000050), TRNG_NOT_SUPPORTED); /* no 64-bit VERSION */
	assert_int_equal(call(TRNG_FEATURES_FID, 0x84000054), TRNG_NOT_SUPPORTED);
	assert_int_equal(call(TRNG_FEATURES_FID, SMCCC_VERSION_FID), TRNG_NOT_SUPPORTED);
	/* The rest of the TRNG range is reserved: NOT_SUPPORTED. */
	assert_int_equal(call(0x84000054, 0), -1);
	assert_int_equal(call(0x8400005F, 0), -1);
	assert_int_equal(call(0xC4000050, 0), -1);
	assert_int_equal(call(0xC400005F, 0), -1);
	/* As KVM: SMCCC_ARCH_FEATURES does not list the TRNG functions. */
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(call(SMCCC_ARCH_FEATURES_FID, fids[i]), SMCCC_RET_NOT_SUPPORTED);
}

static void uuid_is_hyparms(void **state)
{
	call(TRNG_GET_UUID_FID, 0);
	/* 5f3a8d2c-9b41-4e07-a6d3-1c8e2b7f4a90, bytes in order, little-endian in each register. */
	assert_int_equal(regs[0], 0x2c8d3a5f);
	assert_int_equal(regs[1], 0x074e419b);
	assert_int_equal(regs[2], 0x8e1cd3a6);
	assert_int_equal(regs[3], 0x904a7f2b);
}

static void bad_bit_counts_are_invalid_parameters(void **state)
{
	static const u64 bad64[] = { 0, 193, 256, 0xFFFFFFFF, 0x1000000000ULL /* W1 = 0 */ };
	static const u64 bad32[] = { 0, 97, 192, 0xFFFFFFFF };

	for (unsigned i = 0; i < ARRAY_SIZE(bad64); i++) {
		assert_int_equal(call(TRNG_RND64_FID, bad64[i]), TRNG_INVALID_PARAMETERS);
		assert_int_equal(regs[1] | regs[2] | regs[3], 0);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad32); i++) {
		assert_int_equal(call(TRNG_RND32_FID, bad32[i]), TRNG_INVALID_PARAMETERS);
		assert_int_equal(regs[1] | regs[2] | regs[3], 0);
	}
}

/* The mask of n low bits of a register of the given width. */
static u64 mask(int n, unsigned width)
{
	if (n <= 0)
		return 0;
	if ((unsigned)n >= width)
		return width == 64 ? ~0ULL : 0xFFFFFFFFULL;
	return (1ULL << n) - 1;
}

/* The highest of those bits. */
static u64 top(int n, unsigned width)
{
	u64 m = mask(n, width);
	return m ^ (m >> 1);
}

/* N bits right-aligned in x1..x3 (x3 the lowest), nothing above N; with enough bits, each register gets some. */
static void n_bits_right_aligned(void **state)
{
	for (unsigned width = 32; width <= 64; width += 32) {
		u32 fid = width == 32 ? TRNG_RND32_FID : TRNG_RND64_FID;
		for (int n = 1; n <= 3 * (int)width; n++) {
			u64 seen[4] = { 0 };
			for (unsigned k = 0; k < 32; k++) {
				assert_int_equal(call(fid, (u64)n), TRNG_SUCCESS);
				assert_int_equal(regs[3] & ~mask(n, width), 0);
				assert_int_equal(regs[2] & ~mask(n - (int)width, width), 0);
				assert_int_equal(regs[1] & ~mask(n - 2 * (int)width, width), 0);
				for (unsigned r = 1; r <= 3; r++)
					seen[r] |= regs[r];
			}
			/* 32 draws: the top requested bit of each register was set in one (p = 1 - 2^-32 each). */
			assert_int_not_equal(seen[3] & top(n, width), 0);
			if (n > (int)width)
				assert_int_not_equal(seen[2] & top(n - (int)width, width), 0);
			if (n > 2 * (int)width)
				assert_int_not_equal(seen[1] & top(n - 2 * (int)width, width), 0);
		}
	}
	/* As KVM: RND64 takes N from W1. */
	assert_int_equal(call(TRNG_RND64_FID, 0x100000000ULL | 192), TRNG_SUCCESS);
}

static void every_draw_differs(void **state)
{
	u64 prev[3] = { 0 };

	for (unsigned i = 0; i < 1000; i++) {
		assert_int_equal(call(TRNG_RND64_FID, 192), TRNG_SUCCESS);
		assert_false(regs[1] == prev[0] && regs[2] == prev[1] && regs[3] == prev[2]);
		assert_true(regs[1] != regs[2] && regs[2] != regs[3]);
		prev[0] = regs[1];
		prev[1] = regs[2];
		prev[2] = regs[3];
	}
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(version_and_features), T(uuid_is_hyparms),	T(bad_bit_counts_are_invalid_parameters),
		T(n_bits_right_aligned), T(every_draw_differs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
