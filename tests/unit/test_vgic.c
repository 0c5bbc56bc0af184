/* The virtual GICv3 register model: distributor, redistributors, SGIs, routing. */
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
#include <hyparm/sched.h>
#include <vdev/vgic.h>

static struct vm vm;
static struct vcpu vcpus[3];
static int kicks[3];

void vcpu_kick(struct vcpu *v)
{
	kicks[v->id]++;
}
static struct vgic *g;

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
	arch_fake_reset(2, 4);
	g = vgic_of(&vm);
	vgic_reset(g, &vm, arch_vgic_backend());
	return 0;
}

static u64 dread(u64 off, unsigned size)
{
	u64 v = 0xdeadbeef;
	assert_int_equal(vgic_dist_mmio_ops.read(g, &vcpus[0], off, size, &v), HV_OK);
	return v;
}

static void dwrite(u64 off, unsigned size, u64 val)
{
	assert_int_equal(vgic_dist_mmio_ops.write(g, &vcpus[0], off, size, val), HV_OK);
}

static u64 rread(unsigned cpu, u64 off, unsigned size)
{
	u64 v = 0xdeadbeef;
	assert_int_equal(vgic_redist_mmio_ops.read(g, &vcpus[0], cpu * GUEST_GICR_STRIDE + off, size, &v),
			 HV_OK);
	return v;
}

static void rwrite(unsigned cpu, u64 off, unsigned size, u64 val)
{
	assert_int_equal(vgic_redist_mmio_ops.write(g, &vcpus[0], cpu * GUEST_GICR_STRIDE + off, size, val),
			 HV_OK);
}

static void distributor_identifies_as_gicv3(void **state)
{
	assert_int_equal(dread(0xFFE8, 4) & 0xF0, 0x30); /* PIDR2.ArchRev */
	assert_int_equal((dread(0x4, 4) & 0x1F) + 1, VGIC_NR_IRQS / 32); /* TYPER.ITLinesNumber */
	assert_int_equal(dread(0x0, 4) & (GICD_CTLR_ARE | GICD_CTLR_DS), GICD_CTLR_ARE | GICD_CTLR_DS);
	dwrite(0x0, 4, GICD_CTLR_ENABLE_GRP1);
	assert_int_equal(dread(0x0, 4), GICD_CTLR_ENABLE_GRP1 | GICD_CTLR_ARE | GICD_CTLR_DS);
}

static void redistributors_describe_each_vcpu(void **state)
{
	for (unsigned i = 0; i < 3; i++) {
		u64 typer = rread(i, 0x8, 8);
		assert_int_equal(typer >> 32, i); /* affinity */
		assert_int_equal((typer >> 8) & 0xFFFF, i); /* processor number */
		assert_int_equal(!!(typer & BIT(4)), i == 2); /* Last */
		assert_int_equal(rread(i, 0xC, 4), i); /* upper half as a 32-bit read */
	}
	/* WAKER: ProcessorSleep clears, ChildrenAsleep follows. */
	assert_int_equal(rread(1, 0x14, 4), 6);
	rwrite(1, 0x14, 4, 0);
	assert_int_equal(rread(1, 0x14, 4), 0);
}

static void spi_enable_pending_active_and_priority(void **state)
{
	/* SPI 40 = INTID 72: register 2 of each bit array, bit 8. */
	dwrite(0x100 + 8, 4, BIT(8));
	assert_int_equal(dread(0x100 + 8, 4), BIT(8));
	assert_true(g->spi[40].enabled);
	dwrite(0x180 + 8, 4, BIT(8));
	assert_false(g->spi[40].enabled);

	dwrite(0x200 + 8, 4, BIT(8));
	assert_int_equal(dread(0x280 + 8, 4), BIT(8));
	dwrite(0x280 + 8, 4, BIT(8));
	assert_int_equal(dread(0x200 + 8, 4), 0);

	dwrite(0x300 + 8, 4, BIT(8));
	assert_int_equal(dread(0x300 + 8, 4), BIT(8));
	dwrite(0x380 + 8, 4, BIT(8));
	assert_int_equal(dread(0x300 + 8, 4), 0);

	dwrite(0x400 + 72, 1, 0xA7);
	assert_int_equal(dread(0x400 + 72, 1), 0xA0); /* five priority bits */
	assert_int_equal(dread(0x400 + 72, 4), 0xA0);
}

static void private_interrupts_are_reserved_in_the_distributor(void **state)
{
	dwrite(0x100, 4, 0xFFFFFFFF);
	assert_int_equal(dread(0x100, 4), 0);
	assert_false(g->cpu[0].priv[3].enabled);
}

