/*
 * The ivshmem function (vdev/ivshmem.c) over the shared-memory regions
 * (core/shmem.c) and the PCI bridge's INTx and 64-bit BARs (vdev/pci_host.c,
 * vdev/pci_config.c): VMs made through the device registry, driven through
 * their MMIO buses as a guest's ECAM and BAR accesses reach them. The
 * irqchip records each VM's lines; stage 2 is a fake that records what
 * would be mapped where.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cache.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/shmem.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <vdev/pci.h>

#define FN1 (GUEST_PCI_ECAM_IPA + (1u << PCI_ECAM_DEV_SHIFT)) /* bus 0, device 1 */
#define INTID (GUEST_PCI_INTX_INTID + 1) /* device 1's INTA: the swizzle's second line */
#define BAR0_AT (GUEST_PCI_MMIO_IPA + 0x100000)
#define BAR2_AT 0x20000000ULL
#define REGION_SIZE 0x10000ULL

/* ---- what the devices need from the rest of hyparm ---- */
void hv_printf(const char *fmt, ...)
{
}
void arch_dcache_clean_inval_range(paddr_t pa, u64 size)
{
}
void *page_alloc_aligned(u64 npages, u64 align)
{
	void *p = aligned_alloc(align, npages * PAGE_SIZE);
	memset(p, 0, npages * PAGE_SIZE);
	return p;
}

/* Device nodes: the test's own, a region name and a size (0: no size property). */
struct fake_node {
	const char *region;
	u64 size;
};
int devnode_string(const struct devnode *dn, const char *prop, char *out, size_t size)
{
	const struct fake_node *n = dn->fdt;
	const char *v = !strcmp(prop, "region") && n->region ? n->region : "";
	if (strlen(v) >= size)
		return -HV_EINVAL;
	strcpy(out, v);
	return HV_OK;
}
int devnode_size(const struct devnode *dn, const char *prop, u64 *out, bool *present)
{
	const struct fake_node *n = dn->fdt;
	*present = n->size != 0;
	if (*present)
		*out = n->size;
	return HV_OK;
}
void devnode_where(const struct devnode *dn, char *out, size_t outlen)
{
	hv_snprintf(out, outlen, "m.dts:1: /vms/x/%s", dn->name);
}
int devnode_fail(const struct devnode *dn, const char *prop, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n = hv_snprintf(err, errlen, "%s: %s: ", dn->name, prop ? prop : "-");
	va_start(ap, fmt);
	hv_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -HV_EINVAL;
}

/* Stage 2: one mapping per VM is all the device makes. */
struct mapping {
	bool on;
	ipa_t ipa;
	paddr_t pa;
	u64 size;
	unsigned maps, unmaps;
};
static struct mapping s2[3];
static int map_rc;
int vm_map_frames(struct vm *vm, ipa_t ipa, paddr_t pa, u64 size, unsigned perm, enum s2_memtype type)
{
	struct mapping *m = &s2[vm->id];
	assert_false(m->on); /* never mapped twice: the old one goes first */
	assert_int_equal(perm, S2_RW);
	assert_int_equal(type, S2_MEM_NORMAL);
	if (map_rc)
		return map_rc;
	*m = (struct mapping){
		.on = true, .ipa = ipa, .pa = pa, .size = size, .maps = m->maps + 1, .unmaps = m->unmaps
	};
	return HV_OK;
}
int vm_unmap_frames(struct vm *vm, ipa_t ipa, u64 size)
{
	struct mapping *m = &s2[vm->id];
	assert_true(m->on);
	assert_int_equal(ipa, m->ipa);
	assert_int_equal(size, m->size);
	m->on = false;
	m->unmaps++;
	return HV_OK;
}

/* The irqchip: each VM's SPI lines. */
static bool line[3][1024];
static unsigned line_changes[3];
static struct vm vms[3];
static void set_line(struct vm *vm, struct vcpu *v, u32 intid, bool level)
{
	assert_null(v); /* an SPI */
	assert_true(intid < 1024);
	line[vm->id][intid] = level;
	line_changes[vm->id]++;
}
static const struct irqchip_ops chip = { .set_line = set_line };

/* ---- accesses as a guest's ---- */
static u64 rd(struct vm *vm, u64 ipa, unsigned size)
{
	struct mmio_region *r = mmio_bus_find(&vm->mmio, ipa);
	u64 v = 0xdead;
	assert_non_null(r);
	assert_int_equal(r->ops->read(r->dev, NULL, ipa - r->base, size, &v), HV_OK);
	return v;
}

static void wr(struct vm *vm, u64 ipa, unsigned size, u64 val)
{
	struct mmio_region *r = mmio_bus_find(&vm->mmio, ipa);
	assert_non_null(r);
	assert_int_equal(r->ops->write(r->dev, NULL, ipa - r->base, size, val), HV_OK);
}

