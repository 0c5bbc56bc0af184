/*
 * The vsock switch (core/vsock_router.c): connections, credit on both legs,
 * RSTs, and hostile headers, with the guests' buffers as plain host memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/vsock_router.h>

static struct vsock_router r;
static u8 *qbuf;
static struct vsock_ep a, b, c;
static unsigned kicks[3];

static void kick(struct vsock_ep *ep)
{
	kicks[ep == &a ? 0 : ep == &b ? 1 : 2]++;
}

static int setup(void **state)
{
	(void)state;
	qbuf = calloc(1, VSOCK_ROUTER_BUF_BYTES);
	vsock_router_init(&r, qbuf);
	a = (struct vsock_ep){ .cid = 3, .kick = kick, .up = true };
	b = (struct vsock_ep){ .cid = 4, .kick = kick, .up = true };
	c = (struct vsock_ep){ .cid = 5, .kick = kick, .up = true };
	memset(kicks, 0, sizeof(kicks));
	assert_int_equal(vsock_router_attach(&r, &a), HV_OK);
	assert_int_equal(vsock_router_attach(&r, &b), HV_OK);
	assert_int_equal(vsock_router_attach(&r, &c), HV_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(qbuf);
	return 0;
}

static struct vsock_hdr hdr(u64 src_cid, u32 src_port, u64 dst_cid, u32 dst_port, u16 op, u32 len)
{
	return (struct vsock_hdr){ .src_cid = src_cid,
				   .dst_cid = dst_cid,
				   .src_port = src_port,
				   .dst_port = dst_port,
				   .len = len,
				   .type = VSOCK_TYPE_STREAM,
				   .op = op,
				   .buf_alloc = 262144 };
}

/* Transmit h and len payload bytes from ep, the header and payload in two buffers (as Linux does). */
static enum vsock_tx_result send_pkt(struct vsock_ep *ep, struct vsock_hdr h, const u8 *payload, u32 len)
{
	struct vsock_sg sg[2] = { { (u8 *)&h, VSOCK_HDR_BYTES }, { (u8 *)payload, len } };

	return vsock_router_tx(&r, ep, sg, len ? 2 : 1);
}

/* Receive into a 44-byte header buffer and room payload bytes: vsock_router_rx's value. */
static int recv_pkt(struct vsock_ep *ep, struct vsock_hdr *h, u8 *payload, u32 room, u32 *written)
{
	struct vsock_sg sg[2] = { { (u8 *)h, VSOCK_HDR_BYTES }, { payload, room } };

	memset(h, 0xEE, sizeof(*h));
	return vsock_router_rx(&r, ep, sg, room ? 2 : 1, written);
}

/* The next packet for ep must be op (from src_cid:src_port); returns its payload length. */
static u32 expect_pkt(struct vsock_ep *ep, u16 op, u64 src_cid, u32 src_port, u32 dst_port, u8 *payload,
		      u32 room)
{
	struct vsock_hdr h;
	u32 written;
	static u8 scratch[65536];

	assert_int_equal(recv_pkt(ep, &h, payload ? payload : scratch, room, &written), 1);
	assert_int_equal(h.op, op);
	assert_true(h.src_cid == src_cid);
	assert_true(h.dst_cid == ep->cid);
	assert_int_equal(h.src_port, src_port);
	assert_int_equal(h.dst_port, dst_port);
	assert_int_equal(h.type, VSOCK_TYPE_STREAM);
	assert_int_equal(written, VSOCK_HDR_BYTES + h.len);
	/* hyparm's own credit towards whoever it sends to. */
	assert_int_equal(h.buf_alloc, VSOCK_QUEUE_BYTES);
	return h.len;
}

static void expect_nothing(struct vsock_ep *ep)
{
	struct vsock_hdr h;
	u8 p[64];
	u32 written = 99;

	assert_false(vsock_router_has_pending(&r, ep));
	assert_int_equal(recv_pkt(ep, &h, p, sizeof(p), &written), 0);
	assert_int_equal(written, 0);
}

