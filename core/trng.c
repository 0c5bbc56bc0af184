/*
 * SMCCC TRNG (Arm DEN0098 1.0) for guests, answered as Linux KVM 6.1 does
 * (arch/arm64/kvm/trng.c), from hyparm's generator (hyparm/entropy.h):
 *   TRNG_VERSION   1.0
 *   TRNG_FEATURES  SUCCESS for the five TRNG functions, else NOT_SUPPORTED
 *   TRNG_GET_UUID  hyparm's own UUID (a guest learns whose TRNG it is)
 *   TRNG_RND32/64  N random bits (N in W1) right-aligned in x1..x3, most
 *                  significant register first, every bit above N zero;
 *                  N above 96 (RND32) or 192 (RND64) is INVALID_PARAMETERS
 *                  with x1..x3 zero. N = 0 too, as DEN0098 says; KVM 6.1
 *                  answers SUCCESS with no bits there.
 * As under KVM, SMCCC_ARCH_FEATURES does not know the TRNG functions (it
 * answers NOT_SUPPORTED): a guest discovers them with TRNG_VERSION, as
 * Linux does. The rest of the standard-service range (0x84000054-5F,
 * 0xC4000050-5F but RND64) answers NOT_SUPPORTED.
 */
#include <hyparm/drbg.h>
#include <hyparm/entropy.h>
#include <hyparm/smccc.h>
#include <hyparm/trng.h>

/*
 * hyparm's TRNG UUID, 5f3a8d2c-9b41-4e07-a6d3-1c8e2b7f4a90 (random, made
 * for hyparm), as DEN0098 returns a UUID: its 16 bytes in order, four per
 * register, the first byte in the least significant bits of w0.
 */
static const u8 hyparm_trng_uuid[16] = {
	0x5f, 0x3a, 0x8d, 0x2c, 0x9b, 0x41, 0x4e, 0x07, 0xa6, 0xd3, 0x1c, 0x8e, 0x2b, 0x7f, 0x4a, 0x90,
};

static u32 uuid_word(unsigned i)
{
	const u8 *b = &hyparm_trng_uuid[4 * i];

	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

static s64 features(u32 fid)
{
	switch (fid) {
	case TRNG_VERSION_FID:
	case TRNG_FEATURES_FID:
	case TRNG_GET_UUID_FID:
	case TRNG_RND32_FID:
	case TRNG_RND64_FID:
		return TRNG_SUCCESS;
	default:
		return TRNG_NOT_SUPPORTED;
	}
}

/* regs[1] = N; bits [N-1:0] of a 3 * width-bit number into regs[1..3], regs[3] the lowest. */
static void rnd(u64 regs[18], unsigned width)
{
	u32 nbits = (u32)regs[1];
	u64 r[3] = { 0, 0, 0 }; /* r[0]: bits [width-1:0], r[2]: the top register */

	regs[1] = regs[2] = regs[3] = 0;
	if (nbits == 0 || nbits > 3 * width) {
		regs[0] = (u64)(s64)TRNG_INVALID_PARAMETERS;
		return;
	}
	entropy_get(r, sizeof(r));
	for (unsigned i = 0; i < 3; i++) {
		unsigned below = i * width; /* bits of the number below register i */
		u64 keep = nbits <= below ? 0 : nbits - below >= 64 ? ~0ULL : (1ULL << (nbits - below)) - 1;

		if (width == 32)
			keep &= 0xFFFFFFFFu;
		regs[3 - i] = r[i] & keep;
	}
	memzero_explicit(r, sizeof(r));
	regs[0] = TRNG_SUCCESS;
}

static enum smccc_action trng_call(struct vcpu *v, u64 regs[18])
{
	(void)v;
	switch ((u32)regs[0]) {
	case TRNG_VERSION_FID:
		regs[0] = TRNG_VERSION_1_0;
		break;
	case TRNG_FEATURES_FID:
		/* An SMC32 call: only W1 is its argument. */
		regs[0] = (u64)features((u32)regs[1]);
		break;
	case TRNG_GET_UUID_FID:
		for (unsigned i = 0; i < 4; i++)
			regs[i] = uuid_word(i);
		break;
	case TRNG_RND32_FID:
		rnd(regs, 32);
		break;
	case TRNG_RND64_FID:
		rnd(regs, 64);
		break;
	default:
		regs[0] = (u64)(s64)TRNG_NOT_SUPPORTED;
		break;
	}
	return SMCCC_RESUME;
}

/* DEN0098 reserves 0x84000050-0x8400005F and 0xC4000050-0xC400005F for the TRNG. */
static const struct smccc_service trng_service = {
	.name = "trng",
	.range = { { 0x84000050u, 0x8400005Fu }, { 0xC4000050u, 0xC400005Fu } },
	.call = trng_call,
	/* No arch_features: KVM's SMCCC_ARCH_FEATURES answers NOT_SUPPORTED for the TRNG functions. */
};
SMCCC_SERVICE(trng_service);
