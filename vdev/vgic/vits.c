/*
 * The virtual GICv3 ITS, a device of its own ("gicv3-its") beside the
 * vGIC it feeds (see vdev/its.h for what it keeps and its bounds).
 *
 * Registers (GICv3 spec 12.19): GITS_CTLR (Enabled; Quiescent always set:
 * commands run to completion inside the trapped access), GITS_IIDR,
 * GITS_TYPER, GITS_CBASER/CWRITER/CREADR (the command queue, in guest
 * memory), GITS_BASER0 (device table) and GITS_BASER1 (collection table),
 * flat only (Indirect reads as zero), GITS_PIDR2, and in the translation
 * frame GITS_TRANSLATER. 64-bit registers take 64-bit or 32-bit accesses,
 * the others 32-bit; anything else reads as zero and is ignored, as in
 * the distributor.
 *
 * The command queue is read one command at a time through the VM's RAM
 * bounds check (vq_mem_ptr: no sum that can wrap), each word read once.
 * A command the ITS cannot carry out (an ID out of range, something not
 * mapped, an opcode it does not know, a command outside RAM) is a command
 * error: GITS_TYPER.SEIS is 0, so the architecture lets the ITS stall,
 * and it does: GITS_CREADR keeps pointing at the command, Stalled is set,
 * the error code (GICv3 spec 6.3 encoding) reads from hyparm's
 * IMPLEMENTATION DEFINED GITS_HYP_ERROR, and nothing more runs until the
 * guest writes GITS_CWRITER with Retry (the command runs again) or a new
 * GITS_CBASER (the queue starts over).
 */
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/print.h>
#include <hyparm/vdev.h>
#include <hyparm/vm.h>
#include <vdev/its.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"

static struct vits vits_state[VM_MAX];

void vits_reset(struct vits *its, struct vm *vm, struct vgic *g)
{
	*its = (struct vits){
		.vm = vm,
		.g = g,
		.mem = { .ipa = vm->ram_ipa,
			 .size = vm->ram_size,
			 .host = (u8 *)(uintptr_t)vm->ram_pa,
			 .ready = vm_ram_ready_range,
			 .ctx = vm },
	};
	/* The two tables a guest expects to allocate; their entries are hyparm's, of this nominal size. */
	its->baser[0] = GITS_BASER_TYPE_DEVICE << GITS_BASER_TYPE_SHIFT | 7ULL << GITS_BASER_ENTRY_SIZE_SHIFT;
	its->baser[1] = GITS_BASER_TYPE_COLLECTION << GITS_BASER_TYPE_SHIFT |
		7ULL << GITS_BASER_ENTRY_SIZE_SHIFT;
}

static u64 typer(void)
{
	/* PTA = 0: RDbase is a processor number. HCC = 0: the collections are "in memory" (BASER1). */
	return GITS_TYPER_PHYSICAL | (u64)(VITS_ITE_SIZE - 1) << GITS_TYPER_ITT_ENTRY_SIZE_SHIFT |
		(u64)(VITS_EVENT_BITS - 1) << GITS_TYPER_IDBITS_SHIFT |
		(u64)(VITS_DEVICE_BITS - 1) << GITS_TYPER_DEVBITS_SHIFT | GITS_TYPER_CIL |
		(u64)(VITS_COLLECTION_BITS - 1) << GITS_TYPER_CIDBITS_SHIFT;
}

static u64 queue_bytes(const struct vits *its)
{
	return ((its->cbaser & GITS_CBASER_SIZE_MASK) + 1) * 4096;
}

static struct vits_ite *ite_find(struct vits *its, u32 devid, u32 eventid)
{
	for (unsigned i = 0; i < VITS_NR_ITES; i++)
		if (its->ite[i].valid && its->ite[i].devid == devid && its->ite[i].eventid == eventid)
			return &its->ite[i];
	return NULL;
}

/* The vCPU a collection targets, -1 if it is not mapped. */
static int coll_target(const struct vits *its, u32 icid)
{
	return icid < VITS_NR_COLLECTIONS && its->coll[icid].valid ? its->coll[icid].vcpu : -1;
}

