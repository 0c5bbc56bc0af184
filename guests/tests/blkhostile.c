/*
 * A hostile driver of hyparm's virtio-blk (vdev/virtio_blk.c): slot 31
 * (the VM's only virtio device, backed by a host file) gets one good read
 * and then malformed requests: a sector past the disk, one whose
 * sector * 512 wraps, a read that runs off the disk's end, a status
 * buffer the device may only read, a huge data length, a length that is
 * not a multiple of 512, a readable buffer for a read, an unknown type, a
 * header too short. Each must complete (never be dropped) with
 * VIRTIO_BLK_S_IOERR or UNSUPP in the status byte, or with used length 0
 * when the chain leaves no writable status; the good read must still
 * work afterwards. Completions may come later than the notification (the
 * physical disk's interrupt): the guest polls the used index, bounded.
 */
#include "guest.h"
#include "gic.h"

#include <hyparm/guest_layout.h>
#include <hyparm/print.h>

#define BLK (GUEST_VIRTIO_IPA + 31 * GUEST_VIRTIO_SLOT)
#define QN 8

#include "virtio_drv.h"

#define T_IN 0
#define T_OUT 1
#define ST_OK 0
#define ST_IOERR 1
#define ST_UNSUPP 2

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};
struct hdr {
	u32 type, reserved;
	u64 sector;
};

static struct desc descs[QN] __attribute__((aligned(16)));
static volatile u16 avail[2 + QN + 1] __attribute__((aligned(4)));
static volatile u32 used[1 + 2 * QN + 1] __attribute__((aligned(4)));
static struct hdr hdr __attribute__((aligned(16)));
static u8 data[4096] __attribute__((aligned(16)));
static volatile u8 status;
static u64 capacity;

#define dmb() __asm__ volatile("dmb sy" ::: "memory")

static void wr(u64 off, u32 v)
{
	mmio_write32(BLK + off, v);
}

static u32 rd(u64 off)
{
	return mmio_read32(BLK + off);
}

static bool init(void)
{
	if (!virtio_negotiate(BLK, 0, VIRTIO_F_VERSION_1_HI))
		return false;
	virtio_queue_setup(BLK, 0, QN, (u64)(uintptr_t)descs, (u64)(uintptr_t)avail, (u64)(uintptr_t)used);
	virtio_driver_ok(BLK);
	capacity = rd(CONFIG) | (u64)rd(CONFIG + 4) << 32;
	return true;
}

static void set(unsigned i, u64 addr, u32 len, u16 flags)
{
	descs[i].addr = addr;
	descs[i].len = len;
	descs[i].flags = flags | (i < 2 ? D_NEXT : 0);
	descs[i].next = (u16)(i + 1);
}

/* Offer the chain at 0 of n descriptors; wait (bounded) for its completion; its used length or -1. */
static long run(unsigned n)
{
	u16 idx = avail[1], want = (u16)((used[0] >> 16) + 1);

	descs[n - 1].flags &= (u16)~D_NEXT;
	avail[2 + idx % QN] = 0;
	dmb();
	avail[1] = (u16)(idx + 1);
	dmb();
	wr(QUEUE_NOTIFY, 0);
	for (u64 spins = 0; spins < 200000000ULL; spins++) {
		dmb();
		if ((u16)(used[0] >> 16) == want) {
			wr(INT_ACK, 3);
			return used[1 + 2 * ((want - 1) % QN) + 1];
		}
	}
	return -1;
}

/* A three-part request: header, one data buffer, status; its status byte, 0xEE if none written. */
static int request(u32 type, u64 sector, u64 data_ipa, u32 len, bool data_write, bool status_write)
{
	hdr.type = type;
	hdr.sector = sector;
	status = 0xEE;
	set(0, (u64)(uintptr_t)&hdr, sizeof(hdr), 0);
	set(1, data_ipa, len, data_write ? D_WRITE : 0);
	set(2, (u64)(uintptr_t)&status, 1, status_write ? D_WRITE : 0);
	long l = run(3);
	if (l < 0)
		return -1;
	return status;
}

int main(void)
{
	u64 ram_base, ram_size;
	u64 d = (u64)(uintptr_t)data;

	check(dtb_memory(&ram_base, &ram_size), "RAM from the DT");
	check(rd(DEVICE_ID) == 2, "slot 31 is virtio-blk (device ID 2)");
	check(init(), "features negotiated");
	check(capacity == 2048, "capacity %llu sectors (1 MiB disk)", (unsigned long long)capacity);
	check(request(T_IN, 0, d, 4096, true, true) == ST_OK, "a good read of sectors 0-7");
	check(data[0] == 'H' && data[1] == 'B', "the disk's first bytes read (%02x %02x)", data[0], data[1]);
	check(request(T_IN, capacity, d, 512, true, true) == ST_IOERR, "sector == capacity: IOERR");
	check(request(T_IN, 1ULL << 55, d, 512, true, true) == ST_IOERR, "sector * 512 wraps: IOERR");
	check(request(T_IN, ~0ULL, d, 512, true, true) == ST_IOERR, "sector 2^64-1: IOERR");
	check(request(T_IN, capacity - 1, d, 4096, true, true) == ST_IOERR, "a read past the end: IOERR");
	check(request(T_OUT, capacity - 4, d, 4096, false, true) == ST_IOERR, "a write past the end: IOERR");
	check(request(T_IN, 0, d, 100, true, true) == ST_IOERR, "length 100 (not 512s): IOERR");
	check(request(T_IN, 0, ram_base, (u32)ram_size, true, true) == ST_IOERR,
	      "a read of the whole RAM: IOERR");
	check(request(T_IN, 0, d, 0xFFFFFE00u, true, true) == -1 || status == 0xEE,
	      "a 4 GiB buffer outside RAM: completed, no status");
	check(request(T_IN, 0, d, 512, false, true) == ST_IOERR, "a read into a readable buffer: IOERR");
	check(request(77, 0, d, 512, true, true) == ST_UNSUPP, "an unknown type: UNSUPP");
	{
		long l;
		hdr.type = T_IN;
		status = 0xEE;
		set(0, (u64)(uintptr_t)&hdr, sizeof(hdr), 0);
		set(1, d, 512, D_WRITE);
		set(2, (u64)(uintptr_t)&status, 1, 0); /* the status buffer readable */
		l = run(3);
		check(l == 0 && status == 0xEE,
		      "a readable status buffer: completed, length 0, nothing written");
		set(0, (u64)(uintptr_t)&hdr, 8, 0); /* a header too short */
		set(1, d, 512, D_WRITE);
		set(2, (u64)(uintptr_t)&status, 1, D_WRITE);
		l = run(3);
		check(l == 1 && status == ST_IOERR, "an 8-byte header: IOERR");
	}
	check(!(rd(STATUS) & S_NEEDS_RESET), "the queue still works (no NEEDS_RESET)");
	check(request(T_IN, 0, d, 4096, true, true) == ST_OK && data[0] == 'H', "a good read afterwards");
	test_finish();
}
