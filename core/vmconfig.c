/*
 * vms.conf parser (format in include/hyparm/vmconfig.h).
 *
 * People write this file by hand, so every refusal says where and what was
 * expected: "vms.conf:7: vcpus: expected 1..8". The text comes straight out
 * of the bundle and is not NUL-terminated: all scanning is bounded by len.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vmconfig.h>

#define DEFAULT_MEM_SIZE MiB(64)
#define MEM_GRANULE MiB(2) /* VM RAM is mapped with 2 MiB stage-2 blocks */
#define PCPU_NUMBER_MAX 255u

enum key {
	K_NAME,
	K_KERNEL,
	K_INITRD,
	K_DTB,
	K_CMDLINE,
	K_VCPUS,
	K_MEMORY,
	K_PCPUS,
	K_DEVICES,
	K_FIRMWARE,
	K_FLASH_VARS,
	NR_KEYS
};

static const char *const key_names[NR_KEYS] = {
	"name",	  "kernel", "initrd",  "dtb",	   "cmdline",	 "vcpus",
	"memory", "pcpus",  "devices", "firmware", "flash_vars",
};

struct parser {
	const char *fname;
	char *err;
	size_t errlen;
	struct vm_config *out;
	unsigned count; /* finished VMs in out[] */
	struct vm_config *cur; /* VM being read, NULL before the first [vm] */
	unsigned key_line[NR_KEYS]; /* where cur got each key, 0 = not yet */
};

/* A slice of the text: the file is not NUL-terminated. */
struct str {
	const char *p;
	size_t len;
};

