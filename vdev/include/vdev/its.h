/*
 * The virtual GICv3 ITS (vdev/vgic/vits.c): the guest's MSI controller at
 * GUEST_ITS_IPA. It translates (DeviceID, EventID) into an LPI of the vGIC
 * model and a collection, whose target is a vCPU. The guest programs it
 * through a command queue in its own memory; hyparm keeps the translation
 * tables (device table, ITTs, collection table) in its own memory, of the
 * sizes below, which GITS_TYPER advertises. The tables the guest gives
 * through GITS_BASER<n> are accepted and never read or written (the
 * architecture leaves their format to the implementation).
 *
 * Bounds (and so, what a hostile guest can make hyparm hold): VITS_NR_DEVICES
 * device IDs, EventIDs of VITS_EVENT_BITS bits, VITS_NR_COLLECTIONS
 * collections, VITS_NR_ITES translations in all, LPIs from the vGIC's
 * VGIC_NR_LPIS. At most VITS_CMDS_PER_EXIT commands run per trapped access;
 * the guest's next CWRITER write or CREADR read (it polls CREADR to see
 * its commands done) runs the next batch.
 */
#ifndef VDEV_ITS_H
#define VDEV_ITS_H

#include <hyparm/types.h>
#include <hyparm/gic_regs.h>
#include <hyparm/virtqueue.h>

#define VITS_DEVICE_BITS 5
#define VITS_NR_DEVICES (1u << VITS_DEVICE_BITS)
#define VITS_EVENT_BITS 16 /* enough for MAPI, whose EventID is the LPI's INTID */
#define VITS_COLLECTION_BITS 4
#define VITS_NR_COLLECTIONS (1u << VITS_COLLECTION_BITS)
#define VITS_NR_ITES 64
#define VITS_ITE_SIZE 8 /* GITS_TYPER.ITT_entry_size: what the guest allocates per event (unused) */
#define VITS_CMDS_PER_EXIT 64
#define VITS_IIDR 0x0100043B /* implementer ARM (0x43B), product 1: hyparm's, like its vGIC */
#define VITS_MAX_REPORTS 8 /* errors logged per VM: a guest cannot flood the console */

struct vm;
struct vgic;

struct vits_device {
	bool valid;
	u8 event_bits; /* EventIDs below 2^event_bits (MAPD Size + 1) */
	u64 itt; /* the ITT address the guest gave (kept, not used) */
};

struct vits_ite {
	bool valid;
	u16 devid;
	u16 icid;
	u32 eventid;
	u32 intid; /* the LPI */
};

struct vits_collection {
	bool valid;
	u16 vcpu; /* target redistributor: GITS_TYPER.PTA = 0, so a processor number */
};

struct vits {
	struct vm *vm;
	struct vgic *g; /* the vGIC whose LPIs it drives (its lock guards the ITS too) */
	u32 ctlr; /* GITS_CTLR.Enabled */
	u64 cbaser, cwriter, creadr; /* creadr: offset only; stalled separately */
	bool stalled;
	u32 error; /* the command error that stalled the queue (GITS_HYP_ERROR) */
	u64 baser[GITS_NR_BASER];
	struct vits_device dev[VITS_NR_DEVICES];
	struct vits_collection coll[VITS_NR_COLLECTIONS];
	struct vits_ite ite[VITS_NR_ITES];
	struct vq_mem mem; /* the VM's RAM: the command queue is read through its bounds check */
	u64 commands, errors, msis; /* statistics */
	unsigned reports;
};

/* Power-on state (GITS_BASER types set, everything else 0); vm's vGIC g. */
void vits_reset(struct vits *its, struct vm *vm, struct vgic *g);
/* Run up to VITS_CMDS_PER_EXIT queued commands, if the ITS is enabled and not stalled. Lock held. */
void vits_process(struct vits *its);
/* Run one command (four little-endian words). 0 or a GITS_ERR_* code. Lock held. */
u32 vits_command(struct vits *its, const u64 cmd[4]);
/*
 * A device's MSI: the write of eventid to GITS_TRANSLATER by device devid.
 * Lock held. False if nothing was translated (ITS off, no mapping): the
 * architecture drops such a write silently.
 */
bool vits_translate(struct vits *its, u32 devid, u32 eventid);
/* The same for device models, taking the lock (a future MSI-capable device). */
bool vits_deliver_msi(struct vm *vm, u32 devid, u32 eventid);

/* A vCPU's own write to GITS_TRANSLATER has no requester: it is translated as this DeviceID's. */
#define VITS_CPU_DEVICE_ID 0

extern const struct mmio_ops vits_mmio_ops;

#endif
