/*
 * The virtio-mmio transport (vdev/virtio_mmio.c) and slots
 * (vdev/virtio_slots.c) with virtio-rng (vdev/virtio_rng.c) as its
 * backend, created through the device registry as the VM builder does,
 * driven through the MMIO bus as a guest's accesses reach it. RAM is a
 * heap buffer; the interrupt line and DRBG are fakes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/entropy.h>
#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <libfdt.h>
#include <vdev/its.h>
#include <vdev/virtio_mmio.h>

#define RAM_SIZE MiB(2)
#define RNG_BASE (GUEST_VIRTIO_IPA + 31 * GUEST_VIRTIO_SLOT)
#define RNG_INTID (GUEST_VIRTIO_INTID + 31)
#define QN 8
#define DESC (GUEST_RAM_IPA + 0x1000)
#define AVAIL (GUEST_RAM_IPA + 0x2000)
#define USED (GUEST_RAM_IPA + 0x3000)
#define BUF (GUEST_RAM_IPA + 0x8000)

/* ---- what the devices need from the rest of hyparm ---- */
static unsigned reports;
void hv_printf(const char *fmt, ...)
{
	reports++;
}
static unsigned ready_calls;
/* Every access asks: the test sees the transport make RAM ready (and counted as changed) first. */
int vm_ram_host_access(struct vm *vm, u64 off, u64 len)
{
	assert_true(len && off + len <= vm->ram_size);
	ready_calls++;
	return HV_OK;
}
/* Called while the device serves a request: what "another vCPU" of the guest does meanwhile. */
static void (*meanwhile)(void);
void entropy_get(void *out, size_t len)
{
	u8 *b = out;
	if (meanwhile)
		meanwhile();
	static u8 next = 1;
	for (size_t i = 0; i < len; i++)
		b[i] = next++ | 1; /* never zero */
}

/* virtio_rng.c also has the PCI transport (vdev/virtio_pci.c), whose MSIs go here; tests/unit/test_pci.c tests it. */
bool vits_deliver_msi(struct vm *vm, u32 devid, u32 eventid)
{
	return false;
}

static bool line[128];
static void set_line(struct vm *vm, struct vcpu *v, u32 intid, bool level)
{
	assert_null(v);
	assert_true(intid < 128);
	line[intid] = level;
}
static const struct irqchip_ops chip = { .set_line = set_line };

static struct vm vm;
static u8 *ram;

static int setup(void **state)
{
	char err[128];

	memset(&vm, 0, sizeof(vm));
	memset(line, 0, sizeof(line));
	ram = calloc(1, RAM_SIZE);
	vm.ram_pa = (paddr_t)(uintptr_t)ram;
	vm.ram_ipa = GUEST_RAM_IPA;
	vm.ram_size = RAM_SIZE;
	vm.irqchip = &chip;
	strcpy(vm.name, "t");
	reports = ready_calls = 0;
	meanwhile = NULL;
	assert_int_equal(vdev_create(&vm, "virtio-mmio", err, sizeof(err)), HV_OK);
	if (state && *state)
		assert_int_equal(vdev_create(&vm, "virtio-rng", err, sizeof(err)), HV_OK);
	return 0;
}

static int setup_rng(void **state)
{
	static int yes = 1;
	*state = &yes;
	return setup(state);
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static u32 rd(u64 ipa)
{
	struct mmio_region *r = mmio_bus_find(&vm.mmio, ipa);
	u64 v = 0xdead;
	assert_non_null(r);
	assert_int_equal(r->ops->read(r->dev, NULL, ipa - r->base, 4, &v), HV_OK);
	return (u32)v;
}

static void wr(u64 ipa, u32 val)
{
	struct mmio_region *r = mmio_bus_find(&vm.mmio, ipa);
	assert_non_null(r);
	assert_int_equal(r->ops->write(r->dev, NULL, ipa - r->base, 4, val), HV_OK);
}

static void *at(u64 ipa)
{
	return ram + (ipa - GUEST_RAM_IPA);
}

static void negotiate(u32 lo)
{
	wr(RNG_BASE + VIRTIO_MMIO_STATUS, 0);
	wr(RNG_BASE + VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES, lo);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(RNG_BASE + VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void queue(u64 desc, u64 avail, u64 used)
{
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NUM, QN);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)desc);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(desc >> 32));
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u32)avail);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (u32)(avail >> 32));
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u32)used);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (u32)(used >> 32));
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_READY, 1);
	wr(RNG_BASE + VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		   VIRTIO_STATUS_DRIVER_OK);
}

