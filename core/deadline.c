/*
 * The per-CPU deadline service (see hyparm/deadline.h). Each CPU keeps its
 * armed deadlines in a list sorted by time: few entries (one or two per
 * vCPU placed there), so insertion by walking is cheaper than a heap.
 */
#include <hyparm/deadline.h>
#include <hyparm/pcpu.h>

void deadline_init(struct deadline *d, deadline_fn fire)
{
	d->when = DEADLINE_NONE;
	d->fire = fire;
	d->next = NULL;
	d->cpu = -1;
}

/* Unlink d from p's list. p's lock held. */
static void unlink_locked(struct pcpu *p, struct deadline *d)
{
	for (struct deadline **pp = &p->deadlines; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			if (pp == &p->deadlines)
				p->need_rearm =
					true; /* the earliest one went: the scheduler reprograms its timer */
			*pp = d->next;
			break;
		}
	}
	d->next = NULL;
	d->cpu = -1;
}

void deadline_cancel(struct deadline *d)
{
	s16 cpu = __atomic_load_n(&d->cpu, __ATOMIC_ACQUIRE);

	if (cpu < 0)
		return;
	struct pcpu *p = &pcpus[cpu];
	spin_lock(&p->deadline_lock);
	if (d->cpu == cpu)
		unlink_locked(p, d);
	spin_unlock(&p->deadline_lock);
}

void deadline_arm(struct deadline *d, unsigned cpu, u64 when)
{
	struct pcpu *p = &pcpus[cpu];
	struct deadline **pp;

	deadline_cancel(d);
	spin_lock(&p->deadline_lock);
	d->when = when;
	for (pp = &p->deadlines; *pp && (*pp)->when <= when; pp = &(*pp)->next)
		;
	if (pp == &p->deadlines)
		p->need_rearm = true;
	d->next = *pp;
	*pp = d;
	__atomic_store_n(&d->cpu, (s16)cpu, __ATOMIC_RELEASE);
	spin_unlock(&p->deadline_lock);
}

void deadline_run(unsigned cpu, u64 now)
{
	struct pcpu *p = &pcpus[cpu];

	for (;;) {
		struct deadline *d;

		spin_lock(&p->deadline_lock);
		d = p->deadlines;
		if (!d || d->when > now) {
			spin_unlock(&p->deadline_lock);
			return;
		}
		unlink_locked(p, d);
		spin_unlock(&p->deadline_lock);
		/* Outside the lock: fire() may arm deadlines again. */
		d->fire(d);
	}
}
