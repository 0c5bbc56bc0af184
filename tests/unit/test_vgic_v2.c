/*
 * The virtual GICv2 register model (vdev/vgic/vgic_dist_v2.c) and its
 * GICv2-only list-register rules, on the arch fake with a GICv2 backend
 * (GICH_LR encoding): GICD_SGIR with its source CPU, ITARGETSR routing,
 * the banked SGI/PPI registers, S/CPENDSGIR, byte accesses, and one list
 * register per SGI source. Each test names the bug it catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/vm.h>
#include <arch/fake.h>
#include <arch/vgic_v2_lr.h>
#include <hyparm/sched.h>
#include <vdev/vgic.h>

#define NR_LRS 4

static struct vm vm;
static struct vcpu vcpus[3];
static int kicks[3];
static struct vgic *g;

void vcpu_kick(struct vcpu *v)
{
	kicks[v->id]++;
	v->kicked = true;
}

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	memset(kicks, 0, sizeof(kicks));
	vm.nr_vcpus = 3;
	for (unsigned i = 0; i < 3; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].mpidr = i;
		vm.vcpus[i] = &vcpus[i];
	}
	arch_fake_reset(2, NR_LRS);
	arch_fake_gic_version(2);
	g = vgic_of(&vm);
	for (unsigned n = 0; n < VGIC_MAX_VCPUS; n++)
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			g->cpu[n].priv[i].src = NULL;
	vgic_reset(g, &vm, arch_vgic_backend());
	return 0;
}

/* An access by vCPU cpu. */
static u64 dread(unsigned cpu, u64 off, unsigned size)
{
	u64 v = 0xdeadbeef;
	assert_int_equal(vgic_dist_v2_mmio_ops.read(g, &vcpus[cpu], off, size, &v), HV_OK);
	return v;
}

static void dwrite(unsigned cpu, u64 off, unsigned size, u64 val)
{
	assert_int_equal(vgic_dist_v2_mmio_ops.write(g, &vcpus[cpu], off, size, val), HV_OK);
}

static u32 sgir(unsigned filter, u8 targets, unsigned intid)
{
	return filter << GICD_SGIR_FILTER_SHIFT | (u32)targets << GICD_SGIR_TARGETS_SHIFT | intid;
}

/* The ID registers say GICv2, three CPU interfaces, no security extensions. Catches: the GICv3 map. */
static void distributor_identifies_as_gicv2(void **state)
{
	u32 typer = (u32)dread(0, GICD_TYPER, 4);

	assert_int_equal(g->version, 2);
	assert_int_equal(dread(0, GICD_V2_PIDR2, 4) & 0xF0, 0x20);
	assert_int_equal(typer & GICD_TYPER_ITLINES_MASK, VGIC_NR_IRQS / 32 - 1);
	assert_int_equal((typer >> GICD_TYPER_CPUS_SHIFT) & 7, 2);
	assert_int_equal(typer & (1u << 10), 0); /* SecurityExtn */
	assert_int_equal(dread(0, GICD_CTLR, 4), 0);
	dwrite(0, GICD_CTLR, 4, ~0u);
	assert_int_equal(dread(0, GICD_CTLR, 4), GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
	assert_int_equal(dread(0, GICD_IROUTER + 8 * 40, 4), 0); /* no IROUTER on a GICv2 */
}

/*
 * GICD_SGIR's three filters, from vCPU 1: the list (only existing vCPUs),
 * all but self, self; each target gets the SGI pending from source 1 and
 * is kicked. Catches: the sender's own bit in "others", targets past
 * nr_vcpus, a lost source, the reserved filter acting.
 */
static void sgir_filters_pend_with_the_source(void **state)
{
	dwrite(1, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 0xF5, 3)); /* vCPUs 0, 2 (4..7 do not exist) */
	assert_int_equal(g->cpu[0].priv[3].sources, 1u << 1);
	assert_int_equal(g->cpu[1].priv[3].sources, 0);
	assert_int_equal(g->cpu[2].priv[3].sources, 1u << 1);
	assert_true(g->cpu[0].priv[3].latch && g->cpu[2].priv[3].latch);
	assert_int_equal(kicks[0] + kicks[2], 0); /* SGIs not enabled yet: nothing deliverable */

	dwrite(1, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_OTHERS, 0, 4));
	assert_int_equal(g->cpu[0].priv[4].sources, 1u << 1);
	assert_int_equal(g->cpu[1].priv[4].sources, 0);
	assert_int_equal(g->cpu[2].priv[4].sources, 1u << 1);

	dwrite(1, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_SELF, 0x01, 5));
	assert_int_equal(g->cpu[0].priv[5].sources, 0);
	assert_int_equal(g->cpu[1].priv[5].sources, 1u << 1);

	dwrite(1, GICD_SGIR, 4, sgir(3, 0xFF, 6)); /* reserved */
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(g->cpu[i].priv[6].sources, 0);

	/* Enabled and its group on: the next SGI kicks its target. */
	dwrite(0, GICD_CTLR, 4, GICD_CTLR_ENABLE_GRP0);
	dwrite(2, GICD_ISENABLER, 4, 1u << 7);
	memset(kicks, 0, sizeof(kicks));
	dwrite(0, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 2, 7));
	assert_int_equal(kicks[2], 1);
	assert_int_equal(kicks[1], 0);
}