static unsigned test_no; /* a fresh region name per test: regions live as long as the process */
static struct fake_node nodes[3];
static struct devnode dns[3];

static int make_vm(unsigned id, const char *region, u64 size, bool bridge, char *err, size_t errlen)
{
	struct vm *vm = &vms[id];

	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->irqchip = &chip;
	snprintf(vm->name, sizeof(vm->name), "v%u", id);
	memset(line[id], 0, sizeof(line[id]));
	line_changes[id] = 0;
	s2[id] = (struct mapping){ 0 };
	if (bridge)
		assert_int_equal(vdev_create(vm, "pci-host", err, errlen), HV_OK);
	nodes[id] = (struct fake_node){ .region = region, .size = size };
	dns[id] = (struct devnode){ .fdt = &nodes[id], .schema = devnode_schema_find("ivshmem") };
	strcpy(dns[id].name, "shm0");
	assert_non_null(dns[id].schema);
	return vdev_create_node(vm, &dns[id], err, errlen);
}

static char region[16];

/* Two VMs sharing a fresh region of size bytes (0: no size property); BAR0 assigned, decode on. */
static int setup_size(u64 size)
{
	char err[256];

	snprintf(region, sizeof(region), "r%u", test_no++);
	map_rc = HV_OK;
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(make_vm(i, region, size, true, err, sizeof(err)), HV_OK);
		wr(&vms[i], FN1 + PCI_BAR0, 4, BAR0_AT);
		wr(&vms[i], FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	}
	return 0;
}

static int setup(void **state)
{
	return setup_size(REGION_SIZE);
}

static int setup_default(void **state)
{
	return setup_size(0);
}

static u32 reg(unsigned vm, unsigned off)
{
	return (u32)rd(&vms[vm], BAR0_AT + off, 4);
}

static void set_reg(unsigned vm, unsigned off, u32 val)
{
	wr(&vms[vm], BAR0_AT + off, 4, val);
}

