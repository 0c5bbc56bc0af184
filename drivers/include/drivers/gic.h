/*
 * hyparm's own use of the physical GIC: one SGI to wake or interrupt
 * another CPU (a vCPU became runnable there, or its VM stopped), the
 * acknowledge / end of interrupts hyparm takes, and the few PPIs and SPIs
 * it owns. The guests' interrupt controller is the virtual one
 * (vdev/vgic/).
 *
 * One interface, two implementations (drivers/gicv3.c: system registers
 * and redistributors; drivers/gicv2.c: GICD/GICC MMIO), chosen at boot
 * from the device tree's GIC node (gic_probe(), drivers/gic.c); each
 * call below goes to the chosen one.
 */
#ifndef DRIVERS_GIC_H
#define DRIVERS_GIC_H

#include <hyparm/types.h>

#define SGI_WAKE 0

struct platform;

struct gic_ops {
	const char *name;
	int (*init)(const struct platform *p); /* boot CPU: frames mapped, distributor on */
	int (*cpu_init)(u64 mpidr);
	void (*send_wake)(unsigned cpu);
	u32 (*ack)(void);
	void (*eoi)(u32 intid, bool deactivate);
	void (*ppi_set_active)(unsigned intid, bool active);
	bool (*ppi_make_fiq)(unsigned intid, u8 prio);
	void (*spi_enable)(unsigned intid, u64 mpidr);
	void (*spi_disable)(unsigned intid);
	void (*spi_set_active)(unsigned intid, bool active);
	void (*cpu_stop)(void);
	/* Where hyparm's FIQ (the watchdog) is acknowledged: 0 = system registers, else the GICC frame. */
	paddr_t fiq_cpuif;
};
extern const struct gic_ops gicv3_ops;
extern struct gic_ops gicv2_ops; /* its fiq_cpuif is set at init */

/*
 * The chosen driver's operations, copied here by gic_probe() (zeroed
 * before). A copy, not a pointer: each call below is one load and an
 * indirect branch, on paths every physical interrupt takes.
 */
extern struct gic_ops gic_driver;

/*
 * Once, on the boot CPU: pick the driver for the device tree's GIC (by its
 * compatible string, as fdt_platform.c read it into p->gic_version), map
 * its frames for EL2 and switch the distributor on. -HV_ENOTSUP if hyparm
 * has no driver for it.
 */
int gic_probe(const struct platform *p);
/*
 * GICv2: the base of the 8 KiB CPU-interface frame (GICC or GICV) the
 * device tree gives as (base, size): base itself, or where the frame's
 * two pages are contiguous on a GIC-400 with 64 KiB-spaced, aliased pages
 * (ZynqMP). Maps it for EL2.
 */
paddr_t gicv2_cpuif_frame(paddr_t base, u64 size);

/* The chosen driver's name ("GICv3", "GICv2"), NULL before gic_probe(). */
static inline const char *gic_name(void)
{
	return gic_driver.name;
}
/* On every CPU: its redistributor (GICv3) or banked distributor registers (GICv2), and CPU interface. */
static inline int gic_cpu_init(u64 mpidr)
{
	return gic_driver.cpu_init(mpidr);
}
/* Interrupt physical CPU index cpu (wakes it from WFI, or makes its guest exit). */
static inline void gic_send_wake(unsigned cpu)
{
	gic_driver.send_wake(cpu);
}
/* The highest-priority pending interrupt of this CPU, acknowledged; >= 1020 when none. */
static inline u32 gic_ack(void)
{
	return gic_driver.ack();
}
/* Priority drop of an acknowledged interrupt, and its deactivation unless a guest is to deactivate it. */
static inline void gic_eoi(u32 intid, bool deactivate)
{
	gic_driver.eoi(intid, deactivate);
}
/* Set or clear the active state of a PPI on this CPU (an interrupt forwarded to a guest). */
static inline void gic_ppi_set_active(unsigned intid, bool active)
{
	gic_driver.ppi_set_active(intid, active);
}
/*
 * Make a PPI of this CPU a Group 0 interrupt, signalled as FIQ, at priority
 * prio (lower is more urgent: above hyparm's own 0x80, it preempts an IRQ
 * hyparm has acknowledged but not yet finished), and enable it. False if
 * this GIC's driver cannot give hyparm an FIQ (then the PPI stays off).
 */
static inline bool gic_ppi_make_fiq(unsigned intid, u8 prio)
{
	return gic_driver.ppi_make_fiq(intid, prio);
}
/* Where the FIQ gic_ppi_make_fiq() gives is acknowledged: 0 = ICC_* system registers, else the GICC frame. */
static inline paddr_t gic_fiq_cpuif(void)
{
	return gic_driver.fiq_cpuif;
}
/* Enable an SPI, routed to the physical CPU with this MPIDR. */
static inline void gic_spi_enable(unsigned intid, u64 mpidr)
{
	gic_driver.spi_enable(intid, mpidr);
}
/* Disable an SPI and clear its pending state (a passed-through device's, when its VM stops). */
static inline void gic_spi_disable(unsigned intid)
{
	gic_driver.spi_disable(intid);
}
/* Set or clear the active state of an SPI: the distributor's, so any CPU may (one forwarded to a guest). */
static inline void gic_spi_set_active(unsigned intid, bool active)
{
	gic_driver.spi_set_active(intid, active);
}
/* The active state of an interrupt forwarded to a guest: a PPI of this CPU, or an SPI. */
static inline void gic_set_active(unsigned intid, bool active)
{
	if (intid < 32)
		gic_ppi_set_active(intid, active);
	else
		gic_spi_set_active(intid, active);
}
/* This CPU takes no interrupt any more (a CPU hyparm stops after a fault; before gic_probe() nothing can). */
static inline void gic_cpu_stop(void)
{
	if (gic_driver.cpu_stop)
		gic_driver.cpu_stop();
}

#endif
