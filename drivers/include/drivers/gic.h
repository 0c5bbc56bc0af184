/*
 * hyparm's own use of the physical GICv3: one SGI to wake or interrupt
 * another CPU (a vCPU became runnable there, or its VM stopped). The
 * guests' interrupt controller is the virtual one (vdev/vgic/).
 */
#ifndef DRIVERS_GIC_H
#define DRIVERS_GIC_H

#include <hyparm/types.h>

#define SGI_WAKE 0

/* Once, on the boot CPU: the distributor. */
int gic_init(paddr_t gicd, paddr_t gicr, u64 gicr_size);
/* On every CPU: its redistributor and CPU interface. */
int gic_cpu_init(u64 mpidr);
/* Interrupt physical CPU index cpu (wakes it from WFI, or makes its guest exit). */
void gic_send_wake(unsigned cpu);
/* The highest-priority pending interrupt of this CPU, acknowledged; >= 1020 when none. */
u32 gic_ack(void);
/* Priority drop of an acknowledged interrupt, and its deactivation unless a guest is to deactivate it. */
void gic_eoi(u32 intid, bool deactivate);
/* Set or clear the active state of a PPI on this CPU (an interrupt forwarded to a guest). */
void gic_ppi_set_active(unsigned intid, bool active);
/*
 * Make a PPI of this CPU a Group 0 interrupt, signalled as FIQ, at priority
 * prio (lower is more urgent: above hyparm's own 0x80, it preempts an IRQ
 * hyparm has acknowledged but not yet finished), and enable it.
 */
void gic_ppi_make_fiq(unsigned intid, u8 prio);
/* Enable an SPI, routed to the physical CPU with this MPIDR. */
void gic_spi_enable(unsigned intid, u64 mpidr);

#endif
