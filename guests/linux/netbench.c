/*
 * netbench: TCP throughput for make bench's virtio group (tools/bench.py,
 * docs/benchmarks.md). Static, no libc (nolibc.h).
 *
 *   netbench -s PORT [N]              serve N connections (default 1) one after another, then
 *                                     exit (once the last client closed)
 *   netbench -c ADDR PORT BYTES DIR   connect to ADDR:PORT (IPv4, retrying while refused or
 *                                     unreachable, up to 120 s) and move BYTES; DIR is
 *                                     "send" (we send) or "recv" (the server sends)
 *
 * The protocol, also spoken by the host-side server in tools/bench.py: the
 * client sends one request, 'S' or 'R' and the byte count as 8 bytes
 * little-endian. 'S': the client sends that many bytes, the server answers
 * one byte 'K' once it has them all. 'R': the server sends that many bytes
 * and closes. The client's time runs from the request to the 'K' (or the
 * last byte received), on the guest's CLOCK_MONOTONIC; it prints
 *   NETBENCH dir=send bytes=N ns=N mbs=X
 * (MB = 10^6 bytes). Exit status 0 on success.
 */
#define NOLIBC_MAIN_ARGS
#include "nolibc.h"

#define SYS_setsockopt 208
#define SHUT_WR 1

#define AF_INET 2
#define SOCK_STREAM 1
#define SOL_SOCKET 1
#define SO_REUSEADDR 2

struct sockaddr_in {
	unsigned short family;
	unsigned short port; /* network order */
	unsigned int addr; /* network order */
	unsigned char zero[8];
};

static char buf[65536];

static void say(const char *what, u64 n)
{
	put("netbench: ");
	put(what);
	put_dec(n);
	flush();
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* A decimal number, or ~0 if s is not one. */
static u64 parse(const char *s)
{
	u64 v = 0;
	if (!*s)
		return ~0ull;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return *s ? ~0ull : v;
}

/* "a.b.c.d" in network order, or 0 if it is not one. */
static unsigned parse_ip(const char *s)
{
	unsigned ip = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4)
			v = v * 10 + (unsigned)(*s++ - '0'), digits++;
		if (!digits || v > 255 || (i < 3 && *s++ != '.'))
			return 0;
		ip |= v << (8 * i);
	}
	return *s ? 0 : ip;
}

static unsigned short be16(unsigned v)
{
	return (unsigned short)(((v & 0xff) << 8) | ((v >> 8) & 0xff));
}

/* Read exactly n bytes into p (or, if p is NULL, into buf, discarded): 0, or -1 at EOF or error. */
static int read_n(int fd, char *p, u64 n)
{
	while (n > 0) {
		u64 want = n < sizeof(buf) ? n : sizeof(buf);
		s64 r = sys(SYS_read, fd, p ? p : buf, want, 0);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (p)
			p += r;
		n -= (u64)r;
	}
	return 0;
}

static int send_n(int fd, u64 n)
{
	while (n > 0) {
		u64 len = n < sizeof(buf) ? n : sizeof(buf);
		if (write_all(fd, buf, len))
			return -1;
		n -= len;
	}
	return 0;
}

/* One connection on the listening socket s: the request, the transfer, the client's close. */
static int serve_one(s64 s)
{
	unsigned char req[9];
	s64 c = sys(SYS_accept, s, 0, 0, 0);

	if (c < 0 || read_n((int)c, (char *)req, sizeof(req))) {
		say("no request, error ", (u64)-c);
		return 1;
	}
	u64 n = 0;
	for (int i = 8; i >= 1; i--)
		n = (n << 8) | req[i];
	int rc;
	if (req[0] == 'S')
		rc = read_n((int)c, 0, n) || write_all((int)c, "K", 1);
	else if (req[0] == 'R')
		rc = send_n((int)c, n);
	else
		rc = 1;
	/*
	 * Until the client closes: what we sent may still sit in our socket's buffer, and the VM
	 * powers off after the last transfer. Quiet on success: a line printed now could land in
	 * the middle of the client's result line on a shared console (the KVM pair's).
	 */
	sys(SYS_shutdown, c, SHUT_WR, 0, 0);
	while (!rc && sys(SYS_read, c, buf, sizeof(buf), 0) > 0)
		;
	if (rc)
		say("transfer failed, bytes asked ", n);
	sys(SYS_close, c, 0, 0, 0);
	return rc;
}

