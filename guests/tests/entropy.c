/*
 * Boot entropy as a KVM guest gets it: /chosen/rng-seed and kaslr-seed in
 * the device tree hyparm wrote for this boot, and SMCCC TRNG 1.0 (Arm
 * DEN0098) answered as KVM 6.1 answers it. Prints what it got on
 * "ENTROPY name hex" lines, so that the test (tests/integration/
 * test_kvm_abi.py) can check that two VMs, two boots and two runs never
 * see the same values. With the boot argument wait=1 it then reads the
 * console: 'r' restarts the VM (PSCI SYSTEM_RESET), 'q' ends the test.
 */
#include "guest.h"

#include <hyparm/trng.h>

#define NOT_SUPPORTED ((u64)-1)
#define INVALID_PARAMETERS ((u64)-2)
#define SMCCC_ARCH_FEATURES 0x80000001u
#define PSCI_SYSTEM_RESET 0x84000009u

/* hyparm's TRNG UUID (core/trng.c), as GET_UUID returns it in w0..w3. */
static const u32 hyparm_uuid[4] = { 0x2c8d3a5f, 0x074e419b, 0x8e1cd3a6, 0x904a7f2b };

/* An SMCCC call with x0..x3 out (guest.h's hvc_call/smc_call give x0 only). */
static u64 call4(bool smc, u64 fid, u64 a1, u64 r[4])
{
	register u64 x0 __asm__("x0") = fid;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = 0;
	register u64 x3 __asm__("x3") = 0;

	if (smc)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	r[0] = x0;
	r[1] = x1;
	r[2] = x2;
	r[3] = x3;
	return x0;
}

static void print_hex(const char *name, const u8 *b, u32 n)
{
	gprintf("ENTROPY %s ", name);
	for (u32 i = 0; i < n; i++)
		gprintf("%02x", b[i]);
	gprintf("\n");
}

