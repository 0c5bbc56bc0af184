/*
 * The virtual PCIe host bridge (vdev/pci_host.c, vdev/pci_config.c) and
 * the virtio-pci transport (vdev/virtio_pci.c) with virtio-rng as its
 * backend, created through the device registry and driven through the
 * MMIO bus as a guest's ECAM and BAR accesses reach them: configuration
 * space, BAR sizing and decode, the MSI-X table, masking and where its
 * messages go (the ITS is a fake that records them).
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
#include <hyparm/gic_regs.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/its.h>
#include <vdev/virtio_pci.h>

#define RAM_SIZE MiB(2)
#define FN1 (GUEST_PCI_ECAM_IPA + (1u << PCI_ECAM_DEV_SHIFT)) /* bus 0, device 1: the first function */
#define BAR (GUEST_PCI_MMIO_IPA + 0x100000)
#define QN 8
#define DESC (GUEST_RAM_IPA + 0x1000)
#define AVAIL (GUEST_RAM_IPA + 0x2000)
#define USED (GUEST_RAM_IPA + 0x3000)
#define BUF (GUEST_RAM_IPA + 0x8000)
#define DOORBELL (GUEST_ITS_IPA + GITS_TRANSLATER)

/* ---- what the devices need from the rest of hyparm ---- */
static unsigned reports;
void hv_printf(const char *fmt, ...)
{
	reports++;
}
/* The transport's walker asks before every host access to guest RAM: all of it is there here. */
int vm_ram_host_access(struct vm *vm, u64 off, u64 len)
{
	return HV_OK;
}
void entropy_get(void *out, size_t len)
{
	memset(out, 0x5a, len);
}
static unsigned msis;
static u32 last_devid, last_event;
bool vits_deliver_msi(struct vm *vm, u32 devid, u32 eventid)
{
	msis++;
	last_devid = devid;
	last_event = eventid;
	return true;
}
static void set_line(struct vm *vm, struct vcpu *v, u32 intid, bool level)
{
	fail_msg("virtio-pci drove a wired line (INTID %u)", intid); /* it signals by MSI-X only */
}
static const struct irqchip_ops chip = { .set_line = set_line };

static struct vm vm;
static u8 *ram;

