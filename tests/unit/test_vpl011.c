/* Virtual PL011: the register model seen through its MMIO ops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <vdev/vpl011.h>

static struct vpl011 u;
static u8 txbuf[64];
static unsigned ntx;
static void *tx_ctx_seen;
static int irq_calls;
static bool irq_level;
static int ctx_token, irq_token;

static void tx(void *ctx, u8 c)
{
	tx_ctx_seen = ctx;
	assert_true(ntx < sizeof(txbuf));
	txbuf[ntx++] = c;
}

static void irq_update(void *ctx, bool level)
{
	assert_ptr_equal(ctx, &irq_token);
	irq_calls++;
	irq_level = level;
}

static int setup(void **state)
{
	vpl011_init(&u, tx, &ctx_token);
	u.irq_update = irq_update;
	u.irq_ctx = &irq_token;
	ntx = 0;
	tx_ctx_seen = NULL;
	irq_calls = 0;
	irq_level = false;
	return 0;
}

static u64 rd(u64 off)
{
	u64 v = 0xDEADBEEF;
	assert_int_equal(vpl011_mmio_ops.read(&u, NULL, off, 4, &v), HV_OK);
	return v;
}

static void wr(u64 off, u64 v)
{
	assert_int_equal(vpl011_mmio_ops.write(&u, NULL, off, 4, v), HV_OK);
}

static void reset_values(void **state)
{
	assert_int_equal(rd(UART_CR), 0x300);
	assert_int_equal(rd(UART_IFLS), 0x12);
	assert_int_equal(rd(UART_FR), UART_FR_TXFE | UART_FR_RXFE);
	assert_int_equal(rd(UART_FR), 0x90);
	assert_int_equal(rd(UART_IMSC), 0);
	assert_int_equal(rd(UART_RIS), UART_INT_TX);
	assert_int_equal(rd(UART_MIS), 0);
	assert_int_equal(rd(UART_LCR_H), 0);
	assert_int_equal(rd(UART_IBRD), 0);
	assert_int_equal(rd(UART_DMACR), 0);
	/* Empty FIFO: DR reads 0. */
	assert_int_equal(rd(UART_DR), 0);
	/* Reserved offsets read as zero. */
	assert_int_equal(rd(0x080), 0);
	assert_int_equal(rd(0xFDC), 0);
}

static void dr_write_transmits_the_byte(void **state)
{
	wr(UART_DR, 'h');
	wr(UART_DR, 0x169); /* only the low byte is data */
	assert_int_equal(ntx, 2);
	assert_int_equal(txbuf[0], 'h');
	assert_int_equal(txbuf[1], 0x69);
	assert_ptr_equal(tx_ctx_seen, &ctx_token);
	assert_int_equal(u.tx_bytes, 2);
	/* TX FIFO is never full. */
	assert_int_equal(rd(UART_FR) & (UART_FR_TXFF | UART_FR_BUSY), 0);
	/* Byte-sized stores work too (earlycon uses strb). */
	assert_int_equal(vpl011_mmio_ops.write(&u, NULL, UART_DR, 1, 'x'), HV_OK);
	assert_int_equal(txbuf[2], 'x');
}

static void dr_write_without_tx_callback_is_harmless(void **state)
{
	u.tx = NULL;
	wr(UART_DR, 'a');
	assert_int_equal(ntx, 0);
	assert_int_equal(u.tx_bytes, 1);
}

static void primecell_id_registers(void **state)
{
	static const u8 periph[4] = { 0x11, 0x10, 0x34, 0x00 };
	static const u8 cell[4] = { 0x0D, 0xF0, 0x05, 0xB1 };

	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(rd(0xFE0 + 4 * i), periph[i]);
		assert_int_equal(rd(0xFF0 + 4 * i), cell[i]);
	}
	/* What Linux's amba_device_try_add assembles: periphid 0x00341011, cid 0xB105F00D. */
	{
		u32 pid = 0, cid = 0;
		for (unsigned i = 0; i < 4; i++) {
			pid |= (u32)rd(0xFE0 + 4 * i) << (8 * i);
			cid |= (u32)rd(0xFF0 + 4 * i) << (8 * i);
		}
		assert_int_equal(pid, 0x00341011);
		assert_int_equal(cid, 0xB105F00D);
	}
	/* Writes to the ID registers are ignored. */
	wr(0xFE0, 0xFF);
	assert_int_equal(rd(0xFE0), 0x11);
}

