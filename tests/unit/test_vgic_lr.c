/*
 * The list-register flush/sync policy (vdev/vgic/vgic_lr.c) on the arch
 * fake's backend (GICv3's encoding over an array of 4 list registers).
 * The "guest" acts on the fake list registers directly: it acknowledges
 * (pending -> active) and completes (the register reads back invalid).
 * Each test names the bug it catches; each was checked by breaking the
 * code it covers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/mmio.h>
#include <hyparm/vm.h>
#include <hyparm/sched.h>
#include <arch/vgic_v3_lr.h>
#include <arch/fake.h>
#include <vdev/vgic.h>

#define NR_LRS 4

static struct vm vm;
static struct vcpu vcpus[2];
static struct vgic *g;

/* The scheduler's kick, as far as the vGIC can tell: the flush must look again. */
void vcpu_kick(struct vcpu *v)
{
	v->kicked = true;
}

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	vm.nr_vcpus = 2;
	for (unsigned i = 0; i < 2; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].mpidr = i;
		vm.vcpus[i] = &vcpus[i];
	}
	arch_fake_reset(2, NR_LRS);
	g = vgic_of(&vm);
	for (unsigned n = 0; n < VGIC_MAX_VCPUS; n++)
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			g->cpu[n].priv[i].src = NULL;
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++)
		g->spi[i].src = NULL; /* sources outlive a reset: none from an earlier test */
	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	return 0;
}

/* Configure an interrupt (group 1, enabled, prio) of vCPU v (private) or routed to vCPU 0 (SPI). */
static struct virq *config(struct vcpu *v, unsigned intid, u8 prio, bool level)
{
	struct virq *irq = vgic_irq(g, v, intid);

	irq->group = 1;
	irq->enabled = true;
	irq->priority = prio;
	irq->level = level;
	return irq;
}

static struct virq *edge(unsigned intid, u8 prio)
{
	struct virq *irq = config(NULL, intid, prio, false);
	vgic_inject_edge(&vm, NULL, intid);
	return irq;
}

static struct virq *level_high(unsigned intid, u8 prio)
{
	struct virq *irq = config(NULL, intid, prio, true);
	vgic_set_line(&vm, NULL, intid, true);
	return irq;
}

/* The list register of vCPU 0 holding intid in the fake hardware, or -1. */
static int hw_lr_of(unsigned intid)
{
	for (unsigned i = 0; i < NR_LRS; i++) {
		struct vgic_lr lr = arch_fake_lr(i);
		if (lr.state != LR_INVALID && lr.vintid == intid)
			return i;
	}
	return -1;
}

static unsigned hw_lrs_valid(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NR_LRS; i++)
		n += arch_fake_lr(i).state != LR_INVALID;
	return n;
}

/* The guest takes the interrupt in list register i: pending -> active. */
static void guest_acks(unsigned i)
{
	struct vgic_lr lr = arch_fake_lr(i);
	lr.state = LR_ACTIVE;
	arch_fake.lr[i] = vgic_v3_encode(&lr);
}

/* vCPU 0 exits and enters again. */
static void exit_and_enter(void)
{
	vgic_sync(&vcpus[0]);
	vgic_flush(&vcpus[0]);
}

/*
 * Six pending, four list registers: the four most urgent go in, the
 * underflow interrupt is asked for while the vCPU runs, and sync turns it
 * off at the exit. Catches: filling in hint (INTID) order, no UIE (the
 * two left would wait for an unrelated exit), UIE left on after the exit
 * (the maintenance interrupt would fire in EL2 until the next entry).
 */
static void most_urgent_first_and_uie_only_while_running(void **state)
{
	static const u8 prio[6] = { 0xA0, 0x20, 0xF0, 0x40, 0x60, 0x10 };
	for (unsigned i = 0; i < 6; i++)
		edge(40 + i, prio[i]);
	vgic_flush(&vcpus[0]);
	assert_int_equal(hw_lrs_valid(), 4);
	assert_true(hw_lr_of(45) >= 0 && hw_lr_of(41) >= 0 && hw_lr_of(43) >= 0 && hw_lr_of(44) >= 0);
	assert_int_equal(hw_lr_of(40), -1);
	assert_int_equal(hw_lr_of(42), -1);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN | VGIC_HCR_UIE);
	assert_int_equal(g->cpu[0].lr_used, 0xF);
	assert_true(vcpus[0].irqchip_busy);

	vgic_sync(&vcpus[0]);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN);
	assert_int_equal(g->cpu[0].cpuif.hcr, VGIC_HCR_EN);
	assert_int_equal(hw_lrs_valid(), 4); /* nothing was completed: all stay */
}

