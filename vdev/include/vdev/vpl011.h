/*
 * Virtual PL011 UART (ARM PrimeCell UART, as on QEMU virt and in Linux's
 * amba-pl011 driver). Transmit goes straight to hyparm's console through
 * tx(); receive is a 32-entry FIFO filled by vpl011_rx_push() with the RX
 * interrupt raised through irq_update().
 */
#ifndef VDEV_VPL011_H
#define VDEV_VPL011_H

#include <hyparm/types.h>

struct mmio_ops;

#define VPL011_FIFO_DEPTH 32

/* Register offsets. */
#define UART_DR 0x000
#define UART_RSR 0x004
#define UART_FR 0x018
#define UART_ILPR 0x020
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCR_H 0x02C
#define UART_CR 0x030
#define UART_IFLS 0x034
#define UART_IMSC 0x038
#define UART_RIS 0x03C
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_DMACR 0x048

/* Flag register bits. */
#define UART_FR_CTS (1u << 0)
#define UART_FR_BUSY (1u << 3)
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_FR_RXFF (1u << 6)
#define UART_FR_TXFE (1u << 7)

/* Interrupt bits (RIS/MIS/IMSC/ICR). */
#define UART_INT_RX (1u << 4)
#define UART_INT_TX (1u << 5)
#define UART_INT_RT (1u << 6)

struct vpl011 {
	u32 cr, lcr_h, ibrd, fbrd, ifls, imsc, ris, dmacr, ilpr, rsr;
	u8 rx_fifo[VPL011_FIFO_DEPTH];
	unsigned rx_head, rx_count;
	void (*tx)(void *ctx, u8 c); /* a byte the guest wrote */
	void *tx_ctx;
	void (*irq_update)(void *ctx, bool level); /* MIS != 0, may be NULL */
	void *irq_ctx;
	u64 tx_bytes, rx_bytes;
};

void vpl011_init(struct vpl011 *u, void (*tx)(void *, u8), void *tx_ctx);
/* Queue one received byte; false if the FIFO is full (the byte is dropped). */
bool vpl011_rx_push(struct vpl011 *u, u8 c);
extern const struct mmio_ops vpl011_mmio_ops;

#endif
