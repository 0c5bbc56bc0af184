/*
 * Minimal physical GICv2 driver (see drivers/gic.h): the distributor
 * (GICD) and the CPU interface (GICC), both MMIO. Per-CPU state lives in
 * the distributor's banked registers (SGIs and PPIs: register 0 of each
 * array) and in the banked GICC frame, so every CPU sets up its own.
 *
 * hyparm's interrupts are Group 1. On a GIC without Security Extensions
 * (QEMU's virt) hyparm has both groups: GICC_IAR acknowledges Group 1 too
 * (AckCtl = 1; QEMU has no aliased GICC_AIAR), and Group 0, signalled as
 * FIQ, is the watchdog's PPI alone, at a higher priority than anything
 * else. Since one GICC_IAR serves both groups, each handler reads
 * GICC_HPPIR first and acknowledges only its own (v2_ack() here, the FIQ
 * side in arch/arm64/watchdog*). With Security
 * Extensions hyparm is Non-secure: Group 0 is not its own, so there is no
 * watchdog FIQ, and GICC_IAR serves Group 1.
 *
 * EOImode = 1 splits the priority drop (EOIR) from the deactivation
 * (GICC_DIR, in the frame's second page), as the GICv3 driver does with
 * ICC_CTLR_EL1.EOImode, so a hardware-mapped interrupt (the virtual timer)
 * can be left active for the guest's deactivation.
 */
#include <arch/mmu.h>
#include <drivers/gic.h>
#include <drivers/platform.h>
#include <hyparm/errno.h>
#include <hyparm/gic_regs.h>
#include <hyparm/pcpu.h>

#define PRIO_HYPARM 0x80

static volatile u8 *gicd, *gicc;
static unsigned maint_intid;
static bool has_fiq; /* no Security Extensions: Group 0 (FIQ) is hyparm's too */
static u32 fiq_ppi = GIC_INTID_SPURIOUS; /* the one Group 0 interrupt (gic_ppi_make_fiq) */
/* Each CPU's interface number as a GICD_SGIR / GICD_ITARGETSR bit. */
static u8 cpu_mask[MAX_PCPUS];
/* The last GICC_IAR value each CPU read: an SGI's EOI and DIR need its source CPU field back. */
static u32 last_iar[MAX_PCPUS];

static inline u32 rd32(volatile u8 *base, u64 off)
{
	return *(volatile u32 *)(base + off);
}
static inline void wr32(volatile u8 *base, u64 off, u32 v)
{
	*(volatile u32 *)(base + off) = v;
}
static inline void wr8(volatile u8 *base, u64 off, u8 v)
{
	*(volatile u8 *)(base + off) = v;
}

