/*
 * Paravirtual time and KVM's vendor hypercalls, as a KVM guest finds them:
 * the PV time service (DEN0057A: ARCH_FEATURES, PV_TIME_FEATURES,
 * PV_TIME_ST and the stolen-time record), KVM's vendor-hyp UID and
 * feature bitmap, and the PTP call (time of day and counter at one
 * instant). Bad arguments answer as KVM's do.
 *
 * Boot arguments choose the run:
 *   pvtime.hog=MS       be the hog: spin until the counter reads MS ms, then
 *                       print "hog_done MS" and power off
 *   pvtime.shared=MS    a hog shares this CPU until about MS ms: the stolen
 *                       time must grow while it runs; after MS (the hog is off)
 *                       it must not
 *   pvtime.absent=1     the VM has no pvtime device: PV_TIME_ST is not there
 *   (none)              alone on its CPU: the stolen time stays 0
 */
#include "guest.h"

#define NOT_SUPPORTED ((u64)-1)
#define ARCH_FEATURES 0x80000001u
#define PV_TIME_FEATURES 0xC5000020u
#define PV_TIME_ST 0xC5000021u
#define KVM_FEATURES 0x86000000u
#define KVM_PTP 0x86000001u
#define VENDOR_UID 0x8600FF01u

/* An SMCCC call over HVC with all four results. */
static void hvc4(u64 fid, u64 a1, u64 r[4])
{
	register u64 x0 __asm__("x0") = fid, x1 __asm__("x1") = a1, x2 __asm__("x2") = 0,
			x3 __asm__("x3") = 0;
	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	r[0] = x0;
	r[1] = x1;
	r[2] = x2;
	r[3] = x3;
}

static u64 ms_to_ticks(u64 ms)
{
	return ticks_per_sec() / 1000 * ms;
}

static u64 ticks_to_ms(u64 t)
{
	return t / (ticks_per_sec() / 1000);
}

static u64 ticks_to_ns(u64 t)
{
	u64 f = ticks_per_sec();
	return t / f * 1000000000ULL + t % f * 1000000000ULL / f;
}

static u64 phys_now(void)
{
	isb();
	u64 t = read_sysreg(cntpct_el0);
	isb();
	return t;
}

/* The record: revision, attributes, stolen_time (ns). The MMU is off: each load reaches memory. */
static volatile u32 *rec32;
static u64 stolen(void)
{
	return *(volatile u64 *)(rec32 + 2);
}

static volatile int aborts;
static bool on_abort(struct frame *f, const struct exception *e)
{
	aborts++;
	f->elr = e->elr + 4;
	return true;
}

static void hog(u64 ms)
{
	while (now_ticks() < ms_to_ticks(ms))
		;
	gprintf("hog_done %llu\n", (unsigned long long)ms);
	check(true, "hogged the CPU until %llu ms", (unsigned long long)ms);
}

static void discovery(bool present)
{
	u64 r[4];

	hvc4(ARCH_FEATURES, PV_TIME_FEATURES, r);
	check(r[0] == 0, "ARCH_FEATURES(PV_TIME_FEATURES) = %lld (the service exists)", (long long)r[0]);
	hvc4(ARCH_FEATURES, PV_TIME_ST, r);
	check(r[0] == NOT_SUPPORTED, "ARCH_FEATURES(PV_TIME_ST) = %lld (asked of PV_TIME_FEATURES instead)",
	      (long long)r[0]);
	hvc4(PV_TIME_FEATURES, PV_TIME_ST, r);
	check(r[0] == (present ? 0 : NOT_SUPPORTED), "PV_TIME_FEATURES(PV_TIME_ST) = %lld", (long long)r[0]);
	hvc4(PV_TIME_FEATURES, PV_TIME_FEATURES, r);
	check(r[0] == (present ? 0 : NOT_SUPPORTED), "PV_TIME_FEATURES(PV_TIME_FEATURES) = %lld",
	      (long long)r[0]);
	hvc4(PV_TIME_FEATURES, 0xFFFFFFFF00000000ULL | PV_TIME_ST, r);
	check(r[0] == (present ? 0 : NOT_SUPPORTED),
	      "PV_TIME_FEATURES takes a 32-bit ID (upper half ignored)");
	hvc4(PV_TIME_FEATURES, 0xC5000022u, r);
	check(r[0] == NOT_SUPPORTED, "PV_TIME_FEATURES(0xc5000022) = %lld", (long long)r[0]);
	hvc4(PV_TIME_FEATURES, ARCH_FEATURES, r);
	check(r[0] == NOT_SUPPORTED, "PV_TIME_FEATURES(ARCH_FEATURES) = %lld", (long long)r[0]);
	hvc4(0x85000021u, 0, r);
	check(r[0] == NOT_SUPPORTED, "PV_TIME_ST as an HVC32 call (0x85000021) = %lld", (long long)r[0]);
}

