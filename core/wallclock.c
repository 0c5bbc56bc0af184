/* Wall-clock time from the boot-time RTC reading and the counter (see hyparm/wallclock.h). */
#include <arch/hyp_timer.h>
#include <hyparm/wallclock.h>

static u64 base_ns, base_count;
static bool valid;

void wallclock_set(u64 unix_seconds, u64 count)
{
	base_ns = unix_seconds * 1000000000ULL;
	base_count = count;
	__atomic_store_n(&valid, true, __ATOMIC_RELEASE);
}

u64 wallclock_ns_at(u64 count)
{
	u64 freq = hyp_timer_freq();
	u64 ticks = count - base_count; /* counts before the reading: unsigned wrap, treated as 0 */

	if (count < base_count || !freq)
		return base_ns;
	/* Split seconds and remainder so that ticks * 10^9 cannot overflow for any realistic uptime. */
	return base_ns + ticks / freq * 1000000000ULL + ticks % freq * 1000000000ULL / freq;
}

u64 wallclock_ns(void)
{
	return wallclock_ns_at(arch_counter_now());
}

bool wallclock_valid(void)
{
	return __atomic_load_n(&valid, __ATOMIC_ACQUIRE);
}
