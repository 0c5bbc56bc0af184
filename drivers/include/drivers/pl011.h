/* hyparm's own console: a polled PL011. */
#ifndef DRIVERS_PL011_H
#define DRIVERS_PL011_H

#include <hyparm/types.h>

void pl011_init(paddr_t base);
void pl011_putc(char c);
/* A received byte, or -1 when none is waiting. */
int pl011_getc(void);
/* Receive interrupts on (RX and receive timeout); ack after draining. */
void pl011_enable_rx_irq(void);
/* Receive interrupts off: input waits in the UART (and behind it, in the line). */
void pl011_disable_rx_irq(void);
void pl011_ack_rx_irq(void);

#endif
