/*
 * Physical interrupts hyparm takes (HCR_EL2.IMO routes all of them to
 * EL2). Each INTID hyparm uses has one handler, registered by whoever owns
 * it (the scheduler's wake-up SGI and timer, the console UART, the virtual
 * timer's PPI...); irq_handle_physical() acknowledges and dispatches
 * through the table.
 */
#ifndef HYPARM_IRQ_H
#define HYPARM_IRQ_H

#include <hyparm/types.h>

#define IRQ_MAX 1020

enum irq_result {
	IRQ_DONE, /* handled: drop priority and deactivate */
	IRQ_FORWARDED, /* handed to a guest as a hardware-mapped virtual interrupt: the guest deactivates it */
};

typedef enum irq_result (*irq_handler_t)(u32 intid, void *ctx);

/* Register the handler for intid; -HV_EEXIST if it has one, -HV_EINVAL if out of range. */
int irq_register(u32 intid, irq_handler_t fn, void *ctx);
/* Take every pending physical interrupt of this CPU (EL2, interrupts masked). */
void irq_handle_physical(void);

#endif