/* PV_TIME_ST: the record's IPA, 64-byte aligned, outside RAM, zeroed. */
static bool stolen_time_record(void)
{
	u64 r[4], base = 0, size = 0, ipa, t0 = now_ticks();

	hvc4(PV_TIME_ST, 0, r);
	ipa = r[0];
	dtb_memory(&base, &size);
	check(ipa == GUEST_PVTIME_IPA, "PV_TIME_ST = 0x%llx (vCPU 0's record at GUEST_PVTIME_IPA)",
	      (unsigned long long)ipa);
	check(ipa % 64 == 0 && (ipa + 64 <= base || ipa >= base + size),
	      "the record is 64-byte aligned and outside RAM [0x%llx, 0x%llx)", (unsigned long long)base,
	      (unsigned long long)(base + size));
	check(r[1] == 0 && r[2] == 0 && r[3] == 0, "x1..x3 are zero");
	if (ipa != GUEST_PVTIME_IPA)
		return false;
	rec32 = (volatile u32 *)ipa;
	check(rec32[0] == 0 && rec32[1] == 0, "revision %u, attributes %u (both 0)", rec32[0], rec32[1]);
	/* It counts from the call: never more than the time since (another VM may have run meanwhile). */
	u64 s = stolen(), since = ticks_to_ns(now_ticks() - t0);
	check(s <= since, "stolen time counts from PV_TIME_ST: %llu ns of %llu ns since",
	      (unsigned long long)s, (unsigned long long)since);
	/* The guest only reads it: a store is refused like any IPA the guest does not own. */
	set_exception_handler(on_abort);
	u64 before = stolen();
	rec32[2] = 0xdead;
	set_exception_handler(NULL);
	check(aborts == 1 && stolen() == before, "a store to the record is refused (external abort)");
	return true;
}

/* Spin for ms; the stolen time that grew meanwhile. */
static u64 stolen_over(u64 ms)
{
	u64 s0 = stolen();
	delay_ms(ms);
	return stolen() - s0;
}

static void stolen_when_shared(u64 shared_ms)
{
	u64 t0 = now_ticks(), window = 500, s;

	/* The hog may start a little after us: wait for the first stolen nanoseconds (at most 2 s). */
	while (stolen() == 0 && now_ticks() - t0 < ms_to_ticks(2000))
		;
	check(stolen() > 0, "stolen time appears once the hog shares the CPU (%llu ns at %llu ms)",
	      (unsigned long long)stolen(), (unsigned long long)ticks_to_ms(now_ticks()));
	s = stolen_over(window);
	check(now_ticks() < ms_to_ticks(shared_ms), "the window ended while the hog ran (at %llu ms)",
	      (unsigned long long)ticks_to_ms(now_ticks()));
	/* 10 ms slices against one hog: about half; the window is the upper bound. */
	check(s >= window * 1000000 / 4 && s <= window * 1000000 + 1000000,
	      "stolen %llu us of a %llu ms spin while the hog ran (about half)",
	      (unsigned long long)(s / 1000), (unsigned long long)window);
	/* The hog powers off at shared_ms: alone again, nothing is stolen. */
	while (now_ticks() < ms_to_ticks(shared_ms))
		;
	gprintf("alone_from %llu\n", (unsigned long long)shared_ms);
	s = stolen_over(window);
	check(s == 0, "stolen %llu ns of a %llu ms spin after the hog powered off (none)",
	      (unsigned long long)s, (unsigned long long)window);
}

static void stolen_when_alone(void)
{
	u64 s = stolen_over(300);
	check(s == 0 && stolen() == 0, "alone on its CPU: stolen time stays 0 (%llu ns)",
	      (unsigned long long)stolen());
}