static void test_header_and_register_block(void **state)
{
	struct vm *a = &vms[0];

	assert_int_equal(rd(a, FN1 + PCI_VENDOR_ID, 4), 0x11101AF4);
	assert_int_equal(rd(a, FN1 + PCI_CLASS_DEVICE, 2), 0x0500);
	assert_int_equal(rd(a, FN1 + PCI_INTERRUPT_PIN, 1), 1);
	/* BAR0: 256 bytes of 32-bit memory. BAR2/3: 64-bit prefetchable, the region's size (the default 1 MiB). */
	wr(a, FN1 + PCI_COMMAND, 2, 0);
	wr(a, FN1 + PCI_BAR0, 4, 0xFFFFFFFF);
	assert_int_equal(rd(a, FN1 + PCI_BAR0, 4), 0xFFFFFF00);
	wr(a, FN1 + PCI_BAR0 + 8, 4, 0xFFFFFFFF);
	wr(a, FN1 + PCI_BAR0 + 12, 4, 0xFFFFFFFF);
	assert_int_equal(rd(a, FN1 + PCI_BAR0 + 8, 4), (u32) ~(SHMEM_DEFAULT_SIZE - 1) | 0xC);
	assert_int_equal(rd(a, FN1 + PCI_BAR0 + 12, 4), 0xFFFFFFFF);
	wr(a, FN1 + PCI_BAR0, 4, BAR0_AT);
	wr(a, FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* IVPosition: peers in attach order, read-only. */
	assert_int_equal(reg(0, 0x8), 0);
	assert_int_equal(reg(1, 0x8), 1);
	set_reg(1, 0x8, 7);
	assert_int_equal(reg(1, 0x8), 1);
	/* IntrMask reads back; the doorbell reads 0; other widths read 0 and are ignored. */
	set_reg(0, 0x0, 0xF0F0);
	assert_int_equal(reg(0, 0x0), 0xF0F0);
	assert_int_equal(reg(0, 0xc), 0);
	assert_int_equal(rd(a, BAR0_AT + 0x0, 2), 0);
	wr(a, BAR0_AT + 0x0, 1, 0);
	assert_int_equal(reg(0, 0x0), 0xF0F0);
	assert_int_equal(reg(0, 0x40), 0); /* past the registers, inside the BAR */
}

static void test_doorbell_routing(void **state)
{
	set_reg(0, 0x0, 1);
	set_reg(1, 0x0, 1);
	/* A rings B (vector 3): B's INTA goes high, A's does not move. */
	set_reg(0, 0xc, 1u << 16 | 3);
	assert_true(line[1][INTID]);
	assert_false(line[0][INTID]);
	assert_int_equal(line_changes[0], 0);
	assert_true(rd(&vms[1], FN1 + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Reading IntrStatus returns the bit and clears it: the line drops. */
	assert_int_equal(reg(1, 0x4), 1);
	assert_false(line[1][INTID]);
	assert_int_equal(reg(1, 0x4), 0);
	assert_false(rd(&vms[1], FN1 + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* B rings A back; a peer may ring itself. */
	set_reg(1, 0xc, 0u << 16);
	assert_true(line[0][INTID]);
	set_reg(1, 0xc, 1u << 16);
	assert_true(line[1][INTID]);
}

static void test_mask_and_status(void **state)
{
	/* Masked (IntrMask 0, the reset value): the status bit latches, no line, PCI_STATUS clear. */
	set_reg(0, 0xc, 1u << 16);
	assert_int_equal(line_changes[1], 0);
	assert_false(rd(&vms[1], FN1 + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Unmasked later: the latched doorbell raises the line then. */
	set_reg(1, 0x0, 1);
	assert_true(line[1][INTID]);
	/* Writing IntrStatus sets it: 0 drops the line, a bit outside the mask does not raise it. */
	set_reg(1, 0x4, 0);
	assert_false(line[1][INTID]);
	set_reg(1, 0x4, 2);
	assert_false(line[1][INTID]);
	set_reg(1, 0x4, 1);
	assert_true(line[1][INTID]);
	set_reg(1, 0x0, 0);
	assert_false(line[1][INTID]);
}

static void test_intx_disable(void **state)
{
	struct vm *b = &vms[1];

	set_reg(1, 0x0, 1);
	wr(b, FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	set_reg(0, 0xc, 1u << 16);
	/* Disabled: no line, but the status bit says the function asserts (uio_pci_generic tests it). */
	assert_false(line[1][INTID]);
	assert_true(rd(b, FN1 + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Enabled again: the line comes up at once. Disabled while high: it drops. */
	wr(b, FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_true(line[1][INTID]);
	wr(b, FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	assert_false(line[1][INTID]);
	/* A byte write to the command register's high byte works too (the kernel's pci_intx does 16 bits, sysfs 1 byte). */
	wr(b, FN1 + PCI_COMMAND + 1, 1, 0);
	assert_true(line[1][INTID]);
	/* The status bit is read-only to the guest. */
	wr(b, FN1 + PCI_STATUS, 2, 0);
	assert_true(rd(b, FN1 + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
}

static void test_bad_peer_is_counted_and_ignored(void **state)
{
	struct shmem_region *r;
	unsigned id;

	set_reg(0, 0x0, 1);
	set_reg(1, 0x0, 1);
	set_reg(0, 0xc, 2u << 16);
	set_reg(0, 0xc, 0xFFFFu << 16 | 0xFFFF);
	assert_int_equal(line_changes[0] + line_changes[1], 0);
	/* The region counted both; a third peer can attach and then be rung. */
	assert_int_equal(shmem_attach(region, REGION_SIZE, NULL, NULL, &r, &id), HV_OK);
	assert_int_equal(id, 2);
	assert_int_equal(shmem_bad_rings(r), 2);
	assert_int_equal(shmem_ring(r, 0, 2, 0), -HV_ENOENT); /* no ring callback: no such peer either */
	assert_int_equal(shmem_ring(r, 2, 1, 0), HV_OK);
	assert_true(line[1][INTID]);
}

static void test_bar2_is_mapped_where_the_guest_puts_it(void **state)
{
	struct vm *a = &vms[0], *b = &vms[1];

	/* Decode on, BAR2 unassigned (0, outside the window): nothing mapped. */
	assert_false(s2[0].on);
	wr(a, FN1 + PCI_BAR0 + 8, 4, (u32)BAR2_AT);
	wr(a, FN1 + PCI_BAR0 + 12, 4, 0);
	assert_true(s2[0].on);
	assert_int_equal(s2[0].ipa, BAR2_AT);
	assert_int_equal(s2[0].size, REGION_SIZE);
	/* The other VM maps the same pages, wherever it puts them. */
	wr(b, FN1 + PCI_BAR0 + 8, 4, (u32)BAR2_AT + 0x100000);
	assert_true(s2[1].on);
	assert_int_equal(s2[1].pa, s2[0].pa);
	assert_int_equal(s2[1].ipa, BAR2_AT + 0x100000);
	/* Moved: unmapped, then mapped at the new place. */
	wr(a, FN1 + PCI_BAR0 + 8, 4, (u32)BAR2_AT + REGION_SIZE);
	assert_int_equal(s2[0].unmaps, 1);
	assert_true(s2[0].on);
	assert_int_equal(s2[0].ipa, BAR2_AT + REGION_SIZE);
	/* Decode off: unmapped; on again: mapped again. */
	wr(a, FN1 + PCI_COMMAND, 2, 0);
	assert_false(s2[0].on);
	wr(a, FN1 + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_true(s2[0].on);
	/* Above 4 GiB (the upper half), past the window: not mapped (it would land on RAM). */
	wr(a, FN1 + PCI_BAR0 + 12, 4, 1);
	assert_false(s2[0].on);
	wr(a, FN1 + PCI_BAR0 + 12, 4, 0);
	assert_true(s2[0].on);
	/* A sizing write with decode on reads back as the mask: past the window, so unmapped. */
	wr(a, FN1 + PCI_BAR0 + 8, 4, 0xFFFFFFFF);
	assert_false(s2[0].on);
	wr(a, FN1 + PCI_BAR0 + 8, 4, (u32)BAR2_AT);
	assert_true(s2[0].on);
	/* VM reset: BARs unassigned, decode off, nothing mapped, line low. */
	set_reg(0, 0x0, 1);
	set_reg(1, 0xc, 0);
	assert_true(line[0][INTID]);
	vdev_reset_all(a);
	assert_false(s2[0].on);
	assert_false(line[0][INTID]);
	assert_int_equal(rd(a, FN1 + PCI_BAR0 + 8, 4), 0xC);
	assert_true(s2[1].on); /* the other VM keeps its mapping */
}

static void test_unmappable_bar2_traps_to_the_region(void **state)
{
	struct vm *a = &vms[0], *b = &vms[1];

	wr(b, FN1 + PCI_BAR0 + 8, 4, (u32)BAR2_AT);
	assert_true(s2[1].on);
	map_rc = -HV_EEXIST; /* the guest put BAR2 over something mapped */
	wr(a, FN1 + PCI_BAR0 + 8, 4, (u32)BAR2_AT);
	assert_false(s2[0].on);
	/* The window's trap reaches the region: what A writes there is in the pages B has mapped. */
	wr(a, BAR2_AT + 0x18, 8, 0x1122334455667788ULL);
	assert_int_equal(rd(a, BAR2_AT + 0x18, 8), 0x1122334455667788ULL);
	assert_int_equal(rd(a, BAR2_AT + 0x1c, 4), 0x11223344);
	assert_int_equal(*(u64 *)(uintptr_t)(s2[1].pa + 0x18), 0x1122334455667788ULL);
}

static void test_bad_nodes_are_refused(void **state)
{
	char err[256];
	char other[40];

	/* No bridge (this VM never had one): refused; the VM builder adds one as the node's schema says. */
	snprintf(other, sizeof(other), "%s-x", region);
	assert_int_equal(make_vm(2, other, 0, false, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "pci-host"));
	assert_string_equal(devnode_schema_find("ivshmem")->needs, "pci-host");
	/* Another size for an existing region: refused, naming the size it has. */
	assert_int_equal(make_vm(2, region, REGION_SIZE * 2, true, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "size: region"));
	assert_non_null(strstr(err, "64 KiB in another VM"));
	/* No region, a size no power of two, too small, too large, a name too long. */
	assert_int_equal(make_vm(2, NULL, 0, true, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "needs region"));
	assert_int_equal(make_vm(2, other, 0x3000, true, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "size: expected a power of two"));
	assert_int_equal(make_vm(2, other, 0x800, true, err, sizeof(err)), -HV_EINVAL);
	assert_int_equal(make_vm(2, other, SHMEM_MAX_SIZE * 2, true, err, sizeof(err)), -HV_EINVAL);
	assert_int_equal(make_vm(2, "0123456789012345678901234567890123456789", 0, true, err, sizeof(err)),
			 -HV_EINVAL);
	assert_non_null(strstr(err, "region: at most"));
	/* The region's own check, the same: sizes, and a name no region may have. */
	struct shmem_region *r;
	unsigned id;
	assert_int_equal(shmem_attach(region, REGION_SIZE * 4, NULL, NULL, &r, &id), -HV_EEXIST);
	assert_non_null(r);
	assert_int_equal(shmem_size(r), REGION_SIZE);
	assert_int_equal(shmem_attach("", REGION_SIZE, NULL, NULL, &r, &id), -HV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_header_and_register_block, setup_default),
		cmocka_unit_test_setup(test_doorbell_routing, setup),
		cmocka_unit_test_setup(test_mask_and_status, setup),
		cmocka_unit_test_setup(test_intx_disable, setup),
		cmocka_unit_test_setup(test_bad_peer_is_counted_and_ignored, setup),
		cmocka_unit_test_setup(test_bar2_is_mapped_where_the_guest_puts_it, setup),
		cmocka_unit_test_setup(test_unmappable_bar2_traps_to_the_region, setup),
		cmocka_unit_test_setup(test_bad_nodes_are_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