/*
 * count connections, one after another, on one listening socket: a client's next connection
 * waits in its backlog, never in a socket that is about to go away with its process.
 */
static int serve(unsigned port, u64 count)
{
	struct sockaddr_in a = { .family = AF_INET, .port = be16(port), .addr = 0 };
	int one = 1;
	s64 s = sys(SYS_socket, AF_INET, SOCK_STREAM, 0, 0);

	if (s < 0 || sys6(SYS_setsockopt, (u64)s, SOL_SOCKET, SO_REUSEADDR, (u64)&one, sizeof(one)) < 0 ||
	    sys(SYS_bind, s, &a, sizeof(a), 0) < 0 || sys(SYS_listen, s, 1, 0, 0) < 0) {
		say("cannot listen, error ", (u64)-s);
		return 1;
	}
	for (u64 i = 0; i < count; i++)
		if (serve_one(s))
			return 1;
	return 0;
}

static int client(unsigned ip, unsigned port, u64 bytes, int sending)
{
	struct sockaddr_in a = { .family = AF_INET, .port = be16(port), .addr = ip };
	struct {
		s64 sec, nsec;
	} pause = { 0, 200000000 };
	s64 s = -1, rc = -1;
	unsigned char req[9];

	/* The server (another VM's netbench) may still be booting: try again for up to 120 s. */
	for (int i = 0; i < 600 && rc < 0; i++) {
		if (s >= 0)
			sys(SYS_close, s, 0, 0, 0);
		s = sys(SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
		rc = s < 0 ? s : sys(SYS_connect, s, &a, sizeof(a), 0);
		if (rc < 0)
			sys(SYS_nanosleep, &pause, 0, 0, 0);
	}
	if (rc < 0) {
		say("cannot connect, error ", (u64)-rc);
		return 1;
	}
	req[0] = sending ? 'S' : 'R';
	for (int i = 1; i <= 8; i++)
		req[i] = (unsigned char)(bytes >> (8 * (i - 1)));
	char k = 0;
	u64 t0 = now_ns();
	if (write_all((int)s, (const char *)req, sizeof(req)) ||
	    (sending ? send_n((int)s, bytes) || read_n((int)s, &k, 1) || k != 'K'
		     : read_n((int)s, 0, bytes))) {
		say("transfer failed after ns ", now_ns() - t0);
		return 1;
	}
	u64 ns = now_ns() - t0;
	sys(SYS_close, s, 0, 0, 0);
	u64 mbs100 = ns ? bytes * 100000 / ns : 0;
	put("NETBENCH dir=");
	put(sending ? "send" : "recv");
	put(" bytes=");
	put_dec(bytes);
	put(" ns=");
	put_dec(ns);
	put(" mbs=");
	put_dec(mbs100 / 100);
	put(mbs100 % 100 < 10 ? ".0" : ".");
	put_dec(mbs100 % 100);
	flush();
	return 0;
}

int main(u64 *sp)
{
	u64 argc = sp[0];
	char **argv = (char **)(sp + 1);

	if ((argc == 3 || argc == 4) && streq(argv[1], "-s")) {
		u64 port = parse(argv[2]), count = argc == 4 ? parse(argv[3]) : 1;
		if (port && port < 65536 && count && count != ~0ull)
			return serve((unsigned)port, count);
	}
	if (argc == 6 && streq(argv[1], "-c")) {
		unsigned ip = parse_ip(argv[2]);
		u64 port = parse(argv[3]), bytes = parse(argv[4]);
		int dir = streq(argv[5], "send") ? 1 : streq(argv[5], "recv") ? 0 : -1;
		if (ip && port && port < 65536 && bytes && bytes != ~0ull && dir >= 0)
			return client(ip, (unsigned)port, bytes, dir);
	}
	say("usage: netbench -s PORT [N] | netbench -c A.B.C.D PORT BYTES send|recv; arguments given: ",
	    argc - 1);
	return 2;
}