static bool all_zero(const u8 *b, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void dt_seeds(void)
{
	u32 len = 0;
	const u8 *seed = dtb_prop("chosen", "rng-seed", &len);

	if (check(seed != NULL, "/chosen/rng-seed is present")) {
		check(len == 64, "rng-seed is 64 bytes (%u)", len);
		check(!all_zero(seed, len), "rng-seed is not all zeros");
		print_hex("rng-seed", seed, len);
	}
	len = 0;
	seed = dtb_prop("chosen", "kaslr-seed", &len);
	if (check(seed != NULL, "/chosen/kaslr-seed is present")) {
		check(len == 8, "kaslr-seed is a u64 (%u bytes)", len);
		check(!all_zero(seed, len), "kaslr-seed is not 0");
		print_hex("kaslr-seed", seed, len);
	}
}

static void trng_discovery(void)
{
	static const u32 fids[] = { TRNG_VERSION_FID, TRNG_FEATURES_FID, TRNG_GET_UUID_FID, TRNG_RND32_FID,
				    TRNG_RND64_FID };
	u64 r[4];
	unsigned ok = 0, hidden = 0;

	call4(false, TRNG_VERSION_FID, 0, r);
	check(r[0] == TRNG_VERSION_1_0, "TRNG_VERSION = 0x%llx (1.0)", (unsigned long long)r[0]);
	call4(true, TRNG_VERSION_FID, 0, r);
	check(r[0] == TRNG_VERSION_1_0, "TRNG_VERSION over SMC = 0x%llx", (unsigned long long)r[0]);
	for (unsigned i = 0; i < 5; i++) {
		ok += call4(false, TRNG_FEATURES_FID, fids[i], r) == 0;
		/* As KVM: SMCCC_ARCH_FEATURES does not know them; a guest asks TRNG_VERSION. */
		hidden += call4(false, SMCCC_ARCH_FEATURES, fids[i], r) == NOT_SUPPORTED;
	}
	check(ok == 5, "TRNG_FEATURES: all five functions implemented (%u)", ok);
	check(hidden == 5, "SMCCC_ARCH_FEATURES: NOT_SUPPORTED for the TRNG functions, as KVM (%u)", hidden);
	check(call4(false, TRNG_FEATURES_FID, 0x84000054, r) == NOT_SUPPORTED,
	      "TRNG_FEATURES(reserved 0x84000054) = NOT_SUPPORTED");
	check(call4(false, 0x84000054, 0, r) == NOT_SUPPORTED,
	      "reserved TRNG function 0x84000054 = NOT_SUPPORTED");
	call4(false, TRNG_GET_UUID_FID, 0, r);
	check((u32)r[0] != 0xFFFFFFFFu && r[0] == hyparm_uuid[0] && r[1] == hyparm_uuid[1] &&
		      r[2] == hyparm_uuid[2] && r[3] == hyparm_uuid[3],
	      "TRNG_GET_UUID = %08llx %08llx %08llx %08llx (hyparm's)", (unsigned long long)r[0],
	      (unsigned long long)r[1], (unsigned long long)r[2], (unsigned long long)r[3]);
}

static void trng_rnd(void)
{
	u64 a[4], b[4], r[4];

	call4(false, TRNG_RND64_FID, 192, a);
	call4(false, TRNG_RND64_FID, 192, b);
	check(a[0] == 0 && b[0] == 0, "TRNG_RND64(192) succeeds");
	check(a[1] != b[1] || a[2] != b[2] || a[3] != b[3], "two TRNG_RND64 calls return different bits");
	check(a[1] != a[2] && a[2] != a[3] && (a[1] | a[2] | a[3]), "the three registers differ");
	gprintf("ENTROPY rnd64 %016llx%016llx%016llx\n", (unsigned long long)a[1], (unsigned long long)a[2],
		(unsigned long long)a[3]);

	call4(false, TRNG_RND64_FID, 64, r);
	check(r[0] == 0 && r[1] == 0 && r[2] == 0, "TRNG_RND64(64): only x3 holds bits");
	call4(false, TRNG_RND64_FID, 1, r);
	check(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] <= 1, "TRNG_RND64(1): one bit, in x3");
	call4(false, TRNG_RND32_FID, 96, r);
	check(r[0] == 0 && (r[1] | r[2] | r[3]) >> 32 == 0 && (r[1] | r[2] | r[3]),
	      "TRNG_RND32(96): 32 bits in each of w1..w3");
	call4(false, TRNG_RND32_FID, 40, r);
	check(r[0] == 0 && r[1] == 0 && r[2] <= 0xFF && r[3] >> 32 == 0, "TRNG_RND32(40): bits 39..32 in w2");

	static const struct {
		u32 fid;
		u64 n;
	} bad[] = {
		{ TRNG_RND64_FID, 0 }, { TRNG_RND64_FID, 193 }, { TRNG_RND32_FID, 0 }, { TRNG_RND32_FID, 97 }
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		call4(false, bad[i].fid, bad[i].n, r);
		check(r[0] == INVALID_PARAMETERS && (r[1] | r[2] | r[3]) == 0,
		      "TRNG_RND%s(%llu) = INVALID_PARAMETERS, x1..x3 zero (%lld)",
		      bad[i].fid == TRNG_RND64_FID ? "64" : "32", (unsigned long long)bad[i].n,
		      (long long)r[0]);
	}
}

/* The console's next byte (virtual PL011: FR.RXFE clear means DR has one). */
static char uart_getc(void)
{
	volatile u32 *uart = (volatile u32 *)UART_BASE;

	while (uart[0x18 / 4] & (1u << 4))
		cpu_relax();
	return (char)(uart[0] & 0xFF);
}

int main(void)
{
	u64 wait = 0;

	dt_seeds();
	trng_discovery();
	trng_rnd();
	if (bootarg_u64("wait", &wait) && wait) {
		gprintf("ENTROPY waiting: r restarts the VM, q ends\n");
		for (;;) {
			char c = uart_getc();
			if (c == 'q')
				break;
			if (c == 'r')
				hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		}
	}
	return 0;
}