/* a:1000 connects to b:2000 and b accepts. */
static void connect_ab(u32 aport, u32 bport)
{
	assert_int_equal(send_pkt(&a, hdr(3, aport, 4, bport, VSOCK_OP_REQUEST, 0), NULL, 0),
			 VSOCK_TX_FORWARDED);
	expect_pkt(&b, VSOCK_OP_REQUEST, 3, aport, bport, NULL, 0);
	assert_int_equal(send_pkt(&b, hdr(4, bport, 3, aport, VSOCK_OP_RESPONSE, 0), NULL, 0),
			 VSOCK_TX_FORWARDED);
	expect_pkt(&a, VSOCK_OP_RESPONSE, 4, bport, aport, NULL, 0);
}

static void test_attach_refuses_reserved_and_duplicate_cids(void **state)
{
	(void)state;
	static const u64 bad[] = { 0, 1, 2, 0xFFFFFFFFull, 1ull << 32 };
	struct vsock_ep e = { .kick = kick };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.cid = bad[i];
		assert_int_equal(vsock_router_attach(&r, &e), -HV_EINVAL);
	}
	e.cid = 4;
	assert_int_equal(vsock_router_attach(&r, &e), -HV_EEXIST);
	e.cid = 99;
	assert_int_equal(vsock_router_attach(&r, &e), HV_OK);
}