static void sgi_and_ppi_state_lives_in_each_redistributor(void **state)
{
	rwrite(1, 0x10000 + 0x100, 4, BIT(3) | BIT(27));
	assert_true(g->cpu[1].priv[3].enabled);
	assert_true(g->cpu[1].priv[27].enabled);
	assert_false(g->cpu[0].priv[3].enabled);
	assert_int_equal(rread(1, 0x10000 + 0x100, 4), BIT(3) | BIT(27));
	/* SGIs are edge and read-only in ICFGR0. */
	rwrite(1, 0x10000 + 0xC00, 4, 0);
	assert_int_equal(rread(1, 0x10000 + 0xC00, 4), 0xAAAAAAAA);
	rwrite(1, 0x10000 + 0x400 + 27, 1, 0x80);
	assert_int_equal(g->cpu[1].priv[27].priority, 0x80);
}

static void level_versus_edge(void **state)
{
	struct virq *irq = &g->spi[1]; /* INTID 33 */

	dwrite(0xC00 + 8, 4, 0); /* INTIDs 32-47 level */
	assert_true(irq->level);
	vgic_set_line(&vm, NULL, 33, true);
	assert_true(vgic_irq_pending(irq));
	dwrite(0x280 + 4, 4, BIT(1)); /* ICPENDR: a level line stays pending */
	assert_true(vgic_irq_pending(irq));
	vgic_set_line(&vm, NULL, 33, false);
	assert_false(vgic_irq_pending(irq));

	dwrite(0xC00 + 8, 4, 2u << 2); /* INTID 33 edge */
	assert_false(irq->level);
	vgic_inject_edge(&vm, NULL, 33);
	assert_true(vgic_irq_pending(irq));
	dwrite(0x280 + 4, 4, BIT(1));
	assert_false(vgic_irq_pending(irq));
}

/* A device line on an edge-configured SPI latches once per rising edge (the bug: it never fired). */
static void edge_spi_latches_on_rising_line_only(void **state)
{
	struct virq *irq = &g->spi[1]; /* INTID 33 */

	dwrite(0xC00 + 8, 4, 2u << 2); /* INTID 33 edge */
	vgic_set_line(&vm, NULL, 33, true);
	assert_true(vgic_irq_pending(irq));
	irq->latch = false; /* as if delivered */
	vgic_set_line(&vm, NULL, 33, true); /* still high: no new edge */
	assert_false(vgic_irq_pending(irq));
	vgic_set_line(&vm, NULL, 33, false);
	assert_false(vgic_irq_pending(irq));
	vgic_set_line(&vm, NULL, 33, true);
	assert_true(vgic_irq_pending(irq));
}

/* ICACTIVER/ICPENDR from the vCPU holding the interrupt in a list register change that register's copy. */
static void clearing_state_of_an_interrupt_in_a_list_register(void **state)
{
	struct virq *irq = &g->spi[8]; /* INTID 40, routed to vCPU 0 */

	irq->lr = 2;
	g->cpu[0].lr_used = BIT(2);
	g->cpu[0].lr[2] = (struct vgic_lr){ .vintid = 40, .state = LR_PENDING_ACTIVE };
	assert_int_equal(dread(0x300 + 4, 4) & BIT(8), BIT(8));
	dwrite(0x380 + 4, 4, BIT(8)); /* ICACTIVER */
	assert_int_equal(g->cpu[0].lr[2].state, LR_PENDING);
	assert_int_equal(g->cpu[0].lr_dirty, BIT(2));
	assert_int_equal(dread(0x300 + 4, 4) & BIT(8), 0);
	dwrite(0x280 + 4, 4, BIT(8)); /* ICPENDR */
	assert_int_equal(g->cpu[0].lr[2].state, LR_INVALID);
	assert_int_equal(dread(0x200 + 4, 4) & BIT(8), 0);
}

/* The list-register fill only looks at hinted interrupts: every way of becoming deliverable must set the hint. */
static void pending_and_enabled_interrupts_are_hinted(void **state)
{
	dwrite(0x200 + 4, 4, BIT(8)); /* ISPENDR: SPI 40 pending, not enabled */
	assert_int_equal(g->spi_maybe_pending & BIT(8), 0);
	dwrite(0x100 + 4, 4, BIT(8)); /* ISENABLER: now it may be delivered */
	assert_int_equal(g->spi_maybe_pending & BIT(8), BIT(8));
	vgic_send_sgi(&vcpus[0], (3ULL << 24) | BIT(1)); /* SGI 3 to vCPU 1, enabled below */
	assert_int_equal(g->cpu[1].maybe_pending & BIT(3), 0);
	rwrite(1, 0x10000 + 0x100, 4, BIT(3)); /* GICR_ISENABLER0 of vCPU 1 */
	assert_int_equal(g->cpu[1].maybe_pending & BIT(3), BIT(3));
	vgic_set_line(&vm, &vcpus[2], 27, true); /* a PPI line, enabled first */
	assert_int_equal(g->cpu[2].maybe_pending, 0);
	rwrite(2, 0x10000 + 0x100, 4, BIT(27));
	assert_int_equal(g->cpu[2].maybe_pending & BIT(27), BIT(27));
}

