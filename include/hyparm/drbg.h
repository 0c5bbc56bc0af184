/*
 * A ChaCha20-based deterministic random bit generator with fast key
 * erasure (D. J. Bernstein, "Fast-key-erasure random-number generators",
 * 2017): the state is one 256-bit ChaCha20 key; every request runs
 * ChaCha20 under that key, keeps the first 32 bytes of its output as the
 * next key and hands out the rest, so nothing that was handed out can be
 * recomputed from a state stolen later. Reseeding folds new input into
 * the key the same way (see drbg_mix()).
 *
 * Pure code, no locking: one struct drbg is one caller's. hyparm's shared
 * generator, its seeding and its lock are in core/entropy.c (hyparm/entropy.h).
 */
#ifndef HYPARM_DRBG_H
#define HYPARM_DRBG_H

#include <hyparm/types.h>

#define CHACHA20_KEY_WORDS 8
#define CHACHA20_BLOCK_BYTES 64

struct drbg {
	u32 key[CHACHA20_KEY_WORDS];
};

/*
 * One ChaCha20 block (RFC 8439 section 2.3): key, 32-bit block counter,
 * 96-bit nonce; out is the 64-byte keystream block (little-endian words).
 */
void chacha20_block(const u32 key[CHACHA20_KEY_WORDS], u32 counter, const u32 nonce[3],
		    u8 out[CHACHA20_BLOCK_BYTES]);

/* A generator whose key is all zeros: deterministic until something is mixed in. */
void drbg_init(struct drbg *d);
/*
 * Fold len bytes of seed material into the key (any length; called again
 * to reseed). Each 32-byte piece is XORed into a fresh keystream block
 * that then becomes the key, so the key depends on all input so far and
 * never gets weaker by what is added.
 */
void drbg_mix(struct drbg *d, const void *in, size_t len);
/* len bytes of output; the key is replaced before this returns (fast key erasure). */
void drbg_generate(struct drbg *d, void *out, size_t len);

/* Overwrite n bytes in a way the compiler may not drop (secrets on the stack). */
void memzero_explicit(void *p, size_t n);

#endif
