/*
 * The learning switch (core/vswitch.c): learning and ageing, flooding
 * without the source port, the bounded MAC table and queues, each
 * sender's fair share of a queue, MAC locking, closing a port; the
 * cut-through (ops->deliver): taken only while nothing waits in the
 * port's queue, and every copy of a frame carries the Ethernet header the
 * switch checked, even when the sender rewrites its buffer meanwhile.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/vswitch.h>

#define NPORTS 4
#define AGE 100

static struct vswitch sw;
static struct vswitch_port ports[VSWITCH_MAX_PORTS];
static struct vswitch_frame qs[VSWITCH_MAX_PORTS][VSWITCH_QUEUE_LEN];
static unsigned kicks[VSWITCH_MAX_PORTS];

static void kick(struct vswitch_port *p)
{
	kicks[p->id]++;
}
static const struct vswitch_port_ops ops = { .kick = kick };

static void mac_of(u8 *mac, unsigned n)
{
	const u8 m[ETH_ALEN] = { 0x02, 0, 0, 0, 0, (u8)n };
	memcpy(mac, m, ETH_ALEN);
}

/* A frame from MAC src_n to MAC dst_n (0xff: broadcast), len bytes, payload byte tag. */
static u32 frame(u8 *f, unsigned dst_n, unsigned src_n, u32 len, u8 tag)
{
	memset(f, tag, len);
	if (dst_n == 0xff)
		memset(f, 0xff, ETH_ALEN);
	else
		mac_of(f, dst_n);
	mac_of(f + ETH_ALEN, src_n);
	return len;
}

/* Port i sends a 60-byte frame from its own MAC (i) to MAC dst_n at time now. */
static unsigned send(unsigned i, unsigned dst_n, u64 now)
{
	u8 f[60];
	return vswitch_input(&sw, &ports[i], f, frame(f, dst_n, i, sizeof(f), (u8)i), now);
}

static void add_ports(unsigned n, bool locked)
{
	for (unsigned i = 0; i < n; i++) {
		u8 mac[ETH_ALEN];
		mac_of(mac, i);
		assert_int_equal(vswitch_port_add(&sw, &ports[i], "p", &ops, NULL, qs[i], VSWITCH_QUEUE_LEN,
						  locked ? mac : NULL),
				 HV_OK);
		assert_int_equal(ports[i].id, i);
		vswitch_port_open(&ports[i]);
	}
}

static int setup(void **state)
{
	(void)state;
	vswitch_init(&sw, AGE);
	memset(kicks, 0, sizeof(kicks));
	add_ports(NPORTS,
		  false); /* unlocked, as an uplink: the table decides (the locked tests re-make them) */
	return 0;
}

static void drain(unsigned i)
{
	while (vswitch_port_peek(&ports[i]))
		vswitch_port_pop(&ports[i], true);
}

static void test_flood_then_learn(void **state)
{
	(void)state;
	/* Port 0 to unknown MAC 1: flooded to 1, 2, 3, never back to 0. */
	assert_int_equal(send(0, 1, 0), 3);
	assert_int_equal(vswitch_port_pending(&ports[0]), 0);
	for (unsigned i = 1; i < NPORTS; i++)
		assert_int_equal(vswitch_port_pending(&ports[i]), 1);
	assert_int_equal(vswitch_lookup(&sw, (u8[]){ 2, 0, 0, 0, 0, 0 }, 0), 0);
	/* Port 1 answers to MAC 0: known now, so unicast to port 0 alone. */
	assert_int_equal(send(1, 0, 1), 1);
	assert_int_equal(vswitch_port_pending(&ports[0]), 1);
	assert_int_equal(vswitch_port_pending(&ports[2]), 1);
	/* And 0 to 1 again: unicast too. */
	assert_int_equal(send(0, 1, 2), 1);
	assert_int_equal(vswitch_port_pending(&ports[1]), 2);
	assert_int_equal(vswitch_port_pending(&ports[2]), 1);
	assert_int_equal(sw.flooded, 1);
	assert_int_equal(sw.unicast, 2);
	/* The frame's bytes arrive as sent. */
	const struct vswitch_frame *f = vswitch_port_peek(&ports[0]);
	assert_non_null(f);
	assert_int_equal(f->len, 60);
	assert_int_equal(f->from, 1);
	assert_int_equal(f->data[ETH_HLEN], 1);
	vswitch_port_pop(&ports[0], true);
	assert_int_equal(ports[0].stats.out_frames, 1);
	assert_int_equal(ports[0].stats.out_bytes, 60);
	assert_int_equal(ports[1].stats.in_frames, 1);
}

