/*
 * ChaCha20 (RFC 8439) and the fast-key-erasure DRBG built on it (see
 * hyparm/drbg.h). Written here rather than taken from a library: hyparm is
 * freestanding C at EL2 without FP/SIMD, and no freestanding ChaCha20 is
 * available to link (Debian ships none for aarch64-none, and the kernel's
 * or libsodium's need their own runtime). The test vectors of RFC 8439
 * check it on the host (tests/unit/test_drbg.c).
 */
#include <hyparm/drbg.h>
#include <string.h>

/* "expand 32-byte k", as four little-endian words. */
static const u32 sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };

static inline u32 rotl(u32 v, unsigned n)
{
	return (v << n) | (v >> (32 - n));
}

#define QR(a, b, c, d) \
	do { \
		a += b; \
		d = rotl(d ^ a, 16); \
		c += d; \
		b = rotl(b ^ c, 12); \
		a += b; \
		d = rotl(d ^ a, 8); \
		c += d; \
		b = rotl(b ^ c, 7); \
	} while (0)

void chacha20_block(const u32 key[CHACHA20_KEY_WORDS], u32 counter, const u32 nonce[3],
		    u8 out[CHACHA20_BLOCK_BYTES])
{
	u32 in[16], x[16];

	for (unsigned i = 0; i < 4; i++)
		in[i] = sigma[i];
	for (unsigned i = 0; i < 8; i++)
		in[4 + i] = key[i];
	in[12] = counter;
	for (unsigned i = 0; i < 3; i++)
		in[13 + i] = nonce[i];
	memcpy(x, in, sizeof(x));
	for (unsigned r = 0; r < 10; r++) { /* 20 rounds: a column round and a diagonal round each */
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (unsigned i = 0; i < 16; i++) {
		u32 v = x[i] + in[i];
		/* Byte by byte: little-endian whatever the host, and no alignment assumed for out. */
		out[4 * i] = (u8)v;
		out[4 * i + 1] = (u8)(v >> 8);
		out[4 * i + 2] = (u8)(v >> 16);
		out[4 * i + 3] = (u8)(v >> 24);
	}
	memzero_explicit(x, sizeof(x));
	memzero_explicit(in, sizeof(in));
}

void memzero_explicit(void *p, size_t n)
{
	memset(p, 0, n);
	/* The asm may read the memory: the stores above cannot be dropped as dead. */
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void key_from_bytes(u32 key[CHACHA20_KEY_WORDS], const u8 *b)
{
	for (unsigned i = 0; i < CHACHA20_KEY_WORDS; i++)
		key[i] = (u32)b[4 * i] | (u32)b[4 * i + 1] << 8 | (u32)b[4 * i + 2] << 16 |
			(u32)b[4 * i + 3] << 24;
}

/* The nonces keep the three uses of the key apart: output, and mixing input. */
static const u32 nonce_generate[3] = { 0, 0, 0 };
static const u32 nonce_mix[3] = { 0x78696d, 0, 0 }; /* "mix" */

void drbg_init(struct drbg *d)
{
	memzero_explicit(d->key, sizeof(d->key));
}

void drbg_mix(struct drbg *d, const void *in, size_t len)
{
	const u8 *p = in;
	u8 block[CHACHA20_BLOCK_BYTES];
	u32 piece = 0;

	/* Even an empty input changes the key: a reseed never leaves the old one in place. */
	do {
		size_t n = MIN(len, (size_t)32);

		/* The piece number is the counter, so equal pieces at different places differ. */
		chacha20_block(d->key, piece++, nonce_mix, block);
		for (size_t i = 0; i < n; i++)
			block[i] ^= p[i];
		key_from_bytes(d->key, block);
		p += n;
		len -= n;
	} while (len);
	memzero_explicit(block, sizeof(block));
}

void drbg_generate(struct drbg *d, void *out, size_t len)
{
	u8 block[CHACHA20_BLOCK_BYTES], next_key[32];
	u8 *o = out;
	u32 ctr = 0;

	/* Block 0: the next key, then 32 bytes of output; blocks 1...: 64 bytes each. */
	chacha20_block(d->key, ctr++, nonce_generate, block);
	memcpy(next_key, block, 32);
	size_t n = MIN(len, (size_t)32);
	memcpy(o, block + 32, n);
	o += n;
	len -= n;
	while (len) {
		chacha20_block(d->key, ctr++, nonce_generate, block);
		n = MIN(len, (size_t)CHACHA20_BLOCK_BYTES);
		memcpy(o, block, n);
		o += n;
		len -= n;
	}
	key_from_bytes(d->key, next_key);
	memzero_explicit(block, sizeof(block));
	memzero_explicit(next_key, sizeof(next_key));
}
