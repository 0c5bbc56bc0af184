/*
 * shmping: ivshmem from Linux user space with stock drivers only. The
 * function (hyparm's vdev/ivshmem.c, QEMU's ivshmem-doorbell layout) is
 * bound to uio_pci_generic; its registers are BAR0 through sysfs
 * resource0, the shared region BAR2 through resource2, and its INTx is
 * /dev/uioN: read() waits for an interrupt. The kernel's handler masks
 * INTx (the command register's INTx disable) when it takes one; user space
 * unmasks it by clearing that bit through sysfs config (uio_pci_generic
 * has no irqcontrol: the uio how-to's way).
 *
 *   shmping DEVDIR UIO BYTES   DEVDIR /sys/bus/pci/devices/0000:00:0N.0, UIO /dev/uio0
 *
 * Peer 0 (IVPosition) sends BYTES in chunks through the region, peer 1
 * receives them: for each chunk the sender writes it and its number and
 * rings peer 1; the receiver, woken by the interrupt, reads it and rings
 * back its acknowledgement. Both print "shmping: sent|received N bytes
 * sum S" (FNV-1a over the 64-bit words); the receiver also regenerates the
 * pattern and counts words that differ. Both map the region as Device
 * memory (resource2), so every access is one aligned 64-bit load or store.
 */
#define NOLIBC_MAIN_ARGS
#include "nolibc.h"

#define SYS_mmap 222
#define O_RDWR 2
#define O_SYNC 04010000
#define PROT_RW 3
#define MAP_SHARED 1
#define POLLIN 1

#define REG_INTR_MASK 0x0
#define REG_INTR_STATUS 0x4
#define REG_IV_POSITION 0x8
#define REG_DOORBELL 0xc

/* The region: a control page (one 64-bit word each), then the chunk. */
#define W_READY(p) (0x00 + 8 * (p))
#define W_SEQ 0x40 /* the sender's last chunk */
#define W_ACK 0x48 /* the receiver's last chunk */
#define DATA_OFF 0x1000
#define READY_MAGIC 0x5348504e47ULL /* "SHPNG": this boot's peer is up */
#define WAIT_MS 120000

struct timespec {
	s64 sec, nsec;
};
struct pollfd {
	int fd;
	short events, revents;
};

static volatile unsigned char *regs, *shm;

/* mmap takes six arguments, one more than nolibc.h's sys6 passes: the offset (0) goes in x5. */
static s64 sys_mmap(u64 len, u64 fd)
{
	register u64 x8 __asm__("x8") = SYS_mmap;
	register u64 x0 __asm__("x0") = 0;
	register u64 x1 __asm__("x1") = len;
	register u64 x2 __asm__("x2") = PROT_RW;
	register u64 x3 __asm__("x3") = MAP_SHARED;
	register u64 x4 __asm__("x4") = fd;
	register u64 x5 __asm__("x5") = 0;
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return (s64)x0;
}
static int uio = -1, config = -1;
static u64 irqs;

static void say(const char *what, u64 n)
{
	put("shmping: ");
	put(what);
	put_dec(n);
	flush();
}

static u64 now_ms(void)
{
	struct timespec t;

	sys(SYS_clock_gettime, CLOCK_MONOTONIC, &t, 0, 0);
	return (u64)t.sec * 1000 + (u64)t.nsec / 1000000;
}

static u32 reg_read(unsigned off)
{
	u32 v;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(regs + off) : "memory");
	return v;
}

static void reg_write(unsigned off, u32 v)
{
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(regs + off) : "memory");
}

static volatile u64 *word(u64 off)
{
	return (volatile u64 *)(shm + off);
}

static void ring(unsigned peer)
{
	__asm__ volatile("dsb sy" ::: "memory");
	reg_write(REG_DOORBELL, peer << 16);
}

/* Clear INTx disable: bit 10 of the command register, bit 2 of config byte 5. */
static void intx_unmask(void)
{
	unsigned char b = 0;

	if (sys(SYS_pread64, config, &b, 1, 5) == 1 && (b & 4)) {
		b &= (unsigned char)~4;
		sys(SYS_pwrite64, config, &b, 1, 5);
	}
}

/*
 * Wait until the shared word at off reaches want: check, then sleep on
 * the interrupt (up to a second at a time), clear IntrStatus, unmask INTx
 * and check again, so a doorbell that came while INTx was masked (status
 * still set) raises the line again at the unmask.
 */
static int wait_word(u64 off, u64 want)
{
	u64 end = now_ms() + WAIT_MS;
	u32 count;

	while (*word(off) < want) {
		struct pollfd p = { .fd = uio, .events = POLLIN };
		struct timespec sec = { 1, 0 };
		if (now_ms() > end)
			return 0;
		if (sys(SYS_ppoll, &p, 1, &sec, 0) > 0 && sys(SYS_read, uio, &count, 4, 0) == 4)
			irqs++;
		(void)reg_read(REG_INTR_STATUS);
		intx_unmask();
	}
	__asm__ volatile("dmb sy" ::: "memory"); /* the chunk is read after its number */
	return 1;
}

