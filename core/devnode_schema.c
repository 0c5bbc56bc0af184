/*
 * The properties each device node of the manifest may have (see
 * hyparm/devnode.h), one row per device that takes parameters. A device
 * that needs none (virtio-rng) still has a row, so that a node may name it.
 * The same table is built into the launcher's manifest check and into
 * hyparm, so both refuse the same manifests; docs/manifest.md lists it for
 * users.
 */
#include <hyparm/devnode.h>
#include <string.h>

#define PROPS(a) a, sizeof(a) / sizeof(a[0])

/*
 * Rows list a device's own properties only: every node may also have
 * compatible (which names the device), the phandles dtc adds and the
 * launcher's line map (core/manifest.c allows those).
 */
static const struct devnode_prop virtio_console_props[] = {
	{ "input", DN_FLAG, "input;" }, /* console input goes here, not to the PL011 */
};

static const struct devnode_prop virtio_blk_props[] = {
	{ "file", DN_STRING, "\"disk.img\"" },
	{ "read-only", DN_FLAG, "(no value)" },
	{ "partition", DN_U32, "<1>" },
};

static const struct devnode_prop virtio_vsock_props[] = {
	{ "cid", DN_U32, "<3>" }, /* the VM's vsock address; default 3 + the VM's index */
};

static const struct devnode_prop virtio_net_props[] = {
	{ "mac", DN_STRING, "\"02:00:00:00:00:01\"" }, /* else derived from the VM's name */
};

static const struct devnode_prop ivshmem_props[] = {
	{ "region", DN_STRING, "\"ring\"" }, /* the region's name: VMs naming the same one share it */
	{ "size", DN_SIZE, "\"1M\"" }, /* a power of two, 4K..256M; default 1M; the same in every VM */
};

/*
 * hyparm reads host-address only; qemu-device and file tell the launcher
 * which QEMU device to attach there (tools/manifest.py), as a board's
 * device tree would say what is soldered there.
 */
static const struct devnode_prop passthrough_props[] = {
	{ "host-address", DN_CELLS,
	  "<0x0a000000>" }, /* the physical transport, where the guest sees it too */
	{ "qemu-device", DN_STRING, "\"virtio-blk-device\"" },
	{ "file", DN_STRING, "\"disk.img\"" }, /* a qemu-device's disk image */
};

const struct devnode_schema devnode_schemas[] = {
	{ "virtio-blk", PROPS(virtio_blk_props), NULL },
	{ "virtio-rng", NULL, 0, NULL }, /* no parameters: the node is the same as listing it in devices */
	{ "virtio-rng-pci", NULL, 0, NULL }, /* the same behind virtio-pci; needs "pci-host" in devices */
	{ "virtio-console", PROPS(virtio_console_props), NULL },
	{ "virtio-vsock", PROPS(virtio_vsock_props), NULL },
	{ "virtio-net", PROPS(virtio_net_props), NULL },
	{ "ivshmem", PROPS(ivshmem_props), "pci-host" }, /* a function on the PCIe host bridge */
	{ "passthrough", PROPS(passthrough_props), NULL },
};
const unsigned devnode_nr_schemas = sizeof(devnode_schemas) / sizeof(devnode_schemas[0]);

const struct devnode_schema *devnode_schema_find(const char *device)
{
	for (unsigned i = 0; i < devnode_nr_schemas; i++)
		if (strcmp(devnode_schemas[i].device, device) == 0)
			return &devnode_schemas[i];
	return NULL;
}