/* The list-register fill takes the most urgent first, counts what does not fit, and drops stale hints. */
static void collect_sorts_by_priority_and_counts_the_rest(void **state)
{
	struct vgic_cand cand[2];

	dwrite(0x0, 4, GICD_CTLR_ENABLE_GRP1);
	dwrite(0x80 + 4, 4, ~0u); /* SPIs 32..63 in group 1 */
	dwrite(0x400 + 40, 1, 0xA0);
	dwrite(0x400 + 41, 1, 0x40);
	dwrite(0x400 + 42, 1, 0x80);
	dwrite(0x100 + 4, 4, BIT(8) | BIT(9) | BIT(10)); /* enable 40, 41, 42 */
	dwrite(0x200 + 4, 4, BIT(8) | BIT(9) | BIT(10)); /* and make them pending */
	assert_int_equal(vgic_collect(&vcpus[0], cand, 2), 3);
	assert_int_equal(cand[0].intid, 41);
	assert_int_equal(cand[1].intid, 42);
	assert_int_equal(vgic_collect(&vcpus[1], cand, 2), 0); /* routed to vCPU 0 */
	assert_int_equal(vgic_collect(&vcpus[0], NULL, 0), 3);
	dwrite(0x280 + 4, 4, BIT(9)); /* ICPENDR 41: its hint goes stale */
	assert_int_equal(vgic_collect(&vcpus[0], cand, 2), 2);
	assert_int_equal(cand[0].intid, 42);
	assert_int_equal(g->spi_maybe_pending & BIT(9), 0);
	dwrite(0x0, 4, 0); /* group 1 off: nothing deliverable, hints kept */
	assert_int_equal(vgic_collect(&vcpus[0], cand, 2), 0);
	assert_int_equal(g->spi_maybe_pending & (BIT(8) | BIT(10)), BIT(8) | BIT(10));
}

static void spis_follow_irouter(void **state)
{
	struct virq *irq = &g->spi[8]; /* INTID 40 */

	dwrite(0x6000 + 8 * 40, 8, 2);
	assert_int_equal(dread(0x6000 + 8 * 40, 8), 2);
	assert_ptr_equal(vgic_spi_target(&vm, irq), &vcpus[2]);
	dwrite(0x0, 4, GICD_CTLR_ENABLE_GRP1);
	dwrite(0x80 + 4, 4, BIT(8)); /* group 1 */
	dwrite(0x100 + 4, 4, BIT(8)); /* enable */
	memset(kicks, 0, sizeof(kicks));
	vgic_inject_edge(&vm, NULL, 40);
	assert_int_equal(kicks[2], 1);
	assert_int_equal(kicks[0] + kicks[1], 0);
	assert_true(vgic_vcpu_pending(&vcpus[2]));
	assert_false(vgic_vcpu_pending(&vcpus[0]));
	/* Routed elsewhere while pending: the new target hears of it at once. */
	memset(kicks, 0, sizeof(kicks));
	dwrite(0x6000 + 8 * 40, 8, 1);
	assert_int_equal(kicks[1], 1);
	assert_true(vgic_vcpu_pending(&vcpus[1]));
	assert_false(vgic_vcpu_pending(&vcpus[2]));
}

static void sgis_reach_their_targets_only(void **state)
{
	dwrite(0x0, 4, GICD_CTLR_ENABLE_GRP1);
	for (unsigned i = 0; i < 3; i++) {
		rwrite(i, 0x10000 + 0x80, 4, 0xFFFFFFFF);
		rwrite(i, 0x10000 + 0x100, 4, BIT(5));
	}
	/* INTID 5 to Aff0 = 1 and 2 (target list bits 1, 2). */
	memset(kicks, 0, sizeof(kicks));
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | 0x6);
	assert_false(g->cpu[0].priv[5].latch);
	assert_true(g->cpu[1].priv[5].latch);
	assert_true(g->cpu[2].priv[5].latch);
	assert_int_equal(kicks[1], 1);
	/* IRM: everyone but the sender. */
	memset(kicks, 0, sizeof(kicks));
	vgic_send_sgi(&vcpus[1], (5ULL << 24) | BIT(40));
	assert_true(g->cpu[0].priv[5].latch);
	assert_int_equal(kicks[1], 0);
	assert_true(kicks[0] && kicks[2]);
}

