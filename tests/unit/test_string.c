/*
 * lib/string.c's memcpy and memmove at every pair of misalignments and
 * lengths around the word and the 4-word loop: the bytes copied, nothing
 * written outside the destination. Catches: the unaligned-source word
 * loop (memcpy of a frame into a buffer at another misalignment) copying
 * from the wrong offset, or a tail of up to 7 bytes lost or written past n;
 * and (under AddressSanitizer, as `make unit` builds it) a word load that
 * reads past the source's last byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define SPAN 96

static void copies_at_every_misalignment(void **state)
{
	static unsigned char src[SPAN + 16], dst[SPAN + 32], want[SPAN + 32];

	(void)state;
	for (unsigned i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (unsigned so = 0; so < 8; so++)
		for (unsigned dof = 0; dof < 8; dof++)
			for (unsigned n = 0; n <= SPAN; n++) {
				for (unsigned i = 0; i < sizeof(dst); i++)
					dst[i] = want[i] = 0xEE;
				for (unsigned i = 0; i < n; i++)
					want[8 + dof + i] = src[so + i];
				memcpy(dst + 8 + dof, src + so, n);
				if (memcmp(dst, want, sizeof(dst)))
					fail_msg("memcpy: src +%u, dst +%u, %u bytes", so, dof, n);
			}
}

/*
 * The source ends exactly at the end of a heap block, so a load of a word
 * that runs past its last byte is an AddressSanitizer error (the shifting
 * word loop must copy a partial last word bytewise).
 */
static void never_reads_past_the_source(void **state)
{
	(void)state;
	for (unsigned so = 0; so < 8; so++)
		for (unsigned dof = 0; dof < 8; dof++)
			for (unsigned n = 1; n <= SPAN; n++) {
				unsigned char *block = malloc(so + n), dst[SPAN + 16];
				assert_non_null(block);
				for (unsigned i = 0; i < so + n; i++)
					block[i] = (unsigned char)(i * 13 + 5);
				memcpy(dst + dof, block + so, n);
				if (memcmp(dst + dof, block + so, n))
					fail_msg("memcpy: src +%u (end of a block), dst +%u, %u bytes", so,
						 dof, n);
				free(block);
			}
}

static void memmove_overlapping_both_ways(void **state)
{
	unsigned char buf[SPAN + 16], ref[SPAN + 16];

	(void)state;
	for (unsigned from = 0; from < 16; from++)
		for (unsigned to = 0; to < 16; to++) {
			for (unsigned i = 0; i < sizeof(buf); i++)
				buf[i] = ref[i] = (unsigned char)i;
			for (unsigned i = 0; i < SPAN; i++) /* what a correct overlapping move gives */
				ref[to + i] = (unsigned char)(from + i);
			memmove(buf + to, buf + from, SPAN);
			if (memcmp(buf, ref, sizeof(buf)))
				fail_msg("memmove: from %u to %u", from, to);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copies_at_every_misalignment),
		cmocka_unit_test(never_reads_past_the_source),
		cmocka_unit_test(memmove_overlapping_both_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
