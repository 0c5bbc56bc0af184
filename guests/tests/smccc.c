/*
 * b. SMCCC and PSCI discovery answer what a KVM 6.1 guest gets: PSCI 1.1
 * (SYSTEM_RESET2 included), SMCCC 1.1, the Spectre workaround answers
 * (bootargs expect_wa=A,B,C: what KVM answers on this CPU; -9 = do not
 * check), and every workaround call returns SUCCESS.
 */
#include "guest.h"

#define NOT_SUPPORTED ((u64)-1)
#define INVALID_PARAMETERS ((u64)-2)

/* expect_wa=A,B,C from the bootargs: the ARCH_FEATURES answers for WORKAROUND_1, _2, _3. */
static bool expected_wa(s64 want[3])
{
	char buf[32];
	const char *p = buf;

	if (!bootarg_str("expect_wa", buf, sizeof(buf)))
		return false;
	for (unsigned i = 0; i < 3; i++) {
		bool neg = *p == '-';
		s64 v = 0;
		p += neg;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (*p++ - '0');
		want[i] = neg ? -v : v;
		if (*p == ',')
			p++;
	}
	return true;
}

int main(void)
{
	u64 v;

	v = hvc_call(0x84000000, 0, 0, 0);
	check(v == 0x10001, "PSCI_VERSION = 0x%llx (1.1)", (unsigned long long)v);
	v = hvc_call(0x80000000, 0, 0, 0);
	check(v == 0x10001, "SMCCC_VERSION = 0x%llx (1.1)", (unsigned long long)v);
	v = hvc_call(0x8400000A, 0x80000000, 0, 0);
	check(v == 0, "PSCI_FEATURES(SMCCC_VERSION) = %lld", (long long)v);
	v = hvc_call(0x8400000A, 0x84000008, 0, 0);
	check(v == 0, "PSCI_FEATURES(SYSTEM_OFF) = %lld", (long long)v);
	v = hvc_call(0x8400000A, 0xC4000003, 0, 0);
	check(v == 0, "PSCI_FEATURES(CPU_ON64) = %lld", (long long)v);
	v = hvc_call(0x8400000A, 0x8400001F, 0, 0);
	check(v == NOT_SUPPORTED, "PSCI_FEATURES(unknown 0x8400001f) = %lld", (long long)v);
	v = hvc_call(0x84000006, 0, 0, 0);
	check(v == 2, "MIGRATE_INFO_TYPE = %lld (no trusted OS)", (long long)v);
	v = hvc_call(0x80000001, 0x80001234, 0, 0);
	check(v == NOT_SUPPORTED, "SMCCC_ARCH_FEATURES(unknown) = %lld", (long long)v);
	v = hvc_call(0x80000001, 0x80000001, 0, 0);
	check(v == 0, "SMCCC_ARCH_FEATURES(ARCH_FEATURES) = %lld", (long long)v);
	/* PSCI 1.1: SYSTEM_RESET2 is there (both conventions); what KVM 6.1 lacks is NOT_SUPPORTED. */
	v = hvc_call(0x8400000A, 0x84000012, 0, 0);
	check(v == 0, "PSCI_FEATURES(SYSTEM_RESET2) = %lld", (long long)v);
	v = hvc_call(0x8400000A, 0xC4000012, 0, 0);
	check(v == 0, "PSCI_FEATURES(SYSTEM_RESET2_64) = %lld", (long long)v);
	static const u32 absent[] = { 0x8400000B /* CPU_FREEZE */, 0x8400000C /* CPU_DEFAULT_SUSPEND */,
				      0xC400000E /* SYSTEM_SUSPEND64 */, 0x84000010 /* STAT_RESIDENCY */,
				      0x84000013 /* MEM_PROTECT */ };
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		v = hvc_call(0x8400000A, absent[i], 0, 0);
		check(v == NOT_SUPPORTED, "PSCI_FEATURES(0x%x) = %lld (NOT_SUPPORTED)", absent[i],
		      (long long)v);
	}
	/* SYSTEM_RESET2 with a reserved or a vendor type is refused, and the caller goes on. */
	v = hvc_call(0x84000012, 1, 0, 0);
	check(v == INVALID_PARAMETERS, "SYSTEM_RESET2(reserved type 1) = %lld (INVALID_PARAMETERS)",
	      (long long)v);
	v = hvc_call(0xC4000012, 0x80000000, 0, 0);
	check(v == NOT_SUPPORTED,
	      "SYSTEM_RESET2_64(vendor type 0x80000000) = %lld (NOT_SUPPORTED: no vendor reset)",
	      (long long)v);

	/* The Spectre workarounds: KVM's answers for this CPU; each call returns SUCCESS, as under KVM. */
	static const u32 wa_fid[3] = { 0x80008000, 0x80007FFF, 0x80003FFF };
	s64 want[3];
	bool have = expected_wa(want);
	for (unsigned i = 0; i < 3; i++) {
		s64 f = (s64)hvc_call(0x80000001, wa_fid[i], 0, 0);
		if (have && want[i] != -9)
			check(f == want[i], "SMCCC_ARCH_FEATURES(WORKAROUND_%u) = %lld (KVM: %lld)", i + 1,
			      (long long)f, (long long)want[i]);
		else
			gprintf("SMCCC_ARCH_FEATURES(WORKAROUND_%u) = %lld\n", i + 1, (long long)f);
		v = hvc_call(wa_fid[i], i == 1 ? 0 : 0xBAD, 0, 0);
		check(v == 0, "WORKAROUND_%u call = %lld (SUCCESS)", i + 1, (long long)v);
	}

	/* The SMC conduit reaches the same dispatcher (KVM 6.1 answers every SMC with -1: see docs/design.md). */
	v = smc_call(0x84000000, 0, 0, 0);
	check(v == 0x10001, "PSCI_VERSION over SMC = 0x%llx", (unsigned long long)v);
	return 0;
}
