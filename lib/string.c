/*
 * The C library string functions EL2 code uses (there is no libc at EL2).
 * Prototypes come from the C library headers, which stay on the include path.
 * Host unit tests use the host's libc instead of this file, but for
 * tests/unit/test_string.c, which tests this one.
 *
 * hyparm is built with -mstrict-align, and guest RAM may still be mapped as
 * Device memory early on, so word accesses are only made at aligned addresses.
 *
 * GCC recognises byte loops as memset/memcpy patterns and would replace them
 * by calls to the very functions being defined: NO_PATTERNS stops that.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <hyparm/types.h>

#define NO_PATTERNS __attribute__((optimize("no-tree-loop-distribute-patterns")))

#define WORD sizeof(u64)
/* Word accesses to memory that callers see with other types. */
typedef u64 __attribute__((may_alias)) word_t;

static inline bool word_aligned(uintptr_t addr)
{
	return (addr & (WORD - 1)) == 0;
}

/*
 * Forward copy without restrict, so memmove may use it for dst < src:
 * each word is loaded before any later store can reach it.
 */
NO_PATTERNS static inline void copy_forward(u8 *d, const u8 *s, size_t n)
{
	/* Same misalignment: copy bytes up to a word boundary, then whole words. */
	if (((uintptr_t)d & (WORD - 1)) == ((uintptr_t)s & (WORD - 1))) {
		while (n && !word_aligned((uintptr_t)d)) {
			*d++ = *s++;
			n--;
		}
		word_t *dw = (word_t *)d;
		const word_t *sw = (const word_t *)s;
		while (n >= 4 * WORD) {
			dw[0] = sw[0];
			dw[1] = sw[1];
			dw[2] = sw[2];
			dw[3] = sw[3];
			dw += 4;
			sw += 4;
			n -= 4 * WORD;
		}
		while (n >= WORD) {
			*dw++ = *sw++;
			n -= WORD;
		}
		d = (u8 *)dw;
		s = (const u8 *)sw;
	} else if (n >= 3 * WORD) {
		/*
		 * Different misalignment (a network frame 12 bytes into a buffer
		 * whose other end sits anywhere): aligned stores, and aligned loads
		 * whose bytes are shifted into place, two shifts and an OR a word
		 * (the virtio benchmarks found 88 % of hyparm's instructions per
		 * MB moved in a byte loop here, 79 % still with words built from
		 * byte loads, which is what -mstrict-align makes of unaligned ones).
		 * Little-endian: the first byte in memory is a word's low byte.
		 */
		while (!word_aligned((uintptr_t)d)) {
			*d++ = *s++;
			n--;
		}
		unsigned off = (unsigned)((uintptr_t)s & (WORD - 1)); /* 1..7: the shared case went above */
		unsigned rs = 8 * off, ls = 64 - rs;
		/*
		 * carry: the source bytes up to the next aligned word, low bytes
		 * first, gathered one by one so that no load reaches before s; each
		 * aligned word loaded below lies wholly inside [s, s + n) too (a
		 * partial word past the end is copied bytewise), so nothing outside
		 * the source is read, as AddressSanitizer checks in the unit test.
		 */
		u64 carry = 0;
		for (unsigned i = 0; i < WORD - off; i++)
			carry |= (u64)s[i] << (8 * i);
		const word_t *sw = (const word_t *)(s + (WORD - off));
		word_t *dw = (word_t *)d;
		/* n counts from s, where carry's bytes start: a word from sw needs 16 - off of them. */
		while (n >= 4 * WORD + WORD - off) {
			u64 w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
			dw[0] = carry | w0 << ls;
			dw[1] = w0 >> rs | w1 << ls;
			dw[2] = w1 >> rs | w2 << ls;
			dw[3] = w2 >> rs | w3 << ls;
			carry = w3 >> rs;
			dw += 4;
			sw += 4;
			s += 4 * WORD;
			n -= 4 * WORD;
		}
		while (n >= 2 * WORD - off) {
			u64 w = *sw++;
			*dw++ = carry | w << ls;
			carry = w >> rs;
			s += WORD;
			n -= WORD;
		}
		d = (u8 *)dw; /* the rest, under 2 words, bytewise from s (carry's bytes included) */
	}
	while (n--)
		*d++ = *s++;
}

NO_PATTERNS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

NO_PATTERNS void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	/* A forward copy is safe unless dst starts inside the source. */
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_forward(d, s, n);
		return dst;
	}

	d += n;
	s += n;
	if (((uintptr_t)d & (WORD - 1)) == ((uintptr_t)s & (WORD - 1))) {
		while (n && !word_aligned((uintptr_t)d)) {
			*--d = *--s;
			n--;
		}
		word_t *dw = (word_t *)d;
		const word_t *sw = (const word_t *)s;
		while (n >= WORD) {
			*--dw = *--sw;
			n -= WORD;
		}
		d = (u8 *)dw;
		s = (const u8 *)sw;
	}
	while (n--)
		*--d = *--s;
	return dst;
}

NO_PATTERNS void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u8 byte = (u8)c;

	while (n && !word_aligned((uintptr_t)d)) {
		*d++ = byte;
		n--;
	}
	u64 pattern = 0x0101010101010101ULL * byte;
	word_t *dw = (word_t *)d;
	while (n >= 4 * WORD) {
		dw[0] = pattern;
		dw[1] = pattern;
		dw[2] = pattern;
		dw[3] = pattern;
		dw += 4;
		n -= 4 * WORD;
	}
	while (n >= WORD) {
		*dw++ = pattern;
		n -= WORD;
	}
	d = (u8 *)dw;
	while (n--)
		*d++ = byte;
	return dst;
}

NO_PATTERNS int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

NO_PATTERNS void *memchr(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == (u8)c)
			return (void *)(p + i);
	}
	return NULL;
}

NO_PATTERNS size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* POSIX, not C11, so <string.h> does not declare it under -std=c11; libfdt calls it. */
size_t strnlen(const char *s, size_t max);
NO_PATTERNS size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

NO_PATTERNS int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x == *y ? 0 : (*x < *y ? -1 : 1);
}

NO_PATTERNS int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
		if (!x[i])
			return 0;
	}
	return 0;
}

NO_PATTERNS char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

NO_PATTERNS char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36; /* not a digit in any base */
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * As C says: leading space, optional sign, base 0 picks 8/10/16 from the
 * prefix, "0x" allowed in base 16, overflow gives ULONG_MAX (there is no
 * errno at EL2), and a '-' negates the result in unsigned arithmetic.
 */
unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base)
{
	const char *s = nptr;
	bool negative = false, overflow = false, any = false;
	unsigned long value = 0;

	if (base < 0 || base == 1 || base > 36) {
		if (endptr)
			*endptr = (char *)nptr;
		return 0;
	}
	while (is_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	/* "0x" counts as a prefix only if a hex digit follows; else the "0" is the number. */
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}

	for (;; s++) {
		int d = digit_value(*s);
		if (d >= base)
			break;
		any = true;
		if (value > (ULONG_MAX - (unsigned long)d) / (unsigned long)base)
			overflow = true;
		else
			value = value * (unsigned long)base + (unsigned long)d;
	}

	if (endptr)
		*endptr = (char *)(any ? s : nptr);
	if (!any)
		return 0;
	if (overflow)
		return ULONG_MAX;
	return negative ? 0UL - value : value;
}
