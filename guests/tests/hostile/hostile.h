/* What the hostile VM's files share (guests/tests/hostile.c and guests/tests/hostile/). */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "gic.h"

int strcmp(const char *a, const char *b);

#define PSCI_VERSION 0x84000000
#define PSCI_CPU_OFF 0x84000002
#define PSCI_CPU_ON64 0xC4000003
#define PSCI_AFFINITY64 0xC4000004
#define PSCI_SYSTEM_RESET 0x84000009
#define INVALID_ADDRESS (-9)
#define VTIMER_PPI GUEST_VTIMER_INTID
#define PTIMER_PPI GUEST_PTIMER_INTID

/* What the honest VM keeps in its registers (honest.c): a read that shows them is a leak. */
#define HONEST_TOP16_TPIDR 0x7e57
#define HONEST_TOP16_REGS 0x5a5a

/* The attack runs until the physical counter reaches this; time_up() says when. */
/* Physical count at which the attack ends. */
extern u64 deadline;
bool time_up(void);
u64 pcount(void);
u64 rnd(void);
u64 ms_ticks(u64 ms);
/* The attack chosen by case=NAME. */
extern char mode[24];
/* Synchronous exceptions the attacks provoked, by class, and in all. */
extern volatile u64 exc_by_ec[64];
extern volatile u64 exc_total;
/* vCPU 1 has started and is ready (its entry points in hostile.c and hostile/irq.c). */
extern volatile u64 sec_ready;

/* The attacks in hostile/irq.c. */
void attack_vgic_regs(void);
void attack_sgi_flood(void);
void attack_lr_noack(void);
void attack_lr_ack(void);
void attack_timer_storm(void);
void attack_timer_wfi_disabled(void);
void attack_exc(void);
void attack_race_gicd(void);
void attack_ipi_unstarted(void);
void sec_take_irqs(void);
/* hostile/its.c */
void attack_its(void);
/* hostile/virtio.c */
void attack_virtio(void);
void sec_virtio_scribble(void);

#endif
