/*
 * MTE from Linux user space in a guest (hyparm.test=mte): a PROT_MTE page,
 * tagged with IRG/STG, read through the right tag; a child reading it
 * through a wrong tag is killed by SIGSEGV (the synchronous tag-check
 * fault, taken by the guest kernel, never by hyparm). The page is tagged
 * alike all over: QEMU 7.2 shares tags within a page (guests/tests/mte.c).
 */
#include "nolibc.h"

#define SYS_prctl 167
#define SYS_clone 220
#define SYS_mmap 222
#define SYS_wait4 260
#define SYS_exit 93

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_MTE 0x20
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_TAGGED_ADDR_ENABLE 1UL
#define PR_MTE_TCF_SYNC (1UL << 1)
#define PR_MTE_TAG_SHIFT 3
#define SIGCHLD 17
#define SIGSEGV 11

#define PAGE 4096
#define GRANULE 16
#define TAG_OF(p) (((p) >> 56) & 0xF)
#define WITH_TAG(p, t) (((p) & ~(0xFUL << 56)) | ((u64)(t) << 56))

/* mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0): six arguments, one more than sys6 passes. */
static s64 mmap_anon(u64 len, u64 prot)
{
	register u64 x8 __asm__("x8") = SYS_mmap;
	register u64 x0 __asm__("x0") = 0;
	register u64 x1 __asm__("x1") = len;
	register u64 x2 __asm__("x2") = prot;
	register u64 x3 __asm__("x3") = MAP_PRIVATE | MAP_ANONYMOUS;
	register u64 x4 __asm__("x4") = (u64)-1;
	register u64 x5 __asm__("x5") = 0;
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return (s64)x0;
}

static u64 irg(u64 p)
{
	u64 r;
	__asm__ volatile(".arch armv8.5-a+memtag\n irg %0, %1" : "=r"(r) : "r"(p));
	return r;
}

static void stg(u64 p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\n stg %0, [%0]" : : "r"(p) : "memory");
}

static unsigned ldg(u64 p)
{
	u64 r = p;
	__asm__ volatile(".arch armv8.5-a+memtag\n ldg %0, [%1]" : "+r"(r) : "r"(p) : "memory");
	return TAG_OF(r);
}

static void line(int ok, const char *what)
{
	put(ok ? "PASS: " : "FAIL: ");
	put(what);
	flush();
	count_check(ok);
}

int main(void)
{
	s64 rc = sys(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL,
		     PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | (0xFFFEUL << PR_MTE_TAG_SHIFT), 0, 0);
	line(rc == 0, "prctl: tagged addresses, synchronous tag checks");
	if (rc)
		return result();
	s64 base = mmap_anon(PAGE, PROT_READ | PROT_WRITE | PROT_MTE);
	line(base > 0, "mmap PROT_MTE");
	if (base <= 0)
		return result();
	u64 p = irg((u64)base);
	for (u64 g = 0; g < PAGE; g += GRANULE)
		stg(p + g);
	line(TAG_OF(p) != 0 && ldg((u64)base) == TAG_OF(p), "IRG and STG tag the page, LDG reads the tag");
	*(volatile u64 *)p = 0x1234;
	line(*(volatile u64 *)p == 0x1234, "a store and a load through the right tag");

	s64 pid = sys(SYS_clone, SIGCHLD, 0, 0, 0);
	if (pid == 0) {
		(void)*(volatile u64 *)WITH_TAG(p, TAG_OF(p) ^ 1); /* the tag-check fault: SIGSEGV */
		sys(SYS_exit, 0, 0, 0, 0);
	}
	int status = 0;
	sys(SYS_wait4, pid, &status, 0, 0);
	put("child status ");
	put_hex((u64)status);
	flush();
	line(pid > 0 && (status & 0x7F) == SIGSEGV, "a load through a wrong tag: SIGSEGV");
	return result();
}