/*
 * The guest completes list registers; sync retires them and the next
 * flush refills with the most urgent waiting; UIE goes when all fit.
 * Also the livelock case: everything drained while UIE was on, sync
 * clears UIE before anything else runs. Catches: a completed entry not
 * retired (its register never reused), no refill without a new kick,
 * UIE kept with nothing waiting.
 */
static void refill_after_the_guest_completes(void **state)
{
	static const u8 prio[6] = { 0xA0, 0x20, 0xF0, 0x40, 0x60, 0x10 };
	for (unsigned i = 0; i < 6; i++)
		edge(40 + i, prio[i]);
	vgic_flush(&vcpus[0]);
	int lr45 = hw_lr_of(45);
	guest_acks(lr45);
	arch_fake_lr_complete(lr45);
	exit_and_enter();
	assert_int_equal(hw_lr_of(45), -1);
	assert_int_equal(hw_lr_of(40), lr45); /* 0xA0 before 0xF0 */
	assert_int_equal(g->spi[45 - 32].lr, -1);
	assert_int_equal(g->spi[40 - 32].lr, lr45);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN | VGIC_HCR_UIE); /* 42 still waits */

	/* The guest drains everything while UIE is on: the exit must turn it off (no livelock). */
	for (unsigned i = 0; i < NR_LRS; i++)
		arch_fake_lr_complete(i);
	vgic_sync(&vcpus[0]);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN);
	assert_int_equal(g->cpu[0].lr_used, 0);
	assert_false(vcpus[0].irqchip_busy);
	vgic_flush(&vcpus[0]);
	assert_int_equal(hw_lrs_valid(), 1);
	assert_true(hw_lr_of(42) >= 0);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN); /* all fit: no underflow interrupt */
}

/*
 * A level line still high when the guest completes it is delivered again;
 * once low, it is not. Catches: a retired level interrupt forgotten
 * (the device would never be serviced again) or re-delivered after its
 * line dropped.
 */
static void level_redelivered_after_eoi_while_high(void **state)
{
	struct virq *irq = level_high(48, 0x80);

	vgic_flush(&vcpus[0]);
	int i = hw_lr_of(48);
	assert_true(i >= 0);
	guest_acks(i);
	arch_fake_lr_complete(i);
	exit_and_enter();
	assert_true(hw_lr_of(48) >= 0);
	assert_int_equal(arch_fake_lr(hw_lr_of(48)).state, LR_PENDING);

	i = hw_lr_of(48);
	guest_acks(i);
	vgic_set_line(&vm, NULL, 48, false); /* the device is serviced, then the guest EOIs */
	arch_fake_lr_complete(i);
	exit_and_enter();
	assert_int_equal(hw_lr_of(48), -1);
	assert_int_equal(irq->lr, -1);
	assert_false(vcpus[0].irqchip_busy);
}

static bool src_line;
static bool sample(struct vcpu *v, void *ctx)
{
	return src_line;
}
static const struct irq_source timer_src = { .get_line = sample, .phys_intid = 27 };

/*
 * The EOI maintenance bit only for level non-HW interrupts; a sampled
 * source with a physical INTID gets HW + pINTID instead (the guest's
 * deactivation reaches the physical timer). Catches: EOI maintenance on
 * edges (a maintenance interrupt per interrupt), on HW entries (the
 * architecture ignores EOI for HW=1: the line would not be resampled),
 * or a missing HW bit (the physical PPI would stay active for ever).
 */
