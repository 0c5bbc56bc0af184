/* GUID partition tables: see hyparm/gpt.h. */
#include <hyparm/errno.h>
#include <hyparm/gpt.h>
#include <hyparm/print.h>
#include <string.h>

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 le64(const u8 *p)
{
	return le32(p) | (u64)le32(p + 4) << 32;
}

u32 gpt_crc32(const void *p, u64 len)
{
	const u8 *b = p;
	u32 crc = 0xFFFFFFFFu;

	/* Bit by bit: a few KiB once per disk, not worth a table. */
	for (u64 i = 0; i < len; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

int gpt_header(const u8 *lba1, u64 capacity, struct gpt_header_info *h, char *err, size_t errlen)
{
	u8 copy[GPT_SECTOR];
	u32 size = le32(lba1 + 12), crc = le32(lba1 + 16);

	if (memcmp(lba1, "EFI PART", 8)) {
		hv_snprintf(err, errlen, "no GPT (LBA 1 lacks the \"EFI PART\" signature)");
		return -HV_EINVAL;
	}
	if (size < 92 || size > GPT_SECTOR) {
		hv_snprintf(err, errlen, "GPT header size %u (expected 92..512)", size);
		return -HV_EINVAL;
	}
	memcpy(copy, lba1, size);
	memset(copy + 16, 0, 4);
	if (gpt_crc32(copy, size) != crc) {
		hv_snprintf(err, errlen, "GPT header CRC32 0x%08x does not match its contents (0x%08x)", crc,
			    gpt_crc32(copy, size));
		return -HV_EINVAL;
	}
	if (le64(lba1 + 24) != 1) {
		hv_snprintf(err, errlen, "GPT header at LBA 1 says it is at LBA %llu",
			    (unsigned long long)le64(lba1 + 24));
		return -HV_EINVAL;
	}
	h->first_usable = le64(lba1 + 40);
	h->last_usable = le64(lba1 + 48);
	h->entries_lba = le64(lba1 + 72);
	h->num_entries = le32(lba1 + 80);
	h->entry_size = le32(lba1 + 84);
	h->entries_crc = le32(lba1 + 88);
	if (h->entry_size < 128 || h->entry_size % 8 || h->num_entries == 0 ||
	    (u64)h->num_entries * h->entry_size > GPT_MAX_ENTRY_BYTES) {
		hv_snprintf(err, errlen,
			    "GPT entry array of %u entries of %u bytes (at most %u bytes of entries "
			    "of 128 bytes or more)",
			    h->num_entries, h->entry_size, GPT_MAX_ENTRY_BYTES);
		return -HV_EINVAL;
	}
	h->entries_bytes = h->num_entries * h->entry_size;
	u64 entry_sectors = (h->entries_bytes + GPT_SECTOR - 1) / GPT_SECTOR;
	if (h->entries_lba < 2 || h->entries_lba > capacity || entry_sectors > capacity - h->entries_lba ||
	    h->first_usable > h->last_usable || h->last_usable >= capacity) {
		hv_snprintf(err, errlen,
			    "GPT bounds outside the disk of %llu sectors (entries at LBA %llu, usable "
			    "%llu..%llu)",
			    (unsigned long long)capacity, (unsigned long long)h->entries_lba,
			    (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
		return -HV_EINVAL;
	}
	return HV_OK;
}

int gpt_partition(const struct gpt_header_info *h, const u8 *entries, u32 n, u64 *start, u64 *count,
		  char *err, size_t errlen)
{
	static const u8 unused[16];

	if (gpt_crc32(entries, h->entries_bytes) != h->entries_crc) {
		hv_snprintf(err, errlen, "GPT entry array CRC32 does not match");
		return -HV_EINVAL;
	}
	if (n < 1 || n > h->num_entries) {
		hv_snprintf(err, errlen, "no partition %u (the GPT has %u entries)", n, h->num_entries);
		return -HV_EINVAL;
	}
	const u8 *e = entries + (u64)(n - 1) * h->entry_size;
	u64 first = le64(e + 32), last = le64(e + 40);
	if (!memcmp(e, unused, 16)) {
		hv_snprintf(err, errlen, "partition %u is unused (type GUID zero)", n);
		return -HV_EINVAL;
	}
	if (first > last || first < h->first_usable || last > h->last_usable) {
		hv_snprintf(err, errlen,
			    "partition %u's sectors %llu..%llu are outside the usable %llu..%llu", n,
			    (unsigned long long)first, (unsigned long long)last,
			    (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
		return -HV_EINVAL;
	}
	*start = first;
	*count = last - first + 1;
	return HV_OK;
}