static void test_stream_data_shutdown_and_rst(void **state)
{
	(void)state;
	u8 data[1000], got[4096];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	connect_ab(1000, 2000);
	assert_int_equal(send_pkt(&a, hdr(3, 1000, 4, 2000, VSOCK_OP_RW, 1000), data, 1000),
			 VSOCK_TX_FORWARDED);
	/* SHUTDOWN right behind the data: it must arrive after it. */
	struct vsock_hdr sh = hdr(3, 1000, 4, 2000, VSOCK_OP_SHUTDOWN, 0);
	sh.flags = VSOCK_SHUTDOWN_SEND;
	assert_int_equal(send_pkt(&a, sh, NULL, 0), VSOCK_TX_FORWARDED);
	assert_int_equal(expect_pkt(&b, VSOCK_OP_RW, 3, 1000, 2000, got, sizeof(got)), 1000);
	assert_memory_equal(got, data, 1000);
	struct vsock_hdr h;
	u32 w;
	assert_int_equal(recv_pkt(&b, &h, got, sizeof(got), &w), 1);
	assert_int_equal(h.op, VSOCK_OP_SHUTDOWN);
	assert_int_equal(h.flags, VSOCK_SHUTDOWN_SEND);
	/* a's queue emptied: it hears its credit back. */
	assert_int_equal(recv_pkt(&a, &h, got, sizeof(got), &w), 1);
	assert_int_equal(h.op, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 1000);
	expect_nothing(&a);
	/* b resets: a hears it, the connection is free again. */
	assert_int_equal(send_pkt(&b, hdr(4, 2000, 3, 1000, VSOCK_OP_RST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&a, VSOCK_OP_RST, 4, 2000, 1000, NULL, 0);
	expect_nothing(&a);
	expect_nothing(&b);
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++)
		assert_int_equal(r.conns[i].state, VSOCK_CONN_FREE);
	assert_int_equal(a.conns, 0);
	assert_int_equal(b.conns, 0);
}

static void test_unknown_cid_host_cid_and_unknown_port_get_rst(void **state)
{
	(void)state;
	static const u64 dsts[] = { VSOCK_CID_HOST, 42, VSOCK_CID_HYPERVISOR, VSOCK_CID_LOCAL };

	for (unsigned i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		assert_int_equal(send_pkt(&a, hdr(3, 77, dsts[i], 88, VSOCK_OP_REQUEST, 0), NULL, 0),
				 VSOCK_TX_RST);
		expect_pkt(&a, VSOCK_OP_RST, dsts[i], 88, 77, NULL, 0);
	}
	/* A VM whose driver is not up (off, rebooting, not loaded): refused at once, nothing waits for it. */
	b.up = false;
	assert_int_equal(send_pkt(&a, hdr(3, 77, 4, 88, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_RST);
	expect_pkt(&a, VSOCK_OP_RST, 4, 88, 77, NULL, 0);
	assert_int_equal(b.conns, 0);
	b.up = true;
	/* Data for a connection that does not exist. */
	assert_int_equal(send_pkt(&a, hdr(3, 77, 4, 88, VSOCK_OP_RW, 0), NULL, 0), VSOCK_TX_RST);
	expect_pkt(&a, VSOCK_OP_RST, 4, 88, 77, NULL, 0);
	/* An RST for nothing is dropped: no RST ping-pong. */
	assert_int_equal(send_pkt(&a, hdr(3, 77, 4, 88, VSOCK_OP_RST, 0), NULL, 0), VSOCK_TX_DROPPED);
	expect_nothing(&a);
	expect_nothing(&b);
	assert_int_equal(a.refused, 6);
}

static void test_spoofed_src_cid_is_stamped(void **state)
{
	(void)state;
	/* a claims to be c (CID 5) and to be b itself: b sees CID 3 either way. */
	assert_int_equal(send_pkt(&a, hdr(5, 1, 4, 2, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&b, VSOCK_OP_REQUEST, 3, 1, 2, NULL, 0);
	assert_int_equal(a.spoofed, 1);
	/* b's answer reaches a, not c. */
	assert_int_equal(send_pkt(&b, hdr(3, 2, 3, 1, VSOCK_OP_RESPONSE, 0), NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&a, VSOCK_OP_RESPONSE, 4, 2, 1, NULL, 0);
	expect_nothing(&c);
	assert_int_equal(b.spoofed, 1);
}

static void test_malformed_headers_are_dropped(void **state)
{
	(void)state;
	u8 small[VSOCK_HDR_BYTES - 1] = { 0 };
	struct vsock_sg sg = { small, sizeof(small) };
	static u8 big[VSOCK_MAX_PAYLOAD + 1];

	assert_int_equal(vsock_router_tx(&r, &a, &sg, 1), VSOCK_TX_MALFORMED);
	assert_int_equal(vsock_router_tx(&r, &a, NULL, 0), VSOCK_TX_MALFORMED);
	connect_ab(1, 2);
	/* len beyond the buffers, len beyond the largest packet. */
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 100), big, 99), VSOCK_TX_MALFORMED);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 0xFFFFFFFFu), big, 100),
			 VSOCK_TX_MALFORMED);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, sizeof(big)), big, sizeof(big)),
			 VSOCK_TX_MALFORMED);
	/* An unknown op on a live connection: dropped, the connection stays. */
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, 99, 0), NULL, 0), VSOCK_TX_DROPPED);
	assert_int_equal(a.malformed, 6);
	expect_nothing(&b);
	/* Not a stream (SEQPACKET is not offered): RST. */
	struct vsock_hdr h = hdr(3, 9, 4, 9, VSOCK_OP_REQUEST, 0);
	h.type = 2;
	assert_int_equal(send_pkt(&a, h, NULL, 0), VSOCK_TX_RST);
	expect_pkt(&a, VSOCK_OP_RST, 4, 9, 9, NULL, 0);
	/* The connection still carries data. */
	u8 d[3] = { 1, 2, 3 }, got[8];
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 3), d, 3), VSOCK_TX_FORWARDED);
	assert_int_equal(expect_pkt(&b, VSOCK_OP_RW, 3, 1, 2, got, sizeof(got)), 3);
	assert_memory_equal(got, d, 3);
}

static void test_protocol_errors_reset_the_connection(void **state)
{
	(void)state;
	/* Data before the connection is accepted. */
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 0), NULL, 0), VSOCK_TX_RST);
	expect_pkt(&a, VSOCK_OP_RST, 4, 2, 1, NULL, 0);
	/* b never saw the request go out: it hears the RST only. */
	expect_pkt(&b, VSOCK_OP_RST, 3, 1, 2, NULL, 0);
	expect_nothing(&b);
	/* The connecting side may not answer its own request. */
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RESPONSE, 0), NULL, 0), VSOCK_TX_RST);
	expect_pkt(&a, VSOCK_OP_RST, 4, 2, 1, NULL, 0);
	expect_pkt(&b, VSOCK_OP_RST, 3, 1, 2, NULL, 0);
	/* A second REQUEST on a live connection. */
	connect_ab(1, 2);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_RST);
	expect_pkt(&a, VSOCK_OP_RST, 4, 2, 1, NULL, 0);
	expect_pkt(&b, VSOCK_OP_RST, 3, 1, 2, NULL, 0);
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++)
		assert_int_equal(r.conns[i].state, VSOCK_CONN_FREE);
}

