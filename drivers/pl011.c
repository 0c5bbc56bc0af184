/*
 * Polled PL011 for hyparm's messages. The boot loader (QEMU, U-Boot) has
 * configured baud rate and enabled the UART already; we only make sure
 * transmit and receive are on and interrupts off.
 */
#include <drivers/uart.h>

#define DR 0x00
#define FR 0x18
#define CR 0x30
#define IMSC 0x38
#define FR_TXFF (1u << 5)
#define FR_RXFE (1u << 4)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

static volatile u32 *uart;

static inline u32 rd(unsigned off)
{
	return uart[off / 4];
}
static inline void wr(unsigned off, u32 v)
{
	uart[off / 4] = v;
}

static void pl011_init(paddr_t base)
{
	uart = (volatile u32 *)(uintptr_t)base;
	wr(IMSC, 0);
	wr(CR, rd(CR) | CR_UARTEN | CR_TXE | CR_RXE);
}

#define ICR 0x44
#define INT_RX (1u << 4)
#define INT_RT (1u << 6)

static void pl011_enable_rx_irq(void)
{
	wr(IMSC, INT_RX | INT_RT);
}

static void pl011_disable_rx_irq(void)
{
	wr(IMSC, 0);
}

static void pl011_ack_rx_irq(void)
{
	wr(ICR, INT_RX | INT_RT);
}

static void pl011_putc(char c)
{
	if (!uart)
		return;
	while (rd(FR) & FR_TXFF)
		;
	wr(DR, (u8)c);
}

static int pl011_getc(void)
{
	if (!uart || (rd(FR) & FR_RXFE))
		return -1;
	return rd(DR) & 0xFF;
}

const struct uart_ops pl011_uart_ops = {
	.name = "PL011",
	.init = pl011_init,
	.putc = pl011_putc,
	.getc = pl011_getc,
	.enable_rx_irq = pl011_enable_rx_irq,
	.disable_rx_irq = pl011_disable_rx_irq,
	.ack_rx_irq = pl011_ack_rx_irq,
};
