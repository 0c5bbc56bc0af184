/*
 * The virtual PL011 under random sequences of guest reads and writes (any
 * offset, any size) and bytes arriving from the console. A shadow FIFO
 * checks that received bytes come out of DR in order, none lost or made
 * up; the interrupt line must always equal MIS != 0; FR must agree with
 * the FIFO; transmitted bytes are exactly the DR writes.
 *
 * Input: a sequence of 1-byte opcodes followed by their operands.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <vdev/vpl011.h>
#include "input.h"

static struct vpl011 u;
static u8 shadow[VPL011_FIFO_DEPTH];
static unsigned shadow_head, shadow_count;
static u8 last_tx;
static unsigned tx_count;
static bool line, line_known;
static int tx_ctx, irq_ctx;

static void tx(void *ctx, u8 c)
{
	FUZZ_CHECK(ctx == &tx_ctx);
	last_tx = c;
	tx_count++;
}

static void irq_update(void *ctx, bool level)
{
	FUZZ_CHECK(ctx == &irq_ctx);
	line = level;
	line_known = true;
}

static u64 pick_off(struct fuzz_input *in, uint8_t how)
{
	switch (how & 3) {
	case 0:
		return (fuzz_u8(in) % 0x13) * 4; /* the registers */
	case 1:
		return 0xFE0 + fuzz_u8(in) % 0x20; /* ID registers, any alignment */
	case 2:
		return fuzz_u16(in);
	default:
		return fuzz_u64(in);
	}
}

static void check_state(void)
{
	u64 fr = 0, mis = 0;

	FUZZ_CHECK(u.rx_count == shadow_count && u.rx_count <= VPL011_FIFO_DEPTH);
	FUZZ_CHECK(u.rx_head < VPL011_FIFO_DEPTH);
	FUZZ_CHECK(vpl011_mmio_ops.read(&u, NULL, UART_FR, 4, &fr) == HV_OK);
	FUZZ_CHECK(!!(fr & UART_FR_RXFE) == (shadow_count == 0));
	FUZZ_CHECK(!!(fr & UART_FR_RXFF) == (shadow_count == VPL011_FIFO_DEPTH));
	FUZZ_CHECK(fr & UART_FR_TXFE);
	FUZZ_CHECK(vpl011_mmio_ops.read(&u, NULL, UART_MIS, 4, &mis) == HV_OK);
	FUZZ_CHECK(mis == (u.ris & u.imsc));
	/* RX and RX-timeout are raised exactly while the FIFO holds anything. */
	FUZZ_CHECK(!!(u.ris & UART_INT_RX) == (shadow_count != 0));
	FUZZ_CHECK(!!(u.ris & UART_INT_RT) == (shadow_count != 0));
	if (line_known)
		FUZZ_CHECK(line == (mis != 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);

	vpl011_init(&u, tx, &tx_ctx);
	u.irq_update = irq_update;
	u.irq_ctx = &irq_ctx;
	shadow_head = shadow_count = 0;
	tx_count = 0;
	line_known = false;

	while (in.left) {
		uint8_t op = fuzz_u8(&in);
		unsigned sz = 1u << ((op >> 2) & 3);

		switch (op >> 6) {
		case 0: { /* a byte from the console */
			u8 c = fuzz_u8(&in);
			bool ok = vpl011_rx_push(&u, c);
			FUZZ_CHECK(ok == (shadow_count < VPL011_FIFO_DEPTH));
			if (ok)
				shadow[(shadow_head + shadow_count++) % VPL011_FIFO_DEPTH] = c;
			break;
		}
		case 1: { /* guest read */
			u64 off = pick_off(&in, op), val = 0x5A5A5A5A5A5A5A5AULL;
			unsigned before = shadow_count;
			int rc = vpl011_mmio_ops.read(&u, NULL, off, sz, &val);

			if (sz > 4) {
				FUZZ_CHECK(rc == -HV_EINVAL && u.rx_count == before);
				break;
			}
			FUZZ_CHECK(rc == HV_OK && val <= 0xFFFFFFFFu);
			if (off == UART_DR && before) {
				FUZZ_CHECK(val == shadow[shadow_head]);
				shadow_head = (shadow_head + 1) % VPL011_FIFO_DEPTH;
				shadow_count--;
			} else if (off == UART_DR) {
				FUZZ_CHECK(val == 0);
			}
			break;
		}
		default: { /* guest write */
			u64 off = pick_off(&in, op), val = fuzz_bytes(&in, sz);
			unsigned before = tx_count;
			int rc = vpl011_mmio_ops.write(&u, NULL, off, sz, val);

			FUZZ_CHECK(rc == (sz > 4 ? -HV_EINVAL : HV_OK));
			FUZZ_CHECK(tx_count == before + (rc == HV_OK && off == UART_DR));
			if (tx_count != before)
				FUZZ_CHECK(last_tx == (u8)val);
			break;
		}
		}
		check_state();
	}
	return 0;
}
