/*
 * Virtual devices and their registry. A device type is a struct of
 * callbacks, placed in the `vdev_types` linker section by VDEV_REGISTER()
 * in the device's own file: the VM builder finds types by name there and
 * creates one instance per entry of the VM's device list, so adding a
 * device touches its own file and the list of device names in the VM's
 * configuration, nothing else. A VM holds its instances, never the
 * devices' fields.
 */
#ifndef HYPARM_VDEV_H
#define HYPARM_VDEV_H

#include <hyparm/types.h>

struct vm;
struct vcpu;
struct vdev;
struct devnode;

struct vdev_type {
	const char *name;
	bool is_irqchip; /* it installs the VM's interrupt controller; every other device needs one first */
	/* A VM may have several (disks: one per manifest node); otherwise a second instance is refused. */
	bool multi_instance;
	/*
	 * Make d's state for vm (d->vm is set): allocate it, register MMIO
	 * ranges and interrupt sources. Called once, after the VM's vCPUs
	 * exist. Errors: a named -HV_E* code and a message in err.
	 */
	int (*create)(struct vdev *d, char *err, size_t errlen);
	/* Back to the state at power-on (VM reset); the VM's vCPUs do not run. */
	void (*reset)(struct vdev *d);
	/*
	 * Optional: the VM's RAM must not be written from outside its own
	 * vCPUs any more (another VM's traffic: virtio-net frames, vsock
	 * packets; a physical completion on another CPU). Called when the VM
	 * leaves VM_RUNNING (a reset begins, it powers off or crashes; its
	 * vCPUs may still be running), and again right before its RAM is
	 * forgotten (a reset's first step) or given back (stopped for good),
	 * with its vCPUs off. So it must be idempotent: wait for a write in
	 * progress under the device's lock and start none until reset() or
	 * the guest sets the device up again. No lock held.
	 */
	void (*quiesce)(struct vdev *d);
	/* Optional: print the device's own counters for the monitor's `stats` and the power-off report. */
	void (*print_stats)(struct vdev *d);
	/* Optional: vCPU v of the VM leaves / enters its physical CPU (after / before its registers are switched). */
	void (*vcpu_put)(struct vdev *d, struct vcpu *v);
	void (*vcpu_load)(struct vdev *d, struct vcpu *v);
	/* Optional: vCPU v is powered on (PSCI CPU_ON, VM start): its per-vCPU state back to reset. */
	void (*vcpu_reset)(struct vdev *d, struct vcpu *v);
	/*
	 * Optional: describe the device in the VM's generated device tree:
	 * add its node(s) with libfdt's sequential-write calls (fdt is open
	 * at the root node; the GIC's phandle is GUEST_FDT_PHANDLE_GIC).
	 * Returns 0 or a libfdt error.
	 */
	int (*fdt_node)(struct vdev *d, void *fdt);
};

struct vdev {
	const struct vdev_type *type;
	struct vm *vm;
	/* The manifest's device node it was made from (hyparm/devnode.h), or NULL (the devices list). */
	const struct devnode *node;
	void *state; /* the device's own, opaque to everyone else */
};

#define VDEV_REGISTER(t) \
	static const struct vdev_type *const vdev_reg_##t \
		__attribute__((used, section("vdev_types"), aligned(8))) = &t

/* The registered type called name, or NULL. */
const struct vdev_type *vdev_type_find(const char *name);
/* Create vm's instance of the named device. */
int vdev_create(struct vm *vm, const char *name, char *err, size_t errlen);
/* Create vm's instance of the device a manifest node describes (compatible "hyparm,NAME"). */
int vdev_create_node(struct vm *vm, const struct devnode *dn, char *err, size_t errlen);
/* Every instance of vm: reset / vCPU switch hooks. */
void vdev_reset_all(struct vm *vm);
void vdev_quiesce_all(struct vm *vm);
void vdev_print_stats_all(struct vm *vm);
void vdev_vcpu_put_all(struct vm *vm, struct vcpu *v);
void vdev_vcpu_load_all(struct vm *vm, struct vcpu *v);
void vdev_vcpu_reset_all(struct vm *vm, struct vcpu *v);
/* Every instance's fdt_node, in list order; the first libfdt error ends it. */
int vdev_fdt_all(struct vm *vm, void *fdt);

#endif
