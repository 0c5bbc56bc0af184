/*
 * The VM manifest: a device tree (compiled from the user's .dts by the
 * launcher, "manifest.dtb" in the bundle) with one node per VM under
 * /vms. Schema and examples: docs/manifest.md.
 *
 * The same checks run in the launcher, before anything boots (host build
 * of this file, tools/manifest-check.c), and in hyparm, which never trusts
 * the bundle. Every refusal says where and what was expected:
 *   "one-linux.dts:12: /vms/linux: vcpus: expected 1..8"
 * The file:line comes from the node's "hyparm,lines" property, the line
 * map that the launcher adds (tools/manifest.py); without it, messages
 * begin "manifest: /vms/linux: ...".
 */
#ifndef HYPARM_MANIFEST_H
#define HYPARM_MANIFEST_H

#include <hyparm/types.h>
#include <hyparm/vmconfig.h>

/* The manifest's name in the bundle. */
#define MANIFEST_NAME "manifest.dtb"

/* How much of an image the checks read: find() may give only this much of a longer file. */
#define MANIFEST_HEAD_BYTES 4096u

struct manifest_env {
	u32 nr_pcpus; /* physical CPUs the VMs may use; 0 = not checked */
	u64 ram_bytes; /* RAM for all VMs together; 0 = not checked */
	/*
	 * The files the manifest names (NULL: not checked): HV_OK with *size and
	 * *data (the whole file, or at least its first MANIFEST_HEAD_BYTES),
	 * -HV_ENOENT if there is no such file.
	 */
	int (*find)(void *ctx, const char *name, const void **data, u64 *size);
	void *find_ctx;
	const char *files_where; /* for messages: "in the bundle"; NULL: nothing */
};

/*
 * Parse and check the manifest (fdt, size bytes of untrusted memory). On
 * success fills out[0..*count) and returns HV_OK; otherwise -HV_EINVAL and
 * the first refusal in err.
 */
int manifest_parse(const void *fdt, u64 size, const struct manifest_env *env, struct vm_config *out,
		   unsigned max, unsigned *count, char *err, size_t errlen);

#endif
