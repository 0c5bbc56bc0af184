/* What of a guest's UART output reaches the terminal (see hyparm/console_filter.h). */
#include <hyparm/console_filter.h>

#define ESC 0x1B
#define BS 0x08

enum { TEXT, AFTER_ESC, IN_CSI };

/* c as visible text: ^X for C0 controls and DEL, \xNN above 0x7E, itself otherwise. */
static size_t escaped(u8 c, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (c < 0x20 || c == 0x7F) {
		out[0] = '^';
		out[1] = c == 0x7F ? '?' : (char)(c + 0x40);
		return 2;
	}
	if (c > 0x7E) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

static size_t text(struct console_filter *f, const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = s[i];
	f->col += n;
	return n;
}

/* The numeric parameter of a CSI sequence with at most one ("" is def). -1 if not such a sequence. */
static long one_param(const struct console_filter *f, unsigned len, long def)
{
	long n = 0;

	if (len == 0)
		return def;
	for (unsigned i = 0; i < len; i++) {
		if (f->seq[i] < '0' || f->seq[i] > '9')
			return -1;
		n = n * 10 + (f->seq[i] - '0');
		if (n > 1000)
			return -1;
	}
	return n;
}

/* Whether the complete sequence ESC [ seq (final byte last) may reach the terminal; moves col if so. */
static bool csi_allowed(struct console_filter *f)
{
	unsigned len = f->seq_len - 1;
	u8 final = f->seq[len];
	long n;

	switch (final) {
	case 'm': /* colours and attributes: parameters are digits and ';' only */
		for (unsigned i = 0; i < len; i++)
			if ((f->seq[i] < '0' || f->seq[i] > '9') && f->seq[i] != ';')
				return false;
		return true;
	case 'n':
		n = one_param(f, len, -1);
		return n == 5 || n == 6;
	case 'K': /* erase to the end of the line */
	case 'J': /* erase to the end of the screen: nothing below, as the cursor never goes up */
		return one_param(f, len, 0) == 0;
	case 'D':
		n = one_param(f, len, 1);
		if (n < 0 || (unsigned long)n > f->col)
			return false;
		f->col -= n;
		return true;
	case 'C':
		n = one_param(f, len, 1);
		if (n < 0)
			return false;
		f->col += n;
		return true;
	default:
		return false;
	}
}

/* The sequence so far (ESC [ seq), shown escaped. */
static size_t refuse_seq(struct console_filter *f, char *out)
{
	size_t n = escaped(ESC, out);

	n += text(f, "[", 1, out + n);
	for (unsigned i = 0; i < f->seq_len; i++) {
		size_t k = escaped(f->seq[i], out + n);
		f->col += k;
		n += k;
	}
	f->col += 2; /* the ^[ */
	f->state = TEXT;
	return n;
}

size_t console_filter_byte(struct console_filter *f, u8 c, bool focused, char *out)
{
	size_t n;

	switch (f->state) {
	case AFTER_ESC:
		if (c == '[' && focused) {
			f->state = IN_CSI;
			f->seq_len = 0;
			return 0;
		}
		f->state = TEXT;
		n = escaped(ESC, out);
		f->col += n;
		return n + console_filter_byte(f, c, focused, out + n);
	case IN_CSI:
		f->seq[f->seq_len++] = c;
		if (c >= 0x40 && c <= 0x7E) { /* final byte */
			if (focused && csi_allowed(f)) {
				out[0] = ESC;
				out[1] = '[';
				for (unsigned i = 0; i < f->seq_len; i++)
					out[2 + i] = (char)f->seq[i];
				f->state = TEXT;
				return 2 + f->seq_len;
			}
			return refuse_seq(f, out);
		}
		if (c < 0x20 || c > 0x3F || f->seq_len == CONSOLE_SEQ_MAX) {
			/* Not a parameter or intermediate byte, or too long: show what came so far. */
			f->seq_len--;
			n = refuse_seq(f, out);
			return n + console_filter_byte(f, c, focused, out + n);
		}
		return 0;
	}
	if (c == '\n') {
		f->col = 0;
		out[0] = '\n';
		return 1;
	}
	if (c == '\r')
		return 0;
	if (c == ESC) {
		f->state = AFTER_ESC;
		return 0;
	}
	if (c == '\t') {
		out[0] = '\t';
		f->col = (f->col | 7) + 1;
		return 1;
	}
	if (c == BS && focused && f->col > 0) {
		f->col--;
		out[0] = BS;
		return 1;
	}
	n = escaped(c, out);
	f->col += n;
	return n;
}

void console_filter_at_col(struct console_filter *f, unsigned col)
{
	f->col = col;
}
