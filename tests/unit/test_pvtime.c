/*
 * Paravirtual stolen time (vdev/pvtime.c) and KVM's vendor hypercalls
 * (core/kvm_vendor.c) on the arch fake, through the SMCCC dispatcher as a
 * guest's HVC reaches them. The core's stolen-time count (core/sched.c) is
 * set by hand here; test_sched checks how it grows. Each test names the
 * bug it catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <arch/stage2.h>
#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/page_alloc.h>
#include <hyparm/vmm.h>
#include <hyparm/print.h>
#include <hyparm/smccc.h>
#include <hyparm/vm.h>
#include <hyparm/wallclock.h>

#define NOT_SUPPORTED ((u64)(s64)SMCCC_RET_NOT_SUPPORTED)

/* ---- what the device needs from the rest of hyparm ---- */
void hv_printf(const char *fmt, ...)
{
}
int firmware_arch_features(u32 fid)
{
	return SMCCC_RET_NOT_SUPPORTED;
}
s64 firmware_call(u32 fid, u64 arg)
{
	fail();
	return 0;
}
static void *page; /* the one page the device of the current test got */
void *page_alloc(u64 n)
{
	assert_int_equal(n, 1);
	free(page);
	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(page, 0, PAGE_SIZE); /* page_alloc() zeroes */
	return page;
}
void page_free(void *p, u64 n)
{
}
/* The stage-2 mapping the device asks for (through the core, which remembers it for a rebuilt stage 2). */
static struct {
	ipa_t ipa;
	paddr_t pa;
	u64 size;
	unsigned perm;
	enum s2_memtype type;
	unsigned calls;
} mapped;
int vm_map_frames(struct vm *m, ipa_t ipa, paddr_t pa, u64 size, unsigned perm, enum s2_memtype type)
{
	mapped.ipa = ipa;
	mapped.pa = pa;
	mapped.size = size;
	mapped.perm = perm;
	mapped.type = type;
	mapped.calls++;
	return HV_OK;
}

static const struct irqchip_ops no_chip; /* vdev_create() wants one; pvtime raises no interrupt */
static struct vm vm, bare; /* bare: a VM whose device list leaves pvtime out */
static struct vcpu vcpus[2], bare_vcpu;

static void make_vm(struct vm *m, unsigned id, struct vcpu *v, unsigned n)
{
	memset(m, 0, sizeof(*m));
	m->id = id;
	strcpy(m->name, "t");
	m->nr_vcpus = n;
	m->irqchip = &no_chip;
	for (unsigned i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].vm = m;
		v[i].id = i;
		m->vcpus[i] = &v[i];
	}
}

static int setup(void **state)
{
	char err[80];

	arch_fake_reset(2, 4);
	assert_int_equal(smccc_services_init(), HV_OK); /* what boot does: index the services */
	memset(&mapped, 0, sizeof(mapped));
	make_vm(&vm, 0, vcpus, 2);
	make_vm(&bare, 1, &bare_vcpu, 1);
	assert_int_equal(vdev_create(&vm, "pvtime", err, sizeof(err)), HV_OK);
	arch_fake.now = 1000000;
	return 0;
}

/* One HVC: x0..x3 after the call. */
static void call(struct vcpu *v, u64 fid, u64 a1, u64 out[4])
{
	u64 regs[18] = { fid, a1, 0x1111, 0x2222 };

	assert_int_equal(smccc_dispatch(v, regs), SMCCC_RESUME);
	memcpy(out, regs, 4 * sizeof(u64));
}

static u64 x0(struct vcpu *v, u64 fid, u64 a1)
{
	u64 r[4];
	call(v, fid, a1, r);
	return r[0];
}

/* The record of vCPU i as the guest reads it at IPA ipa (the page the device mapped there). */
static volatile u64 *record(ipa_t ipa)
{
	assert_true(ipa >= mapped.ipa && ipa + 64 <= mapped.ipa + mapped.size);
	return (volatile u64 *)(uintptr_t)(mapped.pa + (ipa - mapped.ipa));
}

static void records_are_one_read_only_page_outside_ram(void **state)
{
	assert_int_equal(mapped.calls, 1);
	assert_int_equal(mapped.ipa, GUEST_PVTIME_IPA);
	assert_int_equal(mapped.size, PAGE_SIZE);
	assert_int_equal(mapped.perm, S2_R); /* a guest write must not reach hyparm's page */
	assert_int_equal(mapped.type, S2_MEM_NORMAL);
	assert_true(GUEST_PVTIME_IPA + GUEST_PVTIME_SIZE <= GUEST_RAM_IPA);
}

static void features_say_pv_time_exists_and_st_only_with_the_device(void **state)
{
	assert_int_equal(x0(&vcpus[0], SMCCC_ARCH_FEATURES_FID, 0xC5000020), 0);
	assert_int_equal(x0(&vcpus[0], SMCCC_ARCH_FEATURES_FID, 0xC5000021), NOT_SUPPORTED);
	assert_int_equal(x0(&vcpus[0], 0xC5000020, 0xC5000020), 0);
	assert_int_equal(x0(&vcpus[0], 0xC5000020, 0xC5000021), 0);
	assert_int_equal(x0(&vcpus[0], 0xC5000020, 0xABCD0000C5000021ULL), 0); /* a 32-bit argument */
	assert_int_equal(x0(&vcpus[0], 0xC5000020, 0xC5000022), NOT_SUPPORTED);
	assert_int_equal(x0(&vcpus[0], 0x85000020, 0xC5000021), NOT_SUPPORTED); /* no SMC32 form */
	/* Without the device: the service exists, stolen time does not. */
	assert_int_equal(x0(&bare_vcpu, SMCCC_ARCH_FEATURES_FID, 0xC5000020), 0);
	assert_int_equal(x0(&bare_vcpu, 0xC5000020, 0xC5000021), NOT_SUPPORTED);
	assert_int_equal(x0(&bare_vcpu, 0xC5000021, 0), NOT_SUPPORTED);
}