/* The translation is gone; its LPI too unless another translation still leads there. */
static void ite_release(struct vits *its, struct vits_ite *ite)
{
	u32 intid = ite->intid;

	ite->valid = false;
	for (unsigned i = 0; i < VITS_NR_ITES; i++)
		if (its->ite[i].valid && its->ite[i].intid == intid)
			return;
	vgic_lpi_unmap(its->g, intid);
}

/* The translation of a command naming (DeviceID, EventID): NULL if the device or the event is unmapped. */
static struct vits_ite *cmd_ite(struct vits *its, const u64 cmd[4])
{
	u32 devid = cmd[0] >> 32;

	if (devid >= VITS_NR_DEVICES || !its->dev[devid].valid)
		return NULL;
	return ite_find(its, devid, (u32)cmd[1]);
}

static u32 cmd_mapd(struct vits *its, const u64 cmd[4])
{
	u32 devid = cmd[0] >> 32;
	unsigned bits = (cmd[1] & GITS_CMD_SIZE_MASK) + 1;
	bool valid = cmd[2] & GITS_CMD_VALID;

	if (devid >= VITS_NR_DEVICES)
		return GITS_ERR_MAPD_DEVICE_OOR;
	if (valid && bits > VITS_EVENT_BITS)
		return GITS_ERR_MAPD_ITTSIZE_OOR;
	/* Unmapping, or remapping (a new ITT): the device's old translations are gone. */
	for (unsigned i = 0; i < VITS_NR_ITES; i++)
		if (its->ite[i].valid && its->ite[i].devid == devid)
			ite_release(its, &its->ite[i]);
	its->dev[devid] = (struct vits_device){
		.valid = valid,
		.event_bits = valid ? bits : 0,
		.itt = valid ? cmd[2] & GITS_CMD_ITT_MASK : 0,
	};
	return 0;
}

static u32 cmd_mapc(struct vits *its, const u64 cmd[4])
{
	u32 icid = cmd[2] & GITS_CMD_ICID_MASK;
	u64 rd = (cmd[2] >> GITS_CMD_RDBASE_SHIFT) & GITS_CMD_RDBASE_MASK;
	bool valid = cmd[2] & GITS_CMD_VALID;

	if (icid >= VITS_NR_COLLECTIONS)
		return GITS_ERR_MAPC_COLLECTION_OOR;
	if (valid && rd >= its->vm->nr_vcpus)
		return GITS_ERR_MAPC_PROCNUM_OOR;
	its->coll[icid] = (struct vits_collection){ .valid = valid, .vcpu = valid ? (u16)rd : 0 };
	/* Its LPIs follow it (or wait, unmapped, for the next MAPC). */
	for (unsigned i = 0; i < VITS_NR_ITES; i++)
		if (its->ite[i].valid && its->ite[i].icid == icid)
			vgic_lpi_map(its->g, its->ite[i].intid, coll_target(its, icid));
	return 0;
}

static u32 cmd_mapti(struct vits *its, const u64 cmd[4], bool mapi)
{
	u32 devid = cmd[0] >> 32, eventid = (u32)cmd[1];
	u32 intid = mapi ? eventid : (u32)(cmd[1] >> 32);
	u32 icid = cmd[2] & GITS_CMD_ICID_MASK;
	struct vits_ite *ite;

	if (devid >= VITS_NR_DEVICES)
		return GITS_ERR_MAPTI_DEVICE_OOR;
	if (!its->dev[devid].valid)
		return GITS_ERR_MAPTI_UNMAPPED_DEVICE;
	if (eventid >> its->dev[devid].event_bits)
		return GITS_ERR_MAPTI_ID_OOR;
	if (icid >= VITS_NR_COLLECTIONS)
		return GITS_ERR_MAPTI_COLLECTION_OOR;
	if (!vgic_lpi_valid(intid))
		return GITS_ERR_MAPTI_PHYSICALID_OOR;
	ite = ite_find(its, devid, eventid);
	if (ite) {
		ite_release(its, ite); /* mapped again: the new translation replaces the old */
	} else {
		for (unsigned i = 0; i < VITS_NR_ITES && !ite; i++)
			if (!its->ite[i].valid)
				ite = &its->ite[i];
		/* hyparm's table is full: for the guest, the EventID cannot be stored. */
		if (!ite)
			return GITS_ERR_MAPTI_ID_OOR;
	}
	*ite = (struct vits_ite){
		.valid = true, .devid = devid, .icid = icid, .eventid = eventid, .intid = intid
	};
	vgic_lpi_map(its->g, intid, coll_target(its, icid));
	return 0;
}

