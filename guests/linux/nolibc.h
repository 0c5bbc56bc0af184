/*
 * What the Linux guests' static test programs (hwdebug.c, perfcount.c)
 * share instead of a libc: arm64 system calls by hand, the memset/memcpy
 * gcc may emit, one output line built with put*() and written by flush(),
 * PASS/FAIL counting and the "RESULT: N passed, M failed" line the
 * integration tests read, and _start (main's value is the exit status;
 * NOLIBC_OWN_START leaves _start to a program that reads its arguments).
 * Included once per program; everything is static.
 */
#ifndef GUEST_LINUX_NOLIBC_H
#define GUEST_LINUX_NOLIBC_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef long s64;

#define SYS_write 64
/* The other system calls more than one program makes. */
#define SYS_ioctl 29
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_pread64 67
#define SYS_pwrite64 68
#define SYS_ppoll 73
#define SYS_fsync 82
#define SYS_nanosleep 101
#define SYS_clock_gettime 113
#define SYS_socket 198
#define SYS_bind 200
#define SYS_listen 201
#define SYS_accept 202
#define SYS_connect 203
#define SYS_shutdown 210
#define CLOCK_MONOTONIC 1
#define AT_FDCWD -100

static s64 sys6(u64 n, u64 a, u64 b, u64 c, u64 d, u64 e)
{
	register u64 x8 __asm__("x8") = n;
	register u64 x0 __asm__("x0") = a;
	register u64 x1 __asm__("x1") = b;
	register u64 x2 __asm__("x2") = c;
	register u64 x3 __asm__("x3") = d;
	register u64 x4 __asm__("x4") = e;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
	return (s64)x0;
}
#define sys(n, a, b, c, d) sys6(n, (u64)(a), (u64)(b), (u64)(c), (u64)(d), 0)

/* gcc may call these for struct copies and initialisers. */
void *memset(void *d, int c, u64 n);
void *memset(void *d, int c, u64 n)
{
	char *p = d;
	while (n--)
		*p++ = (char)c;
	return d;
}
void *memcpy(void *d, const void *s, u64 n);
void *memcpy(void *d, const void *s, u64 n)
{
	char *p = d;
	const char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

/* The line being built (flush() ends and writes it). */
static char out[256];
static unsigned outn;
static unsigned passed, failed;

static void put(const char *s)
{
	while (*s && outn < sizeof(out) - 1)
		out[outn++] = *s++;
}

static __attribute__((unused)) void put_hex(u64 v)
{
	char b[19];
	int i = 18;
	b[i] = 0;
	do
		b[--i] = "0123456789abcdef"[v & 0xF];
	while ((v >>= 4) && i > 2);
	b[--i] = 'x';
	b[--i] = '0';
	put(b + i);
}

static void put_dec(u64 v)
{
	char b[21];
	int i = 20;
	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	put(b + i);
}

static void flush(void)
{
	out[outn++] = '\n';
	sys(SYS_write, 1, out, outn, 0);
	outn = 0;
}

/* Count a check whose line the caller has written with put*() and flush()ed. */
static __attribute__((unused)) void count_check(int ok)
{
	if (ok)
		passed++;
	else
		failed++;
}

/* The last line: what the integration tests parse; 1 if anything failed (main's value). */
static __attribute__((unused)) int result(void)
{
	put("RESULT: ");
	put_dec(passed);
	put(" passed, ");
	put_dec(failed);
	put(" failed");
	flush();
	return failed != 0;
}

#define EINTR 4

/* All n bytes to fd, through short writes and interruptions: 0, or -1 when it fails. */
static __attribute__((unused)) int write_all(int fd, const char *p, u64 n)
{
	while (n > 0) {
		s64 w = sys(SYS_write, fd, p, n, 0);
		if (w == -EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (u64)w;
	}
	return 0;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static __attribute__((unused)) u64 now_ns(void)
{
	struct {
		s64 sec, nsec;
	} t = { 0, 0 };
	sys(SYS_clock_gettime, CLOCK_MONOTONIC, &t, 0, 0);
	return (u64)t.sec * 1000000000u + (u64)t.nsec;
}

/*
 * _start. NOLIBC_MAIN_ARGS: main(sp) gets the initial stack (argc, then
 * argv[], NULL, envp[]: it reads its arguments there); NOLIBC_OWN_START:
 * the program has its own (cpuspin.c); else main(void).
 */
#if defined(NOLIBC_MAIN_ARGS)
int main(u64 *sp);

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov	x0, sp\n" /* the kernel leaves sp 16-byte aligned */
	"	bl	main\n"
	"	mov	x8, #94\n" /* exit_group(main's value) */
	"	svc	#0\n");
#elif !defined(NOLIBC_OWN_START)
int main(void);

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	bl	main\n" /* the kernel leaves sp 16-byte aligned */
	"	mov	x8, #94\n" /* exit_group(main's value) */
	"	svc	#0\n");
#endif

#endif
