/*
 * A CPU-bound guest for the scheduler's fair-share tests: it counts the
 * turns of a fixed loop within a window of its virtual counter. The
 * counter runs whether or not the vCPU is on a CPU, so turns per second
 * measure the share of a physical CPU it got; compared across spinners on
 * one CPU, they give the split (tests/integration/test_sched.py).
 *
 * Boot arguments (milliseconds of the VM's virtual counter, which starts
 * at 0 when the VM is created, at about the same time for every VM):
 *   spin.from=MS spin.to=MS   the window (default 1000..6000)
 *   spin.until=MS             keep spinning until then, so that the others'
 *                             windows are shared too (default to + 1000)
 * It prints "turns N" (turns in the window) and "rate N" (turns per
 * second), then powers off.
 */
#include "guest.h"

static u64 ms_to_ticks(u64 ms)
{
	return ticks_per_sec() / 1000 * ms;
}

/* Enough work per turn that reading the counter is a small part of it. */
static void work(void)
{
	for (volatile unsigned i = 0; i < 256; i++)
		;
}

int main(void)
{
	u64 from = 1000, to = 6000, until, turns = 0;

	bootarg_u64("spin.from", &from);
	bootarg_u64("spin.to", &to);
	until = to + 1000;
	bootarg_u64("spin.until", &until);
	if (!check(from < to && to <= until, "window %llu..%llu ms, until %llu ms", (unsigned long long)from,
		   (unsigned long long)to, (unsigned long long)until))
		return 0;
	while (now_ticks() < ms_to_ticks(from))
		work();
	while (now_ticks() < ms_to_ticks(to)) {
		work();
		turns++;
	}
	gprintf("turns %llu\n", (unsigned long long)turns);
	gprintf("rate %llu\n", (unsigned long long)(turns * 1000 / (to - from)));
	while (now_ticks() < ms_to_ticks(until))
		work();
	check(turns > 0, "spun %llu turns in the window", (unsigned long long)turns);
	return 0;
}
