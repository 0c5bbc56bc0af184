/*
 * A vsock stream into a VM that keeps rebooting (tests/integration/test_vsock.py):
 * the case that once crashed a hypervisor's cross-VM delivery, a VM whose
 * RAM is being forgotten and scrubbed while another VM's packets for it
 * are on their way.
 *
 * role=tx: for secs=S seconds, connect to peer=CID port 1, send a byte
 * pattern within the credit hyparm gives, and on RST (the receiver
 * rebooted) connect again. Checks: several connections, RSTs seen, data
 * sent, every packet it got well formed.
 * role=rx: accept, check every byte of the pattern, and after bytes=N of
 * it reset the VM (PSCI SYSTEM_RESET), a new life with fresh RAM; once its
 * virtual counter (which a reset does not restart) passes stop=S seconds
 * it powers off instead. Each life prints what it got.
 */
#include "vsock_drv.h"

#define PSCI_SYSTEM_RESET 0x84000009
#define PKT 1024
#define PORT 1

static u8 data[PKT];

static u8 pattern(u64 off)
{
	return (u8)(off * 7 + (off >> 8));
}

static void run_tx(u64 peer, u64 secs)
{
	struct vhdr h;
	u64 end = now_ticks() + secs * ticks_per_sec();
	u32 port = 1000, conns = 0, rsts = 0, bad = 0;
	u64 bytes = 0, sent = 0, alloc = 0, fwd = 0;
	enum { IDLE, WAITING, CONNECTED } st = IDLE;

	while (now_ticks() < end) {
		if (st == IDLE) {
			tx_data(my_cid, ++port, peer, PORT, OP_REQUEST, 0, NULL, 0, 0);
			st = WAITING;
		}
		while (rx(&h, st == CONNECTED ? 0 : 200)) {
			if (h.src_cid != peer || h.dst_cid != my_cid || h.src_port != PORT) {
				bad++;
				continue;
			}
			if (h.dst_port != port)
				continue; /* a late RST for a connection already given up (data sent before its RST came) */
			alloc = h.buf_alloc;
			fwd = h.fwd_cnt;
			if (h.op == OP_RESPONSE && st == WAITING) {
				st = CONNECTED;
				conns++;
				sent = 0;
			} else if (h.op == OP_RST) {
				rsts += st == CONNECTED;
				st = IDLE;
			}
		}
		if (st == IDLE) {
			delay_ms(100);
			continue;
		}
		/* Within hyparm's credit: it would reset a connection that overran it. */
		for (unsigned n = 0; st == CONNECTED && n < 8 && sent + PKT - fwd <= alloc; n++) {
			for (unsigned i = 0; i < PKT; i++)
				data[i] = pattern(sent + i);
			tx_data(my_cid, port, peer, PORT, OP_RW, PKT, data, PKT, 0);
			sent += PKT;
			bytes += PKT;
		}
	}
	check(conns >= 3, "%u connections to the rebooting VM", conns);
	check(rsts >= 2, "%u of them ended by its reboot (RST)", rsts);
	check(bytes > 0, "%llu bytes sent", (unsigned long long)bytes);
	check(bad == 0, "every packet from the peer's CID and port, to ours (%u not)", bad);
}

static void run_rx(u64 life_bytes, u64 stop_secs)
{
	struct vhdr h;
	u64 off = 0, idle_since = now_ticks();
	u32 peer_port = 0;
	u64 peer_cid = 0;
	bool ok = true;

	for (;;) {
		if (!rx_pkt(&h, data, PKT, 100)) {
			/* The sender stopped (its time is up): this life is the last. */
			if (now_ticks() / ticks_per_sec() >= stop_secs &&
			    now_ticks() - idle_since > 3 * ticks_per_sec())
				break;
			continue;
		}
		idle_since = now_ticks();
		if (h.op == OP_REQUEST && !peer_port) {
			peer_cid = h.src_cid;
			peer_port = h.src_port;
			/* A large buffer: hyparm's queue towards us is the only limit. */
			tx_data(my_cid, PORT, peer_cid, peer_port, OP_RESPONSE, 0, NULL, 0, 0);
		} else if (h.op == OP_RW && h.src_port == peer_port) {
			for (u32 i = 0; i < h.len && i < PKT; i++)
				ok &= data[i] == pattern(off + i);
			off += h.len;
			if (off >= life_bytes) {
				gprintf("vsockstorm: a life got %llu bytes from cid %llu, pattern %s\n",
					(unsigned long long)off, (unsigned long long)peer_cid,
					ok ? "ok" : "WRONG");
				if (now_ticks() / ticks_per_sec() >= stop_secs)
					break;
				check(ok, "the pattern");
				/* Reset with the sender's packets still coming: a new life, fresh RAM. */
				hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
			}
		}
	}
	check(ok, "the last life's pattern (%llu bytes)", (unsigned long long)off);
}

int main(void)
{
	char role[8] = "";
	u64 peer = 0, secs = 20, life_bytes = 65536, stop = 30;

	bootarg_str("role", role, sizeof(role));
	bootarg_u64("peer", &peer);
	bootarg_u64("secs", &secs);
	bootarg_u64("bytes", &life_bytes);
	bootarg_u64("stop", &stop);
	check(init(), "virtio-vsock set up, CID %llu", (unsigned long long)my_cid);
	post_all_rx();
	if (role[0] == 't')
		run_tx(peer, secs);
	else
		run_rx(life_bytes, stop);
	test_finish();
}
