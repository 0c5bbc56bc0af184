/*
 * e. Isolation. Run as two VMs (role=writer and role=reader, same secret).
 * The writer fills part of its RAM with the secret and stays up a while;
 * the reader scans its whole RAM and probes IPAs outside it: it must never
 * see the secret, nor hyparm's image (the IPAs equal to hyparm's physical
 * addresses are its own RAM, or nothing).
 */
#include "guest.h"

static volatile int aborts;

static bool on_abort(struct frame *f, const struct exception *e)
{
	aborts++;
	f->elr = e->elr + 4;
	return true;
}

extern char __image_end[];

static void writer(u64 secret)
{
	u64 base, size;
	dtb_memory(&base, &size);
	/* 1 MiB of secret, 1 MiB below the end of RAM. */
	volatile u64 *p = (volatile u64 *)(base + size - 0x200000);
	for (unsigned i = 0; i < 0x100000 / 8; i++)
		p[i] = secret;
	gprintf("secret written\n");
	delay_ms(3000);
	check(p[0] == secret && p[0x1FFFF] == secret, "secret still in place");
}

static void reader(u64 secret, u64 hyp_base, u64 hyp_size)
{
	u64 base, size, found = 0, n = 0;

	set_exception_handler(on_abort);
	dtb_memory(&base, &size);
	delay_ms(1000); /* let the writer write first */
	for (u64 a = ALIGN_UP_8((u64)__image_end); a < base + size; a += 8, n++)
		if (*(volatile u64 *)a == secret)
			found++;
	check(found == 0, "secret not found in %llu words of own RAM", (unsigned long long)n);

	/* IPAs equal to hyparm's physical image: guest RAM of its own, never hyparm's code. */
	if (hyp_size) {
		const volatile u32 *magic = (const volatile u32 *)(hyp_base + 0x38);
		check(*magic != 0x644d5241, "no 'ARM\\x64' Image magic at IPA 0x%llx (hyparm is not visible)",
		      (unsigned long long)(hyp_base + 0x38));
		/* Above our image and stack, our RAM was zeroed by hyparm: nothing of hyparm's code shows. */
		bool zero = true;
		for (u64 a = hyp_base; a < hyp_base + hyp_size && a < base + size; a += 8)
			if (a >= (u64)__image_end && (a < dtb_addr() || a >= dtb_addr() + dtb_size()) &&
			    *(volatile u64 *)a != 0)
				zero = false;
		check(zero, "IPAs 0x%llx..0x%llx read as our own RAM (zeroed but for our DTB)",
		      (unsigned long long)hyp_base, (unsigned long long)(hyp_base + hyp_size));
	}
	/* Beyond RAM, and in device space nobody emulates: external aborts, never data. */
	static const u64 probes[] = { 0, 0x1000, 0x0C000000, 0x3FFFF000 };
	int before = aborts;
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		(void)*(volatile u64 *)probes[i];
	(void)*(volatile u64 *)(base + size);
	(void)*(volatile u64 *)(base + size + 0x40000000);
	check(aborts - before == 6, "6 probes outside RAM and devices each aborted (%d)", aborts - before);
}

int main(void)
{
	u64 secret = 0x5ec7e75ec7e75ec7ULL, hyp_base = 0, hyp_size = 0;
	char role[16] = "";

	bootarg_u64("secret", &secret);
	bootarg_u64("hyp_base", &hyp_base);
	bootarg_u64("hyp_size", &hyp_size);
	bootarg_str("role", role, sizeof(role));
	gprintf("isolation %s start %llu\n", role, (unsigned long long)now_ticks());
	if (role[0] == 'w')
		writer(secret);
	else
		reader(secret, hyp_base, hyp_size);
	gprintf("isolation %s end %llu\n", role, (unsigned long long)now_ticks());
	return 0;
}
