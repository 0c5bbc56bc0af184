/*
 * Polled Cadence UART (cdns,uart-r1p12) for hyparm's messages and input:
 * the console of Xilinx ZynqMP boards (ZCU102's ttyPS0 at 0xff00_0000).
 * As for the PL011, the boot loader (FSBL/U-Boot on a board, QEMU's reset
 * values in the model) has set baud rate and frame format; we only make
 * sure the transmitter and receiver are on and interrupts off. Reset
 * values leave both disabled (CR = TXDIS | RXDIS), so unlike the PL011,
 * init must really switch them on.
 */
#include <drivers/uart.h>
#include <hyparm/cdns_uart_regs.h>

static volatile u32 *cdns;

static inline u32 rd(unsigned off)
{
	return cdns[off / 4];
}
static inline void wr(unsigned off, u32 v)
{
	cdns[off / 4] = v;
}

static void cdns_init(paddr_t base)
{
	cdns = (volatile u32 *)(uintptr_t)base;
	wr(CDNS_UART_IDR, CDNS_UART_IXR_ALL);
	wr(CDNS_UART_ISR, CDNS_UART_IXR_ALL);
	/* Enable both directions; never write the self-clearing reset bits (they drop queued bytes). */
	u32 cr = rd(CDNS_UART_CR);
	cr &= ~(CDNS_UART_CR_RXDIS | CDNS_UART_CR_TXDIS | CDNS_UART_CR_RXRST | CDNS_UART_CR_TXRST);
	wr(CDNS_UART_CR, cr | CDNS_UART_CR_RXEN | CDNS_UART_CR_TXEN);
	/*
	 * Interrupt as soon as one byte waits. The reset level (32) would hold
	 * a single keystroke until the receive timeout, which is off (0) after
	 * reset; level 0 would raise the interrupt with an empty FIFO.
	 */
	wr(CDNS_UART_RXWM, 1);
}

static void cdns_putc(char c)
{
	while (rd(CDNS_UART_SR) & CDNS_UART_SR_TXFULL)
		;
	wr(CDNS_UART_FIFO, (u8)c);
}

static int cdns_getc(void)
{
	if (rd(CDNS_UART_SR) & CDNS_UART_SR_RXEMPTY)
		return -1;
	return rd(CDNS_UART_FIFO) & 0xFF;
}

static void cdns_enable_rx_irq(void)
{
	wr(CDNS_UART_IER, CDNS_UART_IXR_RXTRIG | CDNS_UART_IXR_TOUT);
}

static void cdns_disable_rx_irq(void)
{
	wr(CDNS_UART_IDR, CDNS_UART_IXR_RXTRIG | CDNS_UART_IXR_TOUT);
}

/* ISR is sticky: clear what the receive side raised (an overrun is only forgotten: bytes were lost). */
static void cdns_ack_rx_irq(void)
{
	wr(CDNS_UART_ISR, CDNS_UART_IXR_RXTRIG | CDNS_UART_IXR_TOUT | CDNS_UART_IXR_RXOVR);
}

const struct uart_ops cdns_uart_ops = {
	.name = "Cadence UART",
	.init = cdns_init,
	.putc = cdns_putc,
	.getc = cdns_getc,
	.enable_rx_irq = cdns_enable_rx_irq,
	.disable_rx_irq = cdns_disable_rx_irq,
	.ack_rx_irq = cdns_ack_rx_irq,
};
