/* lib/printf.c: hv_snprintf / hv_vsnprintf conversions, flags, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/print.h>

/* No format attribute: for format strings the compiler would (rightly) warn about. */
static int unchecked_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Checks the text and that the return value is the full length. */
#define EXPECT_WITH(print, expected, ...) \
	do { \
		char out_[256]; \
		memset(out_, 'Z', sizeof(out_)); \
		int n_ = print(out_, sizeof(out_), __VA_ARGS__); \
		assert_string_equal(out_, expected); \
		assert_int_equal(n_, strlen(expected)); \
	} while (0)
#define EXPECT(expected, ...) EXPECT_WITH(hv_snprintf, expected, __VA_ARGS__)
/* For formats the compiler's printf checker (rightly) frowns upon. */
#define EXPECT_UNCHECKED(expected, ...) EXPECT_WITH(unchecked_snprintf, expected, __VA_ARGS__)

static void plain_text_and_percent_are_copied(void **state)
{
	EXPECT("hello", "hello");
	EXPECT("100%", "100%%");
	EXPECT("%%", "%%%%");
}

static void empty_format_gives_empty_string(void **state)
{
	char out[8] = "xxxxxxx";

	assert_int_equal(unchecked_snprintf(out, sizeof(out), ""), 0);
	assert_string_equal(out, "");
}

static void signed_decimal(void **state)
{
	EXPECT("0", "%d", 0);
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%d", -42);
	EXPECT("-7", "%i", -7);
	EXPECT("2147483647", "%d", INT_MAX);
	EXPECT("-2147483648", "%d", INT_MIN);
}

static void unsigned_decimal(void **state)
{
	EXPECT("0", "%u", 0u);
	EXPECT("4294967295", "%u", UINT_MAX);
	/* A negative int passed to %u is its two's-complement value. */
	EXPECT("4294967295", "%u", (unsigned)-1);
}

static void hexadecimal_lower_and_upper(void **state)
{
	EXPECT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT("0", "%x", 0u);
	EXPECT("ffffffff", "%x", UINT_MAX);
}

static void long_modifier(void **state)
{
	EXPECT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT("9223372036854775807", "%ld", LONG_MAX);
	EXPECT("18446744073709551615", "%lu", ULONG_MAX);
	EXPECT("ffffffffffffffff", "%lx", ULONG_MAX);
}

static void long_long_modifier_extremes(void **state)
{
	EXPECT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT("9223372036854775807", "%lld", (long long)INT64_MAX);
	EXPECT("-1", "%lli", -1LL);
	EXPECT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	EXPECT("FFFFFFFFFFFFFFFF", "%llX", (unsigned long long)UINT64_MAX);
	EXPECT("123456789abcdef0", "%llx", 0x123456789abcdef0ULL);
}

static void size_t_modifier(void **state)
{
	EXPECT("12345", "%zu", (size_t)12345);
	EXPECT("ffffffffffffffff", "%zx", SIZE_MAX);
	EXPECT("-1", "%zd", (ptrdiff_t)-1);
}

static void short_and_char_modifiers_truncate(void **state)
{
	EXPECT("-1", "%hd", (short)-1);
	EXPECT("65535", "%hu", (unsigned short)0xffff);
	EXPECT("-128", "%hhd", (signed char)-128);
	EXPECT("ff", "%hhx", (unsigned char)0xff);
}

static void width_pads_on_the_left(void **state)
{
	EXPECT("   42", "%5d", 42);
	EXPECT("  -42", "%5d", -42);
	EXPECT("12345", "%3d", 12345); /* width is a minimum */
	EXPECT("  abc", "%5s", "abc");
	EXPECT("    x", "%5c", 'x');
}

static void minus_flag_pads_on_the_right(void **state)
{
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("abc  |", "%-5s|", "abc");
	EXPECT("x  |", "%-3c|", 'x');
	EXPECT("ff   |", "%-5x|", 0xffu);
}

