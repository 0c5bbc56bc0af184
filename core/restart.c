/* The restart policy and its loop guard (see hyparm/restart.h). */
#include <hyparm/restart.h>

const char *restart_policy_name(enum vm_restart policy)
{
	switch (policy) {
	case VM_RESTART_ON_CRASH:
		return "on-crash";
	case VM_RESTART_ALWAYS:
		return "always";
	case VM_RESTART_NEVER:
		break;
	}
	return "never";
}

enum restart_verdict restart_decide(struct restart_history *h, enum vm_restart policy, bool crashed, u64 now,
				    u64 freq)
{
	unsigned slot = h->stops % RESTART_LOOP_STOPS;

	if (crashed)
		h->crashes++;
	if (policy == VM_RESTART_NEVER || (!crashed && policy != VM_RESTART_ALWAYS))
		return RESTART_STAY_DOWN;
	/* Only the stops the policy would restart count towards a loop: the ring's oldest is the LOOP_STOPS-th last. */
	h->stop_at[slot] = now;
	h->stops++;
	if (h->stops >= RESTART_LOOP_STOPS) {
		u64 oldest = h->stop_at[h->stops % RESTART_LOOP_STOPS];
		if (now - oldest < (u64)RESTART_LOOP_SECONDS * freq)
			return RESTART_LOOP;
	}
	h->restarts++;
	return RESTART_AGAIN;
}