static int setup(void **state)
{
	char err[128];

	memset(&vm, 0, sizeof(vm));
	ram = calloc(1, RAM_SIZE);
	vm.ram_pa = (paddr_t)(uintptr_t)ram;
	vm.ram_ipa = GUEST_RAM_IPA;
	vm.ram_size = RAM_SIZE;
	vm.irqchip = &chip;
	strcpy(vm.name, "t");
	reports = msis = 0;
	assert_int_equal(vdev_create(&vm, "pci-host", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "virtio-rng-pci", err, sizeof(err)), HV_OK);
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static u64 rd(u64 ipa, unsigned size)
{
	struct mmio_region *r = mmio_bus_find(&vm.mmio, ipa);
	u64 v = 0xdead;
	assert_non_null(r);
	assert_int_equal(r->ops->read(r->dev, NULL, ipa - r->base, size, &v), HV_OK);
	return v;
}

static void wr(u64 ipa, unsigned size, u64 val)
{
	struct mmio_region *r = mmio_bus_find(&vm.mmio, ipa);
	assert_non_null(r);
	assert_int_equal(r->ops->write(r->dev, NULL, ipa - r->base, size, val), HV_OK);
}

static void *at(u64 ipa)
{
	return ram + (ipa - GUEST_RAM_IPA);
}

/* The offset of the first capability with this ID (and virtio cfg_type, for vendor ones), 0 if none. */
static unsigned find_cap(u8 id, u8 type)
{
	unsigned n = 0;

	for (unsigned c = rd(FN1 + PCI_CAPABILITY_LIST, 1); c && n < 48; c = rd(FN1 + c + 1, 1), n++)
		if (rd(FN1 + c, 1) == id && (id != PCI_CAP_ID_VNDR || rd(FN1 + c + 3, 1) == type))
			return c;
	return 0;
}

static void test_config_space_header_and_absent_functions(void **state)
{
	/* Nothing at device 0, device 2, function 1 of device 1, or bus 1: all-ones. */
	assert_int_equal(rd(GUEST_PCI_ECAM_IPA, 4), 0xFFFFFFFF);
	assert_int_equal(rd(GUEST_PCI_ECAM_IPA + (2u << PCI_ECAM_DEV_SHIFT), 2), 0xFFFF);
	assert_int_equal(rd(FN1 + (1u << PCI_ECAM_FN_SHIFT), 4), 0xFFFFFFFF);
	assert_null(
		mmio_bus_find(&vm.mmio, GUEST_PCI_ECAM_IPA + (1u << PCI_ECAM_BUS_SHIFT))); /* bus 0 only */
	/* virtio: vendor 0x1af4, device 0x1040 + 4 (rng), revision 1 (modern only), a capability list. */
	assert_int_equal(rd(FN1 + PCI_VENDOR_ID, 4), 0x10441AF4);
	assert_int_equal(rd(FN1 + PCI_DEVICE_ID, 2), 0x1044);
	assert_int_equal(rd(FN1 + PCI_REVISION_ID, 1), 1);
	assert_int_equal(rd(FN1 + PCI_HEADER_TYPE, 1), 0);
	assert_true(rd(FN1 + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(rd(FN1 + PCI_INTERRUPT_PIN, 1), 0); /* no INTx */
	/* Read-only: IDs; bad widths and misaligned accesses read all-ones; extended space reads zero. */
	wr(FN1 + PCI_VENDOR_ID, 4, 0);
	assert_int_equal(rd(FN1 + PCI_VENDOR_ID, 2), 0x1AF4);
	assert_int_equal(rd(FN1 + PCI_VENDOR_ID + 1, 2), 0xFFFF);
	assert_int_equal(rd(FN1 + 0x100, 4), 0);
	/* The virtio structures: common, notify, ISR in BAR 0 at the documented offsets; no device config (rng). */
	unsigned common = find_cap(PCI_CAP_ID_VNDR, VPCI_CAP_COMMON),
		 notify = find_cap(PCI_CAP_ID_VNDR, VPCI_CAP_NOTIFY);
	assert_int_not_equal(common, 0);
	assert_int_not_equal(notify, 0);
	assert_int_not_equal(find_cap(PCI_CAP_ID_VNDR, VPCI_CAP_ISR), 0);
	assert_int_equal(find_cap(PCI_CAP_ID_VNDR, VPCI_CAP_DEVICE), 0);
	assert_int_equal(rd(FN1 + common + 4, 1), 0);
	assert_int_equal(rd(FN1 + common + 8, 4), VPCI_COMMON_OFF);
	assert_int_equal(rd(FN1 + notify + 2, 1), VPCI_NOTIFY_CAP_LEN);
	unsigned msix = find_cap(PCI_CAP_ID_MSIX, 0);
	assert_int_not_equal(msix, 0);
	assert_int_equal(rd(FN1 + msix + PCI_MSIX_FLAGS, 2),
			 VPCI_VECTORS - 1); /* disabled, unmasked, 8 vectors */
	assert_int_equal(rd(FN1 + msix + PCI_MSIX_TABLE, 4), VPCI_MSIX_TABLE_OFF);
	assert_int_equal(rd(FN1 + msix + PCI_MSIX_PBA, 4), VPCI_MSIX_PBA_OFF);
}

static void test_bar_sizing_and_decode(void **state)
{
	wr(FN1 + PCI_BAR0, 4, 0xFFFFFFFF);
	assert_int_equal(rd(FN1 + PCI_BAR0, 4), ~(VPCI_BAR_SIZE - 1) & PCI_BAR_MEM_MASK);
	wr(FN1 + PCI_BAR0 + 4, 4, 0xFFFFFFFF);
	assert_int_equal(rd(FN1 + PCI_BAR0 + 4, 4), 0); /* BAR 1 is not implemented */
	/* An unaligned base keeps only the bits the size allows. */
	wr(FN1 + PCI_BAR0, 4, BAR + 0x1234);
	assert_int_equal(rd(FN1 + PCI_BAR0, 4), BAR);
	/* Decode off: the window answers all-ones (master abort). */
	assert_int_equal(rd(BAR + VPCI_COMMON_OFF + VPCI_NUM_QUEUES, 2), 0xFFFF);
	wr(FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(rd(FN1 + PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	assert_int_equal(rd(BAR + VPCI_COMMON_OFF + VPCI_NUM_QUEUES, 2), 1);
	/* Just past the BAR, or an access that straddles its end: nothing there. */
	assert_int_equal(rd(BAR + VPCI_BAR_SIZE, 4), 0xFFFFFFFF);
	assert_int_equal(rd(BAR + VPCI_BAR_SIZE - 2, 4), 0xFFFFFFFF);
	/* Moved: the old address no longer answers, the new one does. */
	wr(FN1 + PCI_BAR0, 4, BAR + VPCI_BAR_SIZE);
	assert_int_equal(rd(BAR + VPCI_COMMON_OFF + VPCI_NUM_QUEUES, 2), 0xFFFF);
	assert_int_equal(rd(BAR + VPCI_BAR_SIZE + VPCI_COMMON_OFF + VPCI_NUM_QUEUES, 2), 1);
	/* VM reset: BARs unassigned, decode off. */
	vdev_reset_all(&vm);
	assert_int_equal(rd(FN1 + PCI_BAR0, 4), 0);
	assert_int_equal(rd(FN1 + PCI_COMMAND, 2), 0);
}

static void set_vector(unsigned v, u64 addr, u32 data, bool masked)
{
	u64 e = BAR + VPCI_MSIX_TABLE_OFF + v * PCI_MSIX_ENTRY_SIZE;
	wr(e + PCI_MSIX_ENTRY_ADDR_LO, 4, (u32)addr);
	wr(e + PCI_MSIX_ENTRY_ADDR_HI, 4, (u32)(addr >> 32));
	wr(e + PCI_MSIX_ENTRY_DATA, 4, data);
	wr(e + PCI_MSIX_ENTRY_CTRL, 4, masked);
}

/* Assign the BAR, decode and bus master on, MSI-X on, the driver up with queue 0 on vector 1. */
static void bring_up(void)
{
	unsigned msix = find_cap(PCI_CAP_ID_MSIX, 0);
	u64 c = BAR + VPCI_COMMON_OFF;

	wr(FN1 + PCI_BAR0, 4, BAR);
	wr(FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(FN1 + msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_true(rd(FN1 + msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	wr(c + VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(c + VPCI_GFSELECT, 4, 1);
	wr(c + VPCI_GF, 4, 1); /* VERSION_1 */
	wr(c + VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(c + VPCI_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK);
	/* A vector past the table is refused; one inside sticks. */
	wr(c + VPCI_MSIX_CONFIG, 2, VPCI_VECTORS);
	assert_int_equal(rd(c + VPCI_MSIX_CONFIG, 2), VPCI_NO_VECTOR);
	wr(c + VPCI_MSIX_CONFIG, 2, 0);
	assert_int_equal(rd(c + VPCI_MSIX_CONFIG, 2), 0);
	wr(c + VPCI_Q_SELECT, 2, 0);
	assert_int_equal(rd(c + VPCI_Q_SIZE, 2), VIRTQ_MAX_SIZE);
	wr(c + VPCI_Q_SIZE, 2, QN);
	wr(c + VPCI_Q_MSIX, 2, 1);
	assert_int_equal(rd(c + VPCI_Q_MSIX, 2), 1);
	wr(c + VPCI_Q_DESC, 4, (u32)DESC);
	wr(c + VPCI_Q_DESC + 4, 4, (u32)(DESC >> 32));
	wr(c + VPCI_Q_AVAIL, 8, AVAIL);
	wr(c + VPCI_Q_USED, 8, USED);
	wr(c + VPCI_Q_ENABLE, 2, 1);
	assert_int_equal(rd(c + VPCI_Q_ENABLE, 2), 1);
	assert_int_equal(rd(c + VPCI_Q_DESC, 8), DESC);
	wr(c + VPCI_STATUS, 1,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		   VIRTIO_STATUS_DRIVER_OK);
}

static void offer(u16 head)
{
	struct virtq_desc d = { .addr = BUF, .len = 64, .flags = VIRTQ_DESC_F_WRITE };
	u16 idx;

	memcpy(at(DESC + 16 * head), &d, 16);
	memcpy(&idx, at(AVAIL + 2), 2);
	memcpy(at(AVAIL + 4 + 2 * (idx % QN)), &head, 2);
	idx++;
	memcpy(at(AVAIL + 2), &idx, 2);
	wr(BAR + VPCI_NOTIFY_OFF, 2, 0);
}

static u16 used_idx(void)
{
	u16 v;
	memcpy(&v, at(USED + 2), 2);
	return v;
}

static void test_msix_message_reaches_the_its_as_devid_and_event(void **state)
{
	bring_up();
	set_vector(1, DOORBELL, 42, false);
	offer(0);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(msis, 1);
	assert_int_equal(last_devid, PCI_RID(0, 1, 0)); /* the requester ID: 0x08 */
	assert_int_equal(last_event, 42);
	assert_int_equal(rd(BAR + VPCI_ISR_OFF, 1), VIRTIO_INT_VRING); /* read clears */
	assert_int_equal(rd(BAR + VPCI_ISR_OFF, 1), 0);
	/* The table reads back what was written (the mask bit only in the control word). */
	assert_int_equal(rd(BAR + VPCI_MSIX_TABLE_OFF + 16 + PCI_MSIX_ENTRY_ADDR_LO, 8), DOORBELL);
	wr(BAR + VPCI_MSIX_TABLE_OFF + 16 + PCI_MSIX_ENTRY_CTRL, 4, 0xFFFFFFFE);
	assert_int_equal(rd(BAR + VPCI_MSIX_TABLE_OFF + 16 + PCI_MSIX_ENTRY_CTRL, 4), 0);
}

static void test_msix_masking_holds_the_message_pending(void **state)
{
	unsigned msix = find_cap(PCI_CAP_ID_MSIX, 0);

	bring_up();
	set_vector(1, DOORBELL, 7, true);
	offer(0);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(msis, 0);
	assert_int_equal(rd(BAR + VPCI_MSIX_PBA_OFF, 4), 1u << 1);
	wr(BAR + VPCI_MSIX_TABLE_OFF + 16 + PCI_MSIX_ENTRY_CTRL, 4, 0); /* unmask: it goes out */
	assert_int_equal(msis, 1);
	assert_int_equal(last_event, 7);
	assert_int_equal(rd(BAR + VPCI_MSIX_PBA_OFF, 4), 0);
	/* Function mask: the same, released by clearing it in configuration space. */
	wr(FN1 + msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	offer(1);
	assert_int_equal(msis, 1);
	assert_int_equal(rd(BAR + VPCI_MSIX_PBA_OFF, 4), 1u << 1);
	wr(FN1 + msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(msis, 2);
	/* The PBA is read-only. */
	wr(BAR + VPCI_MSIX_PBA_OFF, 4, 0xFF);
	assert_int_equal(rd(BAR + VPCI_MSIX_PBA_OFF, 4), 0);
}

static void test_msix_bad_address_no_master_or_disabled_dropped(void **state)
{
	unsigned msix = find_cap(PCI_CAP_ID_MSIX, 0);

	bring_up();
	/* Aimed at RAM (a DMA write through an MSI): dropped, reported once. */
	set_vector(1, GUEST_RAM_IPA, 1, false);
	offer(0);
	offer(1);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(msis, 0);
	assert_int_equal(reports, 1);
	assert_int_equal(*(u32 *)at(GUEST_RAM_IPA), 0);
	/* Bus mastering off: the function may not write, so no message. */
	set_vector(1, DOORBELL, 1, false);
	wr(FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	offer(2);
	assert_int_equal(msis, 0);
	/* MSI-X disabled (no INTx either): nothing. */
	wr(FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(FN1 + msix + PCI_MSIX_FLAGS, 2, 0);
	offer(3);
	assert_int_equal(msis, 0);
	assert_int_equal(used_idx(), 4);
	/* On again: the next one goes. */
	wr(FN1 + msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	offer(4);
	assert_int_equal(msis, 1);
}

static void test_device_reset_clears_vectors(void **state)
{
	u64 c = BAR + VPCI_COMMON_OFF;

	bring_up();
	wr(c + VPCI_STATUS, 1, 0);
	assert_int_equal(rd(c + VPCI_STATUS, 1), 0);
	assert_int_equal(rd(c + VPCI_MSIX_CONFIG, 2), VPCI_NO_VECTOR);
	assert_int_equal(rd(c + VPCI_Q_MSIX, 2), VPCI_NO_VECTOR);
	assert_int_equal(rd(c + VPCI_Q_ENABLE, 2), 0);
	/* A notification now does nothing (the queue is off). */
	offer(0);
	assert_int_equal(used_idx(), 0);
}

static void test_rng_pci_needs_the_bridge(void **state)
{
	struct vm other = { 0 };
	char err[128];

	other.id = 1;
	other.ram_pa = vm.ram_pa;
	other.ram_ipa = GUEST_RAM_IPA;
	other.ram_size = RAM_SIZE;
	other.irqchip = &chip;
	strcpy(other.name, "o");
	assert_int_equal(vdev_create(&other, "virtio-rng-pci", err, sizeof(err)), -HV_ENOENT);
	assert_non_null(strstr(err, "pci-host"));
}

/* A hostile guest: random config and BAR accesses of every width, then the device still works. */
static void test_random_accesses_keep_hyparm_up(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	u32 seed = 12345;

	bring_up();
	for (unsigned i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned size = sizes[(seed >> 8) & 3];
		u64 val = (u64)seed << 32 | (seed * 2654435761u);
		bool cfg = seed & 1;
		u64 base = cfg ? GUEST_PCI_ECAM_IPA : BAR;
		u64 span = cfg ? 4 * PCI_ECAM_FN_SIZE : 2 * VPCI_BAR_SIZE;
		u64 ipa = base + (seed >> 12) % (span - 8);
		/* Keep the BAR where the test reads it and the function on, or the run tests little. */
		if (cfg && (ipa & (PCI_ECAM_FN_SIZE - 1)) < PCI_CAP_START)
			continue;
		if (seed & 2)
			wr(ipa, size, val);
		else
			rd(ipa, size);
	}
	vdev_reset_all(&vm);
	memset(ram, 0, RAM_SIZE);
	msis = 0;
	bring_up();
	set_vector(1, DOORBELL, 3, false);
	offer(0);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(msis, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_space_header_and_absent_functions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bar_sizing_and_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_message_reaches_the_its_as_devid_and_event, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_msix_masking_holds_the_message_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_bad_address_no_master_or_disabled_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_device_reset_clears_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rng_pci_needs_the_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_accesses_keep_hyparm_up, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