static int fail(struct parser *ps, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -HV_EINVAL;
	if (line)
		n = hv_snprintf(ps->err, ps->errlen, "%s:%u: ", ps->fname, line);
	else
		n = hv_snprintf(ps->err, ps->errlen, "%s: ", ps->fname);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		hv_vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -HV_EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct str trim(struct str s)
{
	while (s.len && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Everything before a '#' comment. */
static struct str strip_comment(struct str s)
{
	const char *hash = memchr(s.p, '#', s.len);

	if (hash)
		s.len = (size_t)(hash - s.p);
	return s;
}

static bool str_is(struct str s, const char *word)
{
	size_t n = strlen(word);

	return s.len == n && memcmp(s.p, word, n) == 0;
}

/* Unsigned decimal, all of s; false on anything else or above limit. */
static bool parse_decimal(struct str s, u64 limit, u64 *value)
{
	u64 v = 0;

	if (!s.len)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (!is_digit(s.p[i]))
			return false;
		v = v * 10 + (u64)(s.p[i] - '0');
		if (v > limit)
			return false;
	}
	*value = v;
	return true;
}

/* "64M", "1G", "65536K", "134217728" */
static bool parse_size(struct str s, u64 *size)
{
	unsigned shift = 0;
	u64 v;

	if (s.len) {
		switch (s.p[s.len - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		}
		if (shift)
			s.len--;
	}
	if (!parse_decimal(s, (UINT64_MAX - 9) / 10, &v) || v > (UINT64_MAX >> shift))
		return false;
	*size = v << shift;
	return true;
}

/* "0,1" or "2" or " 0 , 3 " */
static bool parse_pcpus(struct str s, struct vm_config *cfg)
{
	unsigned n = 0;

	for (;;) {
		const char *comma = memchr(s.p, ',', s.len);
		struct str item = { s.p, comma ? (size_t)(comma - s.p) : s.len };
		u64 cpu;

		if (n == VMCONF_MAX_VCPUS || !parse_decimal(trim(item), PCPU_NUMBER_MAX, &cpu))
			return false;
		cfg->pcpus[n++] = (u32)cpu;
		if (!comma)
			break;
		s.len -= item.len + 1;
		s.p = comma + 1;
	}
	cfg->nr_pcpus = n;
	return true;
}

static bool valid_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
}

static int set_string(struct parser *ps, unsigned line, enum key key, char *field, size_t size, struct str v)
{
	if (v.len >= size)
		return fail(ps, line, "%s: value too long (max %u characters)", key_names[key],
			    (unsigned)(size - 1));
	memcpy(field, v.p, v.len);
	field[v.len] = '\0';
	return HV_OK;
}

/* VM names must differ: the console prefixes each guest's output with it. */
static int check_unique_name(struct parser *ps, unsigned line, const char *name)
{
	for (unsigned i = 0; i < ps->count; i++) {
		if (strcmp(ps->out[i].name, name) == 0)
			return fail(ps, line, "duplicate VM name '%s'", name);
	}
	return HV_OK;
}

static int set_key(struct parser *ps, unsigned line, enum key key, struct str v)
{
	struct vm_config *cfg = ps->cur;
	u64 n;
	int rc;

	switch (key) {
	case K_NAME:
		if ((rc = set_string(ps, line, key, cfg->name, sizeof(cfg->name), v)))
			return rc;
		for (size_t i = 0; i < v.len; i++) {
			if (!valid_name_char(v.p[i]))
				return fail(
					ps, line,
					"name: '%s' has a character other than letters, digits, '-' and '_'",
					cfg->name);
		}
		if (!v.len)
			return fail(ps, line, "name: expected letters, digits, '-' or '_'");
		return check_unique_name(ps, line, cfg->name);
	case K_KERNEL:
		if (!v.len)
			return fail(ps, line, "kernel: expected a file name from the bundle");
		return set_string(ps, line, key, cfg->kernel, sizeof(cfg->kernel), v);
	case K_FIRMWARE:
		if (!v.len)
			return fail(ps, line, "firmware: expected a file name from the bundle");
		return set_string(ps, line, key, cfg->firmware, sizeof(cfg->firmware), v);
	case K_FLASH_VARS:
		if (str_is(v, "board"))
			cfg->vars_on_board = true;
		else if (!str_is(v, "memory"))
			return fail(ps, line, "flash_vars: expected board or memory");
		return HV_OK;
	case K_INITRD:
		return set_string(ps, line, key, cfg->initrd, sizeof(cfg->initrd), v);
	case K_DTB:
		return set_string(ps, line, key, cfg->dtb, sizeof(cfg->dtb), v);
	case K_CMDLINE:
		return set_string(ps, line, key, cfg->cmdline, sizeof(cfg->cmdline), v);
	case K_DEVICES:
		/* Names are checked against the device registry when the VM is built (hyparm knows them, the parser does not). */
		return set_string(ps, line, key, cfg->devices, sizeof(cfg->devices), v);
	case K_VCPUS:
		if (!parse_decimal(v, VMCONF_MAX_VCPUS, &n) || n < 1)
			return fail(ps, line, "vcpus: expected 1..%u", VMCONF_MAX_VCPUS);
		cfg->vcpus = (u32)n;
		return HV_OK;
	case K_MEMORY:
		if (!parse_size(v, &n) || n < MEM_GRANULE || !IS_ALIGNED(n, MEM_GRANULE))
			return fail(ps, line,
				    "memory: expected a size like 64M (multiple of 2M, at least 2M)");
		cfg->mem_size = n;
		return HV_OK;
	case K_PCPUS:
		if (!parse_pcpus(v, cfg))
			return fail(ps, line,
				    "pcpus: expected a list of CPU numbers like 0,1 (at most %u, each 0..%u)",
				    VMCONF_MAX_VCPUS, PCPU_NUMBER_MAX);
		return HV_OK;
	default:
		return -HV_EINVAL;
	}
}

/* Defaults and the checks that need the whole section. */
static int finish_vm(struct parser *ps)
{
	struct vm_config *cfg = ps->cur;
	int rc;

	if (!cfg)
		return HV_OK;
	if (!cfg->kernel[0] && !cfg->firmware[0])
		return fail(ps, cfg->line, "[vm] section without kernel (or firmware)");
	/* Firmware loads its own kernel (from a disk, the network, its flash): hyparm does not place one. */
	if (cfg->firmware[0] && (cfg->kernel[0] || cfg->initrd[0]))
		return fail(ps, ps->key_line[K_FIRMWARE],
			    "firmware: a VM boots either its firmware or a kernel and initrd, not both");
	if (!cfg->name[0]) {
		hv_snprintf(cfg->name, sizeof(cfg->name), "vm%u", ps->count);
		if ((rc = check_unique_name(ps, cfg->line, cfg->name)))
			return rc;
	}
	if (!cfg->vcpus)
		cfg->vcpus = 1;
	if (!cfg->mem_size)
		cfg->mem_size = DEFAULT_MEM_SIZE;
	ps->count++;
	ps->cur = NULL;
	return HV_OK;
}

static int start_vm(struct parser *ps, unsigned line, unsigned max)
{
	int rc = finish_vm(ps);

	if (rc)
		return rc;
	if (ps->count >= max)
		return fail(ps, line, "too many VMs (max %u)", max);
	ps->cur = &ps->out[ps->count];
	memset(ps->cur, 0, sizeof(*ps->cur));
	ps->cur->line = line;
	memset(ps->key_line, 0, sizeof(ps->key_line));
	return HV_OK;
}

static int parse_header(struct parser *ps, unsigned line, struct str s, unsigned max)
{
	const char *close = memchr(s.p, ']', s.len);
	struct str inside, after;

	if (!close)
		return fail(ps, line, "expected ']' to close the section header");
	inside = trim((struct str){ s.p + 1, (size_t)(close - s.p - 1) });
	after = trim(strip_comment((struct str){ close + 1, s.len - (size_t)(close - s.p) - 1 }));
	if (!str_is(inside, "vm"))
		return fail(ps, line, "unknown section '[%.*s]' (expected [vm])", (int)MIN(inside.len, 32),
			    inside.p);
	if (after.len)
		return fail(ps, line, "unexpected text after [vm]");
	return start_vm(ps, line, max);
}

static int parse_assignment(struct parser *ps, unsigned line, struct str s)
{
	const char *eq = memchr(s.p, '=', s.len);
	struct str key_text, rest;
	enum key key;

	if (!eq)
		return fail(ps, line, "expected 'key = value', a [vm] header or a # comment");
	if (!ps->cur)
		return fail(ps, line, "key outside a [vm] section");
	key_text = trim((struct str){ s.p, (size_t)(eq - s.p) });
	rest = (struct str){ eq + 1, s.len - (size_t)(eq - s.p) - 1 };
	if (!key_text.len)
		return fail(ps, line, "expected a key before '='");
	for (key = 0; key < NR_KEYS; key++) {
		if (str_is(key_text, key_names[key]))
			break;
	}
	if (key == NR_KEYS)
		return fail(
			ps, line,
			"unknown key '%.*s' (expected one of name, kernel, firmware, initrd, dtb, cmdline, "
			"vcpus, memory, pcpus, devices, flash_vars)",
			(int)MIN(key_text.len, 32), key_text.p);
	if (ps->key_line[key])
		return fail(ps, line, "duplicate key '%s' in this [vm] section (first set at line %u)",
			    key_names[key], ps->key_line[key]);
	ps->key_line[key] = line;
	/* A kernel command line may need '#': it takes the whole rest of the line. */
	if (key != K_CMDLINE)
		rest = strip_comment(rest);
	return set_key(ps, line, key, trim(rest));
}

static int parse_line(struct parser *ps, unsigned line, struct str s, unsigned max)
{
	struct str t = trim(s);

	if (!t.len || t.p[0] == '#')
		return HV_OK;
	if (t.p[0] == '[')
		return parse_header(ps, line, t, max);
	return parse_assignment(ps, line, t);
}

/* Trailing NULs (padding) end the text; a NUL followed by more text is a broken file. */
static int text_length(struct parser *ps, const char *text, size_t len, size_t *out_len)
{
	const char *nul = len ? memchr(text, '\0', len) : NULL;
	unsigned line = 1;

	*out_len = len;
	if (!nul)
		return HV_OK;
	for (const char *p = nul; p < text + len; p++) {
		if (*p)
			break;
		if (p + 1 == text + len) {
			*out_len = (size_t)(nul - text);
			return HV_OK;
		}
	}
	for (const char *p = text; p < nul; p++)
		line += *p == '\n';
	return fail(ps, line, "unexpected NUL byte (not a text file?)");
}

int vmconfig_parse(const char *text, size_t len, const char *fname, struct vm_config *out, unsigned max,
		   unsigned *count, char *err, size_t errlen)
{
	struct parser ps = { .fname = fname ? fname : "vms.conf", .err = err, .errlen = errlen, .out = out };
	unsigned line = 0;
	size_t pos = 0;
	int rc;

	*count = 0;
	if (err && errlen)
		err[0] = '\0';
	if (!text)
		len = 0;
	if ((rc = text_length(&ps, text, len, &len)))
		return rc;

	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		struct str s = { start, nl ? (size_t)(nl - start) : len - pos };

		pos += s.len + (nl ? 1 : 0);
		line++;
		if (s.len && s.p[s.len - 1] == '\r')
			s.len--;
		if ((rc = parse_line(&ps, line, s, max)))
			return rc;
	}
	if ((rc = finish_vm(&ps)))
		return rc;
	if (!ps.count)
		return fail(&ps, 0, "no [vm] section");
	*count = ps.count;
	return HV_OK;
}
