/*
 * The per-CPU deadline service: devices that need to act at a point in
 * time (a guest's timer that is not live in a CPU, the emulated EL1
 * physical timer) arm a deadline on the physical CPU that runs their vCPU,
 * and cancel it when it no longer applies. The scheduler asks one
 * question, deadline_next(), and programs hyparm's own timer (CNTHP) for
 * the earlier of that and the end of the running vCPU's time slice.
 * Times are physical counter values (CNTPCT_EL0).
 */
#ifndef HYPARM_DEADLINE_H
#define HYPARM_DEADLINE_H

#include <hyparm/types.h>
#include <hyparm/pcpu.h>

struct deadline;
typedef void (*deadline_fn)(struct deadline *d);

struct deadline {
	u64 when; /* physical count at which fire() runs */
	deadline_fn fire; /* called on the deadline's CPU with interrupts masked, once */
	struct deadline *next; /* the CPU's list, earliest first */
	s16 cpu; /* the CPU it is armed on, -1 if not armed */
};

#define DEADLINE_NONE (~0ULL)

/* Set up d (not armed). */
void deadline_init(struct deadline *d, deadline_fn fire);
/* Arm (or move) d to fire at count when on physical CPU cpu. */
void deadline_arm(struct deadline *d, unsigned cpu, u64 when);
/* Disarm d if armed; safe from any CPU. */
void deadline_cancel(struct deadline *d);
static inline bool deadline_armed(const struct deadline *d)
{
	return d->cpu >= 0;
}
/*
 * The earliest armed deadline of p, DEADLINE_NONE if none. Whoever changes
 * the head of a CPU's list sets that CPU's need_rearm, so the scheduler asks
 * this only then (a racy read is fine: it will be asked again).
 */
static inline u64 deadline_next(const struct pcpu *p)
{
	const struct deadline *first = __atomic_load_n(&p->deadlines, __ATOMIC_ACQUIRE);
	return first ? first->when : DEADLINE_NONE;
}
/* Fire every deadline of cpu that is due at count now (each is disarmed first). */
void deadline_run(unsigned cpu, u64 now);

#endif
