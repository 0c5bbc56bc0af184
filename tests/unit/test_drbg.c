/*
 * core/drbg.c against RFC 8439's ChaCha20 test vectors, its fast key
 * erasure and reseeding, and core/entropy.c (the shared generator): no two
 * requests, VMs or boots get the same bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <hyparm/drbg.h>
#include <hyparm/entropy.h>

static void unhex(const char *h, u8 *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (u8)v;
	}
}

static void key_words(const u8 *b, u32 key[8])
{
	for (unsigned i = 0; i < 8; i++)
		key[i] = (u32)b[4 * i] | (u32)b[4 * i + 1] << 8 | (u32)b[4 * i + 2] << 16 |
			(u32)b[4 * i + 3] << 24;
}

static void nonce_words(const u8 *b, u32 nonce[3])
{
	for (unsigned i = 0; i < 3; i++)
		nonce[i] = (u32)b[4 * i] | (u32)b[4 * i + 1] << 8 | (u32)b[4 * i + 2] << 16 |
			(u32)b[4 * i + 3] << 24;
}

/* RFC 8439 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, counter 1. */
static void chacha20_block_rfc8439_2_3_2(void **state)
{
	u8 kb[32], nb[12], want[64], got[64];
	u32 key[8], nonce[3];

	for (unsigned i = 0; i < 32; i++)
		kb[i] = (u8)i;
	unhex("000000090000004a00000000", nb, 12);
	unhex("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
	      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
	      want, 64);
	key_words(kb, key);
	nonce_words(nb, nonce);
	chacha20_block(key, 1, nonce, got);
	assert_memory_equal(got, want, 64);
}

/* RFC 8439 A.1, test vectors #1 and #2: the all-zero key and nonce, counters 0 and 1. */
static void chacha20_block_rfc8439_a1(void **state)
{
	u32 key[8] = { 0 }, nonce[3] = { 0 };
	u8 want[64], got[64];

	unhex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
	      want, 64);
	chacha20_block(key, 0, nonce, got);
	assert_memory_equal(got, want, 64);
	unhex("9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
	      "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
	      want, 64);
	chacha20_block(key, 1, nonce, got);
	assert_memory_equal(got, want, 64);
}

/* RFC 8439 2.4.2: the "sunscreen" plaintext encrypted with the keystream from counter 1. */
static void chacha20_encryption_rfc8439_2_4_2(void **state)
{
	static const char pt[] =
		"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
		"for the future, sunscreen would be it.";
	u8 kb[32], nb[12], want[114], got[128];
	u32 key[8], nonce[3];

	assert_int_equal(sizeof(pt) - 1, 114);
	for (unsigned i = 0; i < 32; i++)
		kb[i] = (u8)i;
	unhex("000000000000004a00000000", nb, 12);
	unhex("6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
	      "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
	      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
	      "5af90bbf74a35be6b40b8eedf2785e42874d",
	      want, 114);
	key_words(kb, key);
	nonce_words(nb, nonce);
	chacha20_block(key, 1, nonce, got);
	chacha20_block(key, 2, nonce, got + 64);
	for (unsigned i = 0; i < 114; i++)
		got[i] ^= (u8)pt[i];
	assert_memory_equal(got, want, 114);
}

static bool contains(const u8 *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return true;
	return false;
}

/* Each request replaces the key, and no output shows the key it was made with or the next one. */
static void drbg_erases_its_key_at_every_request(void **state)
{
	struct drbg d;
	u32 before[8];
	u8 out[200], again[200];

	drbg_init(&d);
	drbg_mix(&d, "seed", 4);
	memcpy(before, d.key, sizeof(before));
	drbg_generate(&d, out, sizeof(out));
	assert_memory_not_equal(before, d.key, sizeof(before));
	assert_false(contains(out, sizeof(out), before, 8));
	assert_false(contains(out, sizeof(out), d.key, 8));
	/* The same request again gives other bytes. */
	drbg_generate(&d, again, sizeof(again));
	assert_memory_not_equal(out, again, sizeof(out));
	/* Sizes that are not whole blocks, and 0, work and still move the key. */
	memcpy(before, d.key, sizeof(before));
	drbg_generate(&d, out, 0);
	assert_memory_not_equal(before, d.key, sizeof(before));
	drbg_generate(&d, out, 1);
	drbg_generate(&d, out, 33);
	drbg_generate(&d, out, 97);
}

