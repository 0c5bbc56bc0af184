/*
 * hyparm's own console UART: one small driver interface, one driver per
 * kind of UART, chosen by the device tree's compatible string
 * (drivers/fdt_platform.c names the kind, uart_init() picks the driver).
 * All drivers are polled for output; input raises the UART's interrupt.
 */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <hyparm/types.h>

/* The kinds of UART hyparm drives (struct platform's uart_type). */
enum uart_type {
	UART_NONE,
	UART_PL011, /* arm,pl011: QEMU virt, most Arm boards */
	UART_CDNS, /* cdns,uart-r1p12: Xilinx ZynqMP (ZCU102), Zynq-7000 */
};

struct uart_ops {
	const char *name; /* for the banner */
	/* Map nothing: base is already mapped for EL2. Interrupts off, transmit and receive on. */
	void (*init)(paddr_t base);
	void (*putc)(char c);
	int (*getc)(void); /* a received byte, or -1 when none is waiting */
	/* Receive interrupts on (data or receive timeout); ack after draining. */
	void (*enable_rx_irq)(void);
	/* Receive interrupts off: input waits in the UART (and behind it, in the line). */
	void (*disable_rx_irq)(void);
	void (*ack_rx_irq)(void);
};

extern const struct uart_ops pl011_uart_ops;
extern const struct uart_ops cdns_uart_ops;

/* Choose the driver for type and start it on base; UART_NONE (or unknown) leaves output silent. */
void uart_init(enum uart_type type, paddr_t base);
/* The chosen driver's name, "none" before uart_init() or without a UART. */
const char *uart_name(void);
void uart_putc(char c);
int uart_getc(void);
void uart_enable_rx_irq(void);
void uart_disable_rx_irq(void);
void uart_ack_rx_irq(void);

#endif