static void test_broadcast_floods_all_but_source(void **state)
{
	(void)state;
	send(1, 2, 0); /* learn everyone */
	send(2, 1, 0);
	for (unsigned i = 0; i < NPORTS; i++)
		drain(i);
	assert_int_equal(send(2, 0xff, 1), 3);
	assert_int_equal(vswitch_port_pending(&ports[2]), 0);
	assert_int_equal(vswitch_port_pending(&ports[0]), 1);
	assert_int_equal(vswitch_port_pending(&ports[1]), 1);
	assert_int_equal(vswitch_port_pending(&ports[3]), 1);
	/* A multicast destination (group bit) floods as well. */
	u8 f[64];
	frame(f, 3, 2, sizeof(f), 0);
	f[0] = 0x01; /* 01:00:5e:... style */
	assert_int_equal(vswitch_input(&sw, &ports[2], f, sizeof(f), 2), 3);
}

static void test_never_back_to_source(void **state)
{
	(void)state;
	/* An unlocked port behind which two MACs live (an uplink): a frame between them stays there. */
	vswitch_init(&sw, AGE);
	add_ports(3, false);
	u8 f[60];
	vswitch_input(&sw, &ports[0], f, frame(f, 0xff, 10, 60, 0), 0);
	drain(1);
	drain(2);
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 10, 11, 60, 0), 1), 0);
	assert_int_equal(sw.dropped_to_self, 1);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(vswitch_port_pending(&ports[i]), 0);
}

static void test_ageing(void **state)
{
	(void)state;
	send(0, 0xff, 0);
	drain(1), drain(2), drain(3);
	assert_int_equal(send(1, 0, AGE - 1), 1); /* still known */
	assert_int_equal(vswitch_lookup(&sw, (u8[]){ 2, 0, 0, 0, 0, 0 }, AGE), -1);
	assert_int_equal(send(1, 0, AGE), 3); /* forgotten: flooded */
	/* Sending again refreshes it. */
	send(0, 1, AGE + 10);
	assert_int_equal(vswitch_lookup(&sw, (u8[]){ 2, 0, 0, 0, 0, 0 }, AGE + 10 + AGE - 1), 0);
}

static void test_table_bounded(void **state)
{
	(void)state;
	vswitch_init(&sw, AGE);
	add_ports(2, false);
	u8 f[60];
	/* Twice as many source MACs as entries: the table keeps the newest, evicting the oldest. */
	for (unsigned n = 0; n < 2 * VSWITCH_MAC_ENTRIES; n++) {
		vswitch_input(&sw, &ports[0], f, frame(f, 0xff, 100 + n, 60, 0), n);
		drain(1);
	}
	assert_int_equal(sw.evicted, VSWITCH_MAC_ENTRIES);
	u8 m[ETH_ALEN];
	mac_of(m, 100);
	assert_int_equal(vswitch_lookup(&sw, m, 2 * VSWITCH_MAC_ENTRIES), -1);
	mac_of(m, 100 + 2 * VSWITCH_MAC_ENTRIES - 1);
	assert_int_equal(vswitch_lookup(&sw, m, 2 * VSWITCH_MAC_ENTRIES), 0);
}