static u64 parse(const char *s)
{
	u64 v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

static u64 parse_hex(const char **s)
{
	u64 v = 0;

	while (**s == ' ')
		(*s)++;
	if ((*s)[0] == '0' && (*s)[1] == 'x')
		*s += 2;
	for (;; (*s)++) {
		char c = **s;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			: c >= 'a' && c <= 'f'	  ? (unsigned)(c - 'a' + 10)
						  : 99;
		if (d == 99)
			return v;
		v = v << 4 | d;
	}
}

static char path[256];

static const char *join(const char *dir, const char *file)
{
	unsigned n = 0;

	while (*dir && n < sizeof(path) - 32)
		path[n++] = *dir++;
	path[n++] = '/';
	while (*file)
		path[n++] = *file++;
	path[n] = 0;
	return path;
}

/* BAR n's start and length from DEVDIR/resource ("start end flags" per line). */
static int bar(const char *dir, unsigned n, u64 *start, u64 *len)
{
	static char text[1024];
	int fd = (int)sys(SYS_openat, AT_FDCWD, join(dir, "resource"), 0, 0);
	s64 got;
	const char *p = text;

	if (fd < 0)
		return 0;
	got = sys(SYS_read, fd, text, sizeof(text) - 1, 0);
	sys(SYS_close, fd, 0, 0, 0);
	if (got <= 0)
		return 0;
	text[got] = 0;
	for (unsigned i = 0; i < n; i++) {
		while (*p && *p != '\n')
			p++;
		if (!*p++)
			return 0;
	}
	*start = parse_hex(&p);
	u64 end = parse_hex(&p);
	*len = end >= *start && *start ? end - *start + 1 : 0;
	return *len != 0;
}

static volatile unsigned char *map(const char *dir, const char *file, u64 len)
{
	int fd = (int)sys(SYS_openat, AT_FDCWD, join(dir, file), O_RDWR | O_SYNC, 0);
	s64 p;

	if (fd < 0)
		return 0;
	p = sys_mmap((len + 4095) & ~4095UL, (u64)fd);
	return p < 0 && p > -4096 ? 0 : (volatile unsigned char *)p;
}

static u64 next(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static u64 fnv(u64 h, u64 w)
{
	return (h ^ w) * 0x100000001b3ULL;
}

static int run(const char *dir, const char *uiodev, u64 bytes)
{
	u64 r0, len0, r2, len2;

	if (!bar(dir, 0, &r0, &len0) || !bar(dir, 2, &r2, &len2)) {
		put("shmping: no BAR0 / BAR2 in ");
		put(dir);
		flush();
		return 1;
	}
	say("BAR2 KiB ", len2 >> 10);
	volatile unsigned char *page = map(dir, "resource0", len0);
	shm = map(dir, "resource2", len2);
	uio = (int)sys(SYS_openat, AT_FDCWD, uiodev, O_RDWR, 0);
	config = (int)sys(SYS_openat, AT_FDCWD, join(dir, "config"), O_RDWR, 0);
	if (!page || !shm || uio < 0 || config < 0) {
		say("cannot map the BARs or open the uio device; uio fd ", (u64)(s64)uio);
		return 1;
	}
	regs = page + (r0 & 4095); /* a BAR smaller than a page need not start one */
	reg_write(REG_INTR_MASK, 0xFFFFFFFF);
	unsigned me = reg_read(REG_IV_POSITION), other = 1 - me;
	say("peer ", me);
	if (me > 1)
		return 1;
	*word(W_READY(me)) = READY_MAGIC;
	u64 chunk = len2 - DATA_OFF > 256 * 1024 ? 256 * 1024 : len2 - DATA_OFF;
	u64 chunks = (bytes + chunk - 1) / chunk, sum = 0xcbf29ce484222325ULL, x = 0x2545F4914F6CDD1DULL,
	    bad = 0;
	u64 t0 = now_ms();
	/* The other VM may still be booting: a doorbell rung before it is up waits in its IntrStatus. */
	while (*word(W_READY(other)) != READY_MAGIC && now_ms() < t0 + WAIT_MS) {
		struct timespec ms = { 0, 10000000 };
		sys(SYS_nanosleep, &ms, 0, 0, 0);
	}
	if (*word(W_READY(other)) != READY_MAGIC) {
		say("the other peer never came up: peer ", other);
		return 1;
	}
	t0 = now_ms();
	for (u64 c = 1; c <= chunks; c++) {
		u64 words = (c < chunks ? chunk : bytes - (chunks - 1) * chunk) / 8;
		if (me == 0) {
			if (!wait_word(W_ACK, c - 1)) {
				say("no acknowledgement of chunk ", c - 1);
				return 1;
			}
			for (u64 i = 0; i < words; i++) {
				u64 w = next(&x);
				*word(DATA_OFF + 8 * i) = w;
				sum = fnv(sum, w);
			}
			__asm__ volatile("dsb sy" ::: "memory");
			*word(W_SEQ) = c;
			ring(other);
		} else {
			if (!wait_word(W_SEQ, c)) {
				say("chunk never came: ", c);
				return 1;
			}
			for (u64 i = 0; i < words; i++) {
				u64 w = *word(DATA_OFF + 8 * i);
				bad += w != next(&x);
				sum = fnv(sum, w);
			}
			*word(W_ACK) = c;
			ring(other);
		}
	}
	if (me == 0 && !wait_word(W_ACK, chunks)) {
		say("no acknowledgement of the last chunk ", chunks);
		return 1;
	}
	u64 ms = now_ms() - t0;
	put(me == 0 ? "shmping: sent " : "shmping: received ");
	put_dec(bytes & ~7UL);
	put(" bytes sum ");
	put_hex(sum);
	flush();
	say("chunks ", chunks);
	say("interrupts ", irqs);
	say("words differing ", bad);
	say("KiB/s ", ms ? (bytes >> 10) * 1000 / ms : 0);
	return bad != 0;
}

int main(u64 *sp)
{
	u64 argc = sp[0];
	char **argv = (char **)(sp + 1);

	if (argc != 4) {
		put("usage: shmping DEVDIR UIO BYTES");
		flush();
		return 2;
	}
	return run(argv[1], argv[2], parse(argv[3]) & ~7UL);
}
