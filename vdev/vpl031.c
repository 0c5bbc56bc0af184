/* The PL031 register model (see vdev/vpl031.h). */
#include <hyparm/errno.h>
#include <vdev/vpl031.h>

/* PrimeCell IDs, 0xFE0..0xFFC: part 0x031, designer ARM, revision 1; cell ID 0xB105F00D. */
static const u8 pl031_ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void vpl031_reset(struct vpl031 *r)
{
	/* A VM's clock starts at the wall clock (offset 0), as QEMU starts its RTC at the host's time. */
	*r = (struct vpl031){ 0 };
}

u32 vpl031_count(const struct vpl031 *r, u64 now_s)
{
	return (u32)now_s + r->offset;
}

static u32 reg_read(struct vpl031 *r, u64 off, u64 now_s)
{
	if (off >= RTC_PERIPHID0)
		return pl031_ids[(off - RTC_PERIPHID0) / 4];
	switch (off) {
	case RTC_DR:
		return vpl031_count(r, now_s);
	case RTC_MR:
		return r->mr;
	case RTC_LR:
		return r->lr;
	case RTC_CR:
		return 1; /* started at power-on, and it cannot be stopped */
	case RTC_IMSC:
		return r->imsc;
	case RTC_RIS:
		return r->ris;
	case RTC_MIS:
		return vpl031_line(r);
	}
	return 0; /* RTCICR is write-only; the rest of the page is reserved: reads as zero */
}

int vpl031_read(struct vpl031 *r, u64 off, unsigned size, u64 now_s, u32 *val)
{
	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
		return -HV_EINVAL;
	/* A narrower read sees its bytes of the register (EDK2 reads the IDs a byte at a time). */
	u32 v = reg_read(r, off & ~3ULL, now_s) >> ((off & 3) * 8);
	*val = size == 4 ? v : v & ((1u << (size * 8)) - 1);
	return HV_OK;
}

int vpl031_write(struct vpl031 *r, u64 off, unsigned size, u64 now_s, u32 val)
{
	if (size != 4 || (off & 3))
		return -HV_EINVAL;
	switch (off) {
	case RTC_MR:
		r->mr = val;
		r->mr_set = true;
		break;
	case RTC_LR:
		/* The counter reads val now and counts on from there: only the offset to the wall clock changes. */
		r->lr = val;
		r->offset = val - (u32)now_s;
		break;
	case RTC_IMSC:
		r->imsc = val & 1;
		break;
	case RTC_ICR:
		if (val & 1)
			r->ris = false;
		break;
	default: /* RTCDR, RTCRIS, RTCMIS and the IDs are read-only; RTCCR's start bit cannot be cleared */
		break;
	}
	return HV_OK;
}

u32 vpl031_secs_to_match(const struct vpl031 *r, u64 now_s)
{
	return r->mr - vpl031_count(r, now_s);
}

void vpl031_match(struct vpl031 *r)
{
	r->ris = true;
}
