/*
 * The VM manifest parser (schema in docs/manifest.md, interface in
 * include/hyparm/manifest.h).
 *
 * The blob comes out of the bundle: it is checked whole (fdt_check_full)
 * before any lookup, and every property's length and contents are checked
 * before use, so a hostile manifest gets a message, never a wrong VM.
 * A DTB has no types: a property's type is what its length and bytes can
 * be (a string ends in its only NUL, a cell is 4 bytes, a flag is empty).
 *
 * Messages: "LOC: PATH: PROP: what was expected", LOC being the user's
 * "FILE:LINE" from the node's hyparm,lines (the launcher's line map:
 * "FILE:LINE" for the node, then "PROP FILE:LINE" per property) or
 * "manifest" without one.
 */
#include <libfdt.h>
#include <string.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/loader.h>
#include <hyparm/manifest.h>
#include <hyparm/print.h>
#include <hyparm/shmem.h>

#define LINES_PROP "hyparm,lines"
#define MEM_GRANULE MiB(2) /* VM RAM is mapped with 2 MiB stage-2 blocks */
#define DEFAULT_MEM_SIZE MiB(64)
#define PATH_MAX_LEN 96
#define PRINT_MAX 40 /* how much of an untrusted string goes into a message */

struct parser {
	const void *fdt;
	const struct manifest_env *env;
	char *err;
	size_t errlen;
};

/* Where in the user's source a node (prop NULL) or one of its properties is: "FILE:LINE" or "manifest". */
/* A location "FILE:LINE" of at most half the room: a long FILE loses its beginning, never its line. */
static void put_loc(char *out, size_t outlen, const char *loc)
{
	const size_t max = VMCONF_WHERE_MAX / 2;
	size_t n = strlen(loc);

	if (n <= max)
		hv_snprintf(out, outlen, "%s", loc);
	else
		hv_snprintf(out, outlen, "...%s", loc + n - (max - 3));
}

static void locate(const struct parser *ps, int node, const char *prop, char *out, size_t outlen)
{
	int len, plen = prop ? (int)strlen(prop) : 0;
	const char *list = fdt_getprop(ps->fdt, node, LINES_PROP, &len);
	const char *node_loc = NULL;

	hv_snprintf(out, outlen, "manifest");
	if (!list || len <= 0 || list[len - 1] != '\0')
		return;
	for (const char *s = list; s < list + len; s += strlen(s) + 1) {
		if (s == list)
			node_loc = s;
		else if (prop && strncmp(s, prop, (size_t)plen) == 0 && s[plen] == ' ') {
			put_loc(out, outlen, s + plen + 1);
			return;
		}
	}
	if (node_loc && node_loc[0])
		put_loc(out, outlen, node_loc);
}

static void node_path(const struct parser *ps, int node, char *out, size_t outlen)
{
	if (fdt_get_path(ps->fdt, node, out, (int)outlen))
		hv_snprintf(out, outlen, "(node at offset %d)", node);
}

static int fail(struct parser *ps, int node, const char *prop, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "LOC: PATH: PROP: message" (PROP: only when prop is given). */
static int fail(struct parser *ps, int node, const char *prop, const char *fmt, ...)
{
	char loc[VMCONF_WHERE_MAX], path[PATH_MAX_LEN];
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -HV_EINVAL;
	locate(ps, node, prop, loc, sizeof(loc));
	node_path(ps, node, path, sizeof(path));
	if (prop)
		n = hv_snprintf(ps->err, ps->errlen, "%s: %s: %s: ", loc, path, prop);
	else
		n = hv_snprintf(ps->err, ps->errlen, "%s: %s: ", loc, path);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		hv_vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -HV_EINVAL;
}

static bool printable(char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t';
}

/* n strings, each non-empty and printable, the last ending the value (max 0: any number). */
static bool is_strings(const char *v, int len, unsigned max)
{
	unsigned n = 0;

	if (!v || len <= 0 || v[len - 1] != '\0')
		return false;
	for (int i = 0; i < len; i++) {
		if (v[i] == '\0') {
			if (i == 0 || v[i - 1] == '\0')
				return false;
			n++;
		} else if (!printable(v[i])) {
			return false;
		}
	}
	return !max || n <= max;
}

static u32 cell(const void *v, int i)
{
	return fdt32_ld((const fdt32_t *)v + i);
}

static bool valid_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		c == '_';
}

