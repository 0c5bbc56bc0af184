/*
 * A GUID partition table (UEFI 2.10 section 5.3), as hyparm reads one to
 * give a VM one partition of a physical disk: the header at LBA 1 and its
 * entry array, each checked against its CRC32 and against the disk's
 * bounds before a partition's sectors are believed. Pure logic
 * (tests/unit/test_gpt.c); the disk's reading is the caller's.
 */
#ifndef HYPARM_GPT_H
#define HYPARM_GPT_H

#include <hyparm/types.h>

#define GPT_SECTOR 512
#define GPT_MAX_ENTRY_BYTES (32 * GPT_SECTOR) /* 128 entries of 128 bytes: what tools write */

struct gpt_header_info {
	u64 entries_lba; /* where the entry array starts */
	u32 entries_bytes; /* its size (num_entries * entry_size), <= GPT_MAX_ENTRY_BYTES */
	u32 num_entries, entry_size, entries_crc;
	u64 first_usable, last_usable;
};

/* IEEE 802.3 CRC32 (as GPT and zlib compute it). */
u32 gpt_crc32(const void *p, u64 len);
/*
 * Check the primary header (the 512 bytes of LBA 1) of a disk of capacity
 * sectors: HV_OK and *h, or -HV_EINVAL with why in err.
 */
int gpt_header(const u8 *lba1, u64 capacity, struct gpt_header_info *h, char *err, size_t errlen);
/*
 * Partition n (1-based) of the checked entry array: its first sector and
 * sector count, or -HV_EINVAL (entries CRC wrong, no such entry, an empty
 * entry, bounds outside the usable area) with why in err.
 */
int gpt_partition(const struct gpt_header_info *h, const u8 *entries, u32 n, u64 *start, u64 *count,
		  char *err, size_t errlen);

#endif
