/* Ticket spinlock: fair between the physical CPUs, needs the MMU on (exclusives on Normal memory). */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include <hyparm/types.h>
#include <arch/spin_wait.h>

typedef struct {
	volatile u32 next;
	volatile u32 owner;
} spinlock_t;

#define SPINLOCK_INIT \
	{ \
		0, 0 \
	}

static inline void spin_lock(spinlock_t *l)
{
	u32 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		spin_wait_event();
}

/* Take the lock if nobody holds it or waits for it; never waits. */
static inline bool spin_trylock(spinlock_t *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	u32 free_next = owner; /* free: no ticket handed out past the owner's */

	return __atomic_compare_exchange_n(&l->next, &free_next, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_SEQ_CST) != __atomic_load_n(&l->owner, __ATOMIC_SEQ_CST);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
	spin_signal();
}

#endif