/* A string property into a field; "" if absent. */
static int get_string(struct parser *ps, int node, const char *prop, char *field, size_t size, bool required,
		      const char *example)
{
	int len;
	const char *v = fdt_getprop(ps->fdt, node, prop, &len);

	field[0] = '\0';
	if (!v) {
		if (required)
			return fail(ps, node, NULL, "no %s property (expected %s = %s;)", prop, prop,
				    example);
		return HV_OK;
	}
	if (!is_strings(v, len, 1))
		return fail(ps, node, prop, "expected one string like %s", example);
	if ((size_t)len > size)
		return fail(ps, node, prop, "too long (at most %u characters)", (unsigned)(size - 1));
	memcpy(field, v, (size_t)len);
	return HV_OK;
}

static int get_u32(struct parser *ps, int node, const char *prop, u32 *out, bool *present)
{
	int len;
	const void *v = fdt_getprop(ps->fdt, node, prop, &len);

	*present = v != NULL;
	if (!v)
		return HV_OK;
	if (len != 4)
		return fail(ps, node, prop, "expected one cell like <2>");
	*out = cell(v, 0);
	return HV_OK;
}

/* "64M", "1G", "65536K", "134217728" */
static bool parse_size_string(const char *s, u64 *size)
{
	unsigned shift = 0;
	u64 v = 0;
	size_t n = strlen(s);

	if (n && (s[n - 1] == 'K' || s[n - 1] == 'k'))
		shift = 10;
	else if (n && (s[n - 1] == 'M' || s[n - 1] == 'm'))
		shift = 20;
	else if (n && (s[n - 1] == 'G' || s[n - 1] == 'g'))
		shift = 30;
	if (shift)
		n--;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX >> shift) / 10)
			return false;
		v = v * 10 + (u64)(s[i] - '0');
	}
	if (v > (UINT64_MAX >> shift))
		return false;
	*size = v << shift;
	return true;
}

/* memory = <bytes>, <hi lo> (64 bits) or "256M". */
static int get_memory(struct parser *ps, int node, u64 *mem)
{
	int len;
	const void *v = fdt_getprop(ps->fdt, node, "memory", &len);
	u64 m;

	if (!v) {
		*mem = DEFAULT_MEM_SIZE;
		return HV_OK;
	}
	/*
	 * A string first: "64M" is 4 bytes, as one cell is. No cell that is a multiple of 2 MiB
	 * reads as a string (its third byte is a NUL before the last), so nothing valid is lost.
	 */
	if (is_strings(v, len, 1)) {
		if (!parse_size_string(v, &m))
			return fail(
				ps, node, "memory",
				"expected a size in bytes, <0x0 0x10000000> (64 bits) or \"256M\" (K, M, G)");
	} else if (len == 4)
		m = cell(v, 0);
	else if (len == 8)
		m = (u64)cell(v, 0) << 32 | cell(v, 1);
	else
		return fail(ps, node, "memory",
			    "expected a size in bytes, <0x0 0x10000000> (64 bits) or \"256M\" (K, M, G)");
	if (m < MEM_GRANULE || !IS_ALIGNED(m, MEM_GRANULE))
		return fail(ps, node, "memory", "%llu bytes: expected a multiple of 2 MiB, at least 2 MiB",
			    (unsigned long long)m);
	*mem = m;
	return HV_OK;
}

static int get_affinity(struct parser *ps, int node, struct vm_config *cfg)
{
	int len;
	const void *v = fdt_getprop(ps->fdt, node, "affinity", &len);
	u32 limit = ps->env && ps->env->nr_pcpus ? ps->env->nr_pcpus : 256;

	cfg->nr_pcpus = 0;
	if (!v)
		return HV_OK;
	if (len <= 0 || len % 4 || len / 4 > VMCONF_MAX_VCPUS)
		return fail(ps, node, "affinity", "expected 1..%u physical CPU numbers like <0 1>",
			    VMCONF_MAX_VCPUS);
	for (int i = 0; i < len / 4; i++) {
		u32 cpu = cell(v, i);
		if (cpu >= limit) {
			if (ps->env && ps->env->nr_pcpus)
				return fail(ps, node, "affinity",
					    "physical CPU %u does not exist (the machine has %u: 0..%u)", cpu,
					    limit, limit - 1);
			return fail(ps, node, "affinity", "physical CPU %u: expected 0..255", cpu);
		}
		cfg->pcpus[i] = cpu;
	}
	cfg->nr_pcpus = (u32)(len / 4);
	return HV_OK;
}

