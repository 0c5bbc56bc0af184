/*
 * The KVM runner's virtio-blk (tools/kvm-runner/vio.c), driven through its
 * MMIO registers the way a guest driver does, on a fake guest RAM and a
 * disk file: the handshake, a write and a read through the queue, what the
 * file then holds, the level interrupt, and refusals (a request past the
 * disk's end, a chain without a status byte, GET_ID into a readable buffer,
 * a driver without VERSION_1).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyparm/guest_layout.h>
#include <hyparm/virtqueue.h>
#include <vdev/virtio_mmio.h>

#include "../../tools/kvm-runner/vio.h"

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE 0x100000ULL
#define NUM 8
#define DESC (RAM_IPA + 0x1000)
#define AVAIL (RAM_IPA + 0x2000)
#define USED (RAM_IPA + 0x3000)
#define HDR (RAM_IPA + 0x4000)
#define DATA (RAM_IPA + 0x5000)
#define STATUS (RAM_IPA + 0x7000)
#define DISK_SECTORS 64

static uint8_t *ram;
static char disk[64];
static unsigned irq_intid;
static int irq_level, irq_changes;
static uint16_t next_avail;

static void fake_irq(unsigned intid, int level)
{
	irq_intid = intid;
	irq_level = level;
	irq_changes++;
}

static void *at(uint64_t ipa)
{
	return ram + (ipa - RAM_IPA);
}

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0;
	vio_mmio(GUEST_VIRTIO_IPA + off, 4, 0, (uint8_t *)&v);
	return v;
}

static void wr(uint32_t off, uint32_t v)
{
	vio_mmio(GUEST_VIRTIO_IPA + off, 4, 1, (uint8_t *)&v);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };
	memcpy(at(DESC + 16 * i), &d, 16);
}

/* Offer the chain at head 0 and notify; returns the used element. */
static struct virtq_used_elem submit(void)
{
	uint16_t head = 0, used_before;
	memcpy(&used_before, at(USED + 2), 2);
	memcpy(at(AVAIL + 4 + 2 * (next_avail % NUM)), &head, 2);
	next_avail++;
	memcpy(at(AVAIL + 2), &next_avail, 2);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	uint16_t used_idx;
	memcpy(&used_idx, at(USED + 2), 2);
	assert_int_equal(used_idx, (uint16_t)(used_before + 1));
	struct virtq_used_elem e;
	memcpy(&e, at(USED + 4 + 8 * (used_before % NUM)), 8);
	return e;
}

static void request(uint32_t type, uint64_t sector, uint32_t len)
{
	memcpy(at(HDR), &type, 4);
	memset(at(HDR + 4), 0, 4);
	memcpy(at(HDR + 8), &sector, 8);
	*(uint8_t *)at(STATUS) = 0xee;
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, DATA, len, VIRTQ_DESC_F_NEXT | (type == 0 ? VIRTQ_DESC_F_WRITE : 0), 2);
	desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
}

/* A modern driver's handshake with features (VERSION_1 among them or not); the resulting status. */
static uint32_t handshake(uint64_t features)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return rd(VIRTIO_MMIO_STATUS);
}

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(4096, RAM_SIZE); /* page-aligned as the runner's mmap: O_DIRECT straight in */
	assert_non_null(ram);
	memset(ram, 0, RAM_SIZE);
	/* In the current directory, not /tmp: a tmpfs may refuse O_DIRECT (the device then says so). */
	snprintf(disk, sizeof(disk), "test_kvm_runner_vio.%d.img", (int)getpid());
	int fd = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_SECTORS * 512), 0);
	close(fd);
	vio_init(fake_irq, ram, RAM_IPA, RAM_SIZE);
	assert_int_equal(vio_add_blk(disk), 0);
	next_avail = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(disk);
	free(ram);
	return 0;
}

static void test_identity_and_config(void **state)
{
	(void)state;
	assert_true(vio_owns(GUEST_VIRTIO_IPA, 4));
	assert_false(vio_owns(GUEST_VIRTIO_IPA + GUEST_VIRTIO_SLOT, 4)); /* no net added */
	assert_false(vio_owns(GUEST_VIRTIO_IPA - 4, 4));
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), 2);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_true(rd(VIRTIO_MMIO_DEVICE_FEATURES) & 1); /* VERSION_1 */
	uint64_t cap = 0;
	vio_mmio(GUEST_VIRTIO_IPA + VIRTIO_MMIO_CONFIG, 8, 0, (uint8_t *)&cap);
	assert_int_equal(cap, DISK_SECTORS);
	/* A 2-byte register access is no access: reads 0. */
	uint32_t v = 0xffffffff;
	vio_mmio(GUEST_VIRTIO_IPA + VIRTIO_MMIO_MAGIC_VALUE, 2, 0, (uint8_t *)&v);
	assert_int_equal(v & 0xffff, 0);
}

