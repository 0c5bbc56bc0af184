/*
 * The initrd of a raw image survives the image's own start-up: a raw
 * binary's bss and stack lie beyond its file end and are zeroed and used
 * before main() (guests/lib/start.S), so hyparm must not put the initrd
 * (or the DTB) there. This guest has a 3 MiB bss. The launcher gives it an
 * initrd of initrd_size=N bytes (bootargs) whose byte i is pattern(i)
 * (tests/integration/test_baremetal.py); the guest finds it through
 * /chosen and checks every byte, before and after filling its whole bss.
 */
#include "guest.h"

#define BSS_SIZE (3u << 20)

extern char __image_end[];
static u8 big_bss[BSS_SIZE];

/* The same formula as the test that wrote the file. */
static u8 pattern(u64 i)
{
	return (u8)(i ^ (i >> 8) ^ (i >> 16) ^ 0x5a);
}

/* Index of the first byte that differs from the pattern, or size when all match. */
static u64 first_mismatch(const volatile u8 *p, u64 size)
{
	for (u64 i = 0; i < size; i++)
		if (p[i] != pattern(i))
			return i;
	return size;
}

static bool overlaps(u64 a, u64 a_end, u64 b, u64 b_end)
{
	return a < b_end && b < a_end;
}

int main(void)
{
	u64 start, end, want, bad;
	u64 img = RAM_BASE + GUEST_RAW_IMAGE_OFFSET, img_end = (u64)__image_end;

	if (!check(dtb_initrd(&start, &end), "the DTB names an initrd (/chosen linux,initrd-start/end)"))
		return 0;
	gprintf("initrd at 0x%llx..0x%llx, image 0x%llx..0x%llx (bss and stack included), DTB at 0x%llx\n",
		(unsigned long long)start, (unsigned long long)end, (unsigned long long)img,
		(unsigned long long)img_end, (unsigned long long)dtb_addr());
	if (!check(bootarg_u64("initrd_size", &want), "bootargs give initrd_size"))
		return 0;
	check(end - start == want, "initrd is %llu bytes (want %llu)", (unsigned long long)(end - start),
	      (unsigned long long)want);
	check(!overlaps(start, end, img, img_end), "initrd lies outside the image's bss and stack");
	check(!overlaps(dtb_addr(), dtb_addr() + dtb_size(), img, img_end) &&
		      !overlaps(dtb_addr(), dtb_addr() + dtb_size(), start, end),
	      "DTB lies outside the image and the initrd");

	bad = first_mismatch((const volatile u8 *)start, end - start);
	check(bad == end - start, "initrd content intact after the bss was zeroed (%llu bytes match)",
	      (unsigned long long)bad);

	/* Use the whole bss, as a guest's allocator would: the initrd must not change. */
	for (u64 i = 0; i < BSS_SIZE; i++)
		((volatile u8 *)big_bss)[i] = (u8)~i;
	bad = first_mismatch((const volatile u8 *)start, end - start);
	check(bad == end - start, "initrd content intact after the bss was filled (%llu bytes match)",
	      (unsigned long long)bad);
	return 0;
}