/* devices = "gicv3", "pl011", ...: kept space-separated for the VM builder, which knows the registry. */
static int get_devices(struct parser *ps, int node, struct vm_config *cfg)
{
	int len;
	const char *v = fdt_getprop(ps->fdt, node, "devices", &len);
	size_t used = 0;

	cfg->devices[0] = '\0';
	if (!v)
		return HV_OK;
	if (!is_strings(v, len, 0))
		return fail(ps, node, "devices", "expected a list of device names like \"gicv3\", \"pl011\"");
	for (const char *s = v; s < v + len; s += strlen(s) + 1) {
		size_t n = strlen(s);
		for (size_t i = 0; i < n; i++)
			if (!valid_name_char(s[i]))
				return fail(ps, node, "devices",
					    "'%.*s': expected a device name (letters, digits, '-')",
					    PRINT_MAX, s);
		/* Two of a device would put two register frames at the one address the platform gives it. */
		for (const char *t = v; t < s; t += strlen(t) + 1)
			if (strcmp(t, s) == 0)
				return fail(
					ps, node, "devices",
					"'%.*s' is listed twice: the two would overlap (one address each)",
					PRINT_MAX, s);
		if (used + n + 1 >= sizeof(cfg->devices))
			return fail(ps, node, "devices", "too long (at most %u characters)",
				    (unsigned)sizeof(cfg->devices) - 1);
		if (used)
			cfg->devices[used++] = ' ';
		memcpy(cfg->devices + used, s, n + 1);
		used += n;
	}
	return HV_OK;
}

static int get_restart(struct parser *ps, int node, struct vm_config *cfg)
{
	char v[16];
	int rc = get_string(ps, node, "restart", v, sizeof(v), false, "\"never\"");

	cfg->restart = VM_RESTART_NEVER;
	if (rc == -HV_EINVAL && fdt_getprop(ps->fdt, node, "restart", NULL))
		return fail(ps, node, "restart", "expected \"never\", \"on-crash\" or \"always\"");
	if (rc || !v[0] || strcmp(v, "never") == 0)
		return rc;
	if (strcmp(v, "on-crash") == 0 || strcmp(v, "always") == 0) {
		cfg->restart = v[0] == 'o' ? VM_RESTART_ON_CRASH : VM_RESTART_ALWAYS;
		return HV_OK;
	}
	return fail(ps, node, "restart", "'%.*s': expected \"never\", \"on-crash\" or \"always\"", PRINT_MAX,
		    v);
}

static int get_flag(struct parser *ps, int node, const char *prop, bool *out)
{
	int len;
	const void *v = fdt_getprop(ps->fdt, node, prop, &len);

	*out = v != NULL;
	if (v && len != 0)
		return fail(ps, node, prop, "expected a flag without value (%s;)", prop);
	return HV_OK;
}

/* The VM's share of a CPU against the other vCPUs placed there (core/sched.c). */
static int get_weight(struct parser *ps, int node, struct vm_config *cfg)
{
	bool present;
	int rc = get_u32(ps, node, "weight", &cfg->weight, &present);

	if (rc)
		return rc;
	if (!present)
		cfg->weight = VMCONF_WEIGHT_DEFAULT;
	if (cfg->weight < 1 || cfg->weight > VMCONF_WEIGHT_MAX)
		return fail(ps, node, "weight", "%u: expected 1..%u", cfg->weight, VMCONF_WEIGHT_MAX);
	return HV_OK;
}

/* The properties a VM node may have; anything else is a typo the user wants to hear about. */
static const char *const vm_props[] = {
	"compatible", "kernel",	  "initrd",  "dtb",	"bootargs",	   "vcpus",
	"memory",     "affinity", "devices", "restart", "identity-mapped", "firmware",
	"flash-vars", "weight",	  "no-mte",  "phandle", "linux,phandle",   LINES_PROP,
};
#define VM_PROPS_EXPECTED \
	"compatible, kernel, firmware, initrd, dtb, bootargs, vcpus, memory, affinity, devices, restart, " \
	"identity-mapped, flash-vars, weight, no-mte"

static int check_known_props(struct parser *ps, int node, const char *const *known, unsigned nr_known,
			     const char *expected)
{
	int prop;

	fdt_for_each_property_offset(prop, ps->fdt, node)
	{
		const char *name;
		unsigned i;

		if (!fdt_getprop_by_offset(ps->fdt, prop, &name, NULL) || !name)
			return fail(ps, node, NULL, "unreadable property");
		for (i = 0; i < nr_known; i++)
			if (strcmp(name, known[i]) == 0)
				break;
		if (i == nr_known)
			return fail(ps, node, name, "unknown property (expected %s)", expected);
	}
	return HV_OK;
}