static void test_legacy_driver_is_refused(void **state)
{
	(void)state;
	assert_false(handshake(1ULL << 2) & VIRTIO_STATUS_FEATURES_OK); /* SEG_MAX without VERSION_1 */
	assert_false(handshake(1ULL << VIRTIO_F_VERSION_1 | 1ULL << 40) &
		     VIRTIO_STATUS_FEATURES_OK); /* not offered */
}

static void queue_up(void)
{
	assert_true(handshake(1ULL << VIRTIO_F_VERSION_1 | 1ULL << 2) & VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
	wr(VIRTIO_MMIO_QUEUE_NUM, NUM);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)AVAIL);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)USED);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

static void test_write_then_read_back(void **state)
{
	(void)state;
	queue_up();
	for (unsigned i = 0; i < 1024; i++)
		((uint8_t *)at(DATA))[i] = (uint8_t)(i * 7 + 1);
	request(1, 3, 1024); /* OUT: sectors 3 and 4 */
	irq_changes = 0;
	struct virtq_used_elem e = submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 0);
	assert_int_equal(e.len, 1); /* the status byte only */
	assert_int_equal(irq_level, 1);
	assert_int_equal(irq_intid, GUEST_VIRTIO_INTID);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_VRING);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_VRING);
	assert_int_equal(irq_level, 0);

	/* The file holds it where the sector says. */
	uint8_t back[1024];
	int fd = open(disk, O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 3 * 512), (ssize_t)sizeof(back));
	close(fd);
	assert_memory_equal(back, at(DATA), sizeof(back));

	memset(at(DATA), 0, 1024);
	request(0, 3, 1024); /* IN */
	e = submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 0);
	assert_int_equal(e.len, 1025);
	assert_memory_equal(at(DATA), back, sizeof(back));

	/* A buffer O_DIRECT cannot take as it is (not sector-aligned) goes through the bounce buffer. */
	request(0, 4, 512);
	desc(1, DATA + 8, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	e = submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 0);
	assert_memory_equal(at(DATA + 8), back + 512, 512);
}

static void test_bad_requests_complete_with_an_error(void **state)
{
	(void)state;
	queue_up();
	request(0, DISK_SECTORS - 1, 1024); /* the second sector is past the end */
	struct virtq_used_elem e = submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 1); /* IOERR */
	assert_int_equal(e.len, 1);
	request(0, ~0ULL, 512); /* a sector that would wrap */
	submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 1);
	request(8, 0, 20); /* GET_ID into a buffer the device may only read */
	submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 1);
	request(8, 0, 20); /* GET_ID as a driver asks it */
	desc(1, DATA, 20, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	e = submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 0);
	assert_int_equal(e.len, 21);
	assert_memory_equal(at(DATA), "kvm-runner", 10);
	request(77, 0, 512); /* an unknown type */
	submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 2); /* UNSUPP */
	/* A header alone, no status byte to write: completed with length 0, nothing written. */
	request(0, 0, 512);
	desc(0, HDR, 16, 0, 0);
	e = submit();
	assert_int_equal(e.len, 0);
	assert_int_equal(*(uint8_t *)at(STATUS), 0xee);
	/* The status byte is the last byte of the last writable buffer (virtio 1.2, 5.2.6): 511 data
	 * bytes are no whole sector, so IOERR lands there. */
	request(0, 0, 512);
	desc(1, DATA, 512, VIRTQ_DESC_F_WRITE, 0);
	e = submit();
	assert_int_equal(e.len, 1);
	assert_int_equal(((uint8_t *)at(DATA))[511], 1);
	/* A buffer outside RAM: the chain's error, and the queue goes on. */
	request(0, 0, 512);
	desc(1, RAM_IPA + RAM_SIZE - 100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	e = submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 0xee);
	request(1, 0, 512);
	submit();
	assert_int_equal(*(uint8_t *)at(STATUS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_driver_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_then_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_complete_with_an_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
