/* GIC helpers for the test guests (see gic.h). */
#include "gic.h"

bool gic_is_v2;
/* Each vCPU's last GICC_IAR value (GICv2): the EOI of an SGI names its source too. */
static volatile u32 last_iar[8];

void gic_lib_init(void)
{
	gic_is_v2 = dtb_gic_version() == 2;
}

unsigned gic_cpu_index(void)
{
	return read_sysreg(mpidr_el1) & 0xFF;
}

u32 gic_v2_ack(void)
{
	u32 iar = mmio_read32(GICC_BASE + GICC_IAR);

	last_iar[gic_cpu_index() & 7] = iar;
	__asm__ volatile("dsb sy");
	return iar & GICC_IAR_INTID_MASK;
}

void gic_v2_eoi(u32 intid)
{
	u32 iar = last_iar[gic_cpu_index() & 7];

	mmio_write32(GICC_BASE + GICC_EOIR, (iar & GICC_IAR_INTID_MASK) == intid ? iar : intid);
}

void gic_set_pmr(u8 pmr)
{
	if (gic_is_v2) {
		mmio_write32(GICC_BASE + GICC_PMR, pmr);
		return;
	}
	write_sysreg(ICC_PMR_EL1, pmr);
	isb();
}

static u64 gicr_base(void)
{
	return guest_gicr_base + gic_cpu_index() * GICR_STRIDE;
}

u64 gic_bank(unsigned intid)
{
	/* A GICv2 distributor banks the SGI/PPI registers per CPU. */
	return intid < GIC_NR_PRIVATE && !gic_is_v2 ? gicr_base() + GICR_SGI_BASE : guest_gicd_base;
}

/* GICv2: every interrupt stays in Group 0, which the CPU interface signals as IRQ (FIQEn = 0). */
void gic_dist_init(void)
{
	if (gic_is_v2) {
		mmio_write32(guest_gicd_base + GICD_CTLR, GICD_CTLR_ENABLE_GRP0);
		return;
	}
	mmio_write32(guest_gicd_base + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
	for (unsigned n = 1; n < 32; n++)
		mmio_write32(guest_gicd_base + GICD_IGROUPR + 4 * n, ~0u);
}

void gic_cpu_init(void)
{
	u64 rd = gicr_base();

	if (gic_is_v2) {
		mmio_write32(GICC_BASE + GICC_PMR, 0xFF);
		mmio_write32(GICC_BASE + GICC_BPR, 0);
		mmio_write32(GICC_BASE + GICC_CTLR, GICC_CTLR_ENABLE_GRP0); /* EOImode 0 */
		return;
	}

	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	while (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	mmio_write32(rd + GICR_SGI_BASE + GICR_IGROUPR0, ~0u);
	write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | ICC_SRE_SRE);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xFF);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_CTLR_EL1, 0); /* EOImode 0: EOIR drops priority and deactivates */
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

static void bit_write(unsigned intid, u64 set_off, u64 clear_off, bool on)
{
	mmio_write32(gic_bank(intid) + (on ? set_off : clear_off) + 4 * (intid / 32), 1u << (intid % 32));
}

static bool bit_read(unsigned intid, u64 off)
{
	return (mmio_read32(gic_bank(intid) + off + 4 * (intid / 32)) >> (intid % 32)) & 1;
}

void gic_enable(unsigned intid, bool on)
{
	bit_write(intid, GICD_ISENABLER, GICD_ICENABLER, on);
}
void gic_set_pending(unsigned intid, bool on)
{
	bit_write(intid, GICD_ISPENDR, GICD_ICPENDR, on);
}
void gic_set_active(unsigned intid, bool on)
{
	bit_write(intid, GICD_ISACTIVER, GICD_ICACTIVER, on);
}
bool gic_is_pending(unsigned intid)
{
	return bit_read(intid, GICD_ISPENDR);
}
bool gic_is_active(unsigned intid)
{
	return bit_read(intid, GICD_ISACTIVER);
}

void gic_set_priority(unsigned intid, u8 prio)
{
	mmio_write8(gic_bank(intid) + GICD_IPRIORITYR + intid, prio);
}

void gic_set_edge(unsigned intid, bool edge)
{
	u64 reg = gic_bank(intid) + GICD_ICFGR + 4 * (intid / 16);
	u32 bit = 2u << (2 * (intid % 16));
	u32 v = mmio_read32(reg);

	mmio_write32(reg, edge ? v | bit : v & ~bit);
}

void gic_route(unsigned intid, unsigned cpu)
{
	if (gic_is_v2)
		mmio_write8(guest_gicd_base + GICD_ITARGETSR + intid, (u8)(1u << cpu));
	else
		mmio_write64(guest_gicd_base + GICD_IROUTER + 8 * intid, cpu);
}

#undef gic_send_sgi
void gic_send_sgi(unsigned intid, u16 target_list, bool all_but_self)
{
	if (!gic_is_v2) {
		gic_send_sgi_v3(intid, target_list, all_but_self);
		return;
	}
	mmio_write32(GICD_BASE + GICD_SGIR,
		     (all_but_self ? GICD_SGIR_FILTER_OTHERS : GICD_SGIR_FILTER_LIST)
				     << GICD_SGIR_FILTER_SHIFT |
			     (u32)(target_list & GICD_SGIR_TARGETS_MASK) << GICD_SGIR_TARGETS_SHIFT |
			     (intid & GICD_SGIR_INTID_MASK));
}

void gic_send_sgi_v3(unsigned intid, u16 target_list, bool all_but_self)
{
	u64 v = ((u64)(intid & ICC_SGI1R_INTID_MASK) << ICC_SGI1R_INTID_SHIFT) | target_list;

	if (all_but_self)
		v = ((u64)(intid & ICC_SGI1R_INTID_MASK) << ICC_SGI1R_INTID_SHIFT) |
			(1ULL << ICC_SGI1R_IRM_SHIFT);
	write_sysreg(ICC_SGI1R_EL1, v);
	isb();
}

u32 gic_ack_wait(u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;
	u32 i;

	while ((i = gic_ack()) == GIC_INTID_SPURIOUS && now_ticks() < end)
		;
	return i;
}
