/*
 * The list-register backend of this machine (see arch/vgic_lr.h): chosen
 * once at boot from the GIC the device tree describes, read by the vGIC
 * and by the core (the default device list, the guest's device tree).
 */
#include <arch/vgic_lr.h>
#include <hyparm/errno.h>

static const struct vgic_lr_backend *backend;

const struct vgic_lr_backend *arch_vgic_backend(void)
{
	return backend;
}

int arch_vgic_backend_select(const struct vgic_hw *hw)
{
	if (hw->version == 3)
		backend = vgic_v3_probe(hw);
	else if (hw->version == 2)
		backend = vgic_v2_probe(hw);
	else
		backend = NULL;
	return backend ? HV_OK : -HV_ENOTSUP;
}