static void rx_fifo_delivers_bytes_in_order(void **state)
{
	assert_true(vpl011_rx_push(&u, 'a'));
	assert_int_equal(rd(UART_FR) & UART_FR_RXFE, 0);
	assert_true(vpl011_rx_push(&u, 'b'));
	assert_true(vpl011_rx_push(&u, 'c'));
	assert_int_equal(u.rx_bytes, 3);
	assert_int_equal(rd(UART_DR), 'a');
	assert_int_equal(rd(UART_DR), 'b');
	assert_int_equal(rd(UART_FR) & UART_FR_RXFE, 0);
	assert_int_equal(rd(UART_DR), 'c');
	assert_int_equal(rd(UART_FR) & UART_FR_RXFE, UART_FR_RXFE);
	assert_int_equal(rd(UART_DR), 0);
}

static void rx_fifo_wraps_around(void **state)
{
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 20; i++)
			assert_true(vpl011_rx_push(&u, (u8)(round * 20 + i)));
		for (unsigned i = 0; i < 20; i++)
			assert_int_equal(rd(UART_DR), (u8)(round * 20 + i));
	}
	assert_int_equal(rd(UART_FR), UART_FR_TXFE | UART_FR_RXFE);
}

static void full_fifo_rejects_the_33rd_byte(void **state)
{
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(rd(UART_FR) & UART_FR_RXFF, 0);
		assert_true(vpl011_rx_push(&u, (u8)(0x40 + i)));
	}
	assert_int_equal(rd(UART_FR), UART_FR_TXFE | UART_FR_RXFF);
	assert_false(vpl011_rx_push(&u, 0xEE));
	assert_int_equal(u.rx_bytes, 32);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(rd(UART_DR), 0x40 + i);
	assert_int_equal(rd(UART_DR), 0); /* the rejected byte never appears */
	assert_int_equal(rd(UART_FR), UART_FR_TXFE | UART_FR_RXFE);
}

static void rx_interrupt_follows_imsc_and_fifo(void **state)
{
	/* Masked: RIS shows it, the line stays low. */
	assert_true(vpl011_rx_push(&u, 'x'));
	assert_int_equal(rd(UART_RIS) & UART_INT_RX, UART_INT_RX);
	assert_int_equal(rd(UART_MIS), 0);
	assert_true(irq_calls > 0);
	assert_false(irq_level);

	/* Unmasking RX raises the line. */
	irq_calls = 0;
	wr(UART_IMSC, UART_INT_RX);
	assert_int_equal(irq_calls, 1);
	assert_true(irq_level);
	assert_int_equal(rd(UART_MIS), UART_INT_RX);

	/* Draining the FIFO drops it. */
	assert_int_equal(rd(UART_DR), 'x');
	assert_false(irq_level);
	assert_int_equal(rd(UART_RIS) & (UART_INT_RX | UART_INT_RT), 0);
	assert_int_equal(rd(UART_MIS), 0);

	/* With RX unmasked, a push raises it at once. */
	assert_true(vpl011_rx_push(&u, 'y'));
	assert_true(irq_level);

	/* Masking again drops it while the byte is still there. */
	wr(UART_IMSC, 0);
	assert_false(irq_level);
	assert_int_equal(rd(UART_FR) & UART_FR_RXFE, 0);
}

static void receive_timeout_interrupt_follows_rx(void **state)
{
	wr(UART_IMSC, UART_INT_RT);
	assert_false(irq_level);
	assert_true(vpl011_rx_push(&u, 1));
	assert_true(irq_level);
	assert_int_equal(rd(UART_MIS), UART_INT_RT);
	rd(UART_DR);
	assert_false(irq_level);
}