static int v2_init(const struct platform *p)
{
	unsigned nr_irqs;
	paddr_t gicc_base;

	/* GICC_DIR is at 0x1000: the CPU interface must span 8 KiB for EOImode = 1. */
	if (!p->gicd_base || !p->gicc_base || p->gicc_size < GICC_SIZE)
		return -HV_EINVAL;
	mmu_map(p->gicd_base, p->gicd_size < GICD_V2_SIZE ? GICD_V2_SIZE : p->gicd_size, EL2_DEVICE);
	gicc_base = gicv2_cpuif_frame(p->gicc_base, p->gicc_size);
	mmu_map(gicc_base, GICC_SIZE, EL2_DEVICE);
	/* The virtual interface control frame is the list-register backend's (arch/arm64/vgic_v2.c). */
	if (p->gich_base)
		mmu_map(p->gich_base, GICH_SIZE, EL2_DEVICE);
	gicd = (volatile u8 *)(uintptr_t)p->gicd_base;
	gicc = (volatile u8 *)(uintptr_t)gicc_base;
	maint_intid = p->gic_maint_intid;

	has_fiq = !(rd32(gicd, GICD_TYPER) & GICD_TYPER_SECURITY_EXTN);
	gicv2_ops.fiq_cpuif = has_fiq ? gicc_base : 0;

	wr32(gicd, GICD_CTLR, 0);
	nr_irqs = ((rd32(gicd, GICD_TYPER) & GICD_TYPER_ITLINES_MASK) + 1) * 32;
	if (nr_irqs > 1020)
		nr_irqs = 1020;
	/* SPIs: off, Group 1, level-sensitive, hyparm's priority; each is routed when enabled. */
	for (unsigned i = GIC_NR_PRIVATE; i < nr_irqs; i += 32) {
		wr32(gicd, GICD_ICENABLER + i / 8, ~0u);
		wr32(gicd, GICD_ICPENDR + i / 8, ~0u);
		wr32(gicd, GICD_IGROUPR + i / 8, ~0u);
	}
	for (unsigned i = GIC_NR_PRIVATE; i < nr_irqs; i += 4)
		wr32(gicd, GICD_IPRIORITYR + i, PRIO_HYPARM * 0x01010101u);
	wr32(gicd, GICD_CTLR, GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
	return HV_OK;
}

static int v2_cpu_init(u64 mpidr)
{
	unsigned id = this_pcpu()->id;
	/* GICD_ITARGETSR0-7 read as this CPU's own interface bit in every byte (0 on a uniprocessor GIC). */
	u8 mask = (u8)rd32(gicd, GICD_ITARGETSR);

	cpu_mask[id] = mask ? mask : 1;
	wr32(gicd, GICD_ICENABLER, ~0u);
	wr32(gicd, GICD_IGROUPR, ~0u); /* SGIs and PPIs: Group 1 */
	for (unsigned i = 0; i < GIC_NR_PRIVATE; i += 4)
		wr32(gicd, GICD_IPRIORITYR + i, PRIO_HYPARM * 0x01010101u);
	/* The wake-up SGI, hyparm's timer, the vGIC maintenance interrupt, the guest's virtual timer and PMU (23). */
	wr32(gicd, GICD_ISENABLER,
	     BIT(SGI_WAKE) | BIT(26) | (maint_intid ? BIT(maint_intid) : 0) | BIT(27) | BIT(23));
	wr32(gicc, GICC_PMR, 0xFF); /* let every priority through */
	wr32(gicc, GICC_BPR, 0);
	/* Non-secure view (Security Extensions): bit 0 enables Group 1, bit 9 is EOImodeNS. */
	wr32(gicc, GICC_CTLR,
	     has_fiq ? GICC_CTLR_ENABLE_GRP0 | GICC_CTLR_ENABLE_GRP1 | GICC_CTLR_ACKCTL | GICC_CTLR_FIQEN |
			     GICC_CTLR_EOIMODE
		     : GICC_CTLR_ENABLE_GRP0 | GICC_CTLR_EOIMODE);
	return HV_OK;
}

static void v2_send_wake(unsigned cpu)
{
	__asm__ volatile("dsb ishst" ::: "memory");
	wr32(gicd, GICD_SGIR, (u32)cpu_mask[cpu] << GICD_SGIR_TARGETS_SHIFT | GICD_SGIR_NSATT | SGI_WAKE);
}

static u32 v2_ack(void)
{
	u32 iar;

	/*
	 * GICC_IAR would hand the IRQ handler the FIQ's interrupt too (AckCtl):
	 * while that is the most urgent one, leave it to the FIQ handler. Had
	 * it become pending since this read, the handler would end it as an
	 * interrupt of nobody's; its line stays high and the FIQ comes anyway.
	 */
	if ((rd32(gicc, GICC_HPPIR) & GICC_IAR_INTID_MASK) == fiq_ppi)
		return GIC_INTID_SPURIOUS;
	iar = rd32(gicc, GICC_IAR);

	last_iar[this_pcpu()->id] = iar;
	__asm__ volatile("dsb sy" ::: "memory");
	return iar & GICC_IAR_INTID_MASK;
}

static void v2_eoi(u32 intid, bool deactivate)
{
	u32 iar = last_iar[this_pcpu()->id];
	u32 v = (iar & GICC_IAR_INTID_MASK) == intid ? iar : intid;

	wr32(gicc, GICC_EOIR, v); /* priority drop */
	if (deactivate)
		wr32(gicc, GICC_DIR, v);
}

static void v2_ppi_set_active(unsigned intid, bool active)
{
	/* Register 0 of the active arrays is banked: this CPU's SGIs and PPIs. */
	wr32(gicd, active ? GICD_ISACTIVER : GICD_ICACTIVER, BIT(intid));
}

/* Group 0, signalled as FIQ; only where hyparm owns Group 0 (no Security Extensions). */
static bool v2_ppi_make_fiq(unsigned intid, u8 prio)
{
	if (!has_fiq)
		return false;
	fiq_ppi = intid;
	wr32(gicd, GICD_IGROUPR, rd32(gicd, GICD_IGROUPR) & ~BIT(intid));
	wr8(gicd, GICD_IPRIORITYR + intid, prio);
	wr32(gicd, GICD_ISENABLER, BIT(intid));
	return true;
}

static void v2_spi_enable(unsigned intid, u64 mpidr)
{
	u8 target = 0;

	for (unsigned i = 0; i < nr_pcpus; i++)
		if (pcpus[i].mpidr == mpidr)
			target = cpu_mask[i];
	wr8(gicd, GICD_ITARGETSR + intid, target ? target : 1);
	wr8(gicd, GICD_IPRIORITYR + intid, PRIO_HYPARM);
	/* Level-sensitive (ICFGR bit 1 = 0). */
	wr32(gicd, GICD_ICFGR + intid / 16 * 4,
	     rd32(gicd, GICD_ICFGR + intid / 16 * 4) & ~(2u << (intid % 16 * 2)));
	wr32(gicd, GICD_ISENABLER + intid / 32 * 4, BIT(intid % 32));
}

static void v2_spi_disable(unsigned intid)
{
	wr32(gicd, GICD_ICENABLER + intid / 32 * 4, BIT(intid % 32));
	wr32(gicd, GICD_ICPENDR + intid / 32 * 4, BIT(intid % 32));
}

static void v2_spi_set_active(unsigned intid, bool active)
{
	wr32(gicd, (active ? GICD_ISACTIVER : GICD_ICACTIVER) + intid / 32 * 4, BIT(intid % 32));
}

static void v2_cpu_stop(void)
{
	wr32(gicc, GICC_CTLR, 0);
}

struct gic_ops gicv2_ops = {
	.name = "GICv2",
	.init = v2_init,
	.cpu_init = v2_cpu_init,
	.send_wake = v2_send_wake,
	.ack = v2_ack,
	.eoi = v2_eoi,
	.ppi_set_active = v2_ppi_set_active,
	.ppi_make_fiq = v2_ppi_make_fiq,
	.spi_enable = v2_spi_enable,
	.spi_disable = v2_spi_disable,
	.spi_set_active = v2_spi_set_active,
	.cpu_stop = v2_cpu_stop,
};