static void zero_flag_pads_after_the_sign(void **state)
{
	EXPECT("00042", "%05d", 42);
	EXPECT("-0042", "%05d", -42);
	EXPECT("0000beef", "%08x", 0xbeefu);
	EXPECT("-000000000000000000000000000000000000000000042", "%046d", -42);
}

static void minus_flag_overrides_zero_flag(void **state)
{
	EXPECT_UNCHECKED("42   |", "%-05d|", 42);
}

static void star_width_from_arguments(void **state)
{
	EXPECT("    7", "%*d", 5, 7);
	EXPECT("7    |", "%*d|", -5, 7); /* negative width means left-justify */
	EXPECT("0007", "%0*d", 4, 7);
	EXPECT("  ab", "%*s", 4, "ab");
}

static void plus_space_and_alternate_flags(void **state)
{
	EXPECT("+5", "%+d", 5);
	EXPECT("-5", "%+d", -5);
	EXPECT(" 5", "% d", 5);
	EXPECT("0xbeef", "%#x", 0xbeefu);
	EXPECT("0XBEEF", "%#X", 0xbeefu);
	EXPECT("0", "%#x", 0u);
	EXPECT("0x0000beef", "%#010x", 0xbeefu);
}

static void integer_precision_is_minimum_digits(void **state)
{
	EXPECT("007", "%.3d", 7);
	EXPECT("-007", "%.3d", -7);
	EXPECT("     007", "%8.3d", 7);
	EXPECT_UNCHECKED("     007", "%08.3d", 7); /* '0' is ignored with a precision */
	EXPECT("", "%.0d", 0);
	EXPECT("00ff", "%.4x", 0xffu);
}

static void pointer_is_0x_and_hex(void **state)
{
	EXPECT("0x1234", "%p", (void *)0x1234);
	EXPECT("0xffff800012345678", "%p", (void *)0xffff800012345678ULL);
	EXPECT("0x0", "%p", (void *)NULL);
	EXPECT("    0x1234", "%10p", (void *)0x1234);
	EXPECT("0x1234    |", "%-10p|", (void *)0x1234);
}

static void string_and_null_string(void **state)
{
	EXPECT("abc", "%s", "abc");
	EXPECT("", "%s", "");
	EXPECT_UNCHECKED("(null)", "%s", (char *)NULL);
	EXPECT_UNCHECKED("  (null)", "%8s", (char *)NULL);
}

static void string_precision_limits_length(void **state)
{
	EXPECT("ab", "%.2s", "abcdef");
	EXPECT("abc", "%.10s", "abc");
	EXPECT("", "%.0s", "abc");
	EXPECT("   ab", "%5.2s", "abcdef");
	EXPECT("cd", "%.*s", 2, "cdef");
	EXPECT("whole", "%.*s", -1, "whole"); /* negative precision = none */
}

static void string_precision_never_reads_past_it(void **state)
{
	/* Exactly 3 bytes, no NUL: ASan catches any read beyond. */
	char *raw = malloc(3);
	char out[16];

	assert_non_null(raw);
	memcpy(raw, "xyz", 3);
	assert_int_equal(hv_snprintf(out, sizeof(out), "[%.*s]", 3, raw), 5);
	assert_string_equal(out, "[xyz]");
	free(raw);
}

static void character(void **state)
{
	EXPECT("a", "%c", 'a');
	EXPECT("a-b", "%c-%c", 'a', 'b');
}

static void mixed_arguments_keep_their_order(void **state)
{
	EXPECT("vm guest0: 2 vCPUs, 64 MiB at 0x40000000 [ok] 100%",
	       "vm %s: %u vCPU%s, %llu MiB at 0x%llx [%c%c] %d%%", "guest0", 2u, "s", 64ULL, 0x40000000ULL,
	       'o', 'k', 100);
	EXPECT("-1 18446744073709551615 x ffffffff", "%lld %llu %s %x", -1LL, (unsigned long long)-1, "x",
	       UINT_MAX);
}

