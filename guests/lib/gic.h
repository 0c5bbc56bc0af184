/*
 * GIC access for the test guests. GICv3: distributor, this vCPU's
 * redistributor, the ICC_* CPU interface; GICv2: distributor (its SGI/PPI
 * registers banked per vCPU) and the GICC frame. Which one the guest has
 * is read from its device tree's GIC node at start (gic_lib_init(), from
 * guest_main), so one binary runs on either kind of host.
 *
 * A guest that must run GICv3 code only, with not one instruction more
 * (the benchmark guest: its figures are hyparm's exit paths), defines
 * GUEST_GIC_V3_ONLY before including this.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include "guest.h"
#include <hyparm/gic_regs.h>
#include <hyparm/guest_layout.h>

/* hyparm's GIC frames (the register offsets are in hyparm/gic_regs.h): tests about hyparm's vGIC use them. */
#define GICD_BASE GUEST_GICD_IPA
#define GICR_BASE GUEST_GICR_IPA
#define GICR_STRIDE GUEST_GICR_STRIDE
#define GICC_BASE GUEST_GICC_IPA

/* The GIC the device tree describes: 3 (arm,gic-v3) unless it names a GICv2. */
void gic_lib_init(void);
#ifdef GUEST_GIC_V3_ONLY
#define gic_is_v2 false
#else
extern bool gic_is_v2;
#endif

/*
 * Where the GIC really is, which the helpers below use: reg of the DTB's
 * "arm,gic-v3" node (Xen puts a domU's elsewhere), hyparm's layout without
 * one. Set by bootargs_init() before main().
 */
extern u64 guest_gicd_base, guest_gicr_base;


/*
 * Device accesses as single plain loads/stores: a hypervisor can emulate
 * only what the syndrome describes (no pairs, no writeback addressing),
 * so the compiler is not given the choice.
 */
static inline u32 mmio_read32(u64 addr)
{
	u32 v;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}
static inline void mmio_write32(u64 addr, u32 v)
{
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
}
static inline void mmio_write64(u64 addr, u64 v)
{
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(addr) : "memory");
}
static inline void mmio_write8(u64 addr, u8 v)
{
	__asm__ volatile("strb %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

/* This vCPU's index: Aff0 of MPIDR_EL1 (hyparm and KVM number vCPUs that way). */
unsigned gic_cpu_index(void);
/*
 * The base of the per-interrupt arrays holding intid: the distributor (SPIs)
 * or this vCPU's SGI frame; add a GICD_* array offset (the SGI frame's are the same).
 */
u64 gic_bank(unsigned intid);

/* Distributor on, affinity routing, group 1; every SPI in group 1. */
void gic_dist_init(void);
/* This vCPU's redistributor awake, SGIs/PPIs in group 1, CPU interface on with PMR 0xff. */
void gic_cpu_init(void);

void gic_enable(unsigned intid, bool on);
void gic_set_pending(unsigned intid, bool on);
void gic_set_active(unsigned intid, bool on);
bool gic_is_pending(unsigned intid);
bool gic_is_active(unsigned intid);
void gic_set_priority(unsigned intid, u8 prio);
void gic_set_edge(unsigned intid, bool edge);
/* Route an SPI to the vCPU with this Aff0. */
void gic_route(unsigned intid, unsigned cpu);
/* SGI intid to the vCPUs in target_list (bit n = Aff0 n), or to all but self. */
void gic_send_sgi(unsigned intid, u16 target_list, bool all_but_self);
void gic_send_sgi_v3(unsigned intid, u16 target_list, bool all_but_self);
#ifdef GUEST_GIC_V3_ONLY
#define gic_send_sgi gic_send_sgi_v3
#endif
/* The CPU interface's priority mask. */
void gic_set_pmr(u8 pmr);

/* GICv2: GICC_IAR (SGIs carry their source in CPUID, which the EOI must give back). */
u32 gic_v2_ack(void);
void gic_v2_eoi(u32 intid);

static inline u32 gic_ack(void)
{
	if (gic_is_v2)
		return gic_v2_ack();
	u32 i = read_sysreg(ICC_IAR1_EL1) & ICC_IAR_INTID_MASK;
	__asm__ volatile("dsb sy");
	return i;
}
static inline void gic_eoi(u32 intid)
{
	if (gic_is_v2) {
		gic_v2_eoi(intid);
		return;
	}
	write_sysreg(ICC_EOIR1_EL1, intid);
	isb();
}
/* Acknowledge, waiting up to ms for something to arrive (hyparm refills list registers on its exits). */
u32 gic_ack_wait(u64 ms);

static inline void irqs_on(void)
{
	__asm__ volatile("msr daifclr, #2" ::: "memory");
}
static inline void irqs_off(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

#endif
