/*
 * SVE in a Linux guest (hyparm.test=sve, see rc.sh): the vector length
 * Linux gives this process agrees with RDVL; a sum computed with an SVE
 * loop (predicated by WHILELT, so any VL) is the scalar one; and the Z and
 * P registers keep a per-VM pattern (hyparm.seed=N on the command line)
 * through busy spells long enough for Linux's preemption and hyparm's
 * switches to another VM on the same physical CPU. Prints "PASS: ..." /
 * "FAIL: ..." and "RESULT: N passed, M failed".
 *
 * No libc (nolibc.h): a static binary for the initramfs, built with
 * -march=armv8.2-a+sve (this program only; see the Makefile).
 */
#include "nolibc.h"

#define SYS_prctl 167
#define PR_SVE_GET_VL 51
#define PR_SVE_VL_LEN_MASK 0xFFFFul
#define N 1000ul
#define ROUNDS 40
#define SPIN_MS 25
#define VL_MAX 256 /* bytes: the architecture's longest vector */

static void check(int ok, const char *what, u64 v)
{
	put(ok ? "PASS: " : "FAIL: ");
	put(what);
	put(" ");
	put_dec(v);
	flush();
	count_check(ok);
}

static u64 rdvl(void)
{
	u64 v;
	__asm__ volatile("rdvl %0, #1" : "=r"(v));
	return v;
}

/* hyparm.seed=N from /proc/cmdline (1 without it). */
static u64 seed_from_cmdline(void)
{
	static char buf[1024];
	const char *key = "hyparm.seed=";
	s64 fd = sys(SYS_openat, AT_FDCWD, "/proc/cmdline", 0, 0), n;
	u64 seed = 0;

	if (fd < 0)
		return 1;
	n = sys(SYS_read, fd, buf, sizeof(buf) - 1, 0);
	sys(SYS_close, fd, 0, 0, 0);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	for (char *p = buf; *p; p++) {
		unsigned k = 0;
		while (key[k] && p[k] == key[k])
			k++;
		if (key[k])
			continue;
		for (p += k; *p >= '0' && *p <= '9'; p++)
			seed = seed * 10 + (u64)(*p - '0');
		return seed ? seed : 1;
	}
	return 1;
}

static u64 data[N];

/* The sum of data[0..n) with 64-bit SVE lanes: WHILELT predicates the tail, any VL. */
static u64 sve_sum(const u64 *a, u64 n)
{
	u64 sum;
	__asm__ volatile("mov	x9, #0\n"
			 "mov	z0.d, #0\n"
			 "whilelt	p0.d, x9, %2\n"
			 "1:	ld1d	z1.d, p0/z, [%1, x9, lsl #3]\n"
			 "add	z0.d, p0/m, z0.d, z1.d\n"
			 "incd	x9\n"
			 "whilelt	p0.d, x9, %2\n"
			 "b.first	1b\n"
			 "ptrue	p1.d\n"
			 "uaddv	d0, p1, z0.d\n"
			 "fmov	%0, d0\n"
			 : "=r"(sum)
			 : "r"(a), "r"(n)
			 : "x9", "v0", "v1", "z0", "z1", "p0", "p1", "cc", "memory");
	return sum;
}

/* Z0-Z31 then P0-P15, at this VL ("mul vl" layout). */
static unsigned char want[32 * VL_MAX + 16 * VL_MAX / 8] __attribute__((aligned(16)));
static unsigned char got[sizeof(want)] __attribute__((aligned(16)));

/*
 * Load the pattern into Z0-Z31 and P0-P15, spin for `ticks` of the virtual
 * counter without touching them (one asm block: the compiler cannot use
 * a vector register in between, and no system call discards the SVE
 * state), store them back.
 */
static void hold(u64 ticks)
{
	__asm__ volatile(
		".irp "
		"n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
		"ldr	z\\n, [%0, #\\n, mul vl]\n"
		".endr\n"
		"addvl	x9, %0, #16\n"
		"addvl	x9, x9, #16\n"
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		"ldr	p\\n, [x9, #\\n, mul vl]\n"
		".endr\n"
		"mrs	x10, cntvct_el0\n"
		"add	x10, x10, %2\n"
		"2:	mrs	x11, cntvct_el0\n"
		"cmp	x11, x10\n"
		"b.lo	2b\n"
		".irp "
		"n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
		"str	z\\n, [%1, #\\n, mul vl]\n"
		".endr\n"
		"addvl	x9, %1, #16\n"
		"addvl	x9, x9, #16\n"
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		"str	p\\n, [x9, #\\n, mul vl]\n"
		".endr\n"
		:
		: "r"(want), "r"(got), "r"(ticks)
		: "x9", "x10", "x11", "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8",
		  "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",
		  "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "p0", "p1", "p2",
		  "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15");
}

int main(void)
{
	u64 vl = rdvl(), prctl_vl, seed = seed_from_cmdline(), freq, bytes, bad_round = 0, scalar = 0;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	prctl_vl = (u64)sys(SYS_prctl, PR_SVE_GET_VL, 0, 0, 0) & PR_SVE_VL_LEN_MASK;
	put("svecheck: seed ");
	put_dec(seed);
	put(", vector length ");
	put_dec(vl * 8);
	put(" bits");
	flush();
	check(vl >= 16 && vl <= VL_MAX && vl % 16 == 0, "RDVL gives a valid vector length, bytes", vl);
	check(prctl_vl == vl, "prctl(PR_SVE_GET_VL) agrees with RDVL, bytes", prctl_vl);

	for (u64 i = 0; i < N; i++) {
		data[i] = seed * 1000003ul + i * i;
		scalar += data[i];
	}
	check(sve_sum(data, N) == scalar, "SVE sum of 1000 elements is the scalar sum", scalar);

	/* Every byte of Z0-Z31 and P0-P15 from this VM's seed. */
	bytes = 32 * vl + 16 * (vl / 8);
	u64 z = seed * 0x9E3779B97F4A7C15ul;
	for (u64 i = 0; i < bytes; i++) {
		z ^= z >> 29;
		z = z * 0xBF58476D1CE4E5B9ul + 1;
		want[i] = (unsigned char)(z >> 56);
	}
	for (u64 r = 1; r <= ROUNDS && !bad_round; r++) {
		hold(freq / 1000 * SPIN_MS);
		for (u64 i = 0; i < bytes; i++)
			if (got[i] != want[i]) {
				bad_round = r;
				put("svecheck: round ");
				put_dec(r);
				put(i < 32 * vl ? ": Z" : ": P");
				put_dec(i < 32 * vl ? i / vl : (i - 32 * vl) / (vl / 8));
				put(" byte ");
				put_dec(i < 32 * vl ? i % vl : (i - 32 * vl) % (vl / 8));
				put(" differs");
				flush();
				break;
			}
		if (sve_sum(data, N) != scalar)
			bad_round = r;
	}
	check(!bad_round, "Z0-Z31, P0-P15 and the SVE sum kept their values over 40 busy spells, first bad",
	      bad_round);
	return result();
}
