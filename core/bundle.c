/*
 * Reader for the guest-image bundle, a cpio "newc" archive (see
 * include/hyparm/bundle.h).
 *
 * Each entry: a 110-byte ASCII header (6-byte magic, then 13 fields of 8 hex
 * digits), the NUL-terminated name, padding to a multiple of 4 counted from
 * the archive start, the data, padding to 4 again. "TRAILER!!!" ends it.
 *
 * The archive comes from outside hyparm (whatever the boot loader put in
 * RAM), so every length is checked against the buffer before use, and the
 * base may have any alignment: only byte reads.
 */
#include <string.h>
#include <hyparm/bundle.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>

#define NEWC_HDR_SIZE 110
#define NEWC_MAGIC_LEN 6
#define NEWC_FIELD_LEN 8
#define TRAILER_NAME "TRAILER!!!"
#define NAME_PRINT_MAX 64 /* how much of a (possibly hostile) name goes in a message */

/* Field order after the magic. */
enum newc_field {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	NR_FIELDS,
};

#define S_TYPE_MASK 0170000u
#define S_TYPE_REG 0100000u

struct entry {
	const char *name; /* NUL-terminated inside the archive */
	u32 namesize; /* with the NUL */
	u32 mode;
	u64 data_off;
	u64 size;
	u64 next_off;
};

static void report(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void report(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	hv_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool parse_hex8(const u8 *p, u32 *value)
{
	u32 v = 0;

	for (int i = 0; i < NEWC_FIELD_LEN; i++) {
		u8 c = p[i];
		u32 d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*value = v;
	return true;
}

/* Decode the entry at off; -HV_EINVAL with a message if it does not fit the buffer. */
static int read_entry(const u8 *base, u64 len, u64 off, struct entry *e, char *err, size_t errlen)
{
	const u8 *hdr = base + off;
	u32 fields[NR_FIELDS];
	u64 name_off, data_end;

	if (len - off < NEWC_HDR_SIZE) {
		report(err, errlen, "bundle: truncated header at offset %llu", (unsigned long long)off);
		return -HV_EINVAL;
	}
	if (memcmp(hdr, "070701", NEWC_MAGIC_LEN) != 0 && memcmp(hdr, "070702", NEWC_MAGIC_LEN) != 0) {
		if (memcmp(hdr, "070707", NEWC_MAGIC_LEN) == 0)
			report(err, errlen,
			       "bundle: old \"odc\" cpio header at offset %llu (make the bundle with cpio -H "
			       "newc)",
			       (unsigned long long)off);
		else
			report(err, errlen, "bundle: bad magic at offset %llu (not a cpio newc archive)",
			       (unsigned long long)off);
		return -HV_EINVAL;
	}
	for (int i = 0; i < NR_FIELDS; i++) {
		if (!parse_hex8(hdr + NEWC_MAGIC_LEN + i * NEWC_FIELD_LEN, &fields[i])) {
			report(err, errlen, "bundle: bad header field at offset %llu (expected 8 hex digits)",
			       (unsigned long long)(off + NEWC_MAGIC_LEN + i * NEWC_FIELD_LEN));
			return -HV_EINVAL;
		}
	}

	name_off = off + NEWC_HDR_SIZE;
	e->namesize = fields[F_NAMESIZE];
	if (e->namesize == 0 || e->namesize > len - name_off) {
		report(err, errlen, "bundle: truncated name at offset %llu", (unsigned long long)name_off);
		return -HV_EINVAL;
	}
	e->name = (const char *)base + name_off;
	if (e->name[e->namesize - 1] != '\0') {
		report(err, errlen, "bundle: name at offset %llu is not NUL-terminated",
		       (unsigned long long)name_off);
		return -HV_EINVAL;
	}

	e->mode = fields[F_MODE];
	e->size = fields[F_FILESIZE];
	e->data_off = ALIGN_UP(name_off + e->namesize, 4);
	/* An empty last entry (the trailer) may lack the padding after its name. */
	if (e->size == 0)
		e->data_off = MIN(e->data_off, len);
	if (e->data_off > len || e->size > len - e->data_off) {
		report(err, errlen, "bundle: truncated data of '%.*s' at offset %llu (%llu bytes expected)",
		       NAME_PRINT_MAX, e->name, (unsigned long long)MIN(e->data_off, len),
		       (unsigned long long)e->size);
		return -HV_EINVAL;
	}
	data_end = e->data_off + e->size;
	/* The last entry's padding may be cut off by whoever measured the archive. */
	e->next_off = MIN(ALIGN_UP(data_end, 4), len);
	return HV_OK;
}

static bool is_trailer(const struct entry *e)
{
	return e->namesize == sizeof(TRAILER_NAME) &&
		memcmp(e->name, TRAILER_NAME, sizeof(TRAILER_NAME)) == 0;
}

/* "cpio -o" given "find ." writes "./name": accept either spelling. */
static bool name_matches(const struct entry *e, const char *want)
{
	const char *name = e->name;

	if (name[0] == '.' && name[1] == '/')
		name += 2;
	if (want[0] == '.' && want[1] == '/')
		want += 2;
	return strcmp(name, want) == 0;
}

static bool is_regular_file(const struct entry *e)
{
	/* Type 0: writers that do not fill in the mode; treat their entries as files. */
	return (e->mode & S_TYPE_MASK) == S_TYPE_REG || (e->mode & S_TYPE_MASK) == 0;
}

/*
 * Walk from the start. With want, stop at that file (HV_OK) or at the
 * trailer (-HV_ENOENT); without, check every entry up to the trailer.
 */
static int walk(const void *base, u64 len, const char *want, const void **data, u64 *size, char *err,
		size_t errlen)
{
	const u8 *bytes = base;
	u64 off = 0;
	struct entry e;
	int rc;

	if (!base || !len) {
		report(err, errlen, "bundle: empty");
		return -HV_EINVAL;
	}
	for (;;) {
		if (off >= len) {
			report(err, errlen, "bundle: no %s entry at the end (archive truncated?)",
			       TRAILER_NAME);
			return -HV_EINVAL;
		}
		if ((rc = read_entry(bytes, len, off, &e, err, errlen)))
			return rc;
		if (is_trailer(&e))
			return want ? -HV_ENOENT : HV_OK;
		if (want && is_regular_file(&e) && name_matches(&e, want)) {
			if (data)
				*data = bytes + e.data_off;
			if (size)
				*size = e.size;
			return HV_OK;
		}
		off = e.next_off;
	}
}

int bundle_find(const void *base, u64 len, const char *name, const void **data, u64 *size)
{
	if (!name || !name[0])
		return -HV_ENOENT;
	return walk(base, len, name, data, size, NULL, 0);
}

int bundle_check(const void *base, u64 len, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	return walk(base, len, NULL, NULL, NULL, err, errlen);
}
