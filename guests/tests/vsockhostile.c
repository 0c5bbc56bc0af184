/*
 * A hostile driver of hyparm's virtio-vsock (vdev/virtio_vsock.c, slot 31):
 * spoofed source CIDs, connections to the host and to nobody, headers too
 * short, lengths beyond the buffers, writable transmit buffers, buffers
 * outside RAM, receive buffers too small or read-only, an RST flood with
 * no receive buffers, a connection (to itself) that overruns hyparm's
 * credit, and an available index that jumps. Each must be refused the way
 * the device promises (completed, dropped, answered with RST, the queue
 * marked NEEDS_RESET), and after a device reset the device works again.
 * Bootargs: cid=N (the CID this VM must have), peer=N (a Linux VM's CID:
 * a connection to its port 6000, where nobody listens, comes back RST).
 */
#include "vsock_drv.h"

static u8 payload[40000];
static u64 ram_base, ram_size;

static long tx(u64 src_cid, u32 src_port, u64 dst_cid, u32 dst_port, u16 op, u32 len, u32 buflen)
{
	return tx_data(src_cid, src_port, dst_cid, dst_port, op, len, payload, buflen, 0);
}

int main(void)
{
	u64 want_cid = 0, peer = 0;
	struct vhdr h;

	check(dtb_memory(&ram_base, &ram_size), "RAM from the DT");
	bootarg_u64("cid", &want_cid);
	bootarg_u64("peer", &peer);
	check(rd(DEVICE_ID) == 19, "slot 31 is virtio-vsock (device ID 19)");
	check(init(), "features negotiated");
	check(my_cid == want_cid, "guest_cid %llu (want %llu)", (unsigned long long)my_cid,
	      (unsigned long long)want_cid);
	post_all_rx();

	/* Addresses: a spoofed source is stamped (the RST comes back to us), nobody and the host refuse. */
	check(tx(peer, 10, 999, 20, OP_REQUEST, 0, 0) == 0, "a REQUEST with a spoofed src_cid: completed");
	check(rx(&h, 2000) && is_rst(&h, 999, 20, 10), "RST from CID 999, to our own CID (src_cid stamped)");
	check(tx(my_cid, 11, 2, 20, OP_REQUEST, 0, 0) == 0 && rx(&h, 2000) && is_rst(&h, 2, 20, 11),
	      "the host CID 2: RST");
	check(tx(my_cid, 13, peer, 5000, OP_RW, 0, 0) == 0 && rx(&h, 2000) && is_rst(&h, peer, 5000, 13),
	      "data for a connection that does not exist: RST from hyparm");

	/* Malformed transmits: completed, dropped, nothing comes back. */
	check(tx2((u64)(uintptr_t)&txh, 20, 0, 0, 0, 0) == 0, "a 20-byte header: completed");
	check(tx(my_cid, 14, 999, 1, OP_REQUEST, 1000, 10) == 0, "len 1000 with 10 bytes: completed");
	check(tx(my_cid, 14, 999, 1, OP_REQUEST, 0xFFFFFFFFu, 100) == 0, "len 0xffffffff: completed");
	check(tx2((u64)(uintptr_t)&txh, sizeof(txh), D_WRITE, 0, 0, 0) == 0,
	      "a device-writable header: completed");
	check(tx2(ram_base + ram_size - 8, sizeof(txh), 0, 0, 0, 0) == 0,
	      "a header crossing RAM's end: completed");
	check(tx2(0x09000000, sizeof(txh), 0, 0, 0, 0) == 0, "a header at the UART's address: completed");
	check(!rx(&h, 300), "none of them was answered or forwarded");

	/* Receive buffers too small, read-only or outside RAM: completed with length 0, then a good one. */
	{
		u32 id;
		wr(QUEUE_SEL, RXQ);
		/* All 8 buffers are posted; take them back by consuming a flood of RSTs first. */
		for (unsigned i = 0; i < QN; i++)
			tx(my_cid, 100 + i, 999, 1, OP_REQUEST, 0, 0);
		for (unsigned i = 0; i < QN; i++)
			next_used(RXQ, 2000, &id);
		post_rx(0, (u64)(uintptr_t)rxbuf[0], 10, D_WRITE);
		post_rx(1, (u64)(uintptr_t)rxbuf[1], RXBUF, 0);
		post_rx(2, ram_base + ram_size - 4, RXBUF, D_WRITE);
		post_rx(3, (u64)(uintptr_t)rxbuf[3], RXBUF, D_WRITE);
		tx(my_cid, 15, 999, 1, OP_REQUEST, 0, 0);
		long l0 = next_used(RXQ, 2000, &id), l1 = next_used(RXQ, 2000, NULL),
		     l2 = next_used(RXQ, 2000, NULL);
		check(l0 == 0 && l1 == 0 && l2 == 0,
		      "a 10-byte, a read-only and an off-RAM receive buffer: length 0 (%ld %ld %ld)", l0, l1,
		      l2);
		long l3 = next_used(RXQ, 2000, &id);
		check(l3 == sizeof(h) && id == 3, "the RST in the next good buffer (len %ld)", l3);
		for (unsigned i = 0; i < QN; i++)
			if (i != 3)
				post_rx(i, (u64)(uintptr_t)rxbuf[i], RXBUF, D_WRITE);
		post_rx(3, (u64)(uintptr_t)rxbuf[3], RXBUF, D_WRITE);
		while (rx(&h, 100))
			;
	}

	/* An RST flood: hyparm keeps a few for us, drops the rest, and nothing grows. */
	{
		u32 id;
		unsigned got = 0;
		for (unsigned i = 0; i < QN; i++) /* all receive buffers used up */
			tx(my_cid, 200 + i, 999, 1, OP_REQUEST, 0, 0);
		for (unsigned i = 0; i < QN; i++)
			next_used(RXQ, 2000, &id);
		for (unsigned i = 0; i < 200; i++)
			tx(my_cid, 300 + i, 999, 1, OP_REQUEST, 0, 0);
		post_all_rx();
		while (rx(&h, 300))
			got++;
		check(got >= 1 && got <= 16, "200 refused requests without buffers: %u RSTs kept", got);
	}

	/* A connection to ourselves, then data past hyparm's credit: only that connection ends. */
	check(tx(my_cid, 1, my_cid, 2, OP_REQUEST, 0, 0) == 0 && rx(&h, 2000) && h.op == OP_REQUEST &&
		      h.src_port == 1 && h.dst_port == 2,
	      "a connection to our own CID: the REQUEST came back");
	check(tx(my_cid, 2, my_cid, 1, OP_RESPONSE, 0, 0) == 0 && rx(&h, 2000) && h.op == OP_RESPONSE,
	      "our RESPONSE came back: connected (hyparm's credit %u)", h.buf_alloc);
	check(tx(my_cid, 1, my_cid, 2, OP_RW, sizeof(payload), sizeof(payload)) == 0,
	      "%u bytes in one packet, more than the credit: completed", (unsigned)sizeof(payload));
	{
		struct vhdr r1, r2;
		bool ok = rx(&r1, 2000) && rx(&r2, 2000);
		check(ok && r1.op == OP_RST && r2.op == OP_RST, "both ends got RST (ops %u %u)", r1.op,
		      r2.op);
	}

	/*
	 * The Linux VM: its second listener (port 5001) accepts us once its driver is up (a
	 * RESPONSE only Linux makes; RSTs until then: its VM's start, no listener yet). Then data
	 * past hyparm's credit on that connection: both ends get RST, Linux's other stream goes on.
	 */
	{
		bool up = false;
		u32 port = 30;
		u64 end = now_ticks() + 120 * ticks_per_sec();
		tx(my_cid, port, peer, 5001, OP_REQUEST, 0, 0);
		while (!up && now_ticks() < end) {
			if (!rx(&h, 1000))
				continue;
			if (h.op == OP_RESPONSE && h.src_cid == peer && h.src_port == 5001 &&
			    h.dst_port == port) {
				up = true;
			} else if (h.op == OP_RST) {
				delay_ms(1000);
				tx(my_cid, ++port, peer, 5001, OP_REQUEST, 0, 0);
			}
		}
		check(up, "the Linux VM's port 5001 accepted us (attempt %u)", port - 29);
		check(tx(my_cid, 12, peer, 6000, OP_REQUEST, 0, 0) == 0 && rx(&h, 10000) &&
			      is_rst(&h, peer, 6000, 12),
		      "the Linux VM's port 6000 (nobody listens): its RST came through");
		check(tx(my_cid, port, peer, 5001, OP_RW, sizeof(payload), sizeof(payload)) == 0 &&
			      rx(&h, 2000) && is_rst(&h, peer, 5001, port),
		      "%u bytes to Linux, past the credit: RST", (unsigned)sizeof(payload));
	}

	/* A ring that lies: the available index jumps by 100. */
	{
		qs[TXQ].avail[1] = (u16)(qs[TXQ].avail[1] + 100);
		dmb();
		wr(QUEUE_NOTIFY, TXQ);
		check(rd(STATUS) & S_NEEDS_RESET, "an available index jump: DEVICE_NEEDS_RESET");
	}
	/* Reset and start again: the device works. */
	check(init() && !(rd(STATUS) & S_NEEDS_RESET), "reset and set up again");
	post_all_rx();
	check(tx(my_cid, 16, 999, 1, OP_REQUEST, 0, 0) == 0 && rx(&h, 2000) && is_rst(&h, 999, 1, 16),
	      "after the reset: a refused REQUEST gets its RST");
	test_finish();
}