static void truncation_keeps_nul_and_returns_full_length(void **state)
{
	char out[5];

	memset(out, 'Z', sizeof(out));
	assert_int_equal(hv_snprintf(out, sizeof(out), "hello world"), 11);
	assert_string_equal(out, "hell");

	assert_int_equal(hv_snprintf(out, sizeof(out), "%d", 123456), 6);
	assert_string_equal(out, "1234");

	assert_int_equal(hv_snprintf(out, sizeof(out), "%8s|", "ab"), 9);
	assert_string_equal(out, "    ");
}

static void exact_fit_and_one_short(void **state)
{
	char out[6];

	assert_int_equal(hv_snprintf(out, sizeof(out), "abcde"), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(hv_snprintf(out, sizeof(out), "abcdef"), 6);
	assert_string_equal(out, "abcde");
}

static void size_one_gives_empty_string(void **state)
{
	char out[4] = "xyz";

	assert_int_equal(hv_snprintf(out, 1, "%s", "long"), 4);
	assert_int_equal(out[0], '\0');
	assert_int_equal(out[1], 'y'); /* nothing past size is touched */
}

static void size_zero_writes_nothing(void **state)
{
	char out[4] = "xyz";

	assert_int_equal(hv_snprintf(out, 0, "%d", 12345), 5);
	assert_string_equal(out, "xyz");
	assert_int_equal(hv_snprintf(NULL, 0, "%s-%d", "abc", 7), 5);
}

static void unknown_conversion_is_shown_as_written(void **state)
{
	char out[32];

	assert_int_equal(unchecked_snprintf(out, sizeof(out), "a%qb"), 4);
	assert_string_equal(out, "a%qb");
	assert_int_equal(unchecked_snprintf(out, sizeof(out), "abc%"), 4);
	assert_string_equal(out, "abc%");
	assert_int_equal(unchecked_snprintf(out, sizeof(out), "x%-5"), 4);
	assert_string_equal(out, "x%-5");
}

static int via_va_list(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void vsnprintf_takes_a_va_list(void **state)
{
	char out[32];

	assert_int_equal(via_va_list(out, sizeof(out), "%s:%u: %s", "vms.conf", 7u, "bad"), 15);
	assert_string_equal(out, "vms.conf:7: bad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_and_percent_are_copied),
		cmocka_unit_test(empty_format_gives_empty_string),
		cmocka_unit_test(signed_decimal),
		cmocka_unit_test(unsigned_decimal),
		cmocka_unit_test(hexadecimal_lower_and_upper),
		cmocka_unit_test(long_modifier),
		cmocka_unit_test(long_long_modifier_extremes),
		cmocka_unit_test(size_t_modifier),
		cmocka_unit_test(short_and_char_modifiers_truncate),
		cmocka_unit_test(width_pads_on_the_left),
		cmocka_unit_test(minus_flag_pads_on_the_right),
		cmocka_unit_test(zero_flag_pads_after_the_sign),
		cmocka_unit_test(minus_flag_overrides_zero_flag),
		cmocka_unit_test(star_width_from_arguments),
		cmocka_unit_test(plus_space_and_alternate_flags),
		cmocka_unit_test(integer_precision_is_minimum_digits),
		cmocka_unit_test(pointer_is_0x_and_hex),
		cmocka_unit_test(string_and_null_string),
		cmocka_unit_test(string_precision_limits_length),
		cmocka_unit_test(string_precision_never_reads_past_it),
		cmocka_unit_test(character),
		cmocka_unit_test(mixed_arguments_keep_their_order),
		cmocka_unit_test(truncation_keeps_nul_and_returns_full_length),
		cmocka_unit_test(exact_fit_and_one_short),
		cmocka_unit_test(size_one_gives_empty_string),
		cmocka_unit_test(size_zero_writes_nothing),
		cmocka_unit_test(unknown_conversion_is_shown_as_written),
		cmocka_unit_test(vsnprintf_takes_a_va_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