static void test_queue_bounded_and_fair(void **state)
{
	(void)state;
	/* Port 0 floods: each other queue takes only its share from it (4 ports: a third). */
	unsigned share = VSWITCH_QUEUE_LEN / (NPORTS - 1);
	for (unsigned n = 0; n < 2000; n++)
		send(0, 0xff, 0);
	assert_int_equal(vswitch_port_pending(&ports[1]), share);
	assert_int_equal(ports[1].stats.out_dropped, 2000 - share);
	/* Port 2 still gets its frames into port 1's queue (flooded: port 1 never spoke). */
	assert_int_equal(send(2, 1, 1), 3);
	assert_int_equal(vswitch_port_pending(&ports[1]), share + 1);
	/* The whole queue is bounded whatever the senders. */
	for (unsigned n = 0; n < 200; n++)
		send(2, 1, 1), send(3, 1, 1);
	assert_true(vswitch_port_pending(&ports[1]) <= VSWITCH_QUEUE_LEN);
	/* Once taken, room comes back: the counts follow pops. */
	assert_int_equal(send(0, 0xff, 2), 0); /* every share of port 0 is full */
	drain(1);
	assert_int_equal(send(0, 0xff, 2), 1);
	assert_int_equal(vswitch_port_pending(&ports[1]), 1);
}

static void test_spoof_and_bad_frames(void **state)
{
	(void)state;
	u8 f[VSWITCH_FRAME_MAX + 1];
	vswitch_init(&sw, AGE);
	add_ports(NPORTS, true);
	/* A MAC-locked port claiming port 1's MAC: refused, and nothing learnt. */
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 0xff, 1, 60, 0), 0), 0);
	assert_int_equal(ports[0].stats.in_spoofed, 1);
	assert_int_equal(sw.learned, 0);
	assert_int_equal(vswitch_lookup(&sw, (u8[]){ 2, 0, 0, 0, 0, 1 }, 0),
			 1); /* port 1's own, statically */
	/* Runts and giants. */
	assert_int_equal(vswitch_input(&sw, &ports[0], f, ETH_HLEN - 1, 0), 0);
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 0xff, 0, VSWITCH_FRAME_MAX + 1, 0), 0), 0);
	assert_int_equal(ports[0].stats.in_runt, 2);
	/* The largest frame passes. */
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 0xff, 0, VSWITCH_FRAME_MAX, 0), 0), 3);
	/* A multicast source is never learnt. */
	vswitch_init(&sw, AGE);
	add_ports(2, false);
	frame(f, 0xff, 0, 60, 0);
	f[ETH_ALEN] = 0x03;
	assert_int_equal(vswitch_input(&sw, &ports[0], f, 60, 0), 0);
	assert_int_equal(ports[0].stats.in_bad_src, 1);
	assert_int_equal(sw.learned, 0);
}

static void test_closed_port(void **state)
{
	(void)state;
	send(1, 0xff, 0);
	send(1, 0xff, 0);
	assert_int_equal(vswitch_port_pending(&ports[0]), 2);
	/* Closing drops what waits, forgets its MACs, and takes nothing until it opens. */
	send(0, 1, 0);
	vswitch_port_close(&ports[0]);
	assert_int_equal(vswitch_port_pending(&ports[0]), 0);
	assert_int_equal(ports[0].stats.out_dropped, 2);
	assert_int_equal(vswitch_lookup(&sw, (u8[]){ 2, 0, 0, 0, 0, 0 }, 0), -1);
	assert_int_equal(send(1, 0xff, 1), 2);
	assert_int_equal(vswitch_port_pending(&ports[0]), 0);
	vswitch_port_open(&ports[0]);
	assert_int_equal(send(1, 0xff, 1), 3);
	assert_int_equal(vswitch_port_pending(&ports[0]), 1);
}

