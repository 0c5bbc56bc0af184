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
#include "nolibc.h"

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

static void check(int ok, const char *what, u64 v)
{
	put(ok ? "PASS: " : "FAIL: ");
	put(what);
	put(" ");
	put_dec(v);
	flush();
	count_check(ok);
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
	result();
	return 0; /* rc.sh reads the RESULT line; perf's exit status stays 0 as before */
}