/* Deterministic for one seed; every byte of the seed counts, wherever it is; reseeding changes the stream. */
static void drbg_output_depends_on_every_seed_byte(void **state)
{
	u8 seed[100], ref[64], out[64];
	struct drbg a, b;

	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (u8)(i * 7);
	drbg_init(&a);
	drbg_mix(&a, seed, sizeof(seed));
	drbg_generate(&a, ref, sizeof(ref));
	drbg_init(&b);
	drbg_mix(&b, seed, sizeof(seed));
	drbg_generate(&b, out, sizeof(out));
	assert_memory_equal(ref, out, sizeof(ref));
	for (unsigned i = 0; i < sizeof(seed); i++) {
		seed[i] ^= 1;
		drbg_init(&b);
		drbg_mix(&b, seed, sizeof(seed));
		drbg_generate(&b, out, sizeof(out));
		assert_memory_not_equal(ref, out, sizeof(ref));
		seed[i] ^= 1;
	}
	/* Two equal 32-byte pieces do not cancel out. */
	memset(seed, 0xAA, 64);
	drbg_init(&b);
	drbg_mix(&b, seed, 64);
	drbg_generate(&b, out, sizeof(out));
	drbg_init(&a);
	drbg_generate(&a, ref, sizeof(ref));
	assert_memory_not_equal(ref, out, sizeof(ref));
	/* A reseed, even with nothing, moves to another stream. */
	drbg_init(&a);
	drbg_mix(&a, seed, 64);
	drbg_mix(&a, NULL, 0);
	drbg_generate(&a, ref, sizeof(ref));
	assert_memory_not_equal(ref, out, sizeof(ref));
}

/*
 * Two boots of hyparm: QEMU's rng-seed differs, or (same seed, e.g. QEMU's
 * -seed) the counter at boot does. Each time core/main.c mixes the DT seed
 * and then entropy_add_cpu()'s counter: the streams differ either way.
 */
static void two_boots_never_get_the_same_bytes(void **state)
{
	u8 s1[32], s2[32], o1[64], o2[64];
	u64 c1 = 123456, c2 = 123457;
	struct drbg a, b;

	memset(s1, 0x11, sizeof(s1));
	memcpy(s2, s1, sizeof(s2));
	s2[31] ^= 0x80;
	drbg_init(&a);
	drbg_mix(&a, s1, sizeof(s1));
	drbg_mix(&a, &c1, sizeof(c1));
	drbg_generate(&a, o1, sizeof(o1));
	drbg_init(&b);
	drbg_mix(&b, s2, sizeof(s2));
	drbg_mix(&b, &c1, sizeof(c1));
	drbg_generate(&b, o2, sizeof(o2));
	assert_memory_not_equal(o1, o2, sizeof(o1));
	drbg_init(&b);
	drbg_mix(&b, s1, sizeof(s1));
	drbg_mix(&b, &c2, sizeof(c2));
	drbg_generate(&b, o2, sizeof(o2));
	assert_memory_not_equal(o1, o2, sizeof(o1));
}

/*
 * The shared generator: VMs boot, reboot and call the TRNG, each request
 * gets fresh bytes; no 8-byte value of 4000 requests' 64 bytes repeats.
 */
#define REQS 4000
static u64 seen[REQS * 8];

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

static void two_vms_and_two_boots_never_get_the_same_bytes(void **state)
{
	arch_fake_reset(2, 4);
	arch_fake_sysregs_clear();
	entropy_add("the boot loader's seed", 22, true);
	assert_true(entropy_seeded());
	for (unsigned r = 0; r < REQS; r++) {
		if (r % 3 == 0)
			entropy_add_cpu(); /* a VM boots: core/vm_load.c reseeds first */
		entropy_get(&seen[r * 8], 64);
	}
	qsort(seen, REQS * 8, sizeof(seen[0]), cmp_u64);
	for (unsigned i = 1; i < REQS * 8; i++)
		assert_true(seen[i] != seen[i - 1]);
}

/* RNDR counts as a real source only where ID_AA64ISAR0_EL1.RNDR says the CPU has it. */
static void rndr_is_used_only_where_the_cpu_has_it(void **state)
{
	arch_fake_reset(2, 4);
	arch_fake_sysregs_clear();
	assert_false(entropy_add_cpu());
	assert_int_equal(arch_fake_sysreg_read("rndr"), 0);
	arch_fake_sysreg_write("id_aa64isar0_el1", 1ULL << 60);
	arch_fake_sysreg_write("rndr", 1000);
	assert_true(entropy_add_cpu());
	assert_int_equal(arch_fake_sysreg_read("rndr"), 1004); /* 256 bits: four reads */
	arch_fake_sysregs_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chacha20_block_rfc8439_2_3_2),
		cmocka_unit_test(chacha20_block_rfc8439_a1),
		cmocka_unit_test(chacha20_encryption_rfc8439_2_4_2),
		cmocka_unit_test(drbg_erases_its_key_at_every_request),
		cmocka_unit_test(drbg_output_depends_on_every_seed_byte),
		cmocka_unit_test(two_boots_never_get_the_same_bytes),
		cmocka_unit_test(two_vms_and_two_boots_never_get_the_same_bytes),
		cmocka_unit_test(rndr_is_used_only_where_the_cpu_has_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
