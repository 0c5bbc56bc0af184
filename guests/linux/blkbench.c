/*
 * blkbench: virtio-blk throughput and latency for make bench's virtio group
 * (tools/bench.py, docs/benchmarks.md). Static, no libc (nolibc.h).
 *
 *   blkbench DEV SEQ_MIB RAND_OPS
 *
 * On DEV opened with O_DIRECT (no page cache: every request reaches the
 * device), in this order:
 *   seq write   SEQ_MIB MiB in 1 MiB blocks from offset 0, then fsync
 *   seq read    the same blocks back, each checked against what was written
 *   rand write  RAND_OPS 4 KiB writes at 4 KiB-aligned offsets in the first
 *               SEQ_MIB MiB, drawn by xorshift64 from a fixed seed (every
 *               run and every configuration does the same requests)
 *   rand read   RAND_OPS 4 KiB reads, the same generator reseeded
 * Each operation is timed with CLOCK_MONOTONIC (the guest's own clock: the
 * virtual counter, so under -icount emulated time). One line, what the
 * benchmark parses:
 *   BLKBENCH ok=1 sw_mbs=X sr_mbs=X rw_iops=N rr_iops=N sw_lat_us=X sr_lat_us=X
 *            rw_lat_us=X rw_p99_us=X rr_lat_us=X rr_p99_us=X
 * (s/r: sequential/random, w/r: write/read; MB = 10^6 bytes; MB/s and IOPS
 * over the whole phase, fsync included; lat = mean per request, p99 = 99th
 * percentile; short names: the line fits hyparm's console line.) ok=0 if
 * the read-back differed or a request failed; the exit status is then 1.
 */
#define NOLIBC_MAIN_ARGS
#include "nolibc.h"

#define O_RDWR 2
#define O_DIRECT 0200000 /* arm64's value (not x86's 040000) */

#define SEQ_BLOCK (1u << 20)
#define RAND_BLOCK 4096u
#define MAX_RAND_OPS 8192u
#define MAX_SEQ_MIB 1024u

/* O_DIRECT wants buffers aligned to the logical block size: a page is enough. */
static char buf[SEQ_BLOCK] __attribute__((aligned(4096)));
static u64 lat[MAX_RAND_OPS];

static u64 parse(const char *s)
{
	u64 v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return *s ? 0 : v;
}

/* v / 100 with two decimals (v in hundredths). */
static void put_fix2(u64 v)
{
	put_dec(v / 100);
	put(".");
	if (v % 100 < 10)
		put("0");
	put_dec(v % 100);
}

static void put_field(const char *name, u64 hundredths)
{
	put(" ");
	put(name);
	put("=");
	put_fix2(hundredths);
}

static u64 rng;
static u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The block's fill: its index in every word, so a misplaced or stale block shows. */
static void fill(u64 block, u64 len)
{
	u64 *w = (u64 *)buf;
	for (u64 i = 0; i < len / 8; i++)
		w[i] = (block << 32) ^ i ^ 0x68797061726d0000ull;
}

static int check(u64 block, u64 len)
{
	const u64 *w = (const u64 *)buf;
	for (u64 i = 0; i < len / 8; i++)
		if (w[i] != ((block << 32) ^ i ^ 0x68797061726d0000ull))
			return 0;
	return 1;
}