static void eoi_maintenance_only_for_level_non_hw(void **state)
{
	edge(40, 0x80);
	level_high(41, 0x80);
	g->cpu[0].priv[27].src = &timer_src;
	config(&vcpus[0], 27, 0x80, true);
	src_line = true;
	vgic_set_line(&vm, &vcpus[0], 27, true);
	vgic_flush(&vcpus[0]);

	struct vgic_lr e = arch_fake_lr(hw_lr_of(40)), l = arch_fake_lr(hw_lr_of(41)),
		       t = arch_fake_lr(hw_lr_of(27));
	assert_false(e.eoi_maint);
	assert_false(e.hw);
	assert_true(l.eoi_maint);
	assert_false(l.hw);
	assert_true(t.hw);
	assert_int_equal(t.pintid, 27);
	assert_false(t.eoi_maint);
	assert_int_equal(t.group, 1);
	assert_int_equal(t.priority, 0x80);
}

/*
 * A pending entry whose line dropped before the guest took it is
 * withdrawn; a hardware-mapped one's physical twin is deactivated, as
 * the guest never will. Catches: a stale timer interrupt delivered after
 * the guest moved CVAL, the physical PPI left active (the next vCPU's
 * timer never fires), or deactivating the PPI for a non-HW entry.
 */
static void withdraw_pending_entry_whose_line_dropped(void **state)
{
	g->cpu[0].priv[27].src = &timer_src;
	config(&vcpus[0], 27, 0x80, true);
	src_line = true;
	vgic_set_line(&vm, &vcpus[0], 27, true);
	level_high(41, 0x80);
	vgic_flush(&vcpus[0]);
	assert_true(hw_lr_of(27) >= 0);
	arch_fake.ppi_active[27] = true; /* the physical interrupt was forwarded, left active */

	src_line = false; /* the guest pushed CVAL out; never took the interrupt */
	exit_and_enter();
	assert_int_equal(hw_lr_of(27), -1);
	assert_int_equal(g->cpu[0].priv[27].lr, -1);
	assert_false(arch_fake.ppi_active[27]);
	assert_true(hw_lr_of(41) >= 0);

	/* A non-HW level line: withdrawn too, no physical PPI touched. */
	for (unsigned i = 0; i < 32; i++)
		arch_fake.ppi_active[i] = true;
	vgic_set_line(&vm, NULL, 41, false);
	exit_and_enter();
	assert_int_equal(hw_lr_of(41), -1);
	for (unsigned i = 0; i < 32; i++)
		assert_true(arch_fake.ppi_active[i]);

	/* Once the guest took it (active), the entry is the guest's: never withdrawn. */
	src_line = true;
	vgic_set_line(&vm, &vcpus[0], 27, true);
	vgic_flush(&vcpus[0]);
	guest_acks(hw_lr_of(27));
	src_line = false;
	exit_and_enter();
	assert_true(hw_lr_of(27) >= 0);
	assert_int_equal(arch_fake_lr(hw_lr_of(27)).state, LR_ACTIVE);
}

/*
 * The virtual timer's registers do not trap: a guest with interrupts
 * masked can turn its timer off while its interrupt waits in a list
 * register, then unmask. While a hardware-mapped entry is pending and the
 * guest runs masked, its group-1 CPU-interface accesses trap (TALL1); the
 * trapped access (the acknowledge) makes the next flush resample and
 * withdraw the stale entry, and runs untrapped once. Catches: no trap
 * (the guest acknowledges the stale INTID), a trap while the guest is
 * unmasked (an extra exit on every timer interrupt), trapping again right
 * after the trap (the guest never gets past its acknowledge), TALL1 left
 * on after the exit.
 */
