/*
 * perf stat's core in a Linux guest (hyparm.test=perf, see rc.sh): counts
 * CPU cycles and retired instructions of a known loop through
 * perf_event_open(2), i.e. through Linux's armv8_pmuv3 driver on the PMU
 * hyparm gives the guest. Prints "PASS: ..."/"FAIL: ..." lines and
 * "RESULT: N passed, M failed". An event the CPU does not implement (QEMU
 * has the instruction event only with -icount) is reported, not failed.
 *
 * No libc: a static binary for the initramfs, system calls by hand (arm64
 * numbers), built like hwdebug.c.
 */
typedef unsigned long u64;
typedef unsigned int u32;
typedef long s64;

#define SYS_ioctl 29
#define SYS_close 57
#define SYS_read 63
#define SYS_write 64
#define SYS_perf_event_open 241

#define PERF_TYPE_HARDWARE 0
#define PERF_COUNT_HW_CPU_CYCLES 0
#define PERF_COUNT_HW_INSTRUCTIONS 1
#define PERF_EVENT_IOC_ENABLE 0x2400
#define PERF_EVENT_IOC_DISABLE 0x2401
#define PERF_EVENT_IOC_RESET 0x2403
#define ATTR_DISABLED 1ul
#define LOOPS 1000000ul

/* struct perf_event_attr, PERF_ATTR_SIZE_VER0 (64 bytes): what this program sets and zeros. */
struct perf_event_attr {
	u32 type, size;
	u64 config, sample_period, sample_type, read_format, flags;
	u32 wakeup_events, bp_type;
	u64 config1;
};

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

static char out[256];
static unsigned outn;

static void put(const char *s)
{
	while (*s && outn < sizeof(out) - 1)
		out[outn++] = *s++;
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


static unsigned passed, failed;

static void flush(void)
{
	out[outn++] = '\n';
	sys(SYS_write, 1, out, outn, 0);
	outn = 0;
}

static void check(int ok, const char *what, u64 v)
{
	put(ok ? "PASS: " : "FAIL: ");
	put(what);
	put(" ");
	put_dec(v);
	flush();
	if (ok)
		passed++;
	else
		failed++;
}

static s64 open_counter(u64 config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = config;
	a.flags =
		ATTR_DISABLED; /* user and kernel, and (exclude_hv clear) EL2 asked for: hyparm refuses it */
	return sys6(SYS_perf_event_open, (u64)&a, 0 /* this process */, (u64)-1 /* any CPU */, (u64)-1, 0);
}

static void loop(void)
{
	for (u64 i = 0; i < LOOPS; i++)
		__asm__ volatile("" ::: "memory");
}

/* The count of one event over the loop, or -1 if the event cannot be opened (with its errno). */
static s64 count(u64 config, s64 *err)
{
	s64 fd = open_counter(config);
	u64 v = 0;

	*err = fd;
	if (fd < 0)
		return -1;
	sys(SYS_ioctl, fd, PERF_EVENT_IOC_RESET, 0, 0);
	sys(SYS_ioctl, fd, PERF_EVENT_IOC_ENABLE, 0, 0);
	loop();
	sys(SYS_ioctl, fd, PERF_EVENT_IOC_DISABLE, 0, 0);
	if (sys(SYS_read, fd, &v, sizeof(v), 0) != sizeof(v))
		v = 0;
	sys(SYS_close, fd, 0, 0, 0);
	return (s64)v;
}

int main(void)
{
	s64 err, c = count(PERF_COUNT_HW_CPU_CYCLES, &err), n;

	check(c > (s64)LOOPS, "perf cycles over the loop:", (u64)c);
	/* The loop is two instructions an iteration at -O2 (add, compare-and-branch): at least that many. */
	n = count(PERF_COUNT_HW_INSTRUCTIONS, &err);
	if (n < 0) {
		put("note: instructions event not available, perf_event_open errno ");
		put_dec((u64)-err);
		flush();
	} else {
		check(n >= (s64)(2 * LOOPS) && n < (s64)(20 * LOOPS),
		      "perf instructions over the loop:", (u64)n);
	}
	put("RESULT: ");
	put_dec(passed);
	put(" passed, ");
	put_dec(failed);
	put(" failed");
	flush();
	return 0;
}

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	bl	main\n"
	"	mov	x8, #94\n"
	"	svc	#0\n");