static bool compatible_is(const struct parser *ps, int node, const char *want)
{
	int len;
	const char *v = fdt_getprop(ps->fdt, node, "compatible", &len);

	return v && is_strings(v, len, 0) && fdt_stringlist_contains(v, len, want);
}

/* What every device node may have besides its device's own properties (hyparm/devnode.h). */
static bool devnode_common_prop(const char *name)
{
	return !strcmp(name, "compatible") || !strcmp(name, "phandle") || !strcmp(name, "linux,phandle") ||
		!strcmp(name, LINES_PROP);
}

/* The device names that may have a node, for "expected ..." messages. */
static void schema_names(char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < devnode_nr_schemas && used < outlen; i++) {
		int n = hv_snprintf(out + used, outlen - used, "%shyparm,%s", i ? ", " : "",
				    devnode_schemas[i].device);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* One property of a device node against its schema row: known, and of the row's type. */
static int check_devnode_prop(struct parser *ps, int node, const struct devnode_schema *sc, const char *name,
			      const void *v, int len)
{
	const struct devnode_prop *p = NULL;
	u64 size;

	if (devnode_common_prop(name))
		return HV_OK;
	for (unsigned i = 0; i < sc->nr_props; i++)
		if (!strcmp(sc->props[i].name, name))
			p = &sc->props[i];
	if (!p) {
		char expected[160];
		size_t used = 0;

		expected[0] = '\0';
		for (unsigned i = 0; i < sc->nr_props && used < sizeof(expected); i++) {
			int n = hv_snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? ", " : "",
					    sc->props[i].name);
			if (n < 0)
				break;
			used += (size_t)n;
		}
		return fail(ps, node, name, "unknown property (hyparm,%s takes %s)", sc->device,
			    sc->nr_props ? expected : "no properties");
	}
	switch (p->type) {
	case DN_STRING:
		if (!is_strings(v, len, 1))
			return fail(ps, node, name, "expected one string like %s = %s;", name, p->example);
		break;
	case DN_STRINGS:
		if (!is_strings(v, len, 0))
			return fail(ps, node, name, "expected strings like %s = %s;", name, p->example);
		break;
	case DN_FLAG:
		if (len != 0)
			return fail(ps, node, name, "expected a flag without value (%s;)", name);
		break;
	case DN_U32:
		if (len != 4)
			return fail(ps, node, name, "expected one cell like %s = %s;", name, p->example);
		break;
	case DN_SIZE:
		if (!(is_strings(v, len, 1) ? parse_size_string(v, &size) : len == 4 || len == 8))
			return fail(
				ps, node, name,
				"expected a size in bytes, <hi lo> (64 bits) or \"2M\" (K, M, G) like %s = "
				"%s;",
				name, p->example);
		break;
	case DN_CELLS:
		if (len <= 0 || len % 4)
			return fail(ps, node, name, "expected cells like %s = %s;", name, p->example);
		break;
	}
	return HV_OK;
}

/* A VM node's sub-nodes describe its devices that take parameters (hyparm/devnode.h). */
static int parse_devnodes(struct parser *ps, int node, struct vm_config *cfg)
{
	int sub;

	cfg->nr_devnodes = 0;
	fdt_for_each_subnode(sub, ps->fdt, node)
	{
		int len, prop;
		const char *compat = fdt_getprop(ps->fdt, sub, "compatible", &len);
		const char *name = fdt_get_name(ps->fdt, sub, NULL);
		const struct devnode_schema *sc = NULL;
		struct devnode *dn;
		char names[256];

		schema_names(names, sizeof(names));
		if (!compat)
			return fail(ps, sub, NULL, "a device node needs compatible = \"hyparm,DEVICE\"; (%s)",
				    names);
		if (!is_strings(compat, len, 1) || strncmp(compat, "hyparm,", 7) ||
		    !(sc = devnode_schema_find(compat + 7)))
			return fail(ps, sub, "compatible", "'%.*s': expected one of %s", PRINT_MAX,
				    is_strings(compat, len, 0) ? compat : "?", names);
		if (!name || !name[0] || strlen(name) >= DEVNODE_NAME_MAX)
			return fail(ps, sub, NULL, "device node name: expected 1..%u characters",
				    DEVNODE_NAME_MAX - 1);
		if (cfg->nr_devnodes == VMCONF_MAX_DEVNODES)
			return fail(ps, sub, NULL, "too many device nodes (at most %u per VM)",
				    VMCONF_MAX_DEVNODES);
		fdt_for_each_property_offset(prop, ps->fdt, sub)
		{
			const char *pname;
			int plen;
			const void *v = fdt_getprop_by_offset(ps->fdt, prop, &pname, &plen);
			int rc;

			if (!v || !pname)
				return fail(ps, sub, NULL, "unreadable property");
			if ((rc = check_devnode_prop(ps, sub, sc, pname, v, plen)))
				return rc;
		}
		dn = &cfg->devnodes[cfg->nr_devnodes++];
		*dn = (struct devnode){ .fdt = ps->fdt, .node = sub, .schema = sc };
		memcpy(dn->name, name, strlen(name) + 1);
	}
	return HV_OK;
}

