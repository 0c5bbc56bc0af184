/* The fake CPU's pointer-authentication keys (arch/host/fake_pauth.c), for host tests of arch/arm64/pauth.c. */
#ifndef ARCH_FAKE_PAUTH_H
#define ARCH_FAKE_PAUTH_H

#include <arch/pauth.h>

struct fake_pauth {
	u64 key[PAUTH_NR_KEY_REGS]; /* the CPU's key registers */
	u64 hcr; /* the last HCR_EL2 pauth_hw_write_hcr wrote */
	unsigned key_writes, key_reads, hcr_writes;
};

extern struct fake_pauth fake_pauth;

void fake_pauth_reset(void);

#endif
