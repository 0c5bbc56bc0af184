/* The console UART's driver, chosen once at boot (see drivers/include/drivers/uart.h). */
#include <drivers/uart.h>

static const struct uart_ops *const uart_drivers[] = {
	[UART_PL011] = &pl011_uart_ops,
	[UART_CDNS] = &cdns_uart_ops,
};

/* NULL until uart_init(): output before it (or without a UART) goes nowhere. */
static const struct uart_ops *uart;

void uart_init(enum uart_type type, paddr_t base)
{
	if ((unsigned)type >= ARRAY_SIZE(uart_drivers) || !uart_drivers[type] || !base)
		return;
	uart_drivers[type]->init(base);
	uart = uart_drivers[type];
}

const char *uart_name(void)
{
	return uart ? uart->name : "none";
}

void uart_putc(char c)
{
	if (uart)
		uart->putc(c);
}

int uart_getc(void)
{
	return uart ? uart->getc() : -1;
}

void uart_enable_rx_irq(void)
{
	if (uart)
		uart->enable_rx_irq();
}

void uart_disable_rx_irq(void)
{
	if (uart)
		uart->disable_rx_irq();
}

void uart_ack_rx_irq(void)
{
	if (uart)
		uart->ack_rx_irq();
}