/* flash-vars = "board" | "memory": where a firmware VM's variables bank lives. */
static int get_flash_vars(struct parser *ps, int node, struct vm_config *cfg)
{
	char v[16];
	int rc = get_string(ps, node, "flash-vars", v, sizeof(v), false, "\"board\"");

	if (rc)
		return rc;
	if (!v[0] || !strcmp(v, "memory"))
		return HV_OK;
	if (strcmp(v, "board"))
		return fail(ps, node, "flash-vars",
			    "'%s': expected \"board\" (the board's flash, kept across runs) or "
			    "\"memory\"",
			    v);
	if (!cfg->firmware[0])
		return fail(ps, node, "flash-vars",
			    "only a firmware VM has a flash (give it firmware = \"...\")");
	cfg->vars_on_board = true;
	return HV_OK;
}

static int parse_vm(struct parser *ps, int node, struct vm_config *cfg)
{
	const char *name = fdt_get_name(ps->fdt, node, NULL);
	char loc[VMCONF_WHERE_MAX], path[PATH_MAX_LEN];
	bool present;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!name || !name[0] || strlen(name) >= sizeof(cfg->name))
		return fail(ps, node, NULL, "VM name: expected 1..%u letters, digits, '-' or '_'",
			    VMCONF_NAME_MAX - 1);
	for (const char *c = name; *c; c++)
		if (!valid_name_char(*c))
			return fail(ps, node, NULL,
				    "VM name '%.*s': expected letters, digits, '-' or '_' (the node name is "
				    "the VM's "
				    "name; no unit address)",
				    PRINT_MAX, name);
	memcpy(cfg->name, name, strlen(name) + 1);
	locate(ps, node, NULL, loc, sizeof(loc));
	node_path(ps, node, path, sizeof(path));
	hv_snprintf(cfg->where, sizeof(cfg->where), "%s: %s", loc, path);

	if ((rc = check_known_props(ps, node, vm_props, sizeof(vm_props) / sizeof(vm_props[0]),
				    VM_PROPS_EXPECTED)))
		return rc;
	if (!compatible_is(ps, node, "hyparm,vm"))
		return fail(ps, node, fdt_getprop(ps->fdt, node, "compatible", NULL) ? "compatible" : NULL,
			    "expected compatible = \"hyparm,vm\";");
	if ((rc = get_string(ps, node, "firmware", cfg->firmware, sizeof(cfg->firmware), false,
			     "\"u-boot.bin\"")))
		return rc;
	/* Firmware loads its own kernel (from a disk, the network, its flash): hyparm does not place one. */
	if (cfg->firmware[0] &&
	    (fdt_getprop(ps->fdt, node, "kernel", NULL) || fdt_getprop(ps->fdt, node, "initrd", NULL)))
		return fail(ps, node, "firmware",
			    "a VM boots either its firmware or a kernel and initrd, not both");
	if ((rc = get_string(ps, node, "kernel", cfg->kernel, sizeof(cfg->kernel), !cfg->firmware[0],
			     "\"Image\"")) ||
	    (rc = get_string(ps, node, "initrd", cfg->initrd, sizeof(cfg->initrd), false,
			     "\"initrd.cpio.gz\"")) ||
	    (rc = get_string(ps, node, "dtb", cfg->dtb, sizeof(cfg->dtb), false, "\"guest.dtb\"")) ||
	    (rc = get_string(ps, node, "bootargs", cfg->cmdline, sizeof(cfg->cmdline), false,
			     "\"console=ttyAMA0\"")))
		return rc;
	if ((rc = get_u32(ps, node, "vcpus", &cfg->vcpus, &present)))
		return rc;
	if (!present)
		cfg->vcpus = 1;
	if (cfg->vcpus < 1 || cfg->vcpus > VMCONF_MAX_VCPUS)
		return fail(ps, node, "vcpus", "%u: expected 1..%u", cfg->vcpus, VMCONF_MAX_VCPUS);
	if ((rc = get_memory(ps, node, &cfg->mem_size)) || (rc = get_affinity(ps, node, cfg)) ||
	    (rc = get_devices(ps, node, cfg)) || (rc = get_restart(ps, node, cfg)) ||
	    (rc = get_weight(ps, node, cfg)) ||
	    (rc = get_flag(ps, node, "identity-mapped", &cfg->identity_mapped)) ||
	    (rc = get_flag(ps, node, "no-mte", &cfg->no_mte)))
		return rc;
	if ((rc = get_flash_vars(ps, node, cfg)))
		return rc;
	return parse_devnodes(ps, node, cfg);
}

