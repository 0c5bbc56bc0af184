/* The one store for a VM's firmware variables, and which VM has it (see hyparm/nvstore.h). */
#include <hyparm/nvstore.h>

static const struct nvstore_ops *store;
static const struct vm *owner;

void nvstore_register(const struct nvstore_ops *ops)
{
	store = ops;
}

const struct nvstore_ops *nvstore_claim(const struct vm *vm)
{
	/* VMs are created one after another on the boot CPU: no race to claim it. */
	if (!store || (owner && owner != vm))
		return NULL;
	owner = vm;
	return store;
}
