/* GICv3 helpers for the test guests (see gic.h). */
#include "gic.h"

unsigned gic_cpu_index(void)
{
	return read_sysreg(mpidr_el1) & 0xFF;
}

static u64 gicr_base(void)
{
	return guest_gicr_base + gic_cpu_index() * GICR_STRIDE;
}

u64 gic_bank(unsigned intid)
{
	return intid < GIC_NR_PRIVATE ? gicr_base() + GICR_SGI_BASE : guest_gicd_base;
}

void gic_dist_init(void)
{
	mmio_write32(guest_gicd_base + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
	for (unsigned n = 1; n < 32; n++)
		mmio_write32(guest_gicd_base + GICD_IGROUPR + 4 * n, ~0u);
}

void gic_cpu_init(void)
{
	u64 rd = gicr_base();

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
	mmio_write64(guest_gicd_base + GICD_IROUTER + 8 * intid, cpu);
}

void gic_send_sgi(unsigned intid, u16 target_list, bool all_but_self)
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