static void hw_pending_entry_traps_group1_while_the_guest_is_masked(void **state)
{
	g->cpu[0].priv[27].src = &timer_src;
	config(&vcpus[0], 27, 0x80, true);
	src_line = true;
	vgic_set_line(&vm, &vcpus[0], 27, true);

	vcpus[0].arch.regs.spsr = SPSR_MODE_EL1H; /* unmasked: it takes the interrupt at once */
	vgic_flush(&vcpus[0]);
	assert_true(hw_lr_of(27) >= 0);
	assert_false(arch_fake.hcr & VGIC_HCR_TALL1);

	vcpus[0].arch.regs.spsr = SPSR_MODE_EL1H | SPSR_I; /* masked: it may change its timer first */
	exit_and_enter();
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN | VGIC_HCR_TALL1);
	vgic_sync(&vcpus[0]);
	assert_false(arch_fake.hcr & VGIC_HCR_TALL1);

	/* The guest disabled its timer, unmasked, took the IRQ exception, and its IAR read trapped. */
	src_line = false;
	vgic_grp1_trapped(&vcpus[0]);
	vgic_flush(&vcpus[0]);
	assert_int_equal(hw_lr_of(27), -1);
	assert_false(arch_fake.ppi_active[27]);
	assert_false(arch_fake.hcr & VGIC_HCR_TALL1);

	/* A timer still firing: the entry stays, and the retried access runs untrapped. */
	src_line = true;
	vgic_set_line(&vm, &vcpus[0], 27, true);
	exit_and_enter();
	assert_true(hw_lr_of(27) >= 0);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN | VGIC_HCR_TALL1);
	vgic_sync(&vcpus[0]);
	vgic_grp1_trapped(&vcpus[0]);
	vgic_flush(&vcpus[0]);
	assert_true(hw_lr_of(27) >= 0);
	assert_false(arch_fake.hcr & VGIC_HCR_TALL1);

	/* Once the guest took it (active), nothing is left to watch. */
	guest_acks(hw_lr_of(27));
	exit_and_enter();
	assert_false(arch_fake.hcr & VGIC_HCR_TALL1);
}

/*
 * A passed-through device's SPI (vdev/passthrough.c): no sampled line, the
 * physical INTID in the list register, raised as an edge each time its
 * physical twin fires, configured level by the guest's device tree.
 * Catches: the entry withdrawn at the next flush because its "line" reads
 * low (the physical one stays active for a guest that never sees it: the
 * device is dead), a retired entry delivered again (a spurious interrupt
 * per interrupt), the withdrawal of one leaving the physical SPI active,
 * and a VM reset forgetting the mapping (the device's interrupts after a
 * reboot would reach the guest without the hardware bit, and the physical
 * one would never be deactivated).
 */
static const struct irq_source spi_src = { .get_line = NULL, .phys_intid = 48 };

static void forwarded_spi_until_the_guest_deactivates_it(void **state)
{
	g->spi[48 - 32].src = &spi_src;
	config(NULL, 48, 0x80, true);
	vgic_inject_edge(&vm, NULL, 48);
	vgic_flush(&vcpus[0]);
	int i = hw_lr_of(48);
	assert_true(i >= 0);
	assert_true(arch_fake_lr(i).hw);
	assert_int_equal(arch_fake_lr(i).pintid, 48);
	arch_fake.spi_active[48] = true; /* left active for the guest */

	exit_and_enter(); /* still pending: it stays, the physical one untouched */
	assert_int_equal(hw_lr_of(48), i);
	assert_true(arch_fake.spi_active[48]);

	guest_acks(i);
	arch_fake_lr_complete(i); /* the guest's EOI deactivated the physical one */
	exit_and_enter();
	assert_int_equal(hw_lr_of(48), -1);
	assert_int_equal(g->spi[48 - 32].lr, -1);

	/* The guest clears it pending before taking it: withdrawn, and so is the physical one. */
	vgic_inject_edge(&vm, NULL, 48);
	vgic_flush(&vcpus[0]);
	assert_true(hw_lr_of(48) >= 0);
	g->cpu[0].lr[hw_lr_of(48)].state = LR_INVALID;
	g->cpu[0].lr_dirty |= BIT(hw_lr_of(48));
	exit_and_enter();
	assert_int_equal(hw_lr_of(48), -1);
	assert_false(arch_fake.spi_active[48]);

	vgic_reset(g, &vm, arch_vgic_backend());
	assert_ptr_equal(g->spi[48 - 32].src, &spi_src);
}

static void dwrite(struct vcpu *v, u64 off, u64 val)
{
	assert_int_equal(vgic_dist_mmio_ops.write(g, v, off, 4, val), HV_OK);
}

/*
 * I[SC]PENDR / I[SC]ACTIVER from the vCPU whose list register holds the
 * interrupt change that register: the copy is written back to the
 * hardware at the next sync or flush, before the hardware state is read
 * back. Catches: the change lost (sync reading the old hardware state
 * over it), a cleared entry left in the hardware, a change applied to
 * another vCPU's list register.
 */
