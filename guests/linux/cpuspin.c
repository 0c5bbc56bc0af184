/*
 * The Linux guests' CPU-bound job for the scheduler tests
 * (hyparm.test=cpuspin, see rc.sh): one worker per CPU, each pinned to its
 * CPU, counts turns of a fixed loop between two readings of the VM's
 * virtual counter (CNTVCT_EL0, which Linux lets user space read; it
 * starts at 0 when hyparm creates the VM, so every VM's window is the same
 * stretch of time). Turns per window measure the share of physical CPU
 * the VM's vCPUs got, whether or not the guest knows it was descheduled.
 *
 *   cpuspin FROM_MS TO_MS   prints "CPUSPIN cpu N turns T" per worker, or
 *                           "CPUSPIN late NOW_MS" if it started after FROM_MS;
 *                           "+MS" is from now (a busy job of a known length)
 *   cpuspin FROM_MS TO_MS EVERY_MS
 *                           the same, and each worker also prints
 *                           "CPUSPIN cpu N at MS turns T" (its turns so far)
 *                           at every multiple of EVERY_MS of the counter:
 *                           VMs that booted at different times compare their
 *                           turns over the stretch where all of them spun
 *   cpuspin sleep MS        one nanosleep of MS, timed by the counter around
 *                           it: "CPUSPIN slept MS" (the guest's timer, without
 *                           the process start-ups a shell's `sleep` adds)
 *
 * No libc, like hwdebug.c: a static binary, system calls by hand.
 */
typedef unsigned long u64;
typedef long s64;

#define SYS_write 64
#define SYS_nanosleep 101
#define SYS_exit_group 94
#define SYS_sched_setaffinity 122
#define SYS_sched_getaffinity 123
#define SYS_clone 220
#define SYS_wait4 260
#define SIGCHLD 17
#define NR_WORKERS_MAX 8

static s64 sys(u64 n, u64 a, u64 b, u64 c, u64 d)
{
	register u64 x8 __asm__("x8") = n;
	register u64 x0 __asm__("x0") = a;
	register u64 x1 __asm__("x1") = b;
	register u64 x2 __asm__("x2") = c;
	register u64 x3 __asm__("x3") = d;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return (s64)x0;
}

static u64 counter(void)
{
	u64 t;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
	return t;
}

static u64 ms_ticks(u64 ms)
{
	u64 f;
	__asm__("mrs %0, cntfrq_el0" : "=r"(f));
	return f / 1000 * ms;
}

static u64 parse(const char *s)
{
	u64 v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

struct line {
	char buf[96];
	unsigned n;
};

static void add(struct line *l, const char *s)
{
	while (*s && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = *s++;
}

static void add_num(struct line *l, u64 v)
{
	char num[24];
	unsigned k = 0;

	do
		num[k++] = (char)('0' + v % 10);
	while (v /= 10);
	while (k && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = num[--k];
}

/* "CPUSPIN a x [b y]", written at once so that the workers' lines do not mix. */
static void say(const char *a, u64 x, const char *b, u64 y)
{
	struct line l = { .n = 0 };

	add(&l, "CPUSPIN ");
	add(&l, a);
	add(&l, " ");
	add_num(&l, x);
	if (b) {
		add(&l, " ");
		add(&l, b);
		add(&l, " ");
		add_num(&l, y);
	}
	l.buf[l.n++] = '\n';
	sys(SYS_write, 1, (u64)l.buf, l.n, 0);
}

static void work(void)
{
	for (volatile unsigned i = 0; i < 256; i++)
		;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* "CPUSPIN cpu N at MS turns T", at once. */
static void say_at(u64 cpu, u64 ms, u64 turns)
{
	struct line l = { .n = 0 };

	add(&l, "CPUSPIN cpu ");
	add_num(&l, cpu);
	add(&l, " at ");
	add_num(&l, ms);
	add(&l, " turns ");
	add_num(&l, turns);
	l.buf[l.n++] = '\n';
	sys(SYS_write, 1, (u64)l.buf, l.n, 0);
}

static void worker(unsigned cpu, u64 from, u64 to, u64 every)
{
	u64 mask = 1UL << cpu, turns = 0, now;
	u64 next = every ? (from / every + 1) * every : (u64)-1; /* the next sample, a multiple of every */

	sys(SYS_sched_setaffinity, 0, sizeof(mask), (u64)&mask, 0);
	while (counter() < from)
		work();
	while ((now = counter()) < to) {
		work();
		turns++;
		if (now >= next) {
			/* Descheduled across a sample point: no turns happened meanwhile, the count is right. */
			say_at(cpu, next / ms_ticks(1), turns);
			next += every;
		}
	}
	say("cpu", cpu, "turns", turns);
}

static int slept(const char *arg)
{
	u64 ms = parse(arg);
	struct {
		s64 sec, nsec;
	} ts = { (s64)(ms / 1000), (s64)(ms % 1000) * 1000000 };
	u64 t0 = counter();

	sys(SYS_nanosleep, (u64)&ts, 0, 0, 0);
	say("slept", (counter() - t0) / ms_ticks(1), 0, 0);
	return 0;
}

int cmain(u64 *sp);
int cmain(u64 *sp)
{
	u64 argc = sp[0];
	char **argv = (char **)(sp + 1);
	u64 set[16] = { 0 }; /* room for 1024 CPUs */
	unsigned n = 0;

	if (argc == 3 && streq(argv[1], "sleep"))
		return slept(argv[2]);
	if (argc != 3 && argc != 4) {
		static const char usage[] = "usage: cpuspin FROM_MS TO_MS [EVERY_MS] | cpuspin sleep MS\n";
		sys(SYS_write, 2, (u64)usage, sizeof(usage) - 1, 0);
		return 2;
	}
	u64 now = counter();
	u64 from = ms_ticks(parse(argv[1] + (argv[1][0] == '+'))) + (argv[1][0] == '+' ? now : 0);
	u64 to = ms_ticks(parse(argv[2] + (argv[2][0] == '+'))) + (argv[2][0] == '+' ? now : 0);
	u64 every = argc == 4 ? ms_ticks(parse(argv[3])) : 0;
	if (counter() > from) {
		say("late", counter() / ms_ticks(1), 0, 0);
		return 1;
	}
	/* The CPUs this process may run on: one worker each. */
	if (sys(SYS_sched_getaffinity, 0, sizeof(set), (u64)set, 0) < 0)
		set[0] = 1;
	for (unsigned cpu = 0; cpu < 64 && n < NR_WORKERS_MAX; cpu++) {
		if (!(set[0] & (1UL << cpu)))
			continue;
		n++;
		if (sys(SYS_clone, SIGCHLD, 0, 0, 0) == 0) {
			worker(cpu, from, to, every);
			return 0;
		}
	}
	while (n--)
		sys(SYS_wait4, (u64)-1, 0, 0, 0);
	return 0;
}

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov	x0, sp\n" /* argc, then argv[] */
	"	bl	cmain\n"
	"	mov	x8, #94\n" /* exit_group(cmain's value) */
	"	svc	#0\n");