static void test_sender_overrunning_hyparms_credit_is_reset(void **state)
{
	(void)state;
	static u8 d[VSOCK_QUEUE_BYTES];

	connect_ab(1, 2);
	/* b gives no credit (it stopped reading): hyparm's queue fills up to the credit it gave a. */
	assert_int_equal(send_pkt(&b,
				  (struct vsock_hdr){ .src_cid = 4,
						      .dst_cid = 3,
						      .src_port = 2,
						      .dst_port = 1,
						      .type = VSOCK_TYPE_STREAM,
						      .op = VSOCK_OP_CREDIT_UPDATE },
				  NULL, 0),
			 VSOCK_TX_FORWARDED);
	assert_int_equal(
		send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, VSOCK_QUEUE_BYTES / 2), d, VSOCK_QUEUE_BYTES / 2),
		VSOCK_TX_FORWARDED);
	assert_int_equal(
		send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, VSOCK_QUEUE_BYTES / 2), d, VSOCK_QUEUE_BYTES / 2),
		VSOCK_TX_FORWARDED);
	expect_nothing(&b); /* nothing past b's credit */
	/* One byte more than the credit: the connection ends, both sides hear it. */
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 1), d, 1), VSOCK_TX_RST);
	assert_int_equal(a.overruns, 1);
	expect_pkt(&a, VSOCK_OP_RST, 4, 2, 1, NULL, 0);
	expect_pkt(&b, VSOCK_OP_RST, 3, 1, 2, NULL, 0);
}

static void test_receivers_credit_is_never_overrun(void **state)
{
	(void)state;
	u8 d[3000], got[4096];
	struct vsock_hdr h;
	u32 w;

	for (unsigned i = 0; i < sizeof(d); i++)
		d[i] = (u8)i;
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&b, VSOCK_OP_REQUEST, 3, 1, 2, NULL, 0);
	struct vsock_hdr resp = hdr(4, 2, 3, 1, VSOCK_OP_RESPONSE, 0);
	resp.buf_alloc = 1000; /* b can hold 1000 bytes */
	assert_int_equal(send_pkt(&b, resp, NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&a, VSOCK_OP_RESPONSE, 4, 2, 1, NULL, 0);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 3000), d, 3000), VSOCK_TX_FORWARDED);
	assert_int_equal(expect_pkt(&b, VSOCK_OP_RW, 3, 1, 2, got, sizeof(got)), 1000);
	assert_memory_equal(got, d, 1000);
	expect_nothing(&b);
	/* b's application read 600 bytes: 600 more may go. */
	struct vsock_hdr cu = resp;
	cu.op = VSOCK_OP_CREDIT_UPDATE;
	cu.fwd_cnt = 600;
	assert_int_equal(send_pkt(&b, cu, NULL, 0), VSOCK_TX_FORWARDED);
	assert_int_equal(expect_pkt(&b, VSOCK_OP_RW, 3, 1, 2, got, sizeof(got)), 600);
	assert_memory_equal(got, d + 1000, 600);
	expect_nothing(&b);
	/* A receiver that claims more forwarded than it got gets nothing more for it. */
	cu.fwd_cnt = 5000;
	assert_int_equal(send_pkt(&b, cu, NULL, 0), VSOCK_TX_FORWARDED);
	expect_nothing(&b);
	/* a's credit: what left the queue so far (1600), asked for explicitly. */
	while (recv_pkt(&a, &h, got, sizeof(got), &w) == 1)
		;
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_CREDIT_REQUEST, 0), NULL, 0),
			 VSOCK_TX_FORWARDED);
	assert_int_equal(recv_pkt(&a, &h, got, sizeof(got), &w), 1);
	assert_int_equal(h.op, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 1600);
}