/* A file the manifest names: there, not empty; its head and size. */
static int find_file(struct parser *ps, int node, const char *prop, const char *name, const void **data,
		     u64 *size)
{
	const char *where = ps->env->files_where;

	if (ps->env->find(ps->env->find_ctx, name, data, size))
		return fail(ps, node, prop, "no file '%s'%s%s", name, where ? " " : "", where ? where : "");
	if (!*size)
		return fail(ps, node, prop, "'%s' is empty", name);
	return HV_OK;
}

/* What the VM builder would find out only at boot: its images are there, are images, and fit its RAM. */
static int check_images(struct parser *ps, int node, const struct vm_config *cfg)
{
	const void *kernel, *initrd, *dtb;
	u64 kernel_size, initrd_size = 0, dtb_size = 0;
	struct load_plan plan;
	char why[128];
	int rc;

	if (cfg->firmware[0]) {
		const void *fw;
		u64 fw_size;

		/* Firmware runs from the flash's first bank (64 MiB); its device tree goes at the start of RAM. */
		if ((rc = find_file(ps, node, "firmware", cfg->firmware, &fw, &fw_size)))
			return rc;
		if (fw_size > GUEST_FLASH_BANK_SIZE)
			return fail(ps, node, "firmware",
				    "'%s' is %llu bytes, more than the flash bank holds (%llu)",
				    cfg->firmware, (unsigned long long)fw_size,
				    (unsigned long long)GUEST_FLASH_BANK_SIZE);
		return HV_OK;
	}
	if ((rc = find_file(ps, node, "kernel", cfg->kernel, &kernel, &kernel_size)))
		return rc;
	if (loader_check_image(kernel, kernel_size, why, sizeof(why)))
		return fail(ps, node, "kernel", "'%s' %s", cfg->kernel, why);
	if (cfg->initrd[0] && (rc = find_file(ps, node, "initrd", cfg->initrd, &initrd, &initrd_size)))
		return rc;
	if (cfg->dtb[0]) {
		if ((rc = find_file(ps, node, "dtb", cfg->dtb, &dtb, &dtb_size)))
			return rc;
		if (dtb_size < 4 || fdt_magic(dtb) != FDT_MAGIC)
			return fail(ps, node, "dtb", "'%s' is not a device tree blob (compile it with dtc)",
				    cfg->dtb);
	}
	if (loader_plan(kernel, kernel_size, initrd_size, MAX(dtb_size, GUEST_DTB_MAX), cfg->mem_size, &plan,
			why, sizeof(why)))
		return fail(ps, node, cfg->initrd[0] ? "initrd" : "memory", "the images do not fit: %s", why);
	return HV_OK;
}

static int check_root(struct parser *ps, int root, int *vms)
{
	static const char *const root_props[] = { "compatible", LINES_PROP };
	static const char *const vms_props[] = { LINES_PROP };
	int sub, rc;

	if (!compatible_is(ps, root, "hyparm,manifest"))
		return fail(ps, root, NULL,
			    "not a hyparm manifest: expected compatible = \"hyparm,manifest\";");
	if ((rc = check_known_props(ps, root, root_props, 2, "compatible")))
		return rc;
	*vms = -1;
	fdt_for_each_subnode(sub, ps->fdt, root)
	{
		const char *name = fdt_get_name(ps->fdt, sub, NULL);
		if (!name || strcmp(name, "vms") != 0 || *vms >= 0)
			return fail(ps, sub, NULL, "unknown node (expected one vms node, the VMs inside it)");
		*vms = sub;
	}
	if (*vms < 0)
		return fail(ps, root, NULL,
			    "no vms node (expected vms { NAME { compatible = \"hyparm,vm\"; ... }; };)");
	return check_known_props(ps, *vms, vms_props, 1, "no properties: only VM nodes");
}