static void test_kicks(void **state)
{
	(void)state;
	send(0, 0xff, 0);
	send(0, 0xff, 0);
	vswitch_kick_pending(&sw);
	assert_int_equal(kicks[0], 0);
	assert_int_equal(kicks[1], 1);
	assert_int_equal(kicks[3], 1);
	/* No new frames: no new kicks. */
	vswitch_kick_pending(&sw);
	assert_int_equal(kicks[1], 1);
	/* A dropped frame (closed port) asks for no kick. */
	vswitch_port_close(&ports[2]);
	send(0, 0xff, 0);
	vswitch_kick_pending(&sw);
	assert_int_equal(kicks[2], 1);
	assert_int_equal(kicks[1], 2);
}

static void test_locked_macs_are_static(void **state)
{
	(void)state;
	vswitch_init(&sw, AGE);
	add_ports(NPORTS, true);
	/* Port 2 never sent: a frame for its MAC still goes to it alone (no flood, no learning needed). */
	assert_int_equal(send(0, 2, 0), 1);
	assert_int_equal(vswitch_port_pending(&ports[2]), 1);
	assert_int_equal(vswitch_port_pending(&ports[1]), 0);
	assert_int_equal(sw.flooded, 0);
	/* Long after any entry would have aged out. */
	assert_int_equal(send(0, 2, 100 * AGE), 1);
	/* Closed (its VM resets): dropped, never flooded to the others. */
	vswitch_port_close(&ports[2]);
	assert_int_equal(send(0, 2, 100 * AGE), 0);
	assert_int_equal(vswitch_port_pending(&ports[1]), 0);
	assert_int_equal(vswitch_port_pending(&ports[3]), 0);
}

static void test_clock_read_before_the_lock(void **state)
{
	(void)state;
	/* Unlocked ports, so the table decides. Learnt at 1000 by one CPU... */
	vswitch_init(&sw, AGE);
	add_ports(3, false);
	u8 f[60];
	vswitch_input(&sw, &ports[0], f, frame(f, 0xff, 10, 60, 0), 1000);
	drain(1), drain(2);
	/* ...while another read its clock at 999 and took the lock after: still known, unicast. */
	assert_int_equal(vswitch_input(&sw, &ports[1], f, frame(f, 10, 11, 60, 0), 999), 1);
	assert_int_equal(vswitch_port_pending(&ports[0]), 1);
	assert_int_equal(vswitch_port_pending(&ports[2]), 0);
}

/* A port that delivers frames itself: what it answers, what it got, and a sender's buffer to rewrite. */
static enum vswitch_delivery answer;
static unsigned delivered;
static u8 got[VSWITCH_FRAME_MAX];
static u32 got_len;
static u8 *rewrite; /* while delivering, the sender rewrites this buffer's source MAC (a guest racing us) */

static enum vswitch_delivery deliver(struct vswitch_port *p, const u8 *eth, const u8 *f, u32 len)
{
	(void)p;
	if (answer == VSWITCH_DELIVERED) {
		memcpy(got, eth, ETH_HLEN);
		memcpy(got + ETH_HLEN, f + ETH_HLEN, len - ETH_HLEN);
		got_len = len;
	}
	if (rewrite)
		mac_of(rewrite + ETH_ALEN, 9);
	delivered++;
	return answer;
}
static const struct vswitch_port_ops cut_ops = { .kick = kick, .deliver = deliver };

/* Ports 0..2 MAC-locked; port 1 delivers by itself. */
static void cut_through_ports(void)
{
	vswitch_init(&sw, AGE);
	for (unsigned i = 0; i < 3; i++) {
		u8 mac[ETH_ALEN];
		mac_of(mac, i);
		assert_int_equal(vswitch_port_add(&sw, &ports[i], "p", i == 1 ? &cut_ops : &ops, NULL, qs[i],
						  VSWITCH_QUEUE_LEN, mac),
				 HV_OK);
		vswitch_port_open(&ports[i]);
	}
	answer = VSWITCH_DELIVERED;
	delivered = got_len = 0;
	rewrite = NULL;
}