static void test_a_stopped_reader_blocks_only_its_connection(void **state)
{
	(void)state;
	static u8 d[8192], got[8192];

	connect_ab(1, 2);
	connect_ab(3, 4);
	struct vsock_hdr stop = hdr(4, 2, 3, 1, VSOCK_OP_CREDIT_UPDATE, 0);
	stop.buf_alloc = 0;
	assert_int_equal(send_pkt(&b, stop, NULL, 0), VSOCK_TX_FORWARDED);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 8192), d, 8192), VSOCK_TX_FORWARDED);
	memset(d, 0x5A, sizeof(d));
	assert_int_equal(send_pkt(&a, hdr(3, 3, 4, 4, VSOCK_OP_RW, 8192), d, 8192), VSOCK_TX_FORWARDED);
	assert_int_equal(expect_pkt(&b, VSOCK_OP_RW, 3, 3, 4, got, sizeof(got)), 8192);
	assert_memory_equal(got, d, 8192);
	expect_nothing(&b);
}

static void test_payload_split_over_receive_buffers(void **state)
{
	(void)state;
	static u8 d[10000], got[10000];
	u32 off = 0, n;

	for (unsigned i = 0; i < sizeof(d); i++)
		d[i] = (u8)(i ^ (i >> 8));
	connect_ab(1, 2);
	/* The header and payload in three pieces: a header split across buffers, too. */
	struct vsock_hdr h = hdr(3, 1, 4, 2, VSOCK_OP_RW, sizeof(d));
	struct vsock_sg sg[3] = { { (u8 *)&h, 20 },
				  { (u8 *)&h + 20, VSOCK_HDR_BYTES - 20 },
				  { d, sizeof(d) } };
	assert_int_equal(vsock_router_tx(&r, &a, sg, 3), VSOCK_TX_FORWARDED);
	while ((n = expect_pkt(&b, VSOCK_OP_RW, 3, 1, 2, got + off, 4096)) != 0) {
		assert_true(n <= 4096);
		off += n;
		if (off == sizeof(d))
			break;
	}
	assert_int_equal(off, sizeof(d));
	assert_memory_equal(got, d, sizeof(d));
	/* Receive buffers shorter than a header are refused; a header-only one takes no data. */
	struct vsock_hdr rh;
	u32 w;
	struct vsock_sg tiny = { (u8 *)&rh, VSOCK_HDR_BYTES - 1 };
	assert_int_equal(vsock_router_rx(&r, &b, &tiny, 1, &w), -HV_EINVAL);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 5), d, 5), VSOCK_TX_FORWARDED);
	assert_int_equal(recv_pkt(&b, &rh, NULL, 0, &w), 0);
	assert_int_equal(expect_pkt(&b, VSOCK_OP_RW, 3, 1, 2, got, 64), 5);
}