static void offer(u16 head, u64 addr, u32 len, u16 flags)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags };
	u16 idx;

	memcpy(at(DESC + 16 * head), &d, 16);
	memcpy(&idx, at(AVAIL + 2), 2);
	memcpy(at(AVAIL + 4 + 2 * (idx % QN)), &head, 2);
	idx++;
	memcpy(at(AVAIL + 2), &idx, 2);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static u16 used_idx(void)
{
	u16 v;
	memcpy(&v, at(USED + 2), 2);
	return v;
}

static u32 used_len(unsigned i)
{
	u32 v;
	memcpy(&v, at(USED + 4 + 8 * i + 4), 4);
	return v;
}

static void test_empty_slots_answer_like_qemu(void **state)
{
	for (unsigned n = 0; n < GUEST_VIRTIO_SLOTS; n++) {
		u64 s = GUEST_VIRTIO_IPA + n * GUEST_VIRTIO_SLOT;
		assert_int_equal(rd(s + VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
		assert_int_equal(rd(s + VIRTIO_MMIO_VERSION), 2);
		assert_int_equal(rd(s + VIRTIO_MMIO_VENDOR_ID), 0x554D4551);
		assert_int_equal(rd(s + VIRTIO_MMIO_DEVICE_ID), 0);
		wr(s + VIRTIO_MMIO_STATUS, 7);
		assert_int_equal(rd(s + VIRTIO_MMIO_STATUS), 0);
		assert_int_equal(rd(s + VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	}
	/* The window ends where QEMU's does. */
	assert_null(mmio_bus_find(&vm.mmio, GUEST_VIRTIO_IPA + GUEST_VIRTIO_SLOTS * GUEST_VIRTIO_SLOT));
}

static void test_dt_nodes(void **state)
{
	static u8 fdt[16384];
	const struct vdev_type *t = vdev_type_find("virtio-mmio");
	int node, len;
	const fdt32_t *p;

	assert_int_equal(fdt_create(fdt, sizeof(fdt)), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(t->fdt_node(&vm.devices[0], fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	node = fdt_path_offset(fdt, "/virtio_mmio@a003e00");
	assert_true(node >= 0);
	assert_string_equal(fdt_getprop(fdt, node, "compatible", NULL), "virtio,mmio");
	assert_non_null(fdt_getprop(fdt, node, "dma-coherent", &len));
	p = fdt_getprop(fdt, node, "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(p[1]), 47); /* SPI 16 + 31 */
	p = fdt_getprop(fdt, node, "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(fdt32_to_cpu(p[1]), 0x0a003e00);
	assert_int_equal(fdt32_to_cpu(p[3]), 0x200);
	assert_true(fdt_path_offset(fdt, "/virtio_mmio@a000000") >= 0);
}

static void test_rng_needs_the_slots(void **state)
{
	char err[128] = "";

	memset(&vm, 0, sizeof(vm));
	vm.id = 1; /* a VM without "virtio-mmio" */
	vm.irqchip = &chip;
	assert_int_equal(vdev_create(&vm, "virtio-rng", err, sizeof(err)), -HV_ENOENT);
	assert_non_null(strstr(err, "needs \"virtio-mmio\""));
}

static void test_rng_on_slot_31_features(void **state)
{
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_DEVICE_ID), 4);
	assert_int_equal(rd(RNG_BASE - GUEST_VIRTIO_SLOT + VIRTIO_MMIO_DEVICE_ID), 0);
	wr(RNG_BASE + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_DEVICE_FEATURES), 1);
	wr(RNG_BASE + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_DEVICE_FEATURES), (1u << 28) | (1u << 29));
	wr(RNG_BASE + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* A feature we do not offer: FEATURES_OK does not stick. */
	wr(RNG_BASE + VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES, 1u << 5);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(RNG_BASE + VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(RNG_BASE + VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_false(rd(RNG_BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	/* No shared memory regions: length all-ones. */
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_SHM_LEN_LOW), 0xFFFFFFFFu);
	/* Queue 1 does not exist. */
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
}

static void test_rng_request_interrupt_and_ack(void **state)
{
	negotiate(0);
	assert_true(rd(RNG_BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	queue(DESC, AVAIL, USED);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_QUEUE_READY), 1);
	offer(0, BUF, 64, VIRTQ_DESC_F_WRITE);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(used_len(0), 64);
	assert_int_not_equal(((u8 *)at(BUF))[63], 0);
	assert_true(ready_calls > 0); /* the buffer's RAM block was made ready before it was written */
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_VRING);
	assert_true(line[RNG_INTID]);
	wr(RNG_BASE + VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_VRING);
	assert_false(line[RNG_INTID]);
	/* A huge buffer gets at most 4 KiB per notification. */
	offer(1, BUF, 0x10000, VIRTQ_DESC_F_WRITE);
	assert_int_equal(used_len(1), 4096);
	/* A readable buffer: completed with length 0, not written. */
	memset(at(BUF + 0x20000), 0, 64);
	offer(2, BUF + 0x20000, 64, 0);
	assert_int_equal(used_idx(), 3);
	assert_int_equal(used_len(2), 0);
	assert_int_equal(((u8 *)at(BUF + 0x20000))[0], 0);
	/* The queue's layout is frozen while it is ready. */
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	offer(3, BUF, 8, VIRTQ_DESC_F_WRITE);
	assert_int_equal(used_len(3), 8);
}

/* The guest re-offers a request every time the device serves one (100 times: a broken budget fails, not hangs). */
static unsigned refills;
static void refill(void)
{
	u16 idx;

	if (refills++ >= 100)
		return;
	memcpy(&idx, at(AVAIL + 2), 2);
	memset(at(AVAIL + 4 + 2 * (idx % QN)), 0, 2); /* head 0 again */
	idx++;
	memcpy(at(AVAIL + 2), &idx, 2);
}

static void test_notification_work_is_bounded(void **state)
{
	struct virtq_desc d = { .addr = BUF, .len = 8, .flags = VIRTQ_DESC_F_WRITE };

	negotiate(1u << 29); /* EVENT_IDX: the device looks twice */
	queue(DESC, AVAIL, USED);
	memcpy(at(DESC), &d, 16);
	refills = 0;
	meanwhile = refill;
	refill();
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	meanwhile = NULL;
	/* One ring's worth, then back to the guest, though more is always available. */
	assert_int_equal(used_idx(), QN);
	assert_false(rd(RNG_BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), QN + 1); /* the one left over, without refills now */
}

static void test_broken_ring_needs_reset(void **state)
{
	u16 jump = QN + 1;

	negotiate(0);
	queue(DESC, AVAIL, USED);
	memcpy(at(AVAIL + 2), &jump, 2);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(rd(RNG_BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
	assert_true(line[RNG_INTID]);
	assert_int_equal(reports, 1);
	assert_int_equal(used_idx(), 0);
	/* Neither the driver's status writes nor more notifications clear it or report again. */
	wr(RNG_BASE + VIRTIO_MMIO_STATUS, 0x0F);
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(rd(RNG_BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(reports, 1);
	/* Reset: all clear, line low, works again. */
	wr(RNG_BASE + VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(line[RNG_INTID]);
	memset(at(AVAIL), 0, 64);
	negotiate(0);
	queue(DESC, AVAIL, USED);
	offer(0, BUF, 16, VIRTQ_DESC_F_WRITE);
	assert_int_equal(used_len(0), 16);
}

static void test_rings_outside_ram_refused(void **state)
{
	negotiate(0);
	queue(GUEST_GICD_IPA, AVAIL, USED);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(RNG_BASE + VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* A notification of a queue that is not ready does nothing. */
	wr(RNG_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), 0);
}

static void test_vm_reset_resets_the_device(void **state)
{
	negotiate(0);
	queue(DESC, AVAIL, USED);
	offer(0, BUF, 16, VIRTQ_DESC_F_WRITE);
	assert_true(line[RNG_INTID]);
	vdev_reset_all(&vm);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(line[RNG_INTID]);
}

/* A backend that records its reset hooks and whether the device's lock was held in each. */
static unsigned resets, after_resets;
static bool locked(const struct virtio_dev *vd)
{
	return vd->lock.next != vd->lock.owner;
}
static void probe_reset(struct virtio_dev *vd)
{
	resets++;
}
static void probe_after_reset(struct virtio_dev *vd)
{
	assert_false(locked(vd)); /* it may take other devices' locks */
	after_resets++;
}
static const struct virtio_backend probe_backend = {
	.name = "probe",
	.device_id = 99,
	.num_queues = 1,
	.reset = probe_reset,
	.after_reset = probe_after_reset,
};

static void test_after_reset_runs_unlocked_after_a_driver_reset(void **state)
{
	static struct virtio_dev vd;

	resets = after_resets = 0;
	virtio_dev_init(&vd, &vm, 3, &probe_backend, NULL);
	assert_int_equal(resets, 1);
	assert_int_equal(after_resets, 0); /* not for the device's own init, nor a VM reset */
	virtio_dev_reset_locked(&vd);
	assert_int_equal(after_resets, 0);
	assert_int_equal(virtio_mmio_write(&vd, VIRTIO_MMIO_STATUS, 4, VIRTIO_STATUS_ACKNOWLEDGE), HV_OK);
	assert_int_equal(after_resets, 0);
	/* Status 0 of another width is ignored, as every control register's. */
	assert_int_equal(virtio_mmio_write(&vd, VIRTIO_MMIO_STATUS, 2, 0), HV_OK);
	assert_int_equal(after_resets, 0);
	assert_int_equal(virtio_mmio_write(&vd, VIRTIO_MMIO_STATUS, 4, 0), HV_OK);
	assert_int_equal(resets, 3);
	assert_int_equal(after_resets, 1);
	assert_false(locked(&vd));
}

static void test_odd_widths_and_straddles(void **state)
{
	struct mmio_region *r = mmio_bus_find(&vm.mmio, RNG_BASE);
	u64 v = 1;

	/* Control registers are 32-bit: a byte read is 0, a byte write ignored (QEMU: the same). */
	assert_int_equal(r->ops->read(r->dev, NULL, RNG_BASE - r->base, 1, &v), HV_OK);
	assert_int_equal(v, 0);
	assert_int_equal(r->ops->write(r->dev, NULL, RNG_BASE - r->base + VIRTIO_MMIO_STATUS, 1, 3), HV_OK);
	assert_int_equal(rd(RNG_BASE + VIRTIO_MMIO_STATUS), 0);
	/* An access straddling two slots reads 0. */
	v = 1;
	assert_int_equal(r->ops->read(r->dev, NULL, GUEST_VIRTIO_SLOT - 4, 8, &v), HV_OK);
	assert_int_equal(v, 0);
	/* virtio-rng has no configuration space. */
	v = 1;
	assert_int_equal(r->ops->read(r->dev, NULL, RNG_BASE - r->base + VIRTIO_MMIO_CONFIG, 4, &v), HV_OK);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_slots_answer_like_qemu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dt_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rng_needs_the_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rng_on_slot_31_features, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_rng_request_interrupt_and_ack, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_notification_work_is_bounded, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_broken_ring_needs_reset, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_rings_outside_ram_refused, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_vm_reset_resets_the_device, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_odd_widths_and_straddles, setup_rng, teardown),
		cmocka_unit_test_setup_teardown(test_after_reset_runs_unlocked_after_a_driver_reset,
						setup_rng, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