/*
 * Shared-memory regions (hyparm,ivshmem nodes, one per VM): each names one,
 * of a size a region may have, and every VM naming a region gives it the same size
 * (its pages are allocated once). Checked here, across VMs, so that the
 * launcher refuses the manifest with the line before anything boots.
 */
static int check_shared_regions(struct parser *ps, const struct vm_config *vms, unsigned n)
{
	const struct vm_config *cfg = &vms[n];

	for (u32 i = 0; i < cfg->nr_devnodes; i++) {
		const struct devnode *dn = &cfg->devnodes[i];
		char region[SHMEM_NAME_MAX];
		u64 size = SHMEM_DEFAULT_SIZE;
		bool present;

		if (strcmp(dn->schema->device, "ivshmem"))
			continue;
		if (devnode_string(dn, "region", region, sizeof(region)))
			return fail(ps, dn->node, "region", "a region name has at most %u characters",
				    SHMEM_NAME_MAX - 1);
		if (!region[0])
			return fail(ps, dn->node, NULL,
				    "hyparm,ivshmem needs region = \"NAME\"; (VMs naming the same region "
				    "share it)");
		if (devnode_size(dn, "size", &size, &present) || !shmem_size_ok(size))
			return fail(ps, dn->node, "size", "expected a power of two from 4K to %lluM",
				    (unsigned long long)(SHMEM_MAX_SIZE >> 20));
		for (unsigned v = 0; v <= n; v++)
			for (u32 j = 0; j < vms[v].nr_devnodes && (v < n || j < i); j++) {
				const struct devnode *other = &vms[v].devnodes[j];
				char oregion[SHMEM_NAME_MAX], where[VMCONF_WHERE_MAX];
				u64 osize = SHMEM_DEFAULT_SIZE;

				if (strcmp(other->schema->device, "ivshmem"))
					continue;
				locate(ps, other->node, NULL, where, sizeof(where));
				/* One function per VM: its slot state is per VM (vdev/ivshmem.c). */
				if (v == n)
					return fail(ps, dn->node, NULL,
						    "one hyparm,ivshmem per VM (the first is at %s)", where);
				if (devnode_string(other, "region", oregion, sizeof(oregion)) ||
				    strcmp(oregion, region))
					continue;
				devnode_size(other, "size", &osize, &present);
				if (osize != size)
					return fail(
						ps, dn->node, "size",
						"region '%s' is %llu KiB here but %llu KiB in VM %s (%s): "
						"every VM must give it the same size",
						region, (unsigned long long)(size >> 10),
						(unsigned long long)(osize >> 10), vms[v].name, where);
			}
	}
	return HV_OK;
}

/*
 * fdt_check_full(), safe from Debian's libfdt 1.6.1's own bug: it reads the
 * root node's name through fdt_get_name() without testing for NULL, so a
 * blob whose root name fdt_get_name() refuses crashes it (fuzz_manifest
 * found one; at EL2 that would fault hyparm). The header and the size are
 * checked first, as fdt_check_full() does, so the walk to the root node
 * stays inside the blob.
 */
static int check_full(const void *fdt, size_t size)
{
	int off = 0, next, len;
	uint32_t tag;

	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > size)
		return -FDT_ERR_BADSTRUCTURE;
	while ((tag = fdt_next_tag(fdt, off, &next)) == FDT_NOP)
		off = next;
	if (tag == FDT_BEGIN_NODE && !fdt_get_name(fdt, off, &len))
		return -FDT_ERR_BADSTRUCTURE;
	return fdt_check_full(fdt, size);
}

