/*
 * The honest VM of the hostile-guest suite (tests/integration/hostile.py):
 * a fixed CPU and memory job, run next to a hostile VM, that says whether
 * its work came out right and how fast it progressed.
 *
 * One round: write a 32 KiB buffer with a pattern that depends on the round,
 * checksum it in assembly while x19-x28 and d8-d15 hold known values, check
 * that those registers, TPIDR_EL0/TPIDRRO_EL0/TPIDR_EL1 (also loaded with
 * known values) and every word of the buffer are still what this VM put
 * there. The job is rounds=K rounds (default 4000, about 0.3 s alone under QEMU); it prints
 *   CHECKSUM 0x...          the same in every run with the same K
 *   ROUNDS K in T ms        T from the virtual counter, which keeps counting
 *                           while the vCPU is not running: K/T is the rate
 * and PASS/FAIL lines. The patterns are fixed (PAT_* below) so that another
 * VM's test can look for them.
 */
#include "guest.h"

#define BUF_WORDS 4096
#define PAT_REGS 0x5a5a000000000000ULL /* x19.. = PAT_REGS + round * 0x100 + n */
#define PAT_TPIDR 0x7e57000000000000ULL /* TPIDR_EL1 = PAT_TPIDR | round, EL0 ^ 1<<40, RO ^ 2<<40 */

static u64 buf[BUF_WORDS];

/*
 * u64 honest_round(u64 *buf, u64 nwords, u64 base, u64 *bad): checksum of
 * buf; x19..x28 = base+1..base+10 and d8..d15 = base+11..base+18 for the
 * whole loop, *bad = OR of every register's difference afterwards (0: intact).
 */
__asm__(".text\n"
	".globl honest_round\n"
	"honest_round:\n"
	"	sub	sp, sp, #160\n"
	"	stp	x19, x20, [sp, #0]\n"
	"	stp	x21, x22, [sp, #16]\n"
	"	stp	x23, x24, [sp, #32]\n"
	"	stp	x25, x26, [sp, #48]\n"
	"	stp	x27, x28, [sp, #64]\n"
	"	stp	d8, d9, [sp, #80]\n"
	"	stp	d10, d11, [sp, #96]\n"
	"	stp	d12, d13, [sp, #112]\n"
	"	stp	d14, d15, [sp, #128]\n"
	"	str	x3, [sp, #144]\n"
	"	add	x19, x2, #1\n"
	"	add	x20, x2, #2\n"
	"	add	x21, x2, #3\n"
	"	add	x22, x2, #4\n"
	"	add	x23, x2, #5\n"
	"	add	x24, x2, #6\n"
	"	add	x25, x2, #7\n"
	"	add	x26, x2, #8\n"
	"	add	x27, x2, #9\n"
	"	add	x28, x2, #10\n"
	"	add	x3, x2, #11\n	fmov	d8, x3\n"
	"	add	x3, x2, #12\n	fmov	d9, x3\n"
	"	add	x3, x2, #13\n	fmov	d10, x3\n"
	"	add	x3, x2, #14\n	fmov	d11, x3\n"
	"	add	x3, x2, #15\n	fmov	d12, x3\n"
	"	add	x3, x2, #16\n	fmov	d13, x3\n"
	"	add	x3, x2, #17\n	fmov	d14, x3\n"
	"	add	x3, x2, #18\n	fmov	d15, x3\n"
	"	mov	x3, #0\n" /* checksum */
	"	mov	x4, #0\n" /* index */
	"1:	ldr	x5, [x0, x4, lsl #3]\n"
	"	eor	x5, x5, x4\n"
	"	ror	x3, x3, #7\n"
	"	add	x3, x3, x5\n"
	"	add	x4, x4, #1\n"
	"	cmp	x4, x1\n"
	"	b.lo	1b\n"
	"	mov	x6, #0\n" /* OR of differences */
	"	.irp	n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	sub	x5, x\\n, x2\n"
	"	sub	x5, x5, #(\\n - 18)\n"
	"	orr	x6, x6, x5\n"
	"	.endr\n"
	"	.irp	n, 8, 9, 10, 11, 12, 13, 14, 15\n"
	"	fmov	x5, d\\n\n"
	"	sub	x5, x5, x2\n"
	"	sub	x5, x5, #(\\n + 3)\n"
	"	orr	x6, x6, x5\n"
	"	.endr\n"
	"	ldr	x4, [sp, #144]\n"
	"	str	x6, [x4]\n"
	"	mov	x0, x3\n"
	"	ldp	x19, x20, [sp, #0]\n"
	"	ldp	x21, x22, [sp, #16]\n"
	"	ldp	x23, x24, [sp, #32]\n"
	"	ldp	x25, x26, [sp, #48]\n"
	"	ldp	x27, x28, [sp, #64]\n"
	"	ldp	d8, d9, [sp, #80]\n"
	"	ldp	d10, d11, [sp, #96]\n"
	"	ldp	d12, d13, [sp, #112]\n"
	"	ldp	d14, d15, [sp, #128]\n"
	"	add	sp, sp, #160\n"
	"	ret\n");
u64 honest_round(u64 *b, u64 nwords, u64 base, u64 *bad);

static u64 pattern(u64 i, u64 round)
{
	return (i * 0x9E3779B97F4A7C15ULL) ^ (round * 0xD1B54A32D192ED03ULL) ^ (i << 40);
}

int main(void)
{
	u64 rounds = 4000, sum = 0, bad_regs = 0, bad_words = 0, bad_sys = 0, first_bad = ~0ULL;

	bootarg_u64("rounds", &rounds);
	gprintf("honest start %llu\n", (unsigned long long)rounds);
	u64 t0 = now_ticks();
	for (u64 r = 0; r < rounds; r++) {
		u64 tp = PAT_TPIDR | r, bad = 0;

		write_sysreg(tpidr_el1, tp);
		write_sysreg(tpidr_el0, tp ^ (1ULL << 40));
		write_sysreg(tpidrro_el0, tp ^ (2ULL << 40));
		for (u64 i = 0; i < BUF_WORDS; i++)
			buf[i] = pattern(i, r);
		sum = sum * 3 + honest_round(buf, BUF_WORDS, PAT_REGS + r * 0x100, &bad);
		if (bad) {
			bad_regs++;
			if (first_bad == ~0ULL)
				first_bad = r;
		}
		for (u64 i = 0; i < BUF_WORDS; i++)
			if (buf[i] != pattern(i, r))
				bad_words++;
		if (read_sysreg(tpidr_el1) != tp || read_sysreg(tpidr_el0) != (tp ^ (1ULL << 40)) ||
		    read_sysreg(tpidrro_el0) != (tp ^ (2ULL << 40)))
			bad_sys++;
	}
	u64 ms = (now_ticks() - t0) * 1000 / ticks_per_sec();
	gprintf("CHECKSUM 0x%llx\n", (unsigned long long)sum);
	gprintf("ROUNDS %llu in %llu ms\n", (unsigned long long)rounds, (unsigned long long)ms);
	check(bad_regs == 0, "x19-x28 and d8-d15 intact in every round (%llu bad, first %lld)",
	      (unsigned long long)bad_regs, (long long)first_bad);
	check(bad_words == 0, "buffer intact after every round (%llu bad words)",
	      (unsigned long long)bad_words);
	check(bad_sys == 0, "TPIDR_EL1/TPIDR_EL0/TPIDRRO_EL0 intact (%llu bad rounds)",
	      (unsigned long long)bad_sys);
	return 0;
}
