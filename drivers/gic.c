/* The physical GIC driver chosen at boot (see drivers/gic.h). */
#include <drivers/gic.h>
#include <drivers/platform.h>
#include <hyparm/errno.h>

struct gic_ops gic_driver;

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
		gic_driver = *ops;
	return rc;
}