static void test_cut_through(void **state)
{
	(void)state;
	cut_through_ports();
	u8 f[60];
	/* Taken straight away: nothing queued, counted as the port's, and a kick to tell its guest. */
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 1, 0, 60, 0x11), 0), 1);
	assert_int_equal(delivered, 1);
	assert_int_equal(got_len, 60);
	assert_memory_equal(got, f, 60);
	assert_int_equal(vswitch_port_pending(&ports[1]), 0);
	assert_int_equal(ports[1].stats.out_frames, 1);
	vswitch_kick_pending(&sw);
	assert_int_equal(kicks[1], 1);
	/* Not taken (its lock busy, no buffer): queued; while one waits, the next is queued behind it untried. */
	answer = VSWITCH_QUEUE;
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 1, 0, 60, 0x22), 0), 1);
	answer = VSWITCH_DELIVERED;
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 1, 0, 60, 0x33), 0), 1);
	assert_int_equal(delivered, 2);
	assert_int_equal(vswitch_port_pending(&ports[1]), 2);
	assert_int_equal(vswitch_port_peek(&ports[1])->data[20], 0x22);
	drain(1);
	/* Refused (a malformed receive buffer): dropped and counted, not queued as well. */
	answer = VSWITCH_REFUSED;
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 1, 0, 60, 0x44), 0), 0);
	assert_int_equal(vswitch_port_pending(&ports[1]), 0);
	assert_int_equal(ports[1].stats.out_dropped, 1);
	/* A closed port is offered nothing. */
	answer = VSWITCH_DELIVERED;
	vswitch_port_close(&ports[1]);
	assert_int_equal(vswitch_input(&sw, &ports[0], f, frame(f, 1, 0, 60, 0x55), 0), 0);
	assert_int_equal(delivered, 3);
}

static void test_header_read_once(void **state)
{
	(void)state;
	cut_through_ports();
	u8 f[60], sent[60];
	/*
	 * A broadcast from port 0, whose guest rewrites its source MAC while
	 * port 1 takes the frame: port 2's queued copy still has the address
	 * the switch checked (port 0's), not the stolen one, and so has port 1's.
	 */
	frame(f, 0xff, 0, 60, 0x66);
	memcpy(sent, f, sizeof(f));
	rewrite = f;
	assert_int_equal(vswitch_input(&sw, &ports[0], f, 60, 0), 2);
	assert_int_not_equal(memcmp(f, sent, ETH_HLEN), 0); /* the buffer did change */
	assert_memory_equal(got, sent, 60);
	const struct vswitch_frame *q = vswitch_port_peek(&ports[2]);
	assert_non_null(q);
	assert_memory_equal(q->data, sent, 60);
}

static void test_port_limit(void **state)
{
	(void)state;
	vswitch_init(&sw, AGE);
	add_ports(VSWITCH_MAX_PORTS, false);
	struct vswitch_port extra;
	assert_int_equal(vswitch_port_add(&sw, &extra, "x", &ops, NULL, qs[0], 1, NULL), -HV_EBUSY);
	assert_int_equal(vswitch_port_add(&sw, &extra, "x", &ops, NULL, NULL, 1, NULL), -HV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_flood_then_learn, setup),
		cmocka_unit_test_setup(test_broadcast_floods_all_but_source, setup),
		cmocka_unit_test_setup(test_never_back_to_source, setup),
		cmocka_unit_test_setup(test_ageing, setup),
		cmocka_unit_test_setup(test_table_bounded, setup),
		cmocka_unit_test_setup(test_queue_bounded_and_fair, setup),
		cmocka_unit_test_setup(test_spoof_and_bad_frames, setup),
		cmocka_unit_test_setup(test_closed_port, setup),
		cmocka_unit_test_setup(test_kicks, setup),
		cmocka_unit_test_setup(test_locked_macs_are_static, setup),
		cmocka_unit_test_setup(test_clock_read_before_the_lock, setup),
		cmocka_unit_test_setup(test_port_limit, setup),
		cmocka_unit_test_setup(test_cut_through, setup),
		cmocka_unit_test_setup(test_header_read_once, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