/* Insertion sort: at most MAX_RAND_OPS values, once per phase. */
static void sort(u64 *v, u64 n)
{
	for (u64 i = 1; i < n; i++) {
		u64 x = v[i], j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

struct phase {
	u64 wall_ns; /* the whole phase (fsync included): throughput and IOPS */
	u64 total_ns, p99_ns, ops, bytes; /* the requests alone: latency */
};

/* One random phase: RAND_OPS requests of 4 KiB at xorshift offsets below span bytes. */
static int rand_phase(int fd, int write, u64 ops, u64 span, struct phase *ph)
{
	rng = 0x9e3779b97f4a7c15ull; /* the same requests every run */
	u64 start = now_ns();
	ph->total_ns = 0;
	for (u64 i = 0; i < ops; i++) {
		u64 off = (next_rand() % (span / RAND_BLOCK)) * RAND_BLOCK;
		if (write)
			fill(off / RAND_BLOCK, RAND_BLOCK);
		u64 t0 = now_ns();
		s64 n = sys6(write ? SYS_pwrite64 : SYS_pread64, (u64)fd, (u64)buf, RAND_BLOCK, off, 0);
		lat[i] = now_ns() - t0;
		if (n != (s64)RAND_BLOCK)
			return 0;
		ph->total_ns += lat[i];
	}
	ph->wall_ns = now_ns() - start;
	sort(lat, ops);
	ph->p99_ns = lat[(ops * 99) / 100 < ops ? (ops * 99) / 100 : ops - 1];
	ph->ops = ops;
	ph->bytes = ops * RAND_BLOCK;
	return 1;
}

static int seq_phase(int fd, int write, u64 mib, struct phase *ph)
{
	int ok = 1;
	u64 t0 = now_ns();
	ph->total_ns = 0;
	for (u64 b = 0; b < mib; b++) {
		if (write)
			fill(b, SEQ_BLOCK);
		u64 t = now_ns();
		s64 n = sys6(write ? SYS_pwrite64 : SYS_pread64, (u64)fd, (u64)buf, SEQ_BLOCK, b * SEQ_BLOCK,
			     0);
		ph->total_ns += now_ns() - t;
		if (n != (s64)SEQ_BLOCK)
			return 0;
		if (!write && !check(b, SEQ_BLOCK))
			ok = 0;
	}
	if (write && sys(SYS_fsync, fd, 0, 0, 0) < 0)
		return 0;
	ph->bytes = mib * SEQ_BLOCK;
	ph->ops = mib;
	ph->wall_ns = now_ns() - t0;
	return ok;
}

static u64 mbs100(u64 bytes, u64 ns)
{
	/* bytes/ns * 1000 = MB/s; in hundredths */
	return ns ? bytes * 100000 / ns : 0;
}

int main(u64 *sp)
{
	u64 argc = sp[0];
	char **argv = (char **)(sp + 1);
	u64 mib, ops;
	struct phase sw, sr, rw, rr;

	if (argc != 4 || (mib = parse(argv[2])) == 0 || mib > MAX_SEQ_MIB || (ops = parse(argv[3])) == 0 ||
	    ops > MAX_RAND_OPS) {
		put("blkbench: usage: blkbench DEV SEQ_MIB(1..1024) RAND_OPS(1..8192)");
		flush();
		return 2;
	}
	s64 fd = sys(SYS_openat, AT_FDCWD, argv[1], O_RDWR | O_DIRECT, 0);
	if (fd < 0) {
		put("blkbench: cannot open ");
		put(argv[1]);
		put(" with O_DIRECT, error ");
		put_dec((u64)-fd);
		flush();
		return 1;
	}
	int ok = seq_phase((int)fd, 1, mib, &sw) && seq_phase((int)fd, 0, mib, &sr) &&
		rand_phase((int)fd, 1, ops, mib * SEQ_BLOCK, &rw);
	/* Latencies of the write phase are overwritten by the read phase: keep its figures first. */
	u64 rw_mean = ok ? rw.total_ns / rw.ops : 0, rw_p99 = ok ? rw.p99_ns : 0;
	ok = ok && rand_phase((int)fd, 0, ops, mib * SEQ_BLOCK, &rr);
	sys(SYS_close, fd, 0, 0, 0);
	put("BLKBENCH ok=");
	put_dec((u64)ok);
	if (ok) {
		put_field("sw_mbs", mbs100(sw.bytes, sw.wall_ns));
		put_field("sr_mbs", mbs100(sr.bytes, sr.wall_ns));
		put(" rw_iops=");
		put_dec(rw.wall_ns ? rw.ops * 1000000000u / rw.wall_ns : 0);
		put(" rr_iops=");
		put_dec(rr.wall_ns ? rr.ops * 1000000000u / rr.wall_ns : 0);
		put_field("sw_lat_us", sw.total_ns / sw.ops / 10);
		put_field("sr_lat_us", sr.total_ns / sr.ops / 10);
		put_field("rw_lat_us", rw_mean / 10);
		put_field("rw_p99_us", rw_p99 / 10);
		put_field("rr_lat_us", rr.total_ns / rr.ops / 10);
		put_field("rr_p99_us", rr.p99_ns / 10);
	}
	flush();
	return !ok;
}
