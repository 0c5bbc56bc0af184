/*
 * hyparm's in-memory description of one VM, as its manifest gave it
 * (core/manifest.c fills it from the bundle's manifest.dtb; the schema is
 * in docs/manifest.md). The VM builder (core/vm.c, core/vm_load.c) reads
 * nothing else about a VM.
 */
#ifndef HYPARM_VMCONFIG_H
#define HYPARM_VMCONFIG_H

#include <hyparm/devnode.h>
#include <hyparm/types.h>

#define VMCONF_MAX_VMS 8
#define VMCONF_MAX_VCPUS 8
#define VMCONF_NAME_MAX 32
#define VMCONF_FILE_MAX 64
#define VMCONF_CMDLINE_MAX 512
#define VMCONF_DEVICES_MAX 128
#define VMCONF_WHERE_MAX 160
#define VMCONF_MAX_DEVNODES 8 /* device nodes per VM (hyparm/devnode.h) */
/* A VM's CPU share (manifest `weight`): credit2's range and default. */
#define VMCONF_WEIGHT_DEFAULT 256
#define VMCONF_WEIGHT_MAX 65535

/* What hyparm does when the VM ends by itself (a guest's reboot request always resets it). */
enum vm_restart {
	VM_RESTART_NEVER, /* a crash stops the VM, a power-off ends it (today's behaviour, the default) */
	VM_RESTART_ON_CRASH, /* a crash restarts it from its images */
	VM_RESTART_ALWAYS, /* a crash or a power-off restarts it */
};

struct vm_config {
	char name[VMCONF_NAME_MAX];
	char kernel[VMCONF_FILE_MAX]; /* "" for a firmware VM */
	char firmware[VMCONF_FILE_MAX]; /* "" = boot the kernel */
	char initrd[VMCONF_FILE_MAX]; /* "" = none */
	char dtb[VMCONF_FILE_MAX]; /* "" = generate */
	char cmdline[VMCONF_CMDLINE_MAX];
	char devices[VMCONF_DEVICES_MAX]; /* registry names, space-separated; "" = the default set */
	u32 vcpus;
	u64 mem_size;
	u32 pcpus[VMCONF_MAX_VCPUS]; /* vCPU i runs on pcpus[i % nr_pcpus] */
	u32 nr_pcpus; /* 0 = default placement */
	enum vm_restart restart;
	u32 weight; /* CPU share, 1..VMCONF_WEIGHT_MAX; VMCONF_WEIGHT_DEFAULT unless the manifest says */
	bool no_mte; /* manifest no-mte: MTE stays hidden from this VM even where the machine has it */
	bool identity_mapped; /* RAM at IPA == PA (for passthrough DMA without an SMMU: core/vm_memory.c) */
	/* Where the manifest describes the VM, for later messages: "FILE:LINE: /vms/NAME" or "manifest: /vms/NAME". */
	char where[VMCONF_WHERE_MAX];
	bool vars_on_board; /* flash-vars = "board": the variables bank is the board's pflash1 */
	/* The VM node's device sub-nodes, in source order: created after `devices`. */
	struct devnode devnodes[VMCONF_MAX_DEVNODES];
	u32 nr_devnodes;
};

#endif
