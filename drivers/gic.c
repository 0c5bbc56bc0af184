/* The physical GIC driver chosen at boot (see drivers/gic.h). */
#include <drivers/gic.h>
#include <drivers/platform.h>
#include <hyparm/errno.h>

static const struct gic_ops *gic;

int gic_probe(const struct platform *p)
{
	const struct gic_ops *ops = p->gic_version == 3 ? &gicv3_ops
		: p->gic_version == 2			? &gicv2_ops
							: NULL;
	int rc;

	if (!ops)
		return -HV_ENOTSUP;
	rc = ops->init(p);
	if (rc == HV_OK)
		gic = ops;
	return rc;
}

const char *gic_name(void)
{
	return gic ? gic->name : NULL;
}

int gic_cpu_init(u64 mpidr)
{
	return gic->cpu_init(mpidr);
}

void gic_send_wake(unsigned cpu)
{
	gic->send_wake(cpu);
}

u32 gic_ack(void)
{
	return gic->ack();
}

void gic_eoi(u32 intid, bool deactivate)
{
	gic->eoi(intid, deactivate);
}

void gic_ppi_set_active(unsigned intid, bool active)
{
	gic->ppi_set_active(intid, active);
}

bool gic_ppi_make_fiq(unsigned intid, u8 prio)
{
	return gic->ppi_make_fiq(intid, prio);
}

void gic_spi_enable(unsigned intid, u64 mpidr)
{
	gic->spi_enable(intid, mpidr);
}

void gic_cpu_stop(void)
{
	/* A fault before the GIC was set up: nothing was enabled that could signal this CPU. */
	if (gic)
		gic->cpu_stop();
}
