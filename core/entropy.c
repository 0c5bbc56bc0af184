/* hyparm's shared random-number generator and its sources (see hyparm/entropy.h). */
#include <arch/hyp_timer.h>
#include <arch/random.h>
#include <arch/spinlock.h>
#include <hyparm/drbg.h>
#include <hyparm/entropy.h>

/*
 * One generator for all CPUs, under a lock: requests are rare (a VM boot,
 * a guest's TRNG call) and short (a few ChaCha20 blocks), so a per-CPU
 * generator would buy nothing, and one stream makes "no two requests get
 * the same bytes" hold by construction.
 */
static struct drbg rng;
static spinlock_t rng_lock = SPINLOCK_INIT;
static bool seeded;

void entropy_add(const void *in, size_t len, bool real)
{
	spin_lock(&rng_lock);
	drbg_mix(&rng, in, len);
	if (real)
		seeded = true;
	spin_unlock(&rng_lock);
}

bool entropy_add_cpu(void)
{
	/* in[0]: the counter, a weak input that at least differs each time; in[1..4]: 256 bits of RNDR. */
	u64 in[5] = { arch_counter_now() };
	bool real = true;

	for (unsigned i = 1; i < 5 && real; i++)
		real = arch_random_u64(&in[i]);
	entropy_add(in, real ? sizeof(in) : sizeof(in[0]), real);
	memzero_explicit(in, sizeof(in));
	return real;
}

bool entropy_seeded(void)
{
	return __atomic_load_n(&seeded, __ATOMIC_ACQUIRE);
}

void entropy_get(void *out, size_t len)
{
	spin_lock(&rng_lock);
	drbg_generate(&rng, out, len);
	spin_unlock(&rng_lock);
}