/*
 * SPENDSGIR / CPENDSGIR: a byte per SGI, a bit per source, banked per
 * vCPU; byte and word access. ISPENDR/ICPENDR leave SGIs alone but set and
 * clear PPIs. Catches: SGIs set or cleared through ISPENDR (GICv2 spec
 * 4.3.7), one pending bit for all sources, another vCPU's bank.
 */
static void sgi_pending_per_source(void **state)
{
	dwrite(0, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 1, 2)); /* 0 -> 1 */
	dwrite(2, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 1, 2)); /* 2 -> 1 */
	assert_int_equal(dread(1, GICD_SPENDSGIR, 4), 0x05u << 16);
	assert_int_equal(dread(1, GICD_CPENDSGIR + 2, 1), 0x05);
	assert_int_equal(dread(0, GICD_SPENDSGIR, 4), 0); /* vCPU 0's own bank */
	assert_true(dread(1, GICD_ISPENDR, 4) & (1u << 2));

	dwrite(1, GICD_CPENDSGIR + 2, 1, 0x01); /* clear source 0 only */
	assert_int_equal(dread(1, GICD_SPENDSGIR + 2, 1), 0x04);
	dwrite(1, GICD_ICPENDR, 4, 1u << 2); /* no effect on an SGI */
	assert_int_equal(dread(1, GICD_SPENDSGIR + 2, 1), 0x04);
	dwrite(1, GICD_CPENDSGIR, 4, 0x04u << 16);
	assert_int_equal(dread(1, GICD_SPENDSGIR, 4), 0);
	assert_false(g->cpu[1].priv[2].latch);

	dwrite(1, GICD_ISPENDR, 4, (1u << 3) | (1u << 20)); /* SGI 3: ignored; PPI 20: pending */
	assert_int_equal(g->cpu[1].priv[3].sources, 0);
	assert_false(g->cpu[1].priv[3].latch);
	assert_true(g->cpu[1].priv[20].latch);
	assert_false(g->cpu[0].priv[20].latch);

	dwrite(1, GICD_SPENDSGIR + 5, 1, 0xFF); /* SGI 5 from every vCPU there is */
	assert_int_equal(g->cpu[1].priv[5].sources, 0x07);
	assert_true(g->cpu[1].priv[5].latch);
}

/*
 * ITARGETSR: bytes 0-31 read as the reader's own CPU bit and ignore
 * writes; an SPI's byte routes it to the lowest vCPU in the mask (vCPU 0
 * for none), bits for vCPUs that do not exist read as zero; byte and word
 * accesses. Catches: the GICv3 IROUTER decision, a target of a vCPU that
 * does not exist, Linux's "GIC CPU mask not found" (its gic_get_cpumask()
 * reads ITARGETSR0-7).
 */
static void itargetsr_routes_spis_and_names_the_reader(void **state)
{
	assert_int_equal(dread(0, GICD_ITARGETSR, 4), 0x01010101);
	assert_int_equal(dread(2, GICD_ITARGETSR + 28, 4), 0x04040404);
	assert_int_equal(dread(1, GICD_ITARGETSR + 5, 1), 0x02);
	dwrite(1, GICD_ITARGETSR, 4, 0);
	assert_int_equal(dread(1, GICD_ITARGETSR, 4), 0x02020202);

	dwrite(0, GICD_ITARGETSR + 40, 1, 0x06);
	assert_int_equal(dread(0, GICD_ITARGETSR + 40, 1), 0x06);
	assert_int_equal(g->spi[40 - 32].target, 1);
	dwrite(0, GICD_ITARGETSR + 40, 4, 0x04FF0100); /* SPIs 40..43 */
	assert_int_equal(dread(0, GICD_ITARGETSR + 40, 4), 0x04070100);
	assert_int_equal(g->spi[40 - 32].target, 0); /* none: vCPU 0 */
	assert_int_equal(g->spi[41 - 32].target, 0);
	assert_int_equal(g->spi[42 - 32].target, 0);
	assert_int_equal(g->spi[43 - 32].target, 2);

	/* A pending SPI goes to its target's list registers. */
	dwrite(0, GICD_CTLR, 4, GICD_CTLR_ENABLE_GRP0);
	dwrite(0, GICD_ISENABLER + 4, 4, 1u << (43 - 32));
	memset(kicks, 0, sizeof(kicks));
	dwrite(0, GICD_ISPENDR + 4, 4, 1u << (43 - 32));
	assert_int_equal(kicks[2], 1);
	assert_int_equal(vgic_collect(&vcpus[2], NULL, 0), 1);
	assert_int_equal(vgic_collect(&vcpus[0], NULL, 0), 0);
}