static u32 cmd_movi(struct vits *its, const u64 cmd[4])
{
	struct vits_ite *ite = cmd_ite(its, cmd);
	u32 icid = cmd[2] & GITS_CMD_ICID_MASK;

	if (!ite)
		return GITS_ERR_MOVI_UNMAPPED_INTERRUPT;
	if (coll_target(its, icid) < 0)
		return GITS_ERR_MOVI_UNMAPPED_COLLECTION;
	ite->icid = icid;
	/* A pending LPI goes with it: the new target is kicked; one in a list register finishes where it is. */
	vgic_lpi_map(its->g, ite->intid, coll_target(its, icid));
	return 0;
}

u32 vits_command(struct vits *its, const u64 cmd[4])
{
	struct vits_ite *ite;
	u32 icid = cmd[2] & GITS_CMD_ICID_MASK;

	its->commands++;
	switch (cmd[0] & GITS_CMD_OPCODE_MASK) {
	case GITS_CMD_MAPD:
		return cmd_mapd(its, cmd);
	case GITS_CMD_MAPC:
		return cmd_mapc(its, cmd);
	case GITS_CMD_MAPTI:
		return cmd_mapti(its, cmd, false);
	case GITS_CMD_MAPI:
		return cmd_mapti(its, cmd, true);
	case GITS_CMD_MOVI:
		return cmd_movi(its, cmd);
	case GITS_CMD_INT:
		ite = cmd_ite(its, cmd);
		if (!ite)
			return GITS_ERR_INT_UNMAPPED_INTERRUPT;
		if (coll_target(its, ite->icid) < 0)
			return GITS_ERR_INT_UNMAPPED_COLLECTION;
		vgic_lpi_set_pending(its->g, ite->intid, true);
		return 0;
	case GITS_CMD_CLEAR:
		ite = cmd_ite(its, cmd);
		if (!ite)
			return GITS_ERR_CLEAR_UNMAPPED_INTERRUPT;
		vgic_lpi_set_pending(its->g, ite->intid, false);
		return 0;
	case GITS_CMD_DISCARD:
		ite = cmd_ite(its, cmd);
		if (!ite)
			return GITS_ERR_DISCARD_UNMAPPED_INTERRUPT;
		ite_release(its, ite);
		return 0;
	case GITS_CMD_INV:
		ite = cmd_ite(its, cmd);
		if (!ite)
			return GITS_ERR_INV_UNMAPPED_INTERRUPT;
		vgic_lpi_config(its->g, ite->intid);
		return 0;
	case GITS_CMD_INVALL:
		if (coll_target(its, icid) < 0)
			return GITS_ERR_INVALL_UNMAPPED_COLLECTION;
		for (unsigned i = 0; i < VITS_NR_ITES; i++)
			if (its->ite[i].valid && its->ite[i].icid == icid)
				vgic_lpi_config(its->g, its->ite[i].intid);
		return 0;
	case GITS_CMD_SYNC:
		return 0; /* every command before it has taken effect already */
	case GITS_CMD_MOVALL: {
		u64 from = (cmd[2] >> GITS_CMD_RDBASE_SHIFT) & GITS_CMD_RDBASE_MASK;
		u64 to = (cmd[3] >> GITS_CMD_RDBASE_SHIFT) & GITS_CMD_RDBASE_MASK;
		if (from >= its->vm->nr_vcpus || to >= its->vm->nr_vcpus)
			return GITS_ERR_MOVALL_PROCNUM_OOR;
		vgic_lpi_move(its->g, (unsigned)from, (unsigned)to);
		return 0;
	}
	}
	return GITS_ERR_UNKNOWN_COMMAND;
}

