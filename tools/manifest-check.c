/*
 * manifest-check: hyparm's own manifest checks (core/manifest.c, built for
 * the host) run by the launcher before anything boots, so that a bad
 * manifest is refused with the same message hyparm would give.
 *
 *   manifest-check [--pcpus N] [--ram BYTES] [--dir DIR] MANIFEST.dtb
 *
 * Files the manifest names are looked up relative to DIR (default: the
 * current directory); only their first MANIFEST_HEAD_BYTES are read. On
 * success prints one line per VM ("vm NAME vcpus=2 memory=268435456
 * kernel=... initrd=... dtb=... affinity=0,1 restart=never devices=...")
 * and exits 0; otherwise prints the refusal and exits 1 (2: usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <hyparm/errno.h>
#include <hyparm/manifest.h>

struct file_head {
	char path[4096];
	unsigned char head[MANIFEST_HEAD_BYTES];
};

static const char *dir = ".";
static struct file_head files[3 * VMCONF_MAX_VMS];
static unsigned nr_files;

static int host_file(void *ctx, const char *name, const void **data, u64 *size)
{
	struct file_head *f;
	struct stat st;
	FILE *fp;

	if (nr_files == sizeof(files) / sizeof(files[0]))
		return -HV_ENOENT;
	f = &files[nr_files];
	if (name[0] == '/')
		snprintf(f->path, sizeof(f->path), "%s", name);
	else
		snprintf(f->path, sizeof(f->path), "%s/%s", dir, name);
	if (stat(f->path, &st) || !S_ISREG(st.st_mode) || !(fp = fopen(f->path, "rb")))
		return -HV_ENOENT;
	size_t n = fread(f->head, 1, sizeof(f->head), fp);
	fclose(fp);
	nr_files++;
	*data = f->head;
	*size = (u64)st.st_size < n ? n : (u64)st.st_size;
	return HV_OK;
}

static void *read_all(const char *path, long *len)
{
	FILE *fp = fopen(path, "rb");
	void *buf;

	if (!fp || fseek(fp, 0, SEEK_END) || (*len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET))
		return NULL;
	buf = malloc(*len ? (size_t)*len : 1);
	if (buf && fread(buf, 1, (size_t)*len, fp) != (size_t)*len) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

static const char *const restart_names[] = { "never", "on-crash", "always" };

int main(int argc, char **argv)
{
	static struct vm_config vms[VMCONF_MAX_VMS];
	struct manifest_env env = { .find = host_file };
	const char *path = NULL;
	char err[512];
	unsigned count;
	long len;
	void *dtb;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pcpus") && i + 1 < argc)
			env.nr_pcpus = (u32)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ram") && i + 1 < argc)
			env.ram_bytes = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr,
				"usage: manifest-check [--pcpus N] [--ram BYTES] [--dir DIR] MANIFEST.dtb\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: manifest-check [--pcpus N] [--ram BYTES] [--dir DIR] MANIFEST.dtb\n");
		return 2;
	}
	if (!(dtb = read_all(path, &len))) {
		printf("%s: cannot read\n", path);
		return 1;
	}
	if (manifest_parse(dtb, (u64)len, &env, vms, VMCONF_MAX_VMS, &count, err, sizeof(err))) {
		printf("%s\n", err);
		free(dtb);
		return 1;
	}
	for (unsigned i = 0; i < count; i++) {
		const struct vm_config *c = &vms[i];
		printf("vm %s vcpus=%u memory=%llu kernel=%s initrd=%s dtb=%s affinity=", c->name, c->vcpus,
		       (unsigned long long)c->mem_size, c->kernel, c->initrd, c->dtb);
		for (unsigned j = 0; j < c->nr_pcpus; j++)
			printf("%s%u", j ? "," : "", c->pcpus[j]);
		printf(" restart=%s devices=%s\n", restart_names[c->restart], c->devices);
	}
	free(dtb);
	return 0;
}
