/*
 * The device registry (see hyparm/vdev.h): types live in the `vdev_types`
 * section, put there by VDEV_REGISTER() in each device's file; a VM's
 * instances are in vm->devices, in the order its configuration lists them.
 */
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <string.h>

/* Weak: a program with no device at all (a host test) has no section, and the registry is empty. */
extern const struct vdev_type *const __start_vdev_types[] __attribute__((weak));
extern const struct vdev_type *const __stop_vdev_types[] __attribute__((weak));

const struct vdev_type *vdev_type_find(const char *name)
{
	for (const struct vdev_type *const *t = __start_vdev_types; t < __stop_vdev_types; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}

static int create(struct vm *vm, const char *name, const struct devnode *dn, char *err, size_t errlen)
{
	const struct vdev_type *t = vdev_type_find(name);
	struct vdev *d;
	int rc;

	if (!t) {
		hv_snprintf(err, errlen, "vm %s: no device called '%s'", vm->name, name);
		return -HV_ENOENT;
	}
	if (!t->is_irqchip && !vm->irqchip) {
		hv_snprintf(
			err, errlen,
			"vm %s: device '%s' needs the interrupt controller: list gicv3 (or gicv2) before it",
			vm->name, name);
		return -HV_EINVAL;
	}
	if (t->is_irqchip && vm->irqchip) {
		hv_snprintf(err, errlen, "vm %s: a second interrupt controller ('%s')", vm->name, name);
		return -HV_EEXIST;
	}
	/* Most devices sit at the one address the platform gives them: two would overlap. */
	for (unsigned i = 0; i < vm->nr_devices && !t->multi_instance; i++)
		if (vm->devices[i].type == t) {
			hv_snprintf(err, errlen,
				    "vm %s: a second '%s' (one per VM: in devices or a node, not both)",
				    vm->name, name);
			return -HV_EEXIST;
		}
	if (vm->nr_devices == VM_MAX_DEVICES) {
		hv_snprintf(err, errlen, "vm %s: more than %u devices", vm->name, VM_MAX_DEVICES);
		return -HV_ENOMEM;
	}
	d = &vm->devices[vm->nr_devices];
	*d = (struct vdev){ .type = t, .vm = vm, .node = dn };
	rc = t->create(d, err, errlen);
	if (rc)
		return rc;
	vm->nr_devices++;
	return HV_OK;
}

int vdev_create(struct vm *vm, const char *name, char *err, size_t errlen)
{
	return create(vm, name, NULL, err, errlen);
}

int vdev_create_node(struct vm *vm, const struct devnode *dn, char *err, size_t errlen)
{
	return create(vm, dn->schema->device, dn, err, errlen);
}

void vdev_reset_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].type->reset)
			vm->devices[i].type->reset(&vm->devices[i]);
}

void vdev_quiesce_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].type->quiesce)
			vm->devices[i].type->quiesce(&vm->devices[i]);
}

void vdev_print_stats_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].type->print_stats)
			vm->devices[i].type->print_stats(&vm->devices[i]);
}

void vdev_vcpu_put_all(struct vm *vm, struct vcpu *v)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].type->vcpu_put)
			vm->devices[i].type->vcpu_put(&vm->devices[i], v);
}

void vdev_vcpu_load_all(struct vm *vm, struct vcpu *v)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].type->vcpu_load)
			vm->devices[i].type->vcpu_load(&vm->devices[i], v);
}

void vdev_vcpu_reset_all(struct vm *vm, struct vcpu *v)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].type->vcpu_reset)
			vm->devices[i].type->vcpu_reset(&vm->devices[i], v);
}

int vdev_fdt_all(struct vm *vm, void *fdt)
{
	for (unsigned i = 0; i < vm->nr_devices; i++) {
		int e = vm->devices[i].type->fdt_node ? vm->devices[i].type->fdt_node(&vm->devices[i], fdt)
						      : 0;

		if (e < 0)
			return e;
	}
	return 0;
}
