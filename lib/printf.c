/*
 * hv_vsnprintf / hv_snprintf (see include/hyparm/print.h).
 *
 * Pure: no console, no locks, no libc calls, so it runs at EL2 and links
 * unchanged into host unit tests. No floating point: EL2 code must not touch
 * the FP/SIMD registers, which hold the guest's state.
 */
#include <limits.h>
#include <hyparm/print.h>

struct out {
	char *buf;
	size_t size;
	size_t pos; /* bytes the full output has so far, written or not */
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
}

struct spec {
	bool left; /* '-' */
	bool zero; /* '0' */
	bool plus; /* '+' */
	bool space; /* ' ' */
	bool alt; /* '#' */
	int width;
	int prec; /* -1: none given */
};

/* Pad a ready-made piece of text of length len to the field width. */
static void put_field(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!sp->left)
		put_repeat(o, ' ', pad);
	put_str(o, s, len);
	if (sp->left)
		put_repeat(o, ' ', pad);
}

static void put_number(struct out *o, const struct spec *sp, unsigned long long mag, bool negative,
		       unsigned base, bool upper, bool force_hex_prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 2^64-1 has 20 decimal digits */
	char prefix[2];
	int nd = 0, np = 0, prec_zeros, zero_pad = 0, total, space_pad;

	/* C: an explicit precision of 0 prints nothing for the value 0. */
	if (!(mag == 0 && sp->prec == 0)) {
		do {
			tmp[sizeof(tmp) - 1 - nd++] = digits[mag % base];
			mag /= base;
		} while (mag);
	}

	if (negative)
		prefix[np++] = '-';
	else if (sp->plus && base == 10)
		prefix[np++] = '+';
	else if (sp->space && base == 10)
		prefix[np++] = ' ';
	if (base == 16 && (force_hex_prefix || (sp->alt && nd && tmp[sizeof(tmp) - 1] != '0'))) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	prec_zeros = sp->prec > nd ? sp->prec - nd : 0;
	total = np + prec_zeros + nd;
	/* '0' pads between the sign/prefix and the digits, unless '-' or a precision says otherwise. */
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total)
		zero_pad = sp->width - total;
	total += zero_pad;
	space_pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left)
		put_repeat(o, ' ', space_pad);
	put_str(o, prefix, np);
	put_repeat(o, '0', zero_pad + prec_zeros);
	put_str(o, tmp + sizeof(tmp) - nd, nd);
	if (sp->left)
		put_repeat(o, ' ', space_pad);
}

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, buf ? size : 0, 0 };

	while (*fmt) {
		struct spec sp = { .prec = -1 };
		enum length len = LEN_NONE;
		const char *start = fmt;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;

		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}

		if (*fmt == '*') {
			int w = va_arg(ap, int);
			fmt++;
			/* C: a negative '*' width means '-' with its magnitude. */
			if (w < 0) {
				sp.left = true;
				w = w == INT_MIN ? INT_MAX : -w;
			}
			sp.width = w;
		} else {
			while (is_digit(*fmt)) {
				if (sp.width < 100000000)
					sp.width = sp.width * 10 + (*fmt - '0');
				fmt++;
			}
		}

		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				int p = va_arg(ap, int);
				fmt++;
				sp.prec = p < 0 ? -1 : p; /* C: negative means "no precision" */
			} else {
				while (is_digit(*fmt)) {
					if (sp.prec < 100000000)
						sp.prec = sp.prec * 10 + (*fmt - '0');
					fmt++;
				}
			}
		}

		switch (*fmt) {
		case 'h':
			fmt++;
			len = LEN_H;
			if (*fmt == 'h') {
				fmt++;
				len = LEN_HH;
			}
			break;
		case 'l':
			fmt++;
			len = LEN_L;
			if (*fmt == 'l') {
				fmt++;
				len = LEN_LL;
			}
			break;
		case 'z':
			fmt++;
			len = LEN_Z;
			break;
		case 'j':
			fmt++;
			len = LEN_J;
			break;
		case 't':
			fmt++;
			len = LEN_T;
			break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v;
			switch (len) {
			case LEN_HH:
				v = (signed char)va_arg(ap, int);
				break;
			case LEN_H:
				v = (short)va_arg(ap, int);
				break;
			case LEN_L:
				v = va_arg(ap, long);
				break;
			case LEN_LL:
				v = va_arg(ap, long long);
				break;
			case LEN_Z:
				v = va_arg(ap, ptrdiff_t);
				break; /* signed counterpart of size_t */
			case LEN_J:
				v = va_arg(ap, intmax_t);
				break;
			case LEN_T:
				v = va_arg(ap, ptrdiff_t);
				break;
			default:
				v = va_arg(ap, int);
				break;
			}
			/* Unsigned negation: well defined even for the most negative value. */
			put_number(&o, &sp, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v,
				   v < 0, 10, false, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v;
			switch (len) {
			case LEN_HH:
				v = (unsigned char)va_arg(ap, unsigned int);
				break;
			case LEN_H:
				v = (unsigned short)va_arg(ap, unsigned int);
				break;
			case LEN_L:
				v = va_arg(ap, unsigned long);
				break;
			case LEN_LL:
				v = va_arg(ap, unsigned long long);
				break;
			case LEN_Z:
				v = va_arg(ap, size_t);
				break;
			case LEN_J:
				v = va_arg(ap, uintmax_t);
				break;
			case LEN_T:
				v = (unsigned long long)va_arg(ap, ptrdiff_t);
				break;
			default:
				v = va_arg(ap, unsigned int);
				break;
			}
			sp.plus = sp.space = false; /* no sign on unsigned conversions */
			put_number(&o, &sp, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', false);
			break;
		}
		case 'p': {
			struct spec psp = sp;
			psp.plus = psp.space = false;
			put_number(&o, &psp, (unsigned long long)(uintptr_t)va_arg(ap, void *), false, 16,
				   false, true);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;
			if (!s)
				s = "(null)";
			/* With a precision the string need not be NUL-terminated: never look past it. */
			while ((sp.prec < 0 || n < (size_t)sp.prec) && s[n])
				n++;
			put_field(&o, &sp, s, n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_field(&o, &sp, &c, 1);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: show it as written, so the mistake is visible. */
			if (*fmt) {
				put_str(&o, start, (size_t)(fmt - start) + 1);
			} else {
				put_str(&o, start, (size_t)(fmt - start));
				continue;
			}
			break;
		}
		fmt++;
	}

	if (o.size)
		o.buf[o.pos < o.size ? o.pos : o.size - 1] = '\0';
	return o.pos > INT_MAX ? INT_MAX : (int)o.pos;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
