/*
 * Virtual PL011 (see vdev/vpl011.h), the register model of the ARM
 * PrimeCell UART r1p5 as Linux's amba-pl011 driver and QEMU see it.
 * Transmit is immediate (the TX FIFO is always empty); receive is a
 * 32-entry FIFO. The RX interrupt is raised while the FIFO holds anything
 * (a trigger level of one byte), which is what a guest reading on every
 * interrupt expects; the receive-timeout interrupt follows it.
 */
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <vdev/vpl011.h>
#include <string.h>

#define UART_PERIPH_ID0 0xFE0
#define UART_CELL_ID0 0xFF0

static const u8 periph_id[4] = { 0x11, 0x10, 0x34, 0x00 };
static const u8 cell_id[4] = { 0x0D, 0xF0, 0x05, 0xB1 };

static u32 mis(const struct vpl011 *u)
{
	return u->ris & u->imsc;
}

static void update_irq(struct vpl011 *u)
{
	u32 ris = u->ris & ~(UART_INT_RX | UART_INT_RT);

	if (u->rx_count)
		ris |= UART_INT_RX | UART_INT_RT;
	u->ris = ris;
	if (u->irq_update)
		u->irq_update(u->irq_ctx, mis(u) != 0);
}

void vpl011_init(struct vpl011 *u, void (*tx)(void *, u8), void *tx_ctx)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->cr = 0x300; /* TXE | RXE, as after reset */
	u->ifls = 0x12; /* FIFO levels at 1/2 */
	u->ris = UART_INT_TX;
}

bool vpl011_rx_push(struct vpl011 *u, u8 c)
{
	if (u->rx_count == VPL011_FIFO_DEPTH)
		return false;
	u->rx_fifo[(u->rx_head + u->rx_count) % VPL011_FIFO_DEPTH] = c;
	u->rx_count++;
	u->rx_bytes++;
	update_irq(u);
	return true;
}

static u32 read_fr(const struct vpl011 *u)
{
	u32 fr = UART_FR_TXFE;

	if (!u->rx_count)
		fr |= UART_FR_RXFE;
	if (u->rx_count == VPL011_FIFO_DEPTH)
		fr |= UART_FR_RXFF;
	return fr;
}

static int vpl011_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct vpl011 *u = dev;

	if (size > 4)
		return -HV_EINVAL;
	if (off >= UART_PERIPH_ID0 && off < UART_PERIPH_ID0 + 16) {
		*val = periph_id[(off - UART_PERIPH_ID0) / 4];
		return HV_OK;
	}
	if (off >= UART_CELL_ID0 && off < UART_CELL_ID0 + 16) {
		*val = cell_id[(off - UART_CELL_ID0) / 4];
		return HV_OK;
	}
	switch (off) {
	case UART_DR:
		*val = 0;
		if (u->rx_count) {
			*val = u->rx_fifo[u->rx_head];
			u->rx_head = (u->rx_head + 1) % VPL011_FIFO_DEPTH;
			u->rx_count--;
			update_irq(u);
		}
		break;
	case UART_RSR:
		*val = u->rsr;
		break;
	case UART_FR:
		*val = read_fr(u);
		break;
	case UART_ILPR:
		*val = u->ilpr;
		break;
	case UART_IBRD:
		*val = u->ibrd;
		break;
	case UART_FBRD:
		*val = u->fbrd;
		break;
	case UART_LCR_H:
		*val = u->lcr_h;
		break;
	case UART_CR:
		*val = u->cr;
		break;
	case UART_IFLS:
		*val = u->ifls;
		break;
	case UART_IMSC:
		*val = u->imsc;
		break;
	case UART_RIS:
		*val = u->ris;
		break;
	case UART_MIS:
		*val = mis(u);
		break;
	case UART_DMACR:
		*val = u->dmacr;
		break;
	default:
		*val = 0;
		break; /* reserved: reads as zero */
	}
	return HV_OK;
}

static int vpl011_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct vpl011 *u = dev;

	if (size > 4)
		return -HV_EINVAL;
	switch (off) {
	case UART_DR:
		/* QEMU transmits whatever the UART's enable bits say; early consoles rely on it. */
		u->tx_bytes++;
		if (u->tx)
			u->tx(u->tx_ctx, (u8)val);
		/* Sent at once: the FIFO is empty again, so the TX interrupt is raised (as QEMU does). */
		u->ris |= UART_INT_TX;
		update_irq(u);
		break;
	case UART_RSR:
		u->rsr = 0;
		break; /* write clears errors */
	case UART_ILPR:
		u->ilpr = val & 0xFF;
		break;
	case UART_IBRD:
		u->ibrd = val & 0xFFFF;
		break;
	case UART_FBRD:
		u->fbrd = val & 0x3F;
		break;
	case UART_LCR_H:
		u->lcr_h = val & 0xFF;
		break;
	case UART_CR:
		u->cr = val & 0xFFFF;
		break;
	case UART_IFLS:
		u->ifls = val & 0x3F;
		break;
	case UART_IMSC:
		u->imsc = val & 0x7FF;
		update_irq(u);
		break;
	case UART_ICR:
		u->ris &= ~(u32)val;
		update_irq(u);
		break;
	case UART_DMACR:
		u->dmacr = val & 0x7;
		break;
	default:
		break; /* read-only or reserved: ignored */
	}
	return HV_OK;
}

const struct mmio_ops vpl011_mmio_ops = {
	.read = vpl011_read,
	.write = vpl011_write,
};