static void test_connection_limits(void **state)
{
	(void)state;
	for (u32 p = 0; p < VSOCK_CONNS_PER_EP; p++)
		assert_int_equal(send_pkt(&a, hdr(3, 100 + p, 4, 1, VSOCK_OP_REQUEST, 0), NULL, 0),
				 VSOCK_TX_FORWARDED);
	assert_int_equal(a.conns, VSOCK_CONNS_PER_EP);
	assert_int_equal(b.conns, VSOCK_CONNS_PER_EP);
	/* b never reads: it has its share, nobody else can connect to it, c can connect elsewhere. */
	assert_int_equal(send_pkt(&c, hdr(5, 1, 4, 1, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_RST);
	expect_pkt(&c, VSOCK_OP_RST, 4, 1, 1, NULL, 0);
	/* a connects once more (to c): its oldest unanswered request (port 100) is given up. */
	assert_int_equal(send_pkt(&a, hdr(3, 999, 5, 1, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&c, VSOCK_OP_REQUEST, 3, 999, 1, NULL, 0);
	assert_int_equal(a.conns, VSOCK_CONNS_PER_EP);
	/* b hears the RST for port 100 first (its REQUEST never went out), then the other REQUESTs. */
	expect_pkt(&b, VSOCK_OP_RST, 3, 100, 1, NULL, 0);
	for (u32 p = 1; p < VSOCK_CONNS_PER_EP; p++)
		expect_pkt(&b, VSOCK_OP_REQUEST, 3, 100 + p, 1, NULL, 0);
	assert_int_equal(b.conns, VSOCK_CONNS_PER_EP - 1);
	/* b refuses one: a and b each have room for one more. */
	assert_int_equal(send_pkt(&b, hdr(4, 1, 3, 101, VSOCK_OP_RST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	expect_pkt(&a, VSOCK_OP_RST, 4, 1, 101, NULL, 0);
	assert_int_equal(a.conns, VSOCK_CONNS_PER_EP - 1);
	assert_int_equal(b.conns, VSOCK_CONNS_PER_EP - 2);
	/* More RSTs than an endpoint keeps waiting: the extra ones are dropped, nothing grows. */
	for (unsigned i = 0; i < 3 * VSOCK_EP_RSTS; i++)
		send_pkt(&c, hdr(5, 7, 42, 7, VSOCK_OP_RW, 0), NULL, 0);
	assert_int_equal(c.rst_count, VSOCK_EP_RSTS);
}

/* A connection to its own CID counts twice (the fuzzer found the share overrun by one). */
static void test_self_connections_count_twice(void **state)
{
	(void)state;
	for (u32 p = 0; p < VSOCK_CONNS_PER_EP / 2; p++)
		assert_int_equal(send_pkt(&a, hdr(3, 10 + p, 3, 20 + p, VSOCK_OP_REQUEST, 0), NULL, 0),
				 VSOCK_TX_FORWARDED);
	assert_int_equal(a.conns, VSOCK_CONNS_PER_EP);
	/*
	 * One more: its oldest unanswered one is given up, but its other side (a
	 * again) still has to hear that RST, so there is no room yet: refused.
	 */
	assert_int_equal(send_pkt(&a, hdr(3, 99, 3, 98, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_RST);
	assert_true(a.conns <= VSOCK_CONNS_PER_EP);
}

static void test_reset_endpoint_ends_its_connections(void **state)
{
	(void)state;
	static u8 d[100];

	connect_ab(1, 2);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_RW, 100), d, 100), VSOCK_TX_FORWARDED);
	/* b's VM reboots before reading: a hears an RST, b has nothing waiting. */
	vsock_router_reset_ep(&r, &b);
	expect_nothing(&b);
	expect_pkt(&a, VSOCK_OP_RST, 4, 2, 1, NULL, 0);
	expect_nothing(&a);
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++)
		assert_int_equal(r.conns[i].state, VSOCK_CONN_FREE);
	assert_int_equal(a.conns, 0);
	/* a's VM resets with a connection it started: b hears it, a's count is back to 0. */
	connect_ab(5, 6);
	vsock_router_reset_ep(&r, &a);
	assert_int_equal(a.conns, 0);
	expect_pkt(&b, VSOCK_OP_RST, 3, 5, 6, NULL, 0);
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++)
		assert_int_equal(r.conns[i].state, VSOCK_CONN_FREE);
}

static void test_kick_pending_kicks_only_marked_endpoints(void **state)
{
	(void)state;
	vsock_router_kick_pending(&r);
	assert_int_equal(kicks[0] + kicks[1] + kicks[2], 0);
	assert_int_equal(send_pkt(&a, hdr(3, 1, 4, 2, VSOCK_OP_REQUEST, 0), NULL, 0), VSOCK_TX_FORWARDED);
	vsock_router_kick_pending(&r);
	assert_int_equal(kicks[1], 1);
	assert_int_equal(kicks[0] + kicks[2], 0);
	vsock_router_kick_pending(&r);
	assert_int_equal(kicks[1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_refuses_reserved_and_duplicate_cids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stream_data_shutdown_and_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_cid_host_cid_and_unknown_port_get_rst, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_src_cid_is_stamped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_headers_are_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_errors_reset_the_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_overrunning_hyparms_credit_is_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_receivers_credit_is_never_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_stopped_reader_blocks_only_its_connection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_payload_split_over_receive_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_connections_count_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_endpoint_ends_its_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick_pending_kicks_only_marked_endpoints, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