static void vendor_hyp(void)
{
	u64 r[4];

	hvc4(VENDOR_UID, 0, r);
	check(r[0] == 0xb66fb428u && r[1] == 0xe911c52eu && r[2] == 0x564bcaa9u && r[3] == 0x743a004du,
	      "VENDOR_HYP_CALL_UID: KVM's 28b46fb6-2ec5-11e9-a9ca-4b564d003a74 (%llx %llx %llx %llx)",
	      (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2],
	      (unsigned long long)r[3]);
	hvc4(KVM_FEATURES, 0, r);
	check(r[0] == 3 && r[1] == 0 && r[2] == 0 && r[3] == 0,
	      "KVM_FEATURES = 0x%llx 0x%llx 0x%llx 0x%llx (FEATURES and PTP only)", (unsigned long long)r[0],
	      (unsigned long long)r[1], (unsigned long long)r[2], (unsigned long long)r[3]);
	hvc4(0x86000002u, 0, r);
	check(r[0] == NOT_SUPPORTED, "vendor call 0x86000002 = %lld", (long long)r[0]);
	hvc4(0x8600FF00u, 0, r);
	check(r[0] == NOT_SUPPORTED, "vendor call count 0x8600ff00 = %lld (KVM has none)", (long long)r[0]);
	hvc4(0xC6000001u, 0, r);
	check(r[0] == NOT_SUPPORTED, "PTP as an SMC64 call (0xc6000001) = %lld", (long long)r[0]);
	hvc4(ARCH_FEATURES, KVM_PTP, r);
	check(r[0] == NOT_SUPPORTED, "ARCH_FEATURES(KVM_PTP) = %lld (found through the UID)",
	      (long long)r[0]);
}

/* PTP: ns of the time of day and a counter value; r holds the raw result. */
static bool ptp(u64 which, u64 *ns, u64 *cycles, u64 r[4])
{
	hvc4(KVM_PTP, which, r);
	*ns = r[0] << 32 | (u32)r[1];
	*cycles = r[2] << 32 | (u32)r[3];
	return (s64)r[0] >= 0;
}

static void kvm_ptp(void)
{
	u64 r[4], ns, cy, ns2, cy2, before, after;

	before = now_ticks();
	bool ok = ptp(0, &ns, &cy, r);
	after = now_ticks();
	check(ok && before <= cy && cy <= after,
	      "PTP(virtual): counter %llu between the guest's own reads %llu..%llu", (unsigned long long)cy,
	      (unsigned long long)before, (unsigned long long)after);
	before = phys_now();
	ok = ptp(1, &ns, &cy, r);
	after = phys_now();
	check(ok && before <= cy && cy <= after,
	      "PTP(physical): counter %llu between CNTPCT reads %llu..%llu", (unsigned long long)cy,
	      (unsigned long long)before, (unsigned long long)after);
	check(ns > 0, "PTP: time of day %llu.%09llu s", (unsigned long long)(ns / 1000000000ULL),
	      (unsigned long long)(ns % 1000000000ULL));
	/* Time and counter are read at one instant: 100 ms later, both moved by the same amount. */
	delay_ms(100);
	ptp(1, &ns2, &cy2, r);
	u64 dns = ns2 - ns, dcy = ticks_to_ns(cy2 - cy);
	check(dns + 1000 >= dcy && dns <= dcy + 1000,
	      "PTP: time moved %llu ns while the counter moved %llu ns", (unsigned long long)dns,
	      (unsigned long long)dcy);
	check(dns >= 100000000ULL && dns < 1000000000ULL, "PTP: 100 ms of spinning is %llu ms of time of day",
	      (unsigned long long)(dns / 1000000));
	/* Bad arguments, as KVM answers them. */
	ok = ptp(2, &ns, &cy, r);
	check(!ok && r[0] == NOT_SUPPORTED && r[1] == 0 && r[2] == 0 && r[3] == 0,
	      "PTP(2) = %lld, x1..x3 zero (no such counter)", (long long)r[0]);
	ok = ptp(0x100000001ULL, &ns, &cy, r);
	check(ok, "PTP takes a 32-bit argument (0x1_00000001 is the physical counter)");
}

int main(void)
{
	u64 ms;
	bool absent = bootarg_u64("pvtime.absent", &ms) && ms;

	if (bootarg_u64("pvtime.hog", &ms)) {
		hog(ms);
		return 0;
	}
	discovery(!absent);
	if (absent) {
		u64 r[4];
		hvc4(PV_TIME_ST, 0, r);
		check(r[0] == NOT_SUPPORTED, "without the pvtime device, PV_TIME_ST = %lld", (long long)r[0]);
	} else if (stolen_time_record()) {
		if (bootarg_u64("pvtime.shared", &ms))
			stolen_when_shared(ms);
		else
			stolen_when_alone();
	}
	vendor_hyp();
	kvm_ptp();
	return 0;
}
