/*
 * VM configuration ("vms.conf" in the guest-image bundle), a small INI-like
 * text that the launcher writes and users may write by hand:
 *
 *   # comment
 *   [vm]
 *   name    = guest0          # letters, digits, '-', '_' ; max 31 chars
 *   kernel  = guest0.bin      # file in the bundle (required)
 *   initrd  = rootfs.cpio     # optional
 *   dtb     = custom.dtb      # optional: use this DT instead of generating one
 *   cmdline = console=ttyAMA0 # rest of the line, may contain spaces and '='
 *   vcpus   = 2               # 1..8, default 1
 *   memory  = 64M             # bytes with optional K/M/G suffix, >= 2M, multiple of 2M
 *   pcpus   = 0,1             # physical CPUs; vCPU i runs on pcpus[i % n]; default: VM index % nr_pcpus
 *   devices = gicv3 arm-vtimer arm-ptimer pl011 pvtime   # virtual devices, by registry name, in
 *                             # creation order (the interrupt controller first); default: these five
 *
 * Errors name the file, the line and what was expected.
 */
#ifndef HYPARM_VMCONFIG_H
#define HYPARM_VMCONFIG_H

#include <hyparm/types.h>

#define VMCONF_MAX_VMS 8
#define VMCONF_MAX_VCPUS 8
#define VMCONF_NAME_MAX 32
#define VMCONF_FILE_MAX 64
#define VMCONF_CMDLINE_MAX 512
#define VMCONF_DEVICES_MAX 128

struct vm_config {
	char name[VMCONF_NAME_MAX];
	char kernel[VMCONF_FILE_MAX];
	char initrd[VMCONF_FILE_MAX]; /* "" = none */
	char dtb[VMCONF_FILE_MAX]; /* "" = generate */
	char cmdline[VMCONF_CMDLINE_MAX];
	char devices[VMCONF_DEVICES_MAX]; /* "" = the default set */
	u32 vcpus;
	u64 mem_size;
	u32 pcpus[VMCONF_MAX_VCPUS];
	u32 nr_pcpus; /* 0 = default placement */
	unsigned line; /* line of its [vm] header */
};

/*
 * Parse text (len bytes, need not be NUL-terminated). On success fills
 * out[0..*count) and returns HV_OK. On error returns -HV_EINVAL and writes
 * "FILE:LINE: message" into err.
 */
int vmconfig_parse(const char *text, size_t len, const char *fname, struct vm_config *out, unsigned max,
		   unsigned *count, char *err, size_t errlen);

#endif