/*
 * The SGI/PPI bank in the distributor belongs to the accessing vCPU:
 * enables, priorities (bytes) and PPI configuration. Catches: the GICv3
 * distributor's rule (register 0 reserved), one bank for all vCPUs.
 */
static void private_registers_are_banked(void **state)
{
	dwrite(1, GICD_ISENABLER, 4, 0x8000FFFFu);
	assert_int_equal(dread(1, GICD_ISENABLER, 4), 0x8000FFFFu);
	assert_int_equal(dread(0, GICD_ISENABLER, 4), 0);
	dwrite(2, GICD_IPRIORITYR + 27, 1, 0xA0);
	assert_int_equal(dread(2, GICD_IPRIORITYR + 24, 4), 0xA0u << 24);
	assert_int_equal(dread(1, GICD_IPRIORITYR + 27, 1), 0);
	assert_int_equal(g->cpu[2].priv[27].priority, 0xA0);
	/* ICFGR0: SGIs always edge (read-only); ICFGR1: the reader's PPIs. */
	dwrite(1, GICD_ICFGR, 4, 0);
	assert_int_equal(dread(1, GICD_ICFGR, 4), 0xAAAAAAAAu);
	dwrite(1, GICD_ICFGR + 4, 4, 2u << (2 * (27 - 16)));
	assert_false(g->cpu[1].priv[27].level);
	assert_true(g->cpu[0].priv[27].level);
}

/*
 * Access sizes (GICv2 spec 4.1.4): bytes for IPRIORITYR, ITARGETSR,
 * S/CPENDSGIR only; a byte access anywhere else, a halfword, or a
 * misaligned word reads as zero and changes nothing. Catches: half a
 * register or two written, a byte SGIR.
 */
static void byte_accesses_where_the_spec_allows(void **state)
{
	dwrite(0, GICD_IPRIORITYR + 41, 1, 0x80);
	assert_int_equal(g->spi[41 - 32].priority, 0x80);
	dwrite(0, GICD_IPRIORITYR + 40, 2, 0xFFFF);
	assert_int_equal(g->spi[40 - 32].priority, 0);
	dwrite(0, GICD_ISENABLER + 4, 1, 0xFF);
	assert_false(g->spi[0].enabled);
	assert_int_equal(dread(0, GICD_ISENABLER + 4, 1), 0);
	dwrite(0, GICD_SGIR, 1, 1u);
	dwrite(0, GICD_SGIR + 2, 1, 0x01);
	assert_int_equal(g->cpu[0].priv[1].sources, 0);
	dwrite(0, GICD_CTLR + 1, 4, 1);
	assert_int_equal(g->ctlr, 0);
	assert_int_equal(dread(0, GICD_TYPER + 2, 4), 0);
	assert_int_equal(dread(0, 0x1000, 4), 0); /* past the 4 KiB register map */
	assert_int_equal(dread(0, GICD_ITARGETSR + 40, 2), 0);
}

/* vCPU 0 exits and enters again (GICv2's flush). */
static void exit_and_enter(unsigned cpu)
{
	vgic_sync(&vcpus[cpu]);
	vgic_v2_flush(&vcpus[cpu]);
}

static int hw_lr_of(unsigned intid, struct vgic_lr *out)
{
	for (unsigned i = 0; i < NR_LRS; i++) {
		struct vgic_lr lr = arch_fake_lr(i);
		if (lr.state != LR_INVALID && lr.vintid == intid) {
			*out = lr;
			return i;
		}
	}
	return -1;
}

/*
 * One SGI from two sources: one list register at a time, each with its
 * source in CPUID, the first asking for an EOI maintenance interrupt so
 * the second goes in when the guest completes it. Catches: the source
 * lost (the guest's EOI names the wrong CPU and the GIC ignores it), two
 * entries with the same vINTID, the second waiting for an unrelated exit,
 * a second source merged into the first's active entry.
 */