int manifest_parse(const void *fdt, u64 size, const struct manifest_env *env, struct vm_config *out,
		   unsigned max, unsigned *count, char *err, size_t errlen)
{
	static const struct manifest_env none = { 0 };
	struct parser ps = { fdt, env ? env : &none, err, errlen };
	int vms, node, rc;
	unsigned n = 0;
	u64 mem_total = 0;

	*count = 0;
	if (err && errlen)
		err[0] = '\0';
	if (!fdt || size < sizeof(struct fdt_header) || size > INT32_MAX || check_full(fdt, (size_t)size)) {
		if (err && errlen)
			hv_snprintf(err, errlen,
				    "manifest: not a valid device tree blob (compile the .dts with dtc)");
		return -HV_EINVAL;
	}
	if ((rc = check_root(&ps, 0, &vms)))
		return rc;
	fdt_for_each_subnode(node, fdt, vms)
	{
		struct vm_config *cfg = &out[n];

		if (n >= max || n >= VMCONF_MAX_VMS)
			return fail(&ps, node, NULL, "too many VMs (at most %u)",
				    MIN(max, (unsigned)VMCONF_MAX_VMS));
		if ((rc = parse_vm(&ps, node, cfg)))
			return rc;
		/* The console prefixes each VM's output with its name: names must differ. */
		for (unsigned i = 0; i < n; i++)
			if (strcmp(out[i].name, cfg->name) == 0)
				return fail(&ps, node, NULL, "duplicate VM name '%s' (first at %s)",
					    cfg->name, out[i].where);
		if ((rc = check_shared_regions(&ps, out, n)))
			return rc;
		mem_total += cfg->mem_size;
		if (ps.env->ram_bytes && mem_total > ps.env->ram_bytes)
			return fail(&ps, node, "memory",
				    "the VMs so far need %llu MiB, more than the %llu MiB the machine has "
				    "for VMs",
				    (unsigned long long)(mem_total >> 20),
				    (unsigned long long)(ps.env->ram_bytes >> 20));
		if (ps.env->find && (rc = check_images(&ps, node, cfg)))
			return rc;
		n++;
	}
	if (!n)
		return fail(&ps, vms, NULL,
			    "no VM (expected NAME { compatible = \"hyparm,vm\"; kernel = \"...\"; };)");
	*count = n;
	return HV_OK;
}

/* Device nodes, read by their devices (hyparm/devnode.h); the parser checked each type already. */
int devnode_string(const struct devnode *dn, const char *prop, char *out, size_t size)
{
	int len;
	const char *v = fdt_getprop(dn->fdt, dn->node, prop, &len);

	out[0] = '\0';
	if (!v)
		return HV_OK;
	if (!is_strings(v, len, 1) || (size_t)len > size)
		return -HV_EINVAL;
	memcpy(out, v, (size_t)len);
	return HV_OK;
}

bool devnode_flag(const struct devnode *dn, const char *prop)
{
	return fdt_getprop(dn->fdt, dn->node, prop, NULL) != NULL;
}

int devnode_u32(const struct devnode *dn, const char *prop, u32 *out, bool *present)
{
	int len;
	const void *v = fdt_getprop(dn->fdt, dn->node, prop, &len);

	*present = v != NULL;
	if (!v)
		return HV_OK;
	if (len != 4)
		return -HV_EINVAL;
	*out = cell(v, 0);
	return HV_OK;
}

int devnode_size(const struct devnode *dn, const char *prop, u64 *out, bool *present)
{
	int len;
	const void *v = fdt_getprop(dn->fdt, dn->node, prop, &len);

	*present = v != NULL;
	if (!v)
		return HV_OK;
	if (is_strings(v, len, 1))
		return parse_size_string(v, out) ? HV_OK : -HV_EINVAL;
	if (len == 4)
		*out = cell(v, 0);
	else if (len == 8)
		*out = (u64)cell(v, 0) << 32 | cell(v, 1);
	else
		return -HV_EINVAL;
	return HV_OK;
}

int devnode_cells(const struct devnode *dn, const char *prop, u32 *out, unsigned max, unsigned *n)
{
	int len;
	const void *v = fdt_getprop(dn->fdt, dn->node, prop, &len);

	*n = 0;
	if (!v)
		return HV_OK;
	if (len <= 0 || len % 4 || (unsigned)len / 4 > max)
		return -HV_EINVAL;
	for (int i = 0; i < len / 4; i++)
		out[i] = cell(v, i);
	*n = (unsigned)len / 4;
	return HV_OK;
}

void devnode_where(const struct devnode *dn, char *out, size_t outlen)
{
	struct parser ps = { dn->fdt, NULL, NULL, 0 };
	char loc[VMCONF_WHERE_MAX], path[PATH_MAX_LEN];

	locate(&ps, dn->node, NULL, loc, sizeof(loc));
	node_path(&ps, dn->node, path, sizeof(path));
	hv_snprintf(out, outlen, "%s: %s", loc, path);
}

int devnode_fail(const struct devnode *dn, const char *prop, char *err, size_t errlen, const char *fmt, ...)
{
	struct parser ps = { dn->fdt, NULL, err, errlen };
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(&ps, dn->node, prop, "%s", msg);
}
