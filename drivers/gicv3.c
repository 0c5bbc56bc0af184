/* Minimal physical GICv3 driver (see drivers/gic.h). */
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <drivers/gic.h>
#include <drivers/platform.h>
#include <hyparm/errno.h>
#include <hyparm/gic_regs.h>
#include <hyparm/pcpu.h>

static volatile u8 *gicd, *gicr;
static volatile u8 *cpu_redist[MAX_PCPUS];
static u64 gicr_span;
static unsigned maint_intid;

static inline u32 rd32(volatile u8 *base, u64 off)
{
	return *(volatile u32 *)(base + off);
}
static inline u64 rd64(volatile u8 *base, u64 off)
{
	return *(volatile u64 *)(base + off);
}
static inline void wr32(volatile u8 *base, u64 off, u32 v)
{
	*(volatile u32 *)(base + off) = v;
}

static int v3_init(const struct platform *p)
{
	if (!p->gicd_base || !p->gicr_base)
		return -HV_EINVAL;
	mmu_map(p->gicd_base, p->gicd_size, EL2_DEVICE);
	mmu_map(p->gicr_base, p->gicr_size, EL2_DEVICE);
	gicd = (volatile u8 *)(uintptr_t)p->gicd_base;
	gicr = (volatile u8 *)(uintptr_t)p->gicr_base;
	gicr_span = p->gicr_size;
	maint_intid = p->gic_maint_intid;
	wr32(gicd, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1 | GICD_CTLR_ENABLE_GRP0);
	while (rd32(gicd, GICD_CTLR) & GICD_CTLR_RWP)
		;
	return HV_OK;
}