static void pending_and_active_writes_reach_the_writers_lr(void **state)
{
	edge(40, 0x80); /* SPI 8: word 1, bit 8 */
	vgic_flush(&vcpus[0]);
	int i = hw_lr_of(40);
	guest_acks(i);
	vgic_sync(&vcpus[0]);
	assert_int_equal(g->cpu[0].lr[i].state, LR_ACTIVE);

	dwrite(&vcpus[0], 0x200 + 4, BIT(8)); /* ISPENDR: a new edge while active */
	vgic_flush(&vcpus[0]);
	assert_int_equal(arch_fake_lr(i).state, LR_PENDING_ACTIVE);

	dwrite(&vcpus[1], 0x380 + 4, BIT(8)); /* ICACTIVER from a vCPU that does not hold it */
	assert_int_equal(g->cpu[0].lr_dirty | g->cpu[1].lr_dirty, 0);

	dwrite(&vcpus[0], 0x380 + 4, BIT(8)); /* ICACTIVER from the holder */
	assert_int_equal(g->cpu[0].lr_dirty, BIT(i));
	vgic_sync(&vcpus[0]);
	assert_int_equal(arch_fake_lr(i).state, LR_PENDING);
	assert_int_equal(g->cpu[0].lr[i].state, LR_PENDING);

	dwrite(&vcpus[0], 0x280 + 4, BIT(8)); /* ICPENDR: nothing left of it */
	vgic_sync(&vcpus[0]);
	assert_int_equal(arch_fake.lr[i], 0);
	assert_int_equal(g->spi[8].lr, -1);
	assert_int_equal(g->cpu[0].lr_used, 0);
	vgic_flush(&vcpus[0]);
	assert_int_equal(hw_lrs_valid(), 0);
}

/*
 * vcpu_put saves the interface and empties the list registers; another
 * vCPU loaded on the same CPU starts with empty registers and EN without
 * UIE; loading the first one back restores its entries. Catches: a
 * vCPU's interrupts (or its underflow interrupt) left for the next vCPU
 * on the CPU, entries lost across a switch.
 */
static void put_and_load_switch_the_list_registers(void **state)
{
	for (unsigned i = 0; i < 6; i++)
		edge(40 + i, 0x10 * (i + 1));
	vgic_flush(&vcpus[0]);
	guest_acks(0);
	arch_fake.cpuif.vmcr = 0xF0000001; /* the guest's priority mask and group enable */
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN | VGIC_HCR_UIE);

	vgic_vcpu_put(&vcpus[0]);
	vgic_vcpu_load(&vcpus[1]);
	assert_int_equal(hw_lrs_valid(), 0);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN);
	assert_int_equal(arch_fake.cpuif.vmcr, 0);
	vgic_flush(&vcpus[1]); /* nothing of its own */
	assert_int_equal(hw_lrs_valid(), 0);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN);

	vgic_vcpu_put(&vcpus[1]);
	vgic_vcpu_load(&vcpus[0]);
	assert_int_equal(arch_fake.cpuif.vmcr, 0xF0000001);
	assert_int_equal(hw_lrs_valid(), 4);
	assert_int_equal(arch_fake_lr(0).state, LR_ACTIVE);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN); /* UIE comes back with the flush only */
	vgic_flush(&vcpus[0]);
	assert_int_equal(arch_fake.hcr, VGIC_HCR_EN | VGIC_HCR_UIE);
}

static void rwrite(struct vcpu *v, unsigned frame, u64 off, u64 val)
{
	assert_int_equal(vgic_redist_mmio_ops.write(g, v, frame * GUEST_GICR_STRIDE + 0x10000 + off, 4, val),
			 HV_OK);
}

static u32 rread(struct vcpu *v, unsigned frame, u64 off)
{
	u64 val = 0;

	assert_int_equal(vgic_redist_mmio_ops.read(g, v, frame * GUEST_GICR_STRIDE + 0x10000 + off, 4, &val),
			 HV_OK);
	return (u32)val;
}

/*
 * GICR_ISPENDR0 of a vCPU resamples its timer's line, and drops a pending
 * list-register entry whose line fell, only where that is the truth: the
 * reader's own vCPU, or one that is not loaded (its timer is in memory).
 * A vCPU loaded on another CPU keeps its entry: its timer is live there
 * and its list registers are that CPU's. Catches: the stale pending bit
 * (no resampling), another CPU's list-register copy edited from a snapshot.
 */
