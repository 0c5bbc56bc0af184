/*
 * A function on the virtual PCIe host bridge (vdev/pci_host.c) and its
 * configuration space (vdev/pci_config.c).
 *
 * The space is a byte image with a write mask beside it: a config write
 * changes only the bits the mask allows, so read-only registers need no
 * code, and a BAR's mask is its address bits: the guest's all-ones
 * sizing write reads back as ~(size - 1) with the type bits, as the
 * spec has it. A function builds its header and capabilities once
 * (pci_fn_init, pci_fn_add_bar, pci_fn_add_cap); that image is also
 * what reset restores. The function hears of writes (cfg_written: MSI-X
 * enable and mask) and answers its BARs' accesses; the bridge routes a
 * window access to a BAR only while the function's memory decode is on.
 *
 * A 64-bit BAR takes two registers (the second holds the address's upper
 * half and is no BAR of its own). A function with an interrupt pin (INTA)
 * drives it through pci_fn_intx(): the bridge keeps PCI_STATUS's
 * interrupt bit and the command register's INTx disable honest and routes
 * the line to the SPI its DT interrupt-map names.
 */
#ifndef VDEV_PCI_H
#define VDEV_PCI_H

#include <hyparm/pci.h>
#include <hyparm/types.h>

struct vm;
struct pci_function;

struct pci_function_ops {
	/* An access of size bytes at off inside BAR bar (off + size <= the BAR's size). */
	int (*bar_read)(struct pci_function *f, unsigned bar, u64 off, unsigned size, u64 *val);
	int (*bar_write)(struct pci_function *f, unsigned bar, u64 off, unsigned size, u64 val);
	/* Optional: the guest wrote size bytes at off of the configuration space (already applied). */
	void (*cfg_written)(struct pci_function *f, unsigned off, unsigned size);
};

struct pci_function {
	const struct pci_function_ops *ops;
	void *ctx; /* the function's own */
	u16 rid; /* requester ID, set when the bridge takes it: the ITS DeviceID of its MSIs */
	struct vm *vm; /* set when the bridge takes it */
	u64 bar_size[PCI_NR_BARS]; /* 0: no such BAR (also the upper half of a 64-bit one) */
	u8 bar64; /* bit n: BAR n is 64 bits wide (BAR n + 1 is its upper half) */
	bool intx_level; /* the level pci_fn_intx() last drove */
	u8 next_cap; /* where the next capability goes */
	u8 last_cap; /* the last capability's offset (0: none yet) */
	u8 cfg[PCI_CFG_SIZE];
	u8 wmask[PCI_CFG_SIZE];
	u8 cfg_reset[PCI_CFG_SIZE]; /* the power-on image */
};

/* A type 0 header: IDs, class (class << 16 | subclass << 8 | prog-if), no BARs, no capabilities. */
void pci_fn_init(struct pci_function *f, const struct pci_function_ops *ops, void *ctx, u16 vendor,
		 u16 device, u32 class_code, u8 revision);
/* A 32-bit memory BAR of size bytes (a power of two, at least 16). */
void pci_fn_add_bar(struct pci_function *f, unsigned bar, u32 size);
/* A 64-bit memory BAR at bar and bar + 1 of size bytes (a power of two, at least 16), prefetchable or not. */
void pci_fn_add_bar64(struct pci_function *f, unsigned bar, u64 size, bool prefetch);
/* Give the function interrupt pin INTA (before pci_fn_seal). */
void pci_fn_add_intx(struct pci_function *f);
/* Append a capability of len bytes (ID and next filled in); returns its offset, 0 if there is no room. */
unsigned pci_fn_add_cap(struct pci_function *f, u8 id, unsigned len);
/* Store the image as it is as the power-on image: call after building it. */
void pci_fn_seal(struct pci_function *f);
/* Back to the power-on image (BARs unassigned, decode off). */
void pci_fn_reset(struct pci_function *f);

/* Little-endian accessors of the image, for the function building it. */
void pci_cfg_set(struct pci_function *f, unsigned off, unsigned size, u32 val);
u32 pci_cfg_get(const struct pci_function *f, unsigned off, unsigned size);

/*
 * A guest's config access (ECAM): size 1, 2 or 4, naturally aligned, off <
 * PCI_ECAM_FN_SIZE; anything else reads all-ones and is ignored on write.
 * Past the conventional 256 bytes: reads zero (no extended capabilities).
 */
u32 pci_cfg_read(const struct pci_function *f, unsigned off, unsigned size);
void pci_cfg_write(struct pci_function *f, unsigned off, unsigned size, u32 val);

/* The BAR address a holds if decode is on and a BAR contains [a, a + size): true and bar, off. */
bool pci_fn_decode(const struct pci_function *f, u64 a, unsigned size, unsigned *bar, u64 *off);
/* BAR bar's address as the guest programmed it (both halves of a 64-bit one). */
u64 pci_fn_bar_addr(const struct pci_function *f, unsigned bar);
/* Whether memory decode is on. */
bool pci_fn_mem_enabled(const struct pci_function *f);
/* Whether the guest let the function master the bus (memory writes, MSIs). */
bool pci_fn_bus_master(const struct pci_function *f);

/* Put f on vm's bridge (device "pci-host" listed before): its device number, or -HV_ENOENT / -HV_EBUSY. */
int pci_host_attach(struct vm *vm, struct pci_function *f);
/* The SPI f's INTA reaches (its slot's swizzle, hyparm/guest_layout.h). */
u32 pci_host_intx_intid(const struct pci_function *f);
/*
 * f (attached, with pci_fn_add_intx) asserts its interrupt or not: PCI_STATUS's
 * interrupt bit follows, the line goes high only while INTx disable is clear.
 * Call again after the guest wrote the command register. Under f's own lock.
 */
void pci_fn_intx(struct pci_function *f, bool asserted);

#endif
