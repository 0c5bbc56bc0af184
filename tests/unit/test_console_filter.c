/* The console's per-VM output filter: what of a guest's bytes may reach the terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/console_filter.h>

static struct console_filter f;
static char got[4096];

static int setup(void **state)
{
	memset(&f, 0, sizeof(f));
	return 0;
}

/* Feed s (n bytes) and return what the terminal would get, NUL-terminated. */
static const char *feed_n(const char *s, size_t n, bool focused)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char out[CONSOLE_FILTER_OUT_MAX];
		size_t k = console_filter_byte(&f, (unsigned char)s[i], focused, out);
		assert_true(k <= CONSOLE_FILTER_OUT_MAX);
		assert_true(len + k < sizeof(got));
		memcpy(got + len, out, k);
		len += k;
	}
	got[len] = 0;
	assert_int_equal(strlen(got), len); /* never a NUL byte */
	return got;
}

static const char *feed(const char *s, bool focused)
{
	return feed_n(s, strlen(s), focused);
}

/* Nothing the filter lets through may move the cursor to another line, go back over the prefix or clear it. */
static void assert_harmless(const char *out, bool focused)
{
	for (const char *p = out; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == 0x1B) {
			const char *q = p + 2;
			assert_int_equal(p[1], '[');
			assert_true(focused);
			while (*q && !(*q >= 0x40 && *q <= 0x7E))
				q++;
			assert_non_null(strchr("mnKJCD", *q));
			p = q;
			continue;
		}
		assert_true(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F) || (c == 0x08 && focused));
	}
}

static void printable_text_passes(void **state)
{
	assert_string_equal(feed("hello, world ~!\t1\n", false), "hello, world ~!\t1\n");
	assert_string_equal(feed("hello\n", true), "hello\n");
}

static void carriage_return_is_dropped(void **state)
{
	assert_string_equal(feed("a\r\nb\r", false), "a\nb");
	assert_string_equal(feed("\rhyparm: FAULT", true), "hyparm: FAULT"); /* stays after the prefix */
}

/* The bugs: backspaces, ESC sequences and other controls reached the terminal as they were. */
static void controls_show_escaped(void **state)
{
	assert_string_equal(feed("\b\b\bX", false), "^H^H^HX");
	assert_string_equal(feed("\x7f\x01\x0c\x0b\x00"
				 "z",
				 false),
			    "^?^A^L^K");
	memset(&f, 0, sizeof(f));
	assert_string_equal(feed_n("\x00z", 2, false), "^@z");
	assert_string_equal(feed("\x1b[2K\x1b[1A\x1b"
				 "c",
				 false),
			    "^[[2K^[[1A^[c");
	assert_string_equal(feed("\x9b"
				 "2J\xc3\xa9",
				 false),
			    "\\x9b2J\\xc3\\xa9");
}

static void unfocused_vm_gets_no_escape_sequence_at_all(void **state)
{
	assert_string_equal(feed("\x1b[1mbold\x1b[0m", false), "^[[1mbold^[[0m");
	assert_string_equal(feed("ab\b", false), "ab^H");
}

static void focused_vm_gets_colours_and_status_requests(void **state)
{
	assert_string_equal(feed("\x1b[1;32mok\x1b[0m\x1b[m", true), "\x1b[1;32mok\x1b[0m\x1b[m");
	assert_string_equal(feed("/ # \x1b[6n", true), "/ # \x1b[6n");
	assert_string_equal(feed("\x1b[5n", true), "\x1b[5n");
	assert_string_equal(feed("\x1b[3n", true), "^[[3n");
}

static void focused_vm_cannot_leave_its_line_or_clear_it(void **state)
{
	static const char *refused[] = {
		"\x1b[1A",
		"\x1b[A",
		"\x1b[2B",
		"\x1b[H",
		"\x1b[1;1H",
		"\x1b[2K",
		"\x1b[1K",
		"\x1b[2J",
		"\x1b[1J",
		"\x1b[3J",
		"\x1b[s",
		"\x1b[u",
		"\x1b[1E",
		"\x1b[1F",
		"\x1b[5G",
		"\x1b[?1049h",
		"\x1b[1L",
		"\x1b[1M",
		"\x1b[5S",
		"\x1b[5T",
		"\x1b[1;24r",
		"\x1b"
		"7",
		"\x1b"
		"8",
		"\x1b"
		"c",
		"\x1b"
		"D",
		"\x1b"
		"M",
		"\x1b"
		"E",
		"\x1b]0;title\x07",
		"\x1b[1;31;2;3;4;5;6;7;8;9;10m",
	};

	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		memset(&f, 0, sizeof(f));
		const char *out = feed(refused[i], true);
		assert_null(strchr(out, 0x1B));
		assert_harmless(out, true);
	}
}

