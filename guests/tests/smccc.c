/* b. SMCCC and PSCI discovery answer what a KVM guest gets: PSCI 1.1, SMCCC 1.1. */
#include "guest.h"

#define NOT_SUPPORTED ((u64)-1)

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
	/* The SMC conduit reaches the same dispatcher. */
	v = smc_call(0x84000000, 0, 0, 0);
	check(v == 0x10001, "PSCI_VERSION over SMC = 0x%llx", (unsigned long long)v);
	return 0;
}