static void stall(struct vits *its, u32 err, u64 opcode)
{
	its->stalled = true;
	its->error = err;
	its->errors++;
	if (its->reports < VITS_MAX_REPORTS) {
		its->reports++;
		hv_printf(
			"vm %s: ITS command 0x%02llx at CREADR 0x%llx: error 0x%06x, command queue stalled\n",
			its->vm->name, (unsigned long long)opcode, (unsigned long long)its->creadr, err);
	}
}

void vits_process(struct vits *its)
{
	u64 base = its->cbaser & GITS_CBASER_PA_MASK, size = queue_bytes(its);

	if (!(its->ctlr & GITS_CTLR_ENABLED) || !(its->cbaser & GITS_CBASER_VALID) || its->stalled)
		return;
	for (unsigned n = 0; n < VITS_CMDS_PER_EXIT && its->creadr != its->cwriter; n++) {
		const u64 *p = vq_mem_ptr(&its->mem, base + its->creadr, GITS_CMD_SIZE);
		u64 cmd[4];
		u32 err;

		if (!p) {
			stall(its, GITS_ERR_QUEUE_OUTSIDE_RAM, 0);
			return;
		}
		/* The guest may change the queue under us: each word once, into a copy that is then trusted. */
		for (unsigned i = 0; i < 4; i++)
			cmd[i] = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
		err = vits_command(its, cmd);
		if (err) {
			stall(its, err, cmd[0] & GITS_CMD_OPCODE_MASK);
			return;
		}
		its->creadr = (its->creadr + GITS_CMD_SIZE) % size;
	}
}

bool vits_translate(struct vits *its, u32 devid, u32 eventid)
{
	struct vits_ite *ite;

	if (!(its->ctlr & GITS_CTLR_ENABLED) || devid >= VITS_NR_DEVICES || !its->dev[devid].valid)
		return false;
	ite = ite_find(its, devid, eventid);
	if (!ite || coll_target(its, ite->icid) < 0)
		return false;
	its->msis++;
	vgic_lpi_set_pending(its->g, ite->intid, true);
	return true;
}

bool vits_deliver_msi(struct vm *vm, u32 devid, u32 eventid)
{
	struct vits *its = &vits_state[vm->id];
	bool done;

	if (its->vm != vm)
		return false;
	spin_lock(&its->g->lock);
	done = vits_translate(its, devid, eventid);
	spin_unlock(&its->g->lock);
	return done;
}

/* 64-bit registers: the register's offset if off is it or one of its halves, with a size it takes. */
static bool reg64(u64 off, unsigned size, u64 reg)
{
	return (size == 8 && off == reg) || (size == 4 && (off & ~4ULL) == reg);
}

static u64 half(u64 r, u64 off, unsigned size)
{
	return size == 8 ? r : (off & 4) ? r >> 32 : (u32)r;
}

static u64 merge(u64 old, u64 off, unsigned size, u64 val)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (old & 0xFFFFFFFFULL) | (val << 32);
	return (old & ~0xFFFFFFFFULL) | (u32)val;
}