static void st_gives_each_vcpu_its_zeroed_record_and_counts_from_the_call(void **state)
{
	u64 r[4];

	vcpus[1].stolen = 12345; /* stolen before the guest asked: not its business */
	call(&vcpus[1], 0xC5000021, 0, r);
	assert_int_equal(r[0], GUEST_PVTIME_IPA + 64);
	assert_int_equal(r[1] | r[2] | r[3], 0);
	volatile u64 *rec = record(r[0]);
	assert_int_equal(rec[0], 0); /* revision, attributes */
	assert_int_equal(rec[1], 0);
	/* 1 ms stolen (62500 counts at 62.5 MHz): published when the vCPU is next loaded. */
	vcpus[1].stolen += 62500;
	assert_int_equal(rec[1], 0);
	vdev_vcpu_load_all(&vm, &vcpus[1]);
	assert_int_equal(rec[1], 1000000);
	assert_int_equal(rec[0], 0);
	/* vCPU 0 never asked: its record is never written. */
	vcpus[0].stolen = 99999;
	vdev_vcpu_load_all(&vm, &vcpus[0]);
	assert_int_equal(record(GUEST_PVTIME_IPA)[1], 0);
}

static void reset_zeroes_the_records_and_stops_publishing(void **state)
{
	u64 ipa = x0(&vcpus[0], 0xC5000021, 0);

	vcpus[0].stolen += 625000;
	vdev_vcpu_load_all(&vm, &vcpus[0]);
	assert_int_equal(record(ipa)[1], 10000000);
	vdev_reset_all(&vm);
	assert_int_equal(record(ipa)[1], 0);
	vcpus[0].stolen += 625000;
	vdev_vcpu_load_all(&vm, &vcpus[0]); /* the rebooted guest has not asked again */
	assert_int_equal(record(ipa)[1], 0);
}

static void vendor_uid_and_features_are_kvms_and_exactly_what_is_implemented(void **state)
{
	u64 r[4];

	call(&vcpus[0], 0x8600FF01, 0, r);
	assert_int_equal(r[0], 0xb66fb428u);
	assert_int_equal(r[1], 0xe911c52eu);
	assert_int_equal(r[2], 0x564bcaa9u);
	assert_int_equal(r[3], 0x743a004du);
	call(&vcpus[0], 0x86000000, 0, r);
	assert_int_equal(r[0], 3); /* FEATURES, PTP */
	assert_int_equal(r[1] | r[2] | r[3], 0);
	/* Everything else in the range, and its SMC64 half: NOT_SUPPORTED, x1..x3 zero. */
	static const u32 others[] = {
		0x86000002, 0x8600FF00, 0x8600FF03, 0xC6000000, 0xC6000001, 0x8600FFFF
	};
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		call(&vcpus[0], others[i], 0, r);
		assert_int_equal(r[0], NOT_SUPPORTED);
		assert_int_equal(r[1] | r[2] | r[3], 0);
	}
}

static void ptp_pairs_the_time_of_day_with_the_counter_read_at_the_same_instant(void **state)
{
	u64 r[4], ns, cycles;

	/* The RTC said 1700000000 s at count 500000; the VM's virtual counter is 200000 behind. */
	wallclock_set(1700000000ULL, 500000);
	vm.cntvoff = 200000;
	arch_fake.now = 500000 + 62500000ULL * 3 + 625; /* 3 s and 10 us later */
	call(&vcpus[0], 0x86000001, 0, r);
	ns = r[0] << 32 | r[1];
	cycles = r[2] << 32 | r[3];
	assert_true(r[1] <= 0xFFFFFFFFu && r[3] <= 0xFFFFFFFFu); /* 32-bit halves */
	assert_int_equal(ns, 1700000003000010000ULL);
	assert_int_equal(cycles, arch_fake.now - 200000); /* virtual */
	call(&vcpus[0], 0x86000001, 1, r);
	assert_int_equal(r[2] << 32 | r[3], arch_fake.now); /* physical */
	call(&vcpus[0], 0x86000001, 0x100000001ULL, r); /* SMC32: W1 only */
	assert_int_equal(r[2] << 32 | r[3], arch_fake.now);
	call(&vcpus[0], 0x86000001, 2, r);
	assert_int_equal(r[0], NOT_SUPPORTED);
	assert_int_equal(r[1] | r[2] | r[3], 0);
}

static void ptp_reads_the_counter_once(void **state)
{
	u64 r[4];

	/* A counter that moves at every read: time and count must still come from one reading. */
	wallclock_set(0, 0);
	arch_fake.now = 62500000;
	arch_fake.now_step = 1000;
	call(&vcpus[0], 0x86000001, 1, r);
	assert_int_equal(r[0] << 32 | r[1], (r[2] << 32 | r[3]) * 16); /* 62.5 MHz: 16 ns a count */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(records_are_one_read_only_page_outside_ram, setup),
		cmocka_unit_test_setup(features_say_pv_time_exists_and_st_only_with_the_device, setup),
		cmocka_unit_test_setup(st_gives_each_vcpu_its_zeroed_record_and_counts_from_the_call, setup),
		cmocka_unit_test_setup(reset_zeroes_the_records_and_stops_publishing, setup),
		cmocka_unit_test_setup(vendor_uid_and_features_are_kvms_and_exactly_what_is_implemented,
				       setup),
		cmocka_unit_test_setup(ptp_pairs_the_time_of_day_with_the_counter_read_at_the_same_instant,
				       setup),
		cmocka_unit_test_setup(ptp_reads_the_counter_once, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