static void mis_is_ris_and_imsc(void **state)
{
	assert_true(vpl011_rx_push(&u, 'z'));
	assert_int_equal(rd(UART_RIS), UART_INT_TX | UART_INT_RX | UART_INT_RT);
	wr(UART_IMSC, UART_INT_TX | UART_INT_RX);
	assert_int_equal(rd(UART_MIS), UART_INT_TX | UART_INT_RX);
	wr(UART_IMSC, UART_INT_TX);
	assert_int_equal(rd(UART_MIS), UART_INT_TX);
	wr(UART_IMSC, 0x7FF);
	assert_int_equal(rd(UART_IMSC), 0x7FF);
	assert_int_equal(rd(UART_MIS), UART_INT_TX | UART_INT_RX | UART_INT_RT);
	wr(UART_IMSC, 0xFFFFF800);
	assert_int_equal(rd(UART_IMSC), 0);
	assert_int_equal(rd(UART_MIS), 0);
}

static void icr_clears_tx_interrupt_until_next_write(void **state)
{
	wr(UART_IMSC, UART_INT_TX);
	assert_true(irq_level);
	wr(UART_ICR, UART_INT_TX);
	assert_int_equal(rd(UART_RIS) & UART_INT_TX, 0);
	assert_int_equal(rd(UART_MIS), 0);
	assert_false(irq_level);
	/* Sending a byte empties the FIFO again: TX raised. */
	wr(UART_DR, 'q');
	assert_int_equal(rd(UART_RIS) & UART_INT_TX, UART_INT_TX);
	assert_true(irq_level);
}

static void icr_cannot_clear_rx_while_data_is_waiting(void **state)
{
	wr(UART_IMSC, UART_INT_RX);
	assert_true(vpl011_rx_push(&u, 'r'));
	wr(UART_ICR, 0x7FF);
	/* The RX level interrupt follows the FIFO, not the clear. */
	assert_int_equal(rd(UART_RIS), UART_INT_RX | UART_INT_RT);
	assert_true(irq_level);
}

static void control_registers_are_masked_and_stored(void **state)
{
	wr(UART_CR, 0xFFFF0301);
	assert_int_equal(rd(UART_CR), 0x0301);
	wr(UART_IBRD, 0x12345);
	assert_int_equal(rd(UART_IBRD), 0x2345);
	wr(UART_FBRD, 0xFF);
	assert_int_equal(rd(UART_FBRD), 0x3F);
	wr(UART_LCR_H, 0x170);
	assert_int_equal(rd(UART_LCR_H), 0x70);
	wr(UART_IFLS, 0xFF);
	assert_int_equal(rd(UART_IFLS), 0x3F);
	wr(UART_DMACR, 0xF);
	assert_int_equal(rd(UART_DMACR), 0x7);
	wr(UART_ILPR, 0x1FF);
	assert_int_equal(rd(UART_ILPR), 0xFF);
	/* FR is read-only. */
	wr(UART_FR, 0);
	assert_int_equal(rd(UART_FR), UART_FR_TXFE | UART_FR_RXFE);
}

static void accesses_wider_than_4_bytes_are_rejected(void **state)
{
	u64 v = 0x55;

	assert_int_equal(vpl011_mmio_ops.read(&u, NULL, UART_FR, 8, &v), -HV_EINVAL);
	assert_int_equal(v, 0x55);
	assert_int_equal(vpl011_mmio_ops.write(&u, NULL, UART_DR, 8, 'A'), -HV_EINVAL);
	assert_int_equal(ntx, 0);
	assert_int_equal(vpl011_mmio_ops.write(&u, NULL, UART_CR, 8, 0), -HV_EINVAL);
	assert_int_equal(rd(UART_CR), 0x300);
	assert_true(vpl011_rx_push(&u, 'k'));
	assert_int_equal(vpl011_mmio_ops.read(&u, NULL, UART_DR, 8, &v), -HV_EINVAL);
	assert_int_equal(rd(UART_DR), 'k'); /* the byte was not consumed */
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reset_values),
		T(dr_write_transmits_the_byte),
		T(dr_write_without_tx_callback_is_harmless),
		T(primecell_id_registers),
		T(rx_fifo_delivers_bytes_in_order),
		T(rx_fifo_wraps_around),
		T(full_fifo_rejects_the_33rd_byte),
		T(rx_interrupt_follows_imsc_and_fifo),
		T(receive_timeout_interrupt_follows_rx),
		T(mis_is_ris_and_imsc),
		T(icr_clears_tx_interrupt_until_next_write),
		T(icr_cannot_clear_rx_while_data_is_waiting),
		T(control_registers_are_masked_and_stored),
		T(accesses_wider_than_4_bytes_are_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
