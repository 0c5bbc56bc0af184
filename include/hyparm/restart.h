/*
 * The restart policy (the manifest's `restart`, hyparm/vmconfig.h): when a
 * VM stops by itself (it crashed, or powered off), whether hyparm starts
 * it again from its images. A VM that stops again and again in a short
 * time is a loop (a guest that crashes at boot): restarting it would only
 * burn CPU and flood the console, so after RESTART_LOOP_STOPS stops within
 * RESTART_LOOP_SECONDS it stays down. Pure logic (core/restart.c), so the
 * host unit tests can drive it with any clock.
 */
#ifndef HYPARM_RESTART_H
#define HYPARM_RESTART_H

#include <hyparm/types.h>
#include <hyparm/vmconfig.h>

#define RESTART_LOOP_STOPS 5
#define RESTART_LOOP_SECONDS 10

/* A VM's recent stops, and how often the policy restarted it (since it was created or the monitor started it). */
struct restart_history {
	u64 stop_at[RESTART_LOOP_STOPS]; /* physical counts of the last stops, a ring */
	unsigned stops; /* stops recorded (the ring holds the last RESTART_LOOP_STOPS) */
	unsigned restarts; /* times the policy started it again */
	unsigned crashes; /* stops that were crashes */
};

enum restart_verdict {
	RESTART_STAY_DOWN, /* the policy does not restart this kind of stop */
	RESTART_AGAIN, /* start it again from its images */
	RESTART_LOOP, /* the policy would, but it stopped too often too fast: it stays down */
};

/* The VM stopped (crashed: hyparm stopped it; else it powered off) at physical count now (freq counts a second). */
enum restart_verdict restart_decide(struct restart_history *h, enum vm_restart policy, bool crashed, u64 now,
				    u64 freq);
/* "never", "on-crash", "always". */
const char *restart_policy_name(enum vm_restart policy);

#endif
