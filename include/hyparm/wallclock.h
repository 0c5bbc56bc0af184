/*
 * Wall-clock time: what the board's real-time clock said at boot, carried
 * forward by the physical counter (which never stops and is the same on
 * every CPU). Used where a guest asks for the time of day: its virtual
 * RTC and KVM's PTP hypercall. A board without an RTC driver leaves it
 * unset, and then wall-clock time starts at the epoch.
 */
#ifndef HYPARM_WALLCLOCK_H
#define HYPARM_WALLCLOCK_H

#include <hyparm/types.h>

/* The RTC read unix_seconds when the physical counter read count (a driver calls this at boot). */
void wallclock_set(u64 unix_seconds, u64 count);
/* Nanoseconds since the Unix epoch at physical count `count`. */
u64 wallclock_ns_at(u64 count);
/* Nanoseconds since the Unix epoch now. */
u64 wallclock_ns(void);
/* True once a driver has set it. */
bool wallclock_valid(void);

#endif