/* A shell's line editing: backspace and cursor left, but never back over the prefix. */
static void focused_vm_moves_left_only_over_its_own_text(void **state)
{
	assert_string_equal(feed("abc\b\b", true), "abc\b\b");
	assert_string_equal(feed("\b", true), "\b");
	assert_string_equal(feed("\b", true), "^H"); /* at the prefix: shown, not obeyed */
	/* The ^H shown took 2 columns: 5 now, 2 after moving back 3. */
	assert_string_equal(feed("xyz\x1b[3D", true), "xyz\x1b[3D");
	assert_string_equal(feed("\x1b[3D", true), "^[[3D");
	assert_string_equal(feed("\x1b[K\x1b[0K\x1b[J", true), "\x1b[K\x1b[0K\x1b[J");
	memset(&f, 0, sizeof(f));
	assert_string_equal(feed("\x1b[10C\x1b[10D\x1b[D", true), "\x1b[10C\x1b[10D^[[D");
	/* A new line starts at the prefix again. */
	memset(&f, 0, sizeof(f));
	assert_string_equal(feed("ab\n\b", true), "ab\n^H");
	/* The console printed a fresh prefix and 3 bytes of an earlier line. */
	console_filter_at_col(&f, 3);
	assert_string_equal(feed("\b\b\b\b", true), "\b\b\b^H");
}

static void a_tab_counts_as_columns(void **state)
{
	assert_string_equal(feed("\t\x1b[8D\x1b[D", true), "\t\x1b[8D^[[D");
}

static void unfinished_and_overlong_sequences_are_shown(void **state)
{
	assert_string_equal(feed("\x1b[12\n", true), "^[[12\n");
	memset(&f, 0, sizeof(f));
	/* Cut at CONSOLE_SEQ_MAX: what came is shown, the rest is text. */
	assert_string_equal(feed("\x1b[1111111111111111111111m", true), "^[[1111111111111111111111m");
}

/* Whatever the bytes, the output never holds a line move, and a '\n' only where the guest wrote one. */
static void random_bytes_stay_harmless(void **state)
{
	unsigned seed = 12345;
	char in[512];

	for (int round = 0; round < 2000; round++) {
		size_t nl_in = 0, nl_out = 0;
		bool focused = round & 1;
		memset(&f, 0, sizeof(f));
		for (size_t i = 0; i < sizeof(in); i++) {
			seed = seed * 1103515245 + 12345;
			unsigned r = seed >> 16;
			/* Mostly the interesting bytes: ESC, '[', digits, finals, controls. */
			static const char pick[] = "\x1b[[0123456789;?mnKJCDAHf\b\r\n\t\x7f\x9b\x07x";
			in[i] = (r & 3) ? pick[r % (sizeof(pick) - 1)] : (char)(r >> 2);
			if (in[i] == 0)
				in[i] = 'q';
			nl_in += in[i] == '\n';
		}
		const char *out = feed_n(in, sizeof(in), focused);
		assert_harmless(out, focused);
		for (const char *p = out; *p; p++)
			nl_out += *p == '\n';
		assert_int_equal(nl_in, nl_out);
	}
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(printable_text_passes),
		T(carriage_return_is_dropped),
		T(controls_show_escaped),
		T(unfocused_vm_gets_no_escape_sequence_at_all),
		T(focused_vm_gets_colours_and_status_requests),
		T(focused_vm_cannot_leave_its_line_or_clear_it),
		T(focused_vm_moves_left_only_over_its_own_text),
		T(a_tab_counts_as_columns),
		T(unfinished_and_overlong_sequences_are_shown),
		T(random_bytes_stay_harmless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