static void two_sources_two_list_registers_in_turn(void **state)
{
	struct vgic_lr lr;
	int i;

	dwrite(0, GICD_CTLR, 4, GICD_CTLR_ENABLE_GRP0);
	dwrite(0, GICD_ISENABLER, 4, 1u << 1);
	dwrite(1, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 0, 1));
	dwrite(2, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 0, 1));
	vgic_v2_flush(&vcpus[0]);
	i = hw_lr_of(1, &lr);
	assert_true(i >= 0);
	assert_int_equal(lr.source, 1);
	assert_true(lr.eoi_maint);
	assert_int_equal((arch_fake.lr[i] >> V2_LR_CPUID_SHIFT) & V2_LR_CPUID_MASK, 1);
	assert_int_equal(g->cpu[0].priv[1].sources, 1u << 2);

	/* The guest acknowledges it: still one entry, the other source waits. */
	lr.state = LR_ACTIVE;
	arch_fake_set_lr(i, &lr);
	exit_and_enter(0);
	assert_int_equal(hw_lr_of(1, &lr), i);
	assert_int_equal(lr.state, LR_ACTIVE);
	assert_int_equal(lr.source, 1);

	/* It completes it (EOI maintenance pending: invalid but not empty): the second source goes in. */
	lr.state = LR_INVALID;
	arch_fake_set_lr(i, &lr);
	exit_and_enter(0);
	assert_true(hw_lr_of(1, &lr) >= 0);
	assert_int_equal(lr.source, 2);
	assert_false(lr.eoi_maint);
	assert_int_equal(g->cpu[0].priv[1].sources, 0);
	assert_false(g->cpu[0].priv[1].latch);
}

/*
 * A source that arrives while its SGI already sits in a list register
 * (the sender kicks the target): the entry gets its EOI maintenance bit.
 * Catches: the new source waiting for the target's next unrelated exit.
 */
static void a_late_source_asks_for_the_eoi(void **state)
{
	struct vgic_lr lr;
	int i;

	dwrite(0, GICD_CTLR, 4, GICD_CTLR_ENABLE_GRP0);
	dwrite(0, GICD_ISENABLER, 4, 1u << 1);
	dwrite(1, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 0, 1));
	vgic_v2_flush(&vcpus[0]);
	i = hw_lr_of(1, &lr);
	assert_true(i >= 0);
	assert_false(lr.eoi_maint);
	dwrite(2, GICD_SGIR, 4, sgir(GICD_SGIR_FILTER_LIST, 1u << 0, 1));
	assert_true(vcpus[0].kicked);
	exit_and_enter(0);
	assert_int_equal(hw_lr_of(1, &lr), i);
	assert_true(lr.eoi_maint);
	assert_int_equal(lr.source, 1);
}

/* GICH_LR packing (GICv2 spec 5.3.11): every field where the spec has it, both ways. */
static void gich_lr_encoding(void **state)
{
	struct vgic_lr a = { .vintid = 27, .pintid = 27, .priority = 0xA8, .state = LR_PENDING, .hw = true };
	struct vgic_lr b = {
		.vintid = 3, .priority = 0x10, .group = 1, .state = LR_PENDING_ACTIVE, .eoi_maint = true
	};
	struct vgic_lr d;

	b.source = 5;
	assert_int_equal(vgic_v2_encode(&a), 0x80000000u | (0xA8u >> 3) << 23 | 1u << 28 | 27u << 10 | 27u);
	assert_int_equal(vgic_v2_encode(&b),
			 0x40000000u | (0x10u >> 3) << 23 | 3u << 28 | 1u << 19 | 5u << 10 | 3u);
	vgic_v2_decode(vgic_v2_encode(&a), &d);
	assert_true(d.hw && d.pintid == 27 && d.vintid == 27 && d.priority == 0xA8 && d.state == LR_PENDING);
	assert_false(d.eoi_maint);
	vgic_v2_decode(vgic_v2_encode(&b), &d);
	assert_true(!d.hw && d.source == 5 && d.eoi_maint && d.group == 1 && d.state == LR_PENDING_ACTIVE);
	assert_int_equal(vgic_v2_lr_state(vgic_v2_encode(&b)), LR_PENDING_ACTIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(distributor_identifies_as_gicv2, setup),
		cmocka_unit_test_setup(sgir_filters_pend_with_the_source, setup),
		cmocka_unit_test_setup(sgi_pending_per_source, setup),
		cmocka_unit_test_setup(itargetsr_routes_spis_and_names_the_reader, setup),
		cmocka_unit_test_setup(private_registers_are_banked, setup),
		cmocka_unit_test_setup(byte_accesses_where_the_spec_allows, setup),
		cmocka_unit_test_setup(two_sources_two_list_registers_in_turn, setup),
		cmocka_unit_test_setup(a_late_source_asks_for_the_eoi, setup),
		cmocka_unit_test_setup(gich_lr_encoding, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
