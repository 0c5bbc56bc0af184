/*
 * The device registry (core/vdev.c): types registered with VDEV_REGISTER
 * in this file are found by name from the linker section, instances are
 * created in order, and the reset / vCPU put / load / reset hooks reach
 * each instance. Each test names the bug it catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/vdev.h>
#include <hyparm/irqchip.h>
#include <hyparm/vm.h>
#include <hyparm/print.h>

void hv_printf(const char *fmt, ...)
{
}

static struct vm vm;
static struct vcpu vcpu;

/* Calls to the hooks, in order: "<hook><instance index>". */
static char calls[256];
static void log_call(const char *what, struct vdev *d)
{
	char s[16];
	s[0] = what[0];
	s[1] = '0' + (char)(d - d->vm->devices);
	s[2] = ' ';
	s[3] = 0;
	strcat(calls, s);
}

static int made;
static int full_create(struct vdev *d, char *err, size_t errlen)
{
	assert_ptr_equal(d->vm, &vm);
	d->state = &made;
	made++;
	log_call("c", d);
	return HV_OK;
}
static void full_reset(struct vdev *d)
{
	log_call("r", d);
}
static void full_put(struct vdev *d, struct vcpu *v)
{
	assert_ptr_equal(v, &vcpu);
	log_call("p", d);
}
static void full_load(struct vdev *d, struct vcpu *v)
{
	assert_ptr_equal(v, &vcpu);
	log_call("l", d);
}
static void full_vcpu_reset(struct vdev *d, struct vcpu *v)
{
	assert_ptr_equal(v, &vcpu);
	log_call("v", d);
}

static const struct vdev_type full_type = {
	.name = "test-full",
	.multi_instance = true,
	.create = full_create,
	.reset = full_reset,
	.vcpu_put = full_put,
	.vcpu_load = full_load,
	.vcpu_reset = full_vcpu_reset,
};
VDEV_REGISTER(full_type);

/* Only the mandatory callbacks: the optional hooks are skipped, not called through NULL. */
static int bare_create(struct vdev *d, char *err, size_t errlen)
{
	log_call("c", d);
	return HV_OK;
}
static void bare_reset(struct vdev *d)
{
	log_call("r", d);
}
static const struct vdev_type bare_type = {
	.name = "test-bare", .multi_instance = true, .create = bare_create, .reset = bare_reset
};
VDEV_REGISTER(bare_type);

static int failing_create(struct vdev *d, char *err, size_t errlen)
{
	strcpy(err, "no");
	return -HV_EINVAL;
}
static const struct vdev_type failing_type = { .name = "test-failing", .create = failing_create };
VDEV_REGISTER(failing_type);

/* One per VM, as most devices are (they sit at the one address the platform gives them). */
static const struct vdev_type single_type = { .name = "test-single", .create = bare_create };
VDEV_REGISTER(single_type);

static const struct irqchip_ops no_irqchip;

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	strcpy(vm.name, "t");
	vcpu.vm = &vm;
	vm.vcpus[0] = &vcpu;
	vm.nr_vcpus = 1;
	vm.irqchip = &no_irqchip; /* devices other than the interrupt controller need one to exist */
	calls[0] = 0;
	made = 0;
	return 0;
}

/* Catches: the section walked wrongly (types missed or read past its end), prefix matches. */
static void types_are_found_by_name(void **state)
{
	assert_ptr_equal(vdev_type_find("test-full"), &full_type);
	assert_ptr_equal(vdev_type_find("test-bare"), &bare_type);
	assert_ptr_equal(vdev_type_find("test-failing"), &failing_type);
	assert_null(vdev_type_find("test"));
	assert_null(vdev_type_find("test-full-x"));
	assert_null(vdev_type_find(""));
}

/*
 * Instances in the configuration's order, each with its own state; a
 * failed create leaves no instance; unknown names and a full VM are
 * errors with a message. Catches: a failed device left half made in the
 * list (its hooks would run), instances overwriting each other.
 */
static void create_in_order_and_errors(void **state)
{
	char err[80] = "";

	assert_int_equal(vdev_create(&vm, "test-full", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "test-bare", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "test-failing", err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(err, "no");
	assert_int_equal(vdev_create(&vm, "test-full", err, sizeof(err)), HV_OK);
	assert_int_equal(vm.nr_devices, 3);
	assert_ptr_equal(vm.devices[0].type, &full_type);
	assert_ptr_equal(vm.devices[1].type, &bare_type);
	assert_ptr_equal(vm.devices[2].type, &full_type);
	assert_ptr_equal(vm.devices[0].vm, &vm);
	assert_ptr_equal(vm.devices[2].state, &made);
	assert_null(vm.devices[1].state);
	assert_string_equal(calls, "c0 c1 c2 ");

	assert_int_equal(vdev_create(&vm, "nonesuch", err, sizeof(err)), -HV_ENOENT);
	assert_non_null(strstr(err, "nonesuch"));
	for (unsigned i = vm.nr_devices; i < VM_MAX_DEVICES; i++)
		assert_int_equal(vdev_create(&vm, "test-bare", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "test-bare", err, sizeof(err)), -HV_ENOMEM);
	assert_int_equal(vm.nr_devices, VM_MAX_DEVICES);
}

/*
 * A device that is not multi_instance is refused a second time, with its
 * name (catches: a device listed in `devices` and given a manifest node
 * too, both writing one per-VM state and one MMIO range).
 */
static void second_single_instance_refused(void **state)
{
	char err[120] = "";

	assert_int_equal(vdev_create(&vm, "test-single", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "test-single", err, sizeof(err)), -HV_EEXIST);
	assert_non_null(strstr(err, "a second 'test-single'"));
	assert_int_equal(vm.nr_devices, 1);
}

/*
 * Each hook reaches every instance that has it, in order, with the vCPU.
 * Catches: only the first instance reset (a second UART keeps its state
 * across a VM reset), a NULL optional hook called.
 */
static void hooks_reach_every_instance(void **state)
{
	char err[80];

	assert_int_equal(vdev_create(&vm, "test-full", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "test-bare", err, sizeof(err)), HV_OK);
	assert_int_equal(vdev_create(&vm, "test-full", err, sizeof(err)), HV_OK);
	calls[0] = 0;
	vdev_reset_all(&vm);
	vdev_vcpu_put_all(&vm, &vcpu);
	vdev_vcpu_load_all(&vm, &vcpu);
	vdev_vcpu_reset_all(&vm, &vcpu);
	assert_string_equal(calls, "r0 r1 r2 p0 p2 l0 l2 v0 v2 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(types_are_found_by_name, setup),
		cmocka_unit_test_setup(create_in_order_and_errors, setup),
		cmocka_unit_test_setup(hooks_reach_every_instance, setup),
		cmocka_unit_test_setup(second_single_instance_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
