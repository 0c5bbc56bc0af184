/*
 * The vGIC distributor and redistributor register models through their
 * MMIO ops only (vgic_dist_mmio_ops, vgic_redist_mmio_ops): random
 * offsets, sizes 1/2/4/8 and values from any vCPU of a VM of 1..4 vCPUs.
 * Kept to that interface on purpose: the vGIC sources are being
 * reorganised, and this harness should survive it with at most its
 * SRCS list changed. Checks: every access succeeds (reserved space is
 * RAZ/WI), each SPI's target is a vCPU of the VM, no interrupt claims a
 * list register. The fake is that of tests/unit/test_vgic.c.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>
#include "input.h"

static struct vm vm;
static struct vcpu vcpus[4];

void vgic_kick(struct vcpu *v) { FUZZ_CHECK(v->vm == &vm && v->id < vm.nr_vcpus); }

static u64 pick_off(struct fuzz_input *in, uint8_t how, u64 span)
{
	switch (how & 3) {
	case 0: return (u64)fuzz_u16(in) & ~3ULL;          /* first 64 KiB frame, word aligned */
	case 1: return ((u64)fuzz_u8(in) << 16) | (fuzz_u16(in) & ~3ULL); /* any frame */
	case 2: return fuzz_u32(in) % span;
	default: return fuzz_u64(in);
	}
}

static void check_model(void)
{
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++) {
		FUZZ_CHECK(vm.vgic.spi[i].target < vm.nr_vcpus);
		FUZZ_CHECK(vm.vgic.spi[i].lr == -1);
		FUZZ_CHECK(vm.vgic.spi[i].group <= 1);
	}
	for (unsigned c = 0; c < vm.nr_vcpus; c++)
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			FUZZ_CHECK(vcpus[c].vgic.priv[i].lr == -1 && vcpus[c].vgic.priv[i].group <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	uint8_t layout = fuzz_u8(&in);

	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	vm.nr_vcpus = 1 + (layout & 3);
	for (unsigned i = 0; i < vm.nr_vcpus; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].mpidr = (layout & 4) ? (i & 1) | (i >> 1) << 8 : i;
		vm.vcpus[i] = &vcpus[i];
		vgic_vcpu_init(&vcpus[i]);
	}
	vgic_init(&vm, 4);

	while (in.left) {
		uint8_t op = fuzz_u8(&in);
		struct vcpu *v = &vcpus[(op >> 4) % vm.nr_vcpus];
		unsigned sz = 1u << ((op >> 2) & 3);
		bool redist = op & 0x40, write = op & 0x80;
		const struct mmio_ops *ops = redist ? &vgic_redist_mmio_ops : &vgic_dist_mmio_ops;
		u64 off = pick_off(&in, op, redist ? VGIC_REDIST_SIZE * vm.nr_vcpus : VGIC_DIST_SIZE);
		u64 val = write ? fuzz_bytes(&in, sz) : 0xA5A5A5A5A5A5A5A5ULL;
		int rc = write ? ops->write(&vm, v, off, sz, val) : ops->read(&vm, v, off, sz, &val);

		FUZZ_CHECK(rc == HV_OK);
		check_model();
	}
	return 0;
}