static void ispendr_resamples_only_where_the_timer_lives(void **state)
{
	g->cpu[0].priv[27].src = &timer_src;
	config(&vcpus[0], 27, 0x80, true);
	src_line = true;
	vgic_set_line(&vm, &vcpus[0], 27, true);
	vgic_flush(&vcpus[0]);
	assert_true(hw_lr_of(27) >= 0);
	arch_fake_set_cpu(0);
	vcpus[0].loaded = true;
	vcpus[0].pcpu = 0;

	/* vCPU 1 on CPU 1 reads vCPU 0's pending bits: vCPU 0 runs on CPU 0, its entry stays as it is. */
	src_line = false;
	arch_fake_set_cpu(1);
	vcpus[1].loaded = true;
	vcpus[1].pcpu = 1;
	rread(&vcpus[1], 0, 0x200);
	assert_int_equal(g->cpu[0].lr_dirty, 0);
	assert_int_equal(g->cpu[0].lr[hw_lr_of(27)].state, LR_PENDING);

	/* vCPU 0 itself reads them: the line is sampled, the entry no longer pending. */
	arch_fake_set_cpu(0);
	assert_int_equal(rread(&vcpus[0], 0, 0x200) & BIT(27), 0);
	exit_and_enter();
	assert_int_equal(hw_lr_of(27), -1);
}

/*
 * Found by fuzz_vgic (fuzz/regressions/vgic/load-drops-dirty-lr): a
 * write to a put vCPU's list-register copy (vCPU 0 clearing the pending
 * SGI that sits in vCPU 1's list register, through vCPU 1's
 * redistributor) was dropped by vgic_vcpu_load, which wrote every copy to
 * the hardware and forgot which were dirty: the emptied entry went in as
 * a used but invalid register, keeping the SGI's list register (and one
 * of the few registers) until vCPU 1's next exit. Load now writes dirty
 * entries back as sync does, retiring those with nothing left.
 */
static void load_writes_back_dirty_entries(void **state)
{
	struct virq *sgi = config(&vcpus[1], 3, 0x80, false);

	vgic_vcpu_put(&vcpus[0]);
	vgic_vcpu_load(&vcpus[1]);
	vgic_send_sgi(&vcpus[0], (3ULL << 24) | BIT(1));
	vgic_flush(&vcpus[1]);
	assert_int_equal(hw_lrs_valid(), 1);
	vgic_sync(&vcpus[1]);
	vgic_vcpu_put(&vcpus[1]);
	vgic_vcpu_load(&vcpus[0]);

	rwrite(&vcpus[0], 1, 0x280, BIT(3)); /* GICR_ICPENDR0 of vCPU 1, from vCPU 0 */
	vgic_vcpu_put(&vcpus[0]);
	vgic_vcpu_load(&vcpus[1]);
	assert_int_equal(g->cpu[1].lr_used, 0);
	assert_int_equal(sgi->lr, -1);
	assert_int_equal(hw_lrs_valid(), 0);
	for (unsigned i = 0; i < NR_LRS; i++)
		assert_int_equal(arch_fake.lr[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(most_urgent_first_and_uie_only_while_running, setup),
		cmocka_unit_test_setup(refill_after_the_guest_completes, setup),
		cmocka_unit_test_setup(level_redelivered_after_eoi_while_high, setup),
		cmocka_unit_test_setup(eoi_maintenance_only_for_level_non_hw, setup),
		cmocka_unit_test_setup(withdraw_pending_entry_whose_line_dropped, setup),
		cmocka_unit_test_setup(hw_pending_entry_traps_group1_while_the_guest_is_masked, setup),
		cmocka_unit_test_setup(ispendr_resamples_only_where_the_timer_lives, setup),
		cmocka_unit_test_setup(pending_and_active_writes_reach_the_writers_lr, setup),
		cmocka_unit_test_setup(put_and_load_switch_the_list_registers, setup),
		cmocka_unit_test_setup(load_writes_back_dirty_entries, setup),
		cmocka_unit_test_setup(forwarded_spi_until_the_guest_deactivates_it, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
