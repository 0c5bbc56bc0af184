/*
 * The Cadence UART (cdns,uart-r1p12: Zynq-7000 and ZynqMP's PS UARTs), the
 * registers hyparm's driver uses. Zynq UltraScale+ TRM (UG1085) and its
 * register reference (UG1087, module "UART").
 */
#ifndef HYPARM_CDNS_UART_REGS_H
#define HYPARM_CDNS_UART_REGS_H

#define CDNS_UART_CR 0x00 /* control */
#define CDNS_UART_MR 0x04 /* mode: character size, parity, stop bits */
#define CDNS_UART_IER 0x08 /* interrupt enable: write 1 to enable */
#define CDNS_UART_IDR 0x0C /* interrupt disable: write 1 to disable */
#define CDNS_UART_IMR 0x10 /* interrupt mask, read only: 1 = enabled */
#define CDNS_UART_ISR 0x14 /* interrupt status, sticky: write 1 to clear */
#define CDNS_UART_RXWM 0x20 /* receive FIFO trigger level */
#define CDNS_UART_SR 0x2C /* channel status */
#define CDNS_UART_FIFO 0x30 /* transmit (write) and receive (read) FIFO */

#define CDNS_UART_CR_RXRST (1u << 0)
#define CDNS_UART_CR_TXRST (1u << 1)
#define CDNS_UART_CR_RXEN (1u << 2)
#define CDNS_UART_CR_RXDIS (1u << 3)
#define CDNS_UART_CR_TXEN (1u << 4)
#define CDNS_UART_CR_TXDIS (1u << 5)

/* Channel status. */
#define CDNS_UART_SR_RXEMPTY (1u << 1)
#define CDNS_UART_SR_TXFULL (1u << 4)

/* IER/IDR/IMR/ISR bits. */
#define CDNS_UART_IXR_RXTRIG (1u << 0) /* the receive FIFO reached the trigger level */
#define CDNS_UART_IXR_RXOVR (1u << 5)
#define CDNS_UART_IXR_TOUT (1u << 8) /* receive timeout */
#define CDNS_UART_IXR_ALL 0x1FFFu

#endif
