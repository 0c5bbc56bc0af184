/*
 * Device nodes of the VM manifest: a VM node's sub-nodes describe devices
 * that take parameters (a disk's file, a shared region's size), as Xen's
 * dom0less module nodes do:
 *
 *     disk0 { compatible = "hyparm,virtio-blk"; file = "disk.img"; read-only; };
 *
 * compatible "hyparm,NAME" names the device's registry entry (hyparm/vdev.h);
 * the VM builder creates one instance per node, after the VM's `devices`
 * list, in node order, and hands it the node (struct vdev.node).
 *
 * Which properties a node may have, and their types, is one table
 * (core/devnode_schema.c), checked by the manifest parser (core/manifest.c)
 * both in the launcher (tools/manifest-check) and in hyparm, before anything
 * boots: an unknown device, an unknown property or a wrong type is refused
 * with the file and line. What the values mean (a size too small, a file
 * the launcher did not attach) is the device's to check when it is created;
 * devnode_fail() words its refusal the same way.
 */
#ifndef HYPARM_DEVNODE_H
#define HYPARM_DEVNODE_H

#include <hyparm/types.h>

enum devnode_type {
	DN_STRING, /* one string: file = "disk.img" */
	DN_STRINGS, /* one or more strings: names = "a", "b" */
	DN_FLAG, /* no value: read-only; */
	DN_U32, /* one cell: cid = <3> */
	DN_SIZE, /* a size: <bytes>, <hi lo> or "2M" (K, M, G) */
	DN_CELLS, /* one or more cells: reg = <0x0 0x9040000 0x0 0x1000> */
};

struct devnode_prop {
	const char *name;
	enum devnode_type type;
	const char *example; /* how a right value looks, for messages: "\"disk.img\"" */
};

struct devnode_schema {
	const char *device; /* registry name; the node's compatible is "hyparm,<device>" */
	const struct devnode_prop *props;
	unsigned nr_props;
	/* A device the node's device stands on (its bus): the VM builder adds it when `devices` lacks it. */
	const char *needs;
};

/* The table (core/devnode_schema.c) and its lookup by registry name; NULL if none. */
extern const struct devnode_schema devnode_schemas[];
extern const unsigned devnode_nr_schemas;
const struct devnode_schema *devnode_schema_find(const char *device);

#define DEVNODE_NAME_MAX 32

/* One device node of a VM, as the manifest parser found it (the blob outlives every VM). */
struct devnode {
	const void *fdt; /* the manifest blob */
	int node; /* the node's offset in it */
	char name[DEVNODE_NAME_MAX]; /* the node's name: "disk0" */
	const struct devnode_schema *schema;
};

/*
 * Reading a node's properties, for its device's create(). Types are
 * already checked, so these only fail on a value out of range:
 * devnode_string: "" if absent (-HV_EINVAL if longer than size - 1);
 * devnode_u32 / devnode_size: *present says whether it was there;
 * devnode_cells: at most max cells into out, their number in *n (0 if absent).
 */
int devnode_string(const struct devnode *dn, const char *prop, char *out, size_t size);
bool devnode_flag(const struct devnode *dn, const char *prop);
int devnode_u32(const struct devnode *dn, const char *prop, u32 *out, bool *present);
int devnode_size(const struct devnode *dn, const char *prop, u64 *out, bool *present);
int devnode_cells(const struct devnode *dn, const char *prop, u32 *out, unsigned max, unsigned *n);

/*
 * A refusal about the node (prop NULL) or one of its properties, worded as
 * the manifest parser words its own: "one.dts:14: /vms/linux/disk0: file:
 * ...". Returns -HV_EINVAL.
 */
/* Where the node is: "one.dts:14: /vms/linux/disk0" ("manifest: ..." without a line map). */
void devnode_where(const struct devnode *dn, char *out, size_t outlen);
int devnode_fail(const struct devnode *dn, const char *prop, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
