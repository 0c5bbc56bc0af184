/*
 * vsockcat: AF_VSOCK streams for the Linux guests' tests (busybox has no
 * vsock support). Static, no libc (nolibc.h).
 *
 *   vsockcat -l PORT      accept one connection on PORT, copy it to stdout until EOF
 *   vsockcat CID PORT     connect to CID:PORT (retrying while it is refused, up to 90 s),
 *                         copy stdin to it, then shut down the sending side
 *   vsockcat -n CID PORT  the same, one attempt only
 *   vsockcat -c           print this VM's CID (IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock)
 *
 * Progress goes to stderr as "vsockcat: ..." lines; the exit status is 0 on success.
 */
#define NOLIBC_MAIN_ARGS
#include "nolibc.h"


#define AF_VSOCK 40
#define SOCK_STREAM 1
#define SHUT_WR 1
#define VMADDR_CID_ANY 0xFFFFFFFFu
#define IOCTL_VM_SOCKETS_GET_LOCAL_CID 0x7b9

struct sockaddr_vm {
	unsigned short svm_family;
	unsigned short svm_reserved1;
	unsigned int svm_port;
	unsigned int svm_cid;
	unsigned char svm_flags;
	unsigned char svm_zero[3];
};

static char buf[65536];

static void say(const char *what, u64 n)
{
	put("vsockcat: ");
	put(what);
	put_dec(n);
	out[outn++] = '\n';
	sys(SYS_write, 2, out, outn, 0);
	outn = 0;
}

static u64 parse(const char *s)
{
	u64 v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

/* Copy from to to until EOF; the bytes copied, or -1. */
static s64 copy(int from, int to)
{
	s64 total = 0;
	for (;;) {
		s64 n = sys(SYS_read, from, buf, sizeof(buf), 0);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return total;
		if (write_all(to, buf, n))
			return -1;
		total += n;
	}
}

static int do_listen(unsigned port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_port = port, .svm_cid = VMADDR_CID_ANY };
	s64 s = sys(SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 0);
	s64 c, n;

	if (s < 0 || sys(SYS_bind, s, &a, sizeof(a), 0) < 0 || sys(SYS_listen, s, 1, 0, 0) < 0) {
		say("cannot listen, error ", (u64)-s);
		return 1;
	}
	say("listening on port ", port);
	c = sys(SYS_accept, s, 0, 0, 0);
	if (c < 0) {
		say("accept failed, error ", (u64)-c);
		return 1;
	}
	n = copy((int)c, 1);
	if (n < 0) {
		say("receive failed", 0);
		return 1;
	}
	say("received bytes ", (u64)n);
	sys(SYS_close, c, 0, 0, 0);
	return 0;
}

/* Monotonic milliseconds. */
static u64 now_ms(void)
{
	struct {
		s64 sec, nsec;
	} t = { 0, 0 };
	sys(SYS_clock_gettime, CLOCK_MONOTONIC, &t, 0, 0);
	return (u64)t.sec * 1000 + (u64)t.nsec / 1000000;
}

static int do_connect(unsigned cid, unsigned port, int attempts)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_port = port, .svm_cid = cid };
	struct {
		s64 sec, nsec;
	} second = { 1, 0 };
	s64 s = -1, rc = -1, n;

	/* The listener may not be up yet: a refused connection (RST) is tried again. */
	for (int i = 0; i < attempts && rc < 0; i++) {
		if (s >= 0)
			sys(SYS_close, s, 0, 0, 0);
		s = sys(SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 0);
		rc = s < 0 ? s : sys(SYS_connect, s, &a, sizeof(a), 0);
		if (rc < 0 && i + 1 < attempts)
			sys(SYS_nanosleep, &second, 0, 0, 0);
	}
	if (rc < 0) {
		say("cannot connect, error ", (u64)-rc);
		return 1;
	}
	say("connected to cid ", cid);
	u64 t0 = now_ms();
	n = copy(0, (int)s);
	if (n < 0) {
		say("send failed", 0);
		return 1;
	}
	sys(SYS_shutdown, s, SHUT_WR, 0, 0);
	say("sent bytes ", (u64)n);
	/* Wait for the peer to close (read returns 0), so nothing is cut short by our exit. */
	while (sys(SYS_read, s, buf, sizeof(buf), 0) > 0)
		;
	/* The peer closed after reading everything: the whole transfer took this long. */
	u64 ms = now_ms() - t0;
	say("transfer ms (until the peer closed) ", ms);
	say("throughput KiB/s ", ms ? (u64)n * 1000 / 1024 / ms : 0);
	sys(SYS_close, s, 0, 0, 0);
	return 0;
}

static int local_cid(void)
{
	unsigned cid = 0;
	s64 fd = sys(SYS_openat, AT_FDCWD, "/dev/vsock", 0, 0);

	if (fd < 0 || sys(SYS_ioctl, fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid, 0) < 0) {
		say("no local CID, error ", (u64)-fd);
		return 1;
	}
	say("local cid ", cid);
	return 0;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int main(u64 *sp)
{
	u64 argc = sp[0];
	char **argv = (char **)(sp + 1);

	if (argc == 2 && streq(argv[1], "-c"))
		return local_cid();
	if (argc == 3 && streq(argv[1], "-l"))
		return do_listen((unsigned)parse(argv[2]));
	if (argc == 3)
		return do_connect((unsigned)parse(argv[1]), (unsigned)parse(argv[2]), 90);
	if (argc == 4 && streq(argv[1], "-n"))
		return do_connect((unsigned)parse(argv[2]), (unsigned)parse(argv[3]), 1);
	say("usage: vsockcat -l PORT | vsockcat [-n] CID PORT | vsockcat -c; arguments given: ", argc - 1);
	return 2;
}
