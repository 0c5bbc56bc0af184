/* GICv3 access for the test guests: distributor, this vCPU's redistributor, the ICC_* CPU interface. */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include "guest.h"

#define GICD_BASE      0x08000000UL
#define GICR_BASE      0x080A0000UL
#define GICR_STRIDE    0x20000UL
#define GICR_SGI_FRAME 0x10000UL

/* Offsets shared by the distributor and the redistributor's SGI frame. */
#define GICx_IGROUPR    0x080
#define GICx_ISENABLER  0x100
#define GICx_ICENABLER  0x180
#define GICx_ISPENDR    0x200
#define GICx_ICPENDR    0x280
#define GICx_ISACTIVER  0x300
#define GICx_ICACTIVER  0x380
#define GICx_IPRIORITYR 0x400
#define GICx_ICFGR      0xC00
#define GICD_IROUTER    0x6000
#define GICD_IIDR       0x0008
#define GICR_WAKER      0x0014

#define GIC_SPURIOUS 1023

#define ICC_PMR_EL1     S3_0_C4_C6_0
#define ICC_IAR1_EL1    S3_0_C12_C12_0
#define ICC_EOIR1_EL1   S3_0_C12_C12_1
#define ICC_BPR1_EL1    S3_0_C12_C12_3
#define ICC_CTLR_EL1    S3_0_C12_C12_4
#define ICC_SRE_EL1     S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1   S3_0_C12_C11_5
#define ICC_RPR_EL1     S3_0_C12_C11_3


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
static inline void mmio_write32(u64 addr, u32 v) { __asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(addr) : "memory"); }
static inline void mmio_write64(u64 addr, u64 v) { __asm__ volatile("str %0, [%1]" : : "r"(v), "r"(addr) : "memory"); }
static inline void mmio_write8(u64 addr, u8 v) { __asm__ volatile("strb %w0, [%1]" : : "r"(v), "r"(addr) : "memory"); }

/* This vCPU's index: Aff0 of MPIDR_EL1 (hyparm and KVM number vCPUs that way). */
unsigned gic_cpu_index(void);
/* The base of the per-interrupt arrays holding intid: the distributor (SPIs) or this vCPU's SGI frame. */
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

static inline u32 gic_ack(void) { u32 i = read_sysreg(ICC_IAR1_EL1) & 0xFFFFFF; __asm__ volatile("dsb sy"); return i; }
static inline void gic_eoi(u32 intid) { write_sysreg(ICC_EOIR1_EL1, intid); isb(); }
/* Acknowledge, waiting up to ms for something to arrive (hyparm refills list registers on its exits). */
u32 gic_ack_wait(u64 ms);

static inline void irqs_on(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irqs_off(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

#endif
