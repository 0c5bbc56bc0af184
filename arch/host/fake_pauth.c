/* The fake CPU's pointer-authentication keys (arch/fake_pauth.h): plain memory. */
#include <string.h>
#include <arch/fake_pauth.h>

struct fake_pauth fake_pauth;

void fake_pauth_reset(void)
{
	memset(&fake_pauth, 0, sizeof(fake_pauth));
}

void pauth_hw_read_keys(u64 key[PAUTH_NR_KEY_REGS])
{
	memcpy(key, fake_pauth.key, sizeof(fake_pauth.key));
	fake_pauth.key_reads++;
}

void pauth_hw_write_keys(const u64 key[PAUTH_NR_KEY_REGS])
{
	memcpy(fake_pauth.key, key, sizeof(fake_pauth.key));
	fake_pauth.key_writes++;
}

void pauth_hw_write_hcr(u64 hcr)
{
	fake_pauth.hcr = hcr;
	fake_pauth.hcr_writes++;
}
