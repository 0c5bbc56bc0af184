/*
 * virtio-net (vdev/virtio_net.c) between two VMs through the switch, with
 * the transport and walker hyparm runs: frames delivered with their
 * header, malformed transmit chains completed and counted, receive
 * buffers too small, frames waiting for buffers, and the cross-VM safety
 * rules: a quiesced VM's RAM is never written nor made ready from outside,
 * and after a reset the device writes the RAM where the VM has it now.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <arch/hyp_timer.h>
#include <drivers/virtio_net.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vswitch.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_net.h>

#define RAM_SIZE MiB(4)
#define BASE (GUEST_VIRTIO_IPA + 31 * GUEST_VIRTIO_SLOT)
#define INTID (GUEST_VIRTIO_INTID + 31)
#define QN 8
/* Queue q's rings, and buffers, in each VM's RAM. */
#define DESC(q) (GUEST_RAM_IPA + 0x1000 + 0x3000 * (q))
#define AVAIL(q) (GUEST_RAM_IPA + 0x2000 + 0x3000 * (q))
#define USED(q) (GUEST_RAM_IPA + 0x3000 + 0x3000 * (q))
#define BUF (GUEST_RAM_IPA + 0x10000)
#define RXQ 0
#define TXQ 1

/* ---- what the device needs from the rest of hyparm ---- */
void hv_printf(const char *fmt, ...)
{
}
static struct vm vms[2];
static u8 *rams[2];
static unsigned ready_calls[2];
/* Every host access to guest RAM asks first (the transport's walker hook): counted per VM. */
int vm_ram_host_access(struct vm *vm, u64 off, u64 len)
{
	assert_true(len && off + len <= vm->ram_size);
	ready_calls[vm->id]++;
	return HV_OK;
}
u64 hyp_timer_now(void)
{
	return 1000;
}
u64 hyp_timer_freq(void)
{
	return 1000;
}
int hostnet_attach(struct vswitch *sw)
{
	return -HV_ENOENT; /* no uplink here */
}
void *page_alloc(u64 npages)
{
	return calloc(npages, PAGE_SIZE);
}
int devnode_string(const struct devnode *dn, const char *prop, char *out, size_t size)
{
	out[0] = 0;
	return 0;
}
int devnode_fail(const struct devnode *dn, const char *prop, char *err, size_t errlen, const char *fmt, ...)
{
	return -HV_EINVAL;
}
static bool line[2][128];
static void set_line(struct vm *vm, struct vcpu *v, u32 intid, bool level)
{
	assert_true(intid < 128);
	line[vm->id][intid] = level;
}
static const struct irqchip_ops chip = { .set_line = set_line };

/* ---- a guest driver, much simplified ---- */
static void *at(unsigned n, u64 ipa)
{
	return rams[n] + (ipa - GUEST_RAM_IPA);
}

static u32 rd(unsigned n, u64 ipa)
{
	struct mmio_region *r = mmio_bus_find(&vms[n].mmio, ipa);
	u64 v = 0;
	assert_non_null(r);
	assert_int_equal(r->ops->read(r->dev, NULL, ipa - r->base, 4, &v), HV_OK);
	return (u32)v;
}

static void wr(unsigned n, u64 ipa, u32 val)
{
	struct mmio_region *r = mmio_bus_find(&vms[n].mmio, ipa);
	assert_non_null(r);
	assert_int_equal(r->ops->write(r->dev, NULL, ipa - r->base, 4, val), HV_OK);
}