static int its_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct vits *its = dev;

	*val = 0;
	spin_lock(&its->g->lock);
	if (reg64(off, size, GITS_TYPER)) {
		*val = half(typer(), off, size);
	} else if (reg64(off, size, GITS_CBASER)) {
		*val = half(its->cbaser, off, size);
	} else if (reg64(off, size, GITS_CWRITER)) {
		*val = half(its->cwriter, off, size);
	} else if (reg64(off, size, GITS_CREADR)) {
		/* The guest polls here for its commands to complete: the next batch runs first. */
		vits_process(its);
		*val = half(its->creadr | (its->stalled ? GITS_CREADR_STALLED : 0), off, size);
	} else if (off >= GITS_BASER0 && off < GITS_BASER0 + 8 * GITS_NR_BASER &&
		   reg64(off, size, off & ~7ULL)) {
		*val = half(its->baser[(off - GITS_BASER0) / 8], off, size);
	} else if (size == 4) {
		switch (off) {
		case GITS_CTLR:
			*val = its->ctlr | GITS_CTLR_QUIESCENT;
			break;
		case GITS_IIDR:
			*val = VITS_IIDR;
			break;
		case GITS_PIDR2:
			*val = GIC_PIDR2_V3;
			break;
		case GITS_HYP_ERROR:
			*val = its->error;
			break;
		}
	}
	spin_unlock(&its->g->lock);
	return HV_OK;
}

static int its_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct vits *its = dev;
	bool enabled;

	spin_lock(&its->g->lock);
	enabled = its->ctlr & GITS_CTLR_ENABLED;
	if (off == GITS_TRANSLATER && (size == 4 || size == 2)) {
		vits_translate(its, VITS_CPU_DEVICE_ID, (u32)val);
	} else if (off == GITS_CTLR && size == 4) {
		its->ctlr = val & GITS_CTLR_ENABLED;
		vits_process(its);
	} else if (reg64(off, size, GITS_CBASER)) {
		/* Fixed while the ITS is on (the spec leaves a change then UNPREDICTABLE). A new queue starts empty. */
		if (!enabled) {
			its->cbaser = merge(its->cbaser, off, size, val) & GITS_CBASER_WRITABLE;
			its->creadr = its->cwriter = 0;
			its->stalled = false;
			its->error = 0;
		}
	} else if (reg64(off, size, GITS_CWRITER)) {
		u64 w = merge(its->cwriter, off, size, val);
		/* An offset past the queue's end is ignored (as KVM does): CREADR could never reach it. */
		if ((w & GITS_CREADR_OFFSET_MASK) < queue_bytes(its)) {
			its->cwriter = w & GITS_CREADR_OFFSET_MASK;
			if ((w & GITS_CWRITER_RETRY) && its->stalled) {
				its->stalled = false; /* the stalled command runs again */
				its->error = 0;
			}
			vits_process(its);
		}
	} else if (off >= GITS_BASER0 && off < GITS_BASER0 + 8 * GITS_NR_BASER &&
		   reg64(off, size, off & ~7ULL)) {
		unsigned n = (off - GITS_BASER0) / 8;
		/* Two tables (device, collection); the others are type 0, reserved. */
		if (!enabled && n < 2) {
			u64 w = merge(its->baser[n], off, size, val);
			its->baser[n] = (its->baser[n] & ~GITS_BASER_WRITABLE) | (w & GITS_BASER_WRITABLE);
		}
	}
	spin_unlock(&its->g->lock);
	return HV_OK;
}

const struct mmio_ops vits_mmio_ops = {
	.read = its_read,
	.write = its_write,
};

static int its_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct vgic *g = vgic_of(vm);
	struct vits *its = &vits_state[vm->id];
	int rc;

	if (g->vm != vm || g->version != 3) {
		hv_snprintf(err, errlen, "vm %s: the ITS needs a virtual GICv3 (list gicv3 before gicv3-its)",
			    vm->name);
		return -HV_ENOTSUP;
	}
	vits_reset(its, vm, g);
	vgic_lpis_init(g, &its->mem);
	rc = mmio_bus_add(&vm->mmio, GUEST_ITS_IPA, GUEST_ITS_SIZE, &vits_mmio_ops, its, "gic-its");
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: cannot place the ITS (%s)", vm->name, hv_strerror(rc));
		return rc;
	}
	d->state = its;
	return HV_OK;
}

static void its_dev_reset(struct vdev *d)
{
	struct vits *its = d->state;

	vits_reset(its, its->vm, its->g);
}

static const struct vdev_type vits_type = {
	.name = "gicv3-its",
	.create = its_create,
	.reset = its_dev_reset,
};
VDEV_REGISTER(vits_type);