/*
 * The target list is found by indexing (vm_vcpu_at_affinity): a list bit,
 * range selector or Aff1..3 naming no vCPU of the VM reaches nobody, and
 * does not wrap around onto a vCPU that exists.
 */
static void sgis_to_affinities_without_a_vcpu_reach_nobody(void **state)
{
	dwrite(0x0, 4, GICD_CTLR_ENABLE_GRP1);
	for (unsigned i = 0; i < 3; i++) {
		rwrite(i, 0x10000 + 0x80, 4, 0xFFFFFFFF);
		rwrite(i, 0x10000 + 0x100, 4, BIT(5));
	}
	memset(kicks, 0, sizeof(kicks));
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | BIT(3) | BIT(15)); /* Aff0 3 and 15: the VM has 3 vCPUs */
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | (1ULL << 44) | BIT(1)); /* RS 1: Aff0 17 */
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | (1ULL << 16) | BIT(1)); /* Aff1 1: vCPU 17 */
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | (1ULL << 32) | BIT(1)); /* Aff2 1 */
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | (1ULL << 48) | BIT(1)); /* Aff3 1 */
	for (unsigned i = 0; i < 3; i++) {
		assert_false(g->cpu[i].priv[5].latch);
		assert_int_equal(kicks[i], 0);
	}
	/* Beside a bit that names nobody, one that does still counts. */
	vgic_send_sgi(&vcpus[0], (5ULL << 24) | BIT(2) | BIT(9));
	assert_true(g->cpu[2].priv[5].latch);
	assert_int_equal(kicks[2], 1);
}

static void disabled_group_is_not_delivered(void **state)
{
	rwrite(0, 0x10000 + 0x80, 4, 0xFFFFFFFF);
	rwrite(0, 0x10000 + 0x100, 4, BIT(1));
	vgic_inject_edge(&vm, &vcpus[0], 1);
	assert_false(vgic_vcpu_pending(&vcpus[0])); /* GICD_CTLR group 1 off */
	dwrite(0x0, 4, GICD_CTLR_ENABLE_GRP1);
	assert_true(vgic_vcpu_pending(&vcpus[0]));
}

/*
 * Found by fuzz_vgic: IPRIORITYR is byte and word accessible only, but an
 * 8-byte access went into a 32-bit priority word and shifted it by 32..56
 * (undefined; on hardware it wrote the priorities of INTIDs it was not
 * aimed at). It is now RAZ/WI like any other unsupported access size.
 */
static void priority_registers_ignore_64_bit_accesses(void **state)
{
	dwrite(0x400 + 64, 4, 0x40404040);
	dwrite(0x400 + 68, 4, 0x50505050);
	dwrite(0x400 + 64, 8, 0x8080808090909090ULL);
	assert_int_equal(dread(0x400 + 64, 4), 0x40404040);
	assert_int_equal(dread(0x400 + 68, 4), 0x50505050);
	assert_int_equal(dread(0x400 + 64, 8), 0);
	rwrite(0, 0x10000 + 0x400 + 24, 8, ~0ULL);
	assert_int_equal(g->cpu[0].priv[24].priority, 0);
	assert_int_equal(g->cpu[0].priv[28].priority, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(distributor_identifies_as_gicv3, setup),
		cmocka_unit_test_setup(redistributors_describe_each_vcpu, setup),
		cmocka_unit_test_setup(spi_enable_pending_active_and_priority, setup),
		cmocka_unit_test_setup(private_interrupts_are_reserved_in_the_distributor, setup),
		cmocka_unit_test_setup(sgi_and_ppi_state_lives_in_each_redistributor, setup),
		cmocka_unit_test_setup(level_versus_edge, setup),
		cmocka_unit_test_setup(spis_follow_irouter, setup),
		cmocka_unit_test_setup(edge_spi_latches_on_rising_line_only, setup),
		cmocka_unit_test_setup(pending_and_enabled_interrupts_are_hinted, setup),
		cmocka_unit_test_setup(collect_sorts_by_priority_and_counts_the_rest, setup),
		cmocka_unit_test_setup(priority_registers_ignore_64_bit_accesses, setup),
		cmocka_unit_test_setup(clearing_state_of_an_interrupt_in_a_list_register, setup),
		cmocka_unit_test_setup(sgis_reach_their_targets_only, setup),
		cmocka_unit_test_setup(sgis_to_affinities_without_a_vcpu_reach_nobody, setup),
		cmocka_unit_test_setup(disabled_group_is_not_delivered, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
