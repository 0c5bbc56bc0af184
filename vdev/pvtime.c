/*
 * Paravirtual stolen time (Arm DEN0057A), as KVM gives it to its guests:
 * a guest that finds it (SMCCC_ARCH_FEATURES(PV_TIME_FEATURES), then
 * PV_TIME_FEATURES(PV_TIME_ST)) asks PV_TIME_ST for the IPA of its vCPU's
 * record and reads there, in nanoseconds, how long the vCPU was runnable
 * while its physical CPU ran another vCPU (Linux shows it as `steal`).
 *
 * A device, because it owns guest-visible state: one 4 KiB page of
 * records (64 bytes per vCPU: revision 0, attributes 0, stolen_time),
 * mapped read-only into the VM's stage 2 at GUEST_PVTIME_IPA, outside
 * RAM; and a vcpu_load hook, the moment KVM updates the record too. The
 * core counts the stolen time itself (core/sched.c, where the CPU changes
 * vCPU); this file only publishes it. The SMCCC calls are answered here as
 * well, the region and the calls that hand it out being one thing: a VM
 * whose device list leaves "pvtime" out is told PV_TIME_ST is not there.
 *
 * Semantics as KVM 6.1 (arch/arm64/kvm/pvtime.c, hypercalls.c):
 *   ARCH_FEATURES(PV_TIME_FEATURES) = SUCCESS: the PV time service exists
 *     (whether this VM has records is PV_TIME_FEATURES' answer);
 *   PV_TIME_FEATURES(PV_TIME_FEATURES or PV_TIME_ST) = SUCCESS when the VM
 *     has records, anything else NOT_SUPPORTED (the argument is 32 bits);
 *   PV_TIME_ST: the calling vCPU's record IPA; the record is zeroed and
 *     counts from this call on.
 * Only the SMC64/HVC64 IDs exist (0xC5000020, 0xC5000021).
 */
#include <arch/cache.h>
#include <arch/hyp_timer.h>
#include <arch/stage2.h>
#include <hyparm/errno.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

#define PV_TIME_FEATURES_FID 0xC5000020u
#define PV_TIME_ST_FID 0xC5000021u

/* The record DEN0057A defines: 64 bytes, 64-byte aligned, little-endian. */
struct pvtime_record {
	u32 revision; /* 0 */
	u32 attributes; /* 0 */
	u64 stolen_time; /* nanoseconds; written with one 64-bit store */
	u8 pad[48];
};
_Static_assert(sizeof(struct pvtime_record) == 64, "DEN0057A stolen-time record is 64 bytes");
_Static_assert(VM_MAX_VCPUS * sizeof(struct pvtime_record) <= PAGE_SIZE,
	       "one page holds every vCPU's record");

struct pvtime {
	bool present; /* this VM has the device */
	struct pvtime_record *records; /* one page, hyparm's pointer (identity mapped: also its PA) */
	/* Per vCPU: the guest asked for its record (PV_TIME_ST) when the core's count was at `base`. */
	bool enabled[VM_MAX_VCPUS];
	u64 base[VM_MAX_VCPUS];
};

static struct pvtime pvtimes[VM_MAX];

/* Physical counts to nanoseconds, without overflowing for any realistic total. */
static u64 counts_to_ns(u64 counts)
{
	u64 freq = hyp_timer_freq();

	if (!freq)
		return 0;
	return counts / freq * 1000000000ULL + counts % freq * 1000000000ULL / freq;
}

/* Publish v's stolen time in its record: one single-copy-atomic store, as the guest reads it with one load. */
static void publish(struct pvtime *pt, struct vcpu *v)
{
	struct pvtime_record *r = &pt->records[v->id];

	__atomic_store_n(&r->stolen_time, counts_to_ns(vcpu_stolen_counts(v) - pt->base[v->id]),
			 __ATOMIC_RELEASE);
	/* A guest reading with its MMU off reads memory, not hyparm's cache: put the line there. */
	arch_dcache_clean_inval_range((paddr_t)(uintptr_t)r, sizeof(*r));
}

static void vcpu_load(struct vdev *d, struct vcpu *v)
{
	struct pvtime *pt = d->state;

	if (pt->enabled[v->id])
		publish(pt, v);
}

static void reset(struct vdev *d)
{
	struct pvtime *pt = d->state;

	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		pt->enabled[i] = false;
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		pt->records[i] = (struct pvtime_record){ 0 };
	arch_dcache_clean_inval_range((paddr_t)(uintptr_t)pt->records, PAGE_SIZE);
}

static int create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct pvtime *pt = &pvtimes[vm->id];
	int rc;

	*pt = (struct pvtime){ 0 };
	pt->records = page_alloc(1);
	if (!pt->records) {
		hv_snprintf(err, errlen, "vm %s: pvtime: out of memory", vm->name);
		return -HV_ENOMEM;
	}
	/* Read-only: the guest only reads its records (a write is an external abort, as for any unowned IPA). */
	rc = vm_map_frames(vm, GUEST_PVTIME_IPA, (paddr_t)(uintptr_t)pt->records, PAGE_SIZE, S2_R,
			   S2_MEM_NORMAL);
	if (rc) {
		page_free(pt->records, 1);
		hv_snprintf(err, errlen, "vm %s: pvtime: cannot map its records (%s)", vm->name,
			    hv_strerror(rc));
		return rc;
	}
	pt->present = true;
	d->state = pt;
	return HV_OK;
}

static const struct vdev_type pvtime_type = {
	.name = "pvtime",
	.create = create,
	.reset = reset,
	.vcpu_load = vcpu_load,
};
VDEV_REGISTER(pvtime_type);

/* ---- the SMCCC calls ---- */

static s64 pv_time_features(const struct pvtime *pt, u32 fid)
{
	if ((fid == PV_TIME_FEATURES_FID || fid == PV_TIME_ST_FID) && pt->present)
		return SMCCC_RET_SUCCESS;
	return SMCCC_RET_NOT_SUPPORTED;
}

static s64 pv_time_st(struct pvtime *pt, struct vcpu *v)
{
	if (!pt->present)
		return SMCCC_RET_NOT_SUPPORTED;
	/* Counting starts now, from zero, as KVM does. */
	pt->base[v->id] = vcpu_stolen_counts(v);
	pt->enabled[v->id] = true;
	publish(pt, v);
	return (s64)(GUEST_PVTIME_IPA + v->id * sizeof(struct pvtime_record));
}

static enum smccc_action pvtime_call(struct vcpu *v, u64 regs[18])
{
	struct pvtime *pt = &pvtimes[v->vm->id];
	s64 r = SMCCC_RET_NOT_SUPPORTED;

	switch ((u32)regs[0]) {
	case PV_TIME_FEATURES_FID:
		r = pv_time_features(pt, (u32)regs[1]);
		break;
	case PV_TIME_ST_FID:
		r = pv_time_st(pt, v);
		break;
	}
	regs[0] = (u64)r;
	regs[1] = regs[2] = regs[3] = 0; /* KVM returns x1..x3 zero */
	return SMCCC_RESUME;
}

static s64 pvtime_arch_features(u32 fid)
{
	return fid == PV_TIME_FEATURES_FID ? SMCCC_RET_SUCCESS : SMCCC_RET_NOT_SUPPORTED;
}

/* Part of the standard hypervisor service range (owner 5): only the two DEN0057A calls. */
static const struct smccc_service pvtime_service = {
	.name = "pv-time",
	.range = { { PV_TIME_FEATURES_FID, PV_TIME_ST_FID } },
	.call = pvtime_call,
	.arch_features = pvtime_arch_features,
};
SMCCC_SERVICE(pvtime_service);