static void driver_up(unsigned n)
{
	wr(n, BASE + VIRTIO_MMIO_STATUS, 0);
	wr(n, BASE + VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(n, BASE + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(n, BASE + VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS);
	wr(n, BASE + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(n, BASE + VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(n, BASE + VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < 2; q++) {
		memset(at(n, DESC(q)), 0, 0x3000);
		wr(n, BASE + VIRTIO_MMIO_QUEUE_SEL, q);
		wr(n, BASE + VIRTIO_MMIO_QUEUE_NUM, QN);
		wr(n, BASE + VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)DESC(q));
		wr(n, BASE + VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(DESC(q) >> 32));
		wr(n, BASE + VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u32)AVAIL(q));
		wr(n, BASE + VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (u32)(AVAIL(q) >> 32));
		wr(n, BASE + VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u32)USED(q));
		wr(n, BASE + VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (u32)(USED(q) >> 32));
		wr(n, BASE + VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(n, BASE + VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		   VIRTIO_STATUS_DRIVER_OK);
}

static void put_desc(unsigned n, unsigned q, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };
	memcpy(at(n, DESC(q) + 16 * i), &d, 16);
}

/* Offer head on queue q of VM n, and notify. */
static void offer(unsigned n, unsigned q, u16 head)
{
	u16 idx;
	memcpy(&idx, at(n, AVAIL(q) + 2), 2);
	memcpy(at(n, AVAIL(q) + 4 + 2 * (idx % QN)), &head, 2);
	idx++;
	memcpy(at(n, AVAIL(q) + 2), &idx, 2);
	wr(n, BASE + VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static u16 used_idx(unsigned n, unsigned q)
{
	u16 v;
	memcpy(&v, at(n, USED(q) + 2), 2);
	return v;
}

static u32 used_len(unsigned n, unsigned q, unsigned i)
{
	u32 v;
	memcpy(&v, at(n, USED(q) + 4 + 8 * (i % QN) + 4), 4);
	return v;
}

static u8 mac[2][ETH_ALEN];

/* VM n sends a frame (header + len bytes, from its MAC to dst) in one readable buffer at slot. */
static void send(unsigned n, u16 head, const u8 *dst, u32 len, u8 tag)
{
	u64 buf = BUF + 0x1000 * head;
	u8 *p = at(n, buf);
	memset(p, 0, VIRTIO_NET_HDR_BYTES);
	memcpy(p + VIRTIO_NET_HDR_BYTES, dst, ETH_ALEN);
	memcpy(p + VIRTIO_NET_HDR_BYTES + ETH_ALEN, mac[n], ETH_ALEN);
	memset(p + VIRTIO_NET_HDR_BYTES + ETH_HLEN, tag, len - ETH_HLEN);
	put_desc(n, TXQ, head, buf, VIRTIO_NET_HDR_BYTES + len, 0, 0);
	offer(n, TXQ, head);
}

/* VM n posts a receive buffer of len bytes (at slot 8 + head). */
static void post_rx(unsigned n, u16 head, u32 len)
{
	u64 buf = BUF + 0x1000 * (8 + head);
	memset(at(n, buf), 0xee, 0x1000);
	put_desc(n, RXQ, head, buf, len, VIRTQ_DESC_F_WRITE, 0);
	offer(n, RXQ, head);
}

static const u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int setup(void **state)
{
	char err[160];

	memset(line, 0, sizeof(line));
	memset(ready_calls, 0, sizeof(ready_calls));
	/* Each test has a switch of its own (hyparm creates its VMs once). */
	vswitch_init(vswitch_machine(1), 1000);
	for (unsigned n = 0; n < 2; n++) {
		struct vm *vm = &vms[n];
		memset(vm, 0, sizeof(*vm));
		rams[n] = calloc(1, RAM_SIZE);
		vm->id = n;
		vm->ram_pa = (paddr_t)(uintptr_t)rams[n];
		vm->ram_ipa = GUEST_RAM_IPA;
		vm->ram_size = RAM_SIZE;
		vm->irqchip = &chip;
		strcpy(vm->name, n ? "right" : "left");
		assert_int_equal(vdev_create(vm, "virtio-mmio", err, sizeof(err)), HV_OK);
		assert_int_equal(vdev_create(vm, "virtio-net", err, sizeof(err)), HV_OK);
		vdev_reset_all(vm); /* the last step of the VM's first reset: the port opens */
		vnet_mac_from_name(vm->name, mac[n]);
		driver_up(n);
	}
	return 0;
}

static int teardown(void **state)
{
	struct vswitch *sw = vswitch_machine(1);
	for (unsigned n = 0; n < 2; n++) {
		vdev_quiesce_all(&vms[n]);
		free(rams[n]);
	}
	for (unsigned i = 0; i < sw->nr_ports; i++)
		free(sw->ports[i]->q);
	return 0;
}

static void test_config(void **state)
{
	assert_int_equal(rd(0, BASE + VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	wr(0, BASE + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	u32 f = rd(0, BASE + VIRTIO_MMIO_DEVICE_FEATURES);
	assert_true(f & (1u << VIRTIO_NET_F_MAC));
	assert_true(f & (1u << VIRTIO_NET_F_STATUS));
	assert_false(f & (1u << VIRTIO_NET_F_MRG_RXBUF));
	for (unsigned i = 0; i < ETH_ALEN; i++) {
		struct mmio_region *r = mmio_bus_find(&vms[0].mmio, BASE + VIRTIO_MMIO_CONFIG + i);
		u64 v;
		r->ops->read(r->dev, NULL, BASE + VIRTIO_MMIO_CONFIG + i - r->base, 1, &v);
		assert_int_equal(v, mac[0][i]);
	}
	struct mmio_region *r = mmio_bus_find(&vms[0].mmio, BASE + VIRTIO_MMIO_CONFIG + 6);
	u64 v;
	r->ops->read(r->dev, NULL, BASE + VIRTIO_MMIO_CONFIG + 6 - r->base, 2, &v);
	assert_int_equal(v, VIRTIO_NET_S_LINK_UP);
}

static void test_frame_crosses(void **state)
{
	post_rx(1, 0, 2048);
	send(0, 0, bcast, 100, 0x5a);
	/* The sender's chain is completed, length 0 (nothing written). */
	assert_int_equal(used_idx(0, TXQ), 1);
	assert_int_equal(used_len(0, TXQ, 0), 0);
	/* The receiver got header + frame, and its interrupt. */
	assert_int_equal(used_idx(1, RXQ), 1);
	assert_int_equal(used_len(1, RXQ, 0), VIRTIO_NET_HDR_BYTES + 100);
	u8 *p = at(1, BUF + 0x1000 * 8);
	assert_int_equal(p[VIRTIO_NET_HDR_NUM_BUFFERS], 1);
	assert_int_equal(p[0], 0); /* no checksum flags */
	assert_memory_equal(p + VIRTIO_NET_HDR_BYTES, bcast, ETH_ALEN);
	assert_memory_equal(p + VIRTIO_NET_HDR_BYTES + ETH_ALEN, mac[0], ETH_ALEN);
	assert_int_equal(p[VIRTIO_NET_HDR_BYTES + 99], 0x5a);
	assert_int_equal(p[VIRTIO_NET_HDR_BYTES + 100], 0xee); /* not a byte more */
	assert_true(line[1][INTID]);
	/* Never back to the sender. */
	assert_int_equal(used_idx(0, RXQ), 0);
	assert_int_equal(vnet_stats_of(&vms[0])->tx_frames, 1);
	assert_int_equal(vnet_stats_of(&vms[1])->rx_frames, 1);
}

static void test_frames_wait_for_buffers(void **state)
{
	send(0, 0, bcast, 60, 1);
	send(0, 1, bcast, 60, 2);
	assert_int_equal(used_idx(1, RXQ), 0);
	/* Buffers posted: the waiting frames come, in order. */
	post_rx(1, 0, 2048);
	assert_int_equal(used_idx(1, RXQ), 1);
	assert_int_equal(((u8 *)at(1, BUF + 0x1000 * 8))[VIRTIO_NET_HDR_BYTES + ETH_HLEN], 1);
	post_rx(1, 1, 2048);
	assert_int_equal(used_idx(1, RXQ), 2);
	assert_int_equal(((u8 *)at(1, BUF + 0x1000 * 9))[VIRTIO_NET_HDR_BYTES + ETH_HLEN], 2);
}

static void test_split_buffers(void **state)
{
	/* Transmit: header alone, then the frame in two pieces. Receive: 5 + 20 + rest. */
	u8 *h = at(0, BUF), *a = at(0, BUF + 0x100), *b = at(0, BUF + 0x200);
	memset(h, 0, VIRTIO_NET_HDR_BYTES);
	memcpy(a, bcast, ETH_ALEN);
	memcpy(a + ETH_ALEN, mac[0], ETH_ALEN);
	memset(a + ETH_ALEN * 2, 7, 10);
	memset(b, 9, 50);
	put_desc(0, TXQ, 0, BUF, VIRTIO_NET_HDR_BYTES, VIRTQ_DESC_F_NEXT, 1);
	put_desc(0, TXQ, 1, BUF + 0x100, 22, VIRTQ_DESC_F_NEXT, 2);
	put_desc(0, TXQ, 2, BUF + 0x200, 50, 0, 0);
	put_desc(1, RXQ, 0, BUF + 0x8000, 5, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, RXQ, 1, BUF + 0x8100, 20, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	put_desc(1, RXQ, 2, BUF + 0x8200, 1000, VIRTQ_DESC_F_WRITE, 0);
	offer(1, RXQ, 0);
	offer(0, TXQ, 0);
	assert_int_equal(used_idx(1, RXQ), 1);
	assert_int_equal(used_len(1, RXQ, 0), VIRTIO_NET_HDR_BYTES + 72);
	u8 all[VIRTIO_NET_HDR_BYTES + 72];
	memcpy(all, at(1, BUF + 0x8000), 5);
	memcpy(all + 5, at(1, BUF + 0x8100), 20);
	memcpy(all + 25, at(1, BUF + 0x8200), sizeof(all) - 25);
	assert_int_equal(all[VIRTIO_NET_HDR_NUM_BUFFERS], 1);
	assert_memory_equal(all + VIRTIO_NET_HDR_BYTES, a, 22);
	assert_memory_equal(all + VIRTIO_NET_HDR_BYTES + 22, b, 50);
}

static void test_malformed_tx(void **state)
{
	post_rx(1, 0, 2048);
	/* A writable buffer in a transmit chain. */
	put_desc(0, TXQ, 0, BUF, 100, VIRTQ_DESC_F_WRITE, 0);
	offer(0, TXQ, 0);
	/* A buffer past the end of RAM; one that wraps. */
	put_desc(0, TXQ, 1, GUEST_RAM_IPA + RAM_SIZE - 10, 100, 0, 0);
	offer(0, TXQ, 1);
	put_desc(0, TXQ, 2, ~0ULL - 4, 100, 0, 0);
	offer(0, TXQ, 2);
	/* A loop. */
	put_desc(0, TXQ, 3, BUF, 20, VIRTQ_DESC_F_NEXT, 4);
	put_desc(0, TXQ, 4, BUF, 20, VIRTQ_DESC_F_NEXT, 3);
	offer(0, TXQ, 3);
	/* A frame longer than the switch takes, and one shorter than its header. */
	put_desc(0, TXQ, 5, BUF, VIRTIO_NET_HDR_BYTES + VSWITCH_FRAME_MAX + 1, 0, 0);
	offer(0, TXQ, 5);
	put_desc(0, TXQ, 6, BUF, 8, 0, 0);
	offer(0, TXQ, 6);
	/* All completed, none delivered, the queue still works. */
	assert_int_equal(used_idx(0, TXQ), 6);
	assert_int_equal(vnet_stats_of(&vms[0])->tx_errors, 6);
	assert_int_equal(used_idx(1, RXQ), 0);
	assert_false(rd(0, BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	send(0, 7, bcast, 60, 3);
	assert_int_equal(used_idx(1, RXQ), 1);
}

static void test_spoofed_source_refused(void **state)
{
	post_rx(1, 0, 2048);
	memcpy(mac[0], mac[1], ETH_ALEN); /* left claims right's address */
	send(0, 0, bcast, 60, 1);
	assert_int_equal(used_idx(0, TXQ), 1);
	assert_int_equal(used_idx(1, RXQ), 0);
}

static void test_small_rx_buffer(void **state)
{
	post_rx(1, 0, 40); /* less than header + frame, and the driver has no MRG_RXBUF */
	send(0, 0, bcast, 100, 1);
	assert_int_equal(used_idx(1, RXQ), 1);
	assert_int_equal(used_len(1, RXQ, 0), 0);
	assert_int_equal(vnet_stats_of(&vms[1])->rx_errors, 1);
	/* The next frame goes into the next (good) buffer. */
	post_rx(1, 1, 2048);
	send(0, 1, bcast, 100, 2);
	assert_int_equal(used_idx(1, RXQ), 2);
	assert_int_equal(used_len(1, RXQ, 1), VIRTIO_NET_HDR_BYTES + 100);
	/* A readable buffer in the receive queue. */
	put_desc(1, RXQ, 2, BUF + 0x9000, 2048, 0, 0);
	offer(1, RXQ, 2);
	send(0, 2, bcast, 100, 3);
	assert_int_equal(used_idx(1, RXQ), 3);
	assert_int_equal(used_len(1, RXQ, 2), 0);
	assert_int_equal(((u8 *)at(1, BUF + 0x9000))[0], 0);
}

static void test_quiesced_vm_untouched(void **state)
{
	post_rx(1, 0, 2048);
	/* Right begins a reset: from now on nothing from outside touches its RAM. */
	vdev_quiesce_all(&vms[1]);
	u8 *copy = malloc(RAM_SIZE);
	memcpy(copy, rams[1], RAM_SIZE);
	unsigned ready_before = ready_calls[1];
	for (u16 i = 0; i < 20; i++)
		send(0, i % QN, bcast, 200, (u8)i);
	assert_int_equal(used_idx(0, TXQ), 20);
	assert_memory_equal(copy, rams[1], RAM_SIZE);
	assert_int_equal(ready_calls[1], ready_before); /* no block of it made ready either */
	/* Its own vCPUs posting buffers meanwhile changes nothing: the queue was flushed. */
	assert_int_equal(used_idx(1, RXQ), 0);
	/* The reset ends with the VM's RAM somewhere else (given back and allocated again). */
	u8 *moved = calloc(1, RAM_SIZE);
	vms[1].ram_pa = (paddr_t)(uintptr_t)moved;
	u8 *old = rams[1];
	rams[1] = moved;
	vdev_reset_all(&vms[1]);
	driver_up(1);
	post_rx(1, 0, 2048);
	send(0, 0, bcast, 60, 0x77);
	assert_int_equal(used_idx(1, RXQ), 1);
	assert_int_equal(((u8 *)at(1, BUF + 0x1000 * 8))[VIRTIO_NET_HDR_BYTES + ETH_HLEN], 0x77);
	assert_memory_equal(copy, old, RAM_SIZE); /* the old place: untouched */
	free(old);
	free(copy);
}

static void test_driver_reset_stops_delivery(void **state)
{
	post_rx(1, 0, 2048);
	wr(1, BASE + VIRTIO_MMIO_STATUS, 0); /* the driver resets the device: queues gone */
	memset(at(1, USED(RXQ)), 0, 8);
	send(0, 0, bcast, 60, 1);
	assert_int_equal(used_idx(1, RXQ), 0);
}

static void test_mac(void **state)
{
	u8 m[ETH_ALEN], n2[ETH_ALEN];
	assert_int_equal(vnet_mac_parse("02:00:00:00:00:01", m), HV_OK);
	assert_memory_equal(m, ((u8[]){ 2, 0, 0, 0, 0, 1 }), ETH_ALEN);
	assert_int_equal(vnet_mac_parse("52:54:00:AB:cd:Ef", m), HV_OK);
	assert_int_equal(m[5], 0xef);
	assert_int_equal(vnet_mac_parse("01:00:00:00:00:01", m), -HV_EINVAL); /* group */
	assert_int_equal(vnet_mac_parse("00:00:00:00:00:00", m), -HV_EINVAL);
	assert_int_equal(vnet_mac_parse("02:00:00:00:00", m), -HV_EINVAL);
	assert_int_equal(vnet_mac_parse("02:00:00:00:00:01:", m), -HV_EINVAL);
	assert_int_equal(vnet_mac_parse("02-00-00-00-00-01", m), -HV_EINVAL);
	assert_int_equal(vnet_mac_parse("02:00:00:00:00:0g", m), -HV_EINVAL);
	vnet_mac_from_name("linux", m);
	vnet_mac_from_name("linux", n2);
	assert_memory_equal(m, n2, ETH_ALEN);
	assert_int_equal(m[0] & 3, 2); /* locally administered, unicast */
	vnet_mac_from_name("linux2", n2);
	assert_memory_not_equal(m, n2, ETH_ALEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_crosses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_wait_for_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_source_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_rx_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiesced_vm_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_reset_stops_delivery, setup, teardown),
		cmocka_unit_test(test_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
