/*
 * Non-volatile storage for one VM's firmware variables: the board's own
 * flash, when it has one hyparm may write (QEMU virt's second flash bank,
 * which the launcher backs with a host file: tools/hyparm-run
 * --flash-vars). A driver registers it at boot; the first VM to claim it
 * keeps it (one store cannot hold two VMs' variables): its flash device
 * reads its variables from it at creation and writes every change
 * through. Offsets are from the start of the store.
 */
#ifndef HYPARM_NVSTORE_H
#define HYPARM_NVSTORE_H

#include <hyparm/types.h>

struct vm;

struct nvstore_ops {
	u64 size;
	void (*read)(u64 off, void *buf, u64 len);
	/* Erase the erase block at off (aligned to block_size). HV_OK or -HV_EIO. */
	int (*erase)(u64 off);
	/* Program len bytes at off (both multiples of 4): bits only go from 1 to 0. HV_OK or -HV_EIO. */
	int (*program)(u64 off, const void *data, u64 len);
	u64 block_size;
};

/* The driver found a store (at boot, before any VM exists). */
void nvstore_register(const struct nvstore_ops *ops);
/* The store for vm if it is free (it is then vm's for good) or already vm's; NULL otherwise. */
const struct nvstore_ops *nvstore_claim(const struct vm *vm);

#endif