/* The redistributor frame whose affinity matches mpidr. */
static volatile u8 *find_redist(u64 mpidr)
{
	u32 aff = (u32)(((mpidr >> 32) & 0xFF) << 24 | (mpidr & 0xFFFFFF));

	for (u64 off = 0; off + GICR_FRAME_SIZE <= gicr_span; off += GICR_FRAME_SIZE) {
		u64 typer = rd64(gicr, off + GICR_TYPER);
		if ((u32)(typer >> GICR_TYPER_AFF_SHIFT) == aff)
			return gicr + off;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return NULL;
}

static int v3_cpu_init(u64 mpidr)
{
	volatile u8 *rd = find_redist(mpidr);

	if (!rd)
		return -HV_ENOENT;
	cpu_redist[this_pcpu()->id] = rd;
	wr32(rd, GICR_WAKER, rd32(rd, GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	while (rd32(rd, GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	wr32(rd, GICR_SGI_BASE + GICR_IGROUPR0, ~0u); /* SGIs and PPIs: group 1 */
	for (unsigned i = 0; i < 32; i += 4)
		wr32(rd, GICR_SGI_BASE + GICR_IPRIORITYR + i, 0x80808080);
	/* The wake-up SGI, hyparm's timer, the vGIC maintenance interrupt, the guest's virtual timer and PMU (23). */
	wr32(rd, GICR_SGI_BASE + GICR_ISENABLER0,
	     BIT(SGI_WAKE) | BIT(26) | (maint_intid ? BIT(maint_intid) : 0) | BIT(27) | BIT(23));

	/* System-register interface for EL2 and (through the virtual interface) for guests. */
	write_sysreg(ICC_SRE_EL2, ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_ENABLE);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xFF); /* let every priority through */
	write_sysreg(ICC_BPR1_EL1, 0);
	/*
	 * ICC_CTLR_EL1.EOImode = 1: EOIR only drops the priority, DIR
	 * deactivates. An interrupt handed to a guest through a hardware-mapped
	 * list register (the virtual timer) is left active for the guest's
	 * deactivation to complete.
	 */
	write_sysreg(ICC_CTLR_EL1, ICC_CTLR_EOIMODE);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	/* Group 0 (signalled as FIQ: GICD_CTLR.DS=1 on QEMU's virt) carries hyparm's watchdog tick. */
	write_sysreg(ICC_IGRPEN0_EL1, 1);
	isb();
	return HV_OK;
}

/*
 * The ICC_SGI1R value that sends the wake-up SGI to each CPU, built on
 * first use (never 0: the target-list bit is set) and kept: every IPI a
 * guest sends to a vCPU in its guest on another CPU costs one, and the
 * affinity fields took 14 instructions to build each time. Racing
 * builders write the same value.
 */
static u64 wake_sgi1r[MAX_PCPUS];

static void v3_send_wake(unsigned cpu)
{
	u64 sgi = __atomic_load_n(&wake_sgi1r[cpu], __ATOMIC_RELAXED);

	if (!sgi) {
		u64 mpidr = pcpus[cpu].mpidr;
		sgi = ((mpidr >> 32) & 0xFF) << ICC_SGI1R_AFF3_SHIFT |
			((mpidr >> 16) & 0xFF) << ICC_SGI1R_AFF2_SHIFT |
			((mpidr >> 8) & 0xFF) << ICC_SGI1R_AFF1_SHIFT |
			(u64)SGI_WAKE << ICC_SGI1R_INTID_SHIFT | ((mpidr & 0xF0) >> 4) << ICC_SGI1R_RS_SHIFT |
			BIT(mpidr & 0xF);
		__atomic_store_n(&wake_sgi1r[cpu], sgi, __ATOMIC_RELAXED);
	}
	__asm__ volatile("dsb ishst" ::: "memory");
	write_sysreg(ICC_SGI1R_EL1, sgi);
	isb();
}

static u32 v3_ack(void)
{
	u32 intid = read_sysreg(ICC_IAR1_EL1) & ICC_IAR_INTID_MASK;
	dsb(sy);
	return intid;
}

static void v3_eoi(u32 intid, bool deactivate)
{
	write_sysreg(ICC_EOIR1_EL1, intid); /* priority drop */
	if (deactivate)
		write_sysreg(ICC_DIR_EL1, intid);
	isb();
}

static void v3_ppi_set_active(unsigned intid, bool active)
{
	volatile u8 *rd = cpu_redist[this_pcpu()->id];

	if (rd)
		wr32(rd, GICR_SGI_BASE + (active ? GICR_ISACTIVER0 : GICR_ICACTIVER0), BIT(intid));
}

static bool v3_ppi_make_fiq(unsigned intid, u8 prio)
{
	volatile u8 *rd = cpu_redist[this_pcpu()->id];

	if (!rd)
		return false;
	wr32(rd, GICR_SGI_BASE + GICR_IGROUPR0, rd32(rd, GICR_SGI_BASE + GICR_IGROUPR0) & ~BIT(intid));
	*(volatile u8 *)(rd + GICR_SGI_BASE + GICR_IPRIORITYR + intid) = prio;
	wr32(rd, GICR_SGI_BASE + GICR_ISENABLER0, BIT(intid));
	return true;
}

static void v3_spi_enable(unsigned intid, u64 mpidr)
{
	u64 aff = (mpidr & 0xFFFFFF) | ((mpidr >> 32 & 0xFF) << 32);

	*(volatile u64 *)(gicd + GICD_IROUTER + 8 * intid) = aff;
	wr32(gicd, GICD_IGROUPR + intid / 32 * 4,
	     rd32(gicd, GICD_IGROUPR + intid / 32 * 4) | BIT(intid % 32));
	*(volatile u8 *)(gicd + GICD_IPRIORITYR + intid) = 0x80;
	/* Level-sensitive (ICFGR bit 1 = 0). */
	wr32(gicd, GICD_ICFGR + intid / 16 * 4,
	     rd32(gicd, GICD_ICFGR + intid / 16 * 4) & ~(2u << (intid % 16 * 2)));
	wr32(gicd, GICD_ISENABLER + intid / 32 * 4, BIT(intid % 32));
}

static void v3_spi_disable(unsigned intid)
{
	wr32(gicd, GICD_ICENABLER + intid / 32 * 4, BIT(intid % 32));
	wr32(gicd, GICD_ICPENDR + intid / 32 * 4, BIT(intid % 32));
}

static void v3_spi_set_active(unsigned intid, bool active)
{
	wr32(gicd, (active ? GICD_ISACTIVER : GICD_ICACTIVER) + intid / 32 * 4, BIT(intid % 32));
}

static void v3_cpu_stop(void)
{
	write_sysreg(ICC_IGRPEN0_EL1, 0);
	write_sysreg(ICC_IGRPEN1_EL1, 0);
	isb();
}

const struct gic_ops gicv3_ops = {
	.name = "GICv3",
	.init = v3_init,
	.cpu_init = v3_cpu_init,
	.send_wake = v3_send_wake,
	.ack = v3_ack,
	.eoi = v3_eoi,
	.ppi_set_active = v3_ppi_set_active,
	.ppi_make_fiq = v3_ppi_make_fiq,
	.spi_enable = v3_spi_enable,
	.spi_disable = v3_spi_disable,
	.spi_set_active = v3_spi_set_active,
	.cpu_stop = v3_cpu_stop,
};
