/*
 * The virtual ITS (vdev/vgic/vits.c) and LPIs in the vGIC model
 * (vdev/vgic/vgic_lpi.c): registers, the command decoder, translation of
 * MSIs into LPIs on the right vCPU, the configuration table read from
 * guest memory, and every malformed command or table a guest can give,
 * on a RAM buffer that stands for the VM's RAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/sched.h>
#include <arch/fake.h>
#include <vdev/its.h>
#include <vdev/vgic.h>

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE 0x100000ULL /* 1 MiB */
#define QUEUE_OFF 0x10000ULL /* command queue: one 4 KiB page (128 commands) */
#define PROP_OFF 0x20000ULL /* LPI configuration table */
#define LPI0 GIC_LPI_BASE

static struct vm vm;
static struct vcpu vcpus[2];
static int kicks[2];
static struct vgic *g;
static struct vits its;
static u8 *ram;
static unsigned printed;

void vcpu_kick(struct vcpu *v)
{
	kicks[v->id]++;
	v->kicked = true;
}

void hv_printf(const char *fmt, ...)
{
	printed++;
}

/* Every range is ready: the host buffer is the RAM. */
int vm_ram_ready_range(void *vm_ctx, u64 off, u64 len)
{
	return HV_OK;
}

int mmio_bus_add(struct mmio_bus *bus, ipa_t base, u64 size, const struct mmio_ops *ops, void *dev,
		 const char *name)
{
	return HV_OK;
}

static u64 its_rd(u64 off, unsigned size)
{
	u64 v = 0xdeadbeef;
	assert_int_equal(vits_mmio_ops.read(&its, &vcpus[0], off, size, &v), HV_OK);
	return v;
}

static void its_wr(u64 off, unsigned size, u64 val)
{
	assert_int_equal(vits_mmio_ops.write(&its, &vcpus[0], off, size, val), HV_OK);
}

static u64 rd_rd(unsigned cpu, u64 off, unsigned size)
{
	u64 v = 0xdeadbeef;
	assert_int_equal(vgic_redist_mmio_ops.read(g, &vcpus[0], cpu * GUEST_GICR_STRIDE + off, size, &v),
			 HV_OK);
	return v;
}

static void rd_wr(unsigned cpu, u64 off, unsigned size, u64 val)
{
	assert_int_equal(vgic_redist_mmio_ops.write(g, &vcpus[0], cpu * GUEST_GICR_STRIDE + off, size, val),
			 HV_OK);
}

static u64 dist_rd(u64 off)
{
	u64 v = 0;
	assert_int_equal(vgic_dist_mmio_ops.read(g, &vcpus[0], off, 4, &v), HV_OK);
	return v;
}

/* Queue one command at CWRITER and tell the ITS (as Linux does: write it, then move CWRITER). */
static void cmd(u64 w0, u64 w1, u64 w2, u64 w3)
{
	u64 off = its_rd(GITS_CWRITER, 8);
	u64 *p = (u64 *)(ram + QUEUE_OFF + off);

	p[0] = w0;
	p[1] = w1;
	p[2] = w2;
	p[3] = w3;
	its_wr(GITS_CWRITER, 8, (off + GITS_CMD_SIZE) % 4096);
}

static void mapd(u32 dev, unsigned event_bits, bool valid)
{
	cmd(GITS_CMD_MAPD | (u64)dev << 32, event_bits - 1, (valid ? GITS_CMD_VALID : 0) | 0x50000, 0);
}

static void mapc(u32 icid, u32 cpu)
{
	cmd(GITS_CMD_MAPC, 0, GITS_CMD_VALID | (u64)cpu << 16 | icid, 0);
}

static void mapti(u32 dev, u32 event, u32 intid, u32 icid)
{
	cmd(GITS_CMD_MAPTI | (u64)dev << 32, event | (u64)intid << 32, icid, 0);
}

static void dev_event(u8 op, u32 dev, u32 event, u32 icid)
{
	cmd(op | (u64)dev << 32, event, icid, 0);
}

static bool stalled(void)
{
	return its_rd(GITS_CREADR, 8) & GITS_CREADR_STALLED;
}

static void set_cfg(u32 intid, u8 prio, bool enable)
{
	ram[PROP_OFF + intid - GIC_LPI_BASE] = prio | 0x2 | (enable ? GIC_LPI_CFG_ENABLE : 0);
}

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	memset(kicks, 0, sizeof(kicks));
	printed = 0;
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	vm.nr_vcpus = 2;
	vm.ram_ipa = RAM_IPA;
	vm.ram_size = RAM_SIZE;
	vm.ram_pa = (paddr_t)(uintptr_t)ram;
	for (unsigned i = 0; i < 2; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].mpidr = i;
		vm.vcpus[i] = &vcpus[i];
	}
	arch_fake_reset(2, 4);
	g = vgic_of(&vm);
	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	vits_reset(&its, &vm, g);
	vgic_lpis_init(g, &its.mem);
	/* What a guest does first: the tables, LPIs on, the queue, the ITS on. */
	for (unsigned i = 0; i < 2; i++) {
		rd_wr(i, GICR_PROPBASER, 8, (RAM_IPA + PROP_OFF) | VGIC_LPI_IDBITS);
		rd_wr(i, GICR_PENDBASER, 8, RAM_IPA + 0x30000 + i * 0x10000);
		rd_wr(i, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	}
	its_wr(GITS_BASER0, 8, GITS_BASER_VALID | (RAM_IPA + 0x50000));
	its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | (RAM_IPA + QUEUE_OFF));
	its_wr(GITS_CWRITER, 8, 0);
	its_wr(GITS_CTLR, 4, GITS_CTLR_ENABLED);
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

/* The usual set-up: device 1 with 16 events, collection 0 -> vCPU 0, 1 -> vCPU 1. */
static void basic_maps(void)
{
	mapd(1, 4, true);
	mapc(0, 0);
	mapc(1, 1);
	assert_false(stalled());
}

static void registers_advertise_the_bounds(void **state)
{
	u64 typer = its_rd(GITS_TYPER, 8);

	assert_int_equal(typer & GITS_TYPER_PHYSICAL, 1);
	assert_int_equal((typer >> GITS_TYPER_DEVBITS_SHIFT & 0x1F) + 1, VITS_DEVICE_BITS);
	assert_int_equal((typer >> GITS_TYPER_IDBITS_SHIFT & 0x1F) + 1, VITS_EVENT_BITS);
	assert_int_equal((typer >> GITS_TYPER_ITT_ENTRY_SIZE_SHIFT & 0xF) + 1, VITS_ITE_SIZE);
	assert_int_equal(its_rd(GITS_TYPER + 4, 4), typer >> 32);
	assert_int_equal(its_rd(GITS_PIDR2, 4) & 0xF0, 0x30);
	assert_true(its_rd(GITS_CTLR, 4) & GITS_CTLR_QUIESCENT);
	/* GICD_TYPER: LPIs, 14-bit INTIDs, num_LPIs = 64; the redistributors: PLPIS. */
	u32 dt = dist_rd(GICD_TYPER);
	assert_true(dt & GICD_TYPER_LPIS);
	assert_int_equal(dt >> GICD_TYPER_IDBITS_SHIFT & 0x1F, 13);
	assert_int_equal(2u << (dt >> GICD_TYPER_NUM_LPIS_SHIFT & 0x1F), VGIC_NR_LPIS);
	assert_true(rd_rd(1, GICR_TYPER, 8) & GICR_TYPER_PLPIS);
	assert_int_equal(rd_rd(1, GICR_CTLR, 4), GICR_CTLR_ENABLE_LPIS);
	assert_int_equal(rd_rd(0, GICR_PROPBASER, 8), (RAM_IPA + PROP_OFF) | VGIC_LPI_IDBITS);
	/* A VM without an ITS sees none of it. */
	g->lpis = false;
	assert_false(dist_rd(GICD_TYPER) & GICD_TYPER_LPIS);
	assert_false(rd_rd(1, GICR_TYPER, 8) & GICR_TYPER_PLPIS);
	assert_int_equal(rd_rd(1, GICR_CTLR, 4), 0);
}

static void baser_type_and_entry_size_are_fixed_and_flat_only(void **state)
{
	u64 b = its_rd(GITS_BASER0 + 8, 8);

	assert_int_equal(b >> GITS_BASER_TYPE_SHIFT & 7, GITS_BASER_TYPE_COLLECTION);
	assert_int_equal(its_rd(GITS_BASER0, 8) >> GITS_BASER_TYPE_SHIFT & 7, GITS_BASER_TYPE_DEVICE);
	its_wr(GITS_CTLR, 4, 0);
	/* Linux writes the whole register and reads it back: what it may set sticks, Indirect reads 0. */
	u64 want = GITS_BASER_VALID | GITS_BASER_TYPE_COLLECTION << GITS_BASER_TYPE_SHIFT |
		7ULL << GITS_BASER_ENTRY_SIZE_SHIFT | (RAM_IPA + 0x60000) | 0x400 | 0xF;
	its_wr(GITS_BASER0 + 8, 8, want | GITS_BASER_INDIRECT);
	assert_int_equal(its_rd(GITS_BASER0 + 8, 8), want);
	its_wr(GITS_BASER0 + 8, 8, 0x7ULL << GITS_BASER_TYPE_SHIFT);
	assert_int_equal(its_rd(GITS_BASER0 + 8, 8) >> GITS_BASER_TYPE_SHIFT & 7, GITS_BASER_TYPE_COLLECTION);
	/* BASER2..7 are not tables here. */
	its_wr(GITS_BASER0 + 16, 8, ~0ULL);
	assert_int_equal(its_rd(GITS_BASER0 + 16, 8), 0);
}

static void msi_reaches_the_collections_vcpu_through_a_list_register(void **state)
{
	basic_maps();
	set_cfg(LPI0, 0xA0, true);
	mapti(1, 3, LPI0, 1);
	assert_false(stalled());
	kicks[1] = 0;
	assert_true(vits_translate(&its, 1, 3));
	assert_int_equal(kicks[1], 1);
	assert_int_equal(kicks[0], 0);
	struct vgic_cand c[2];
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 0);
	assert_int_equal(vgic_collect(&vcpus[1], c, 2), 1);
	assert_int_equal(c[0].intid, LPI0);
	assert_int_equal(c[0].irq->priority, 0xA0);
	/* Delivered like an SPI: an edge, no EOI maintenance; on EOI it is gone. */
	arch_fake_set_cpu(1);
	vgic_flush(&vcpus[1]);
	struct vgic_lr lr = arch_fake_lr(0);
	assert_int_equal(lr.vintid, LPI0);
	assert_int_equal(lr.state, LR_PENDING);
	assert_int_equal(lr.group, 1);
	assert_false(lr.eoi_maint);
	assert_false(g->lpi[0].latch);
	/* The guest acknowledges; a second MSI meanwhile is not added to the active entry. */
	lr.state = LR_ACTIVE;
	arch_fake_set_lr(0, &lr);
	vgic_sync(&vcpus[1]);
	assert_true(vits_translate(&its, 1, 3));
	vgic_flush(&vcpus[1]);
	assert_int_equal(arch_fake_lr(0).state, LR_ACTIVE);
	/* The guest completes it: the waiting one goes in. */
	lr.state = LR_INVALID;
	arch_fake_set_lr(0, &lr);
	vgic_sync(&vcpus[1]);
	vgic_flush(&vcpus[1]);
	assert_int_equal(arch_fake_lr(0).vintid, LPI0);
	assert_int_equal(arch_fake_lr(0).state, LR_PENDING);
	/* An unmapped event, another device, a disabled ITS: nothing. */
	assert_false(vits_translate(&its, 1, 4));
	assert_false(vits_translate(&its, 2, 3));
	assert_false(vits_translate(&its, 1000, 3));
	its_wr(GITS_CTLR, 4, 0);
	assert_false(vits_translate(&its, 1, 3));
}

static void translater_write_is_device_0s_msi(void **state)
{
	basic_maps();
	mapd(VITS_CPU_DEVICE_ID, 2, true);
	set_cfg(LPI0 + 5, 0x80, true);
	mapti(VITS_CPU_DEVICE_ID, 1, LPI0 + 5, 0);
	its_wr(GITS_TRANSLATER, 4, 1);
	assert_true(g->lpi[5].latch);
	assert_int_equal(its.msis, 1);
	/* Reads of the doorbell are zero; a 64-bit write is not a translation. */
	assert_int_equal(its_rd(GITS_TRANSLATER, 4), 0);
	its_wr(GITS_TRANSLATER, 8, 1);
	assert_int_equal(its.msis, 1);
}

static void movi_and_movall_move_a_pending_lpi(void **state)
{
	struct vgic_cand c[2];

	basic_maps();
	set_cfg(LPI0 + 1, 0x40, true);
	mapti(1, 0, LPI0 + 1, 0);
	assert_true(vits_translate(&its, 1, 0));
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 1);
	kicks[1] = 0;
	dev_event(GITS_CMD_MOVI, 1, 0, 1);
	assert_false(stalled());
	assert_int_equal(kicks[1], 1);
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 0);
	assert_int_equal(vgic_collect(&vcpus[1], c, 2), 1);
	/* MOVALL from vCPU 1 to vCPU 0. */
	cmd(GITS_CMD_MOVALL, 0, 1ULL << 16, 0);
	assert_false(stalled());
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 1);
	assert_int_equal(vgic_collect(&vcpus[1], c, 2), 0);
}

static void configuration_is_read_at_map_inv_and_invall(void **state)
{
	struct vgic_cand c[2];

	basic_maps();
	set_cfg(LPI0 + 2, 0x60, false);
	mapti(1, 2, LPI0 + 2, 0);
	assert_true(vits_translate(&its, 1, 2));
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 0); /* disabled in the table */
	set_cfg(LPI0 + 2, 0x60, true);
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 0); /* not looked at until INV */
	dev_event(GITS_CMD_INV, 1, 2, 0);
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 1); /* still pending: delivered now */
	assert_int_equal(c[0].irq->priority, 0x60);
	/* INVALL of the collection: a new priority. */
	set_cfg(LPI0 + 2, 0x20, true);
	cmd(GITS_CMD_INVALL, 0, 0, 0);
	assert_false(stalled());
	assert_int_equal(g->lpi[2].priority, 0x20);
}

static void clear_discard_and_int(void **state)
{
	basic_maps();
	set_cfg(LPI0 + 3, 0x60, true);
	mapti(1, 7, LPI0 + 3, 1);
	dev_event(GITS_CMD_INT, 1, 7, 0);
	assert_true(g->lpi[3].latch);
	dev_event(GITS_CMD_CLEAR, 1, 7, 0);
	assert_false(g->lpi[3].latch);
	assert_true(vits_translate(&its, 1, 7));
	dev_event(GITS_CMD_DISCARD, 1, 7, 0);
	assert_false(stalled());
	assert_false(g->lpi[3].latch); /* the pending state goes with the translation */
	assert_false(vits_translate(&its, 1, 7));
	/* MAPI: the EventID is the LPI. MAPD with V = 0 drops the device's translations. */
	mapd(2, 16, true);
	cmd(GITS_CMD_MAPI | 2ULL << 32, LPI0 + 9, 0, 0);
	assert_false(stalled());
	assert_true(vits_translate(&its, 2, LPI0 + 9));
	mapd(2, 16, false);
	assert_false(g->lpi[9].latch);
	assert_false(vits_translate(&its, 2, LPI0 + 9));
}

/* Each malformed command stalls the queue at itself with its error; Retry runs it again. */
static void malformed_commands_stall_the_queue(void **state)
{
	static const struct {
		u64 w[4];
		u32 err;
	} bad[] = {
		{ { GITS_CMD_MAPD | (u64)VITS_NR_DEVICES << 32, 0, GITS_CMD_VALID, 0 },
		  GITS_ERR_MAPD_DEVICE_OOR },
		{ { GITS_CMD_MAPD | 3ULL << 32, VITS_EVENT_BITS, GITS_CMD_VALID, 0 },
		  GITS_ERR_MAPD_ITTSIZE_OOR },
		{ { GITS_CMD_MAPC, 0, GITS_CMD_VALID | 2ULL << 16, 0 }, GITS_ERR_MAPC_PROCNUM_OOR },
		{ { GITS_CMD_MAPC, 0, GITS_CMD_VALID | VITS_NR_COLLECTIONS, 0 },
		  GITS_ERR_MAPC_COLLECTION_OOR },
		{ { GITS_CMD_MAPC, 0, GITS_CMD_VALID | 0xFFFFFFFFFULL << 16, 0 }, GITS_ERR_MAPC_PROCNUM_OOR },
		{ { GITS_CMD_MAPTI | 5ULL << 32, 0 | (u64)LPI0 << 32, 0, 0 },
		  GITS_ERR_MAPTI_UNMAPPED_DEVICE },
		{ { GITS_CMD_MAPTI | 0xFFFFFFFFULL << 32, 0, 0, 0 }, GITS_ERR_MAPTI_DEVICE_OOR },
		{ { GITS_CMD_MAPTI | 1ULL << 32, 16 | (u64)LPI0 << 32, 0, 0 }, GITS_ERR_MAPTI_ID_OOR },
		{ { GITS_CMD_MAPTI | 1ULL << 32, 0 | (u64)(LPI0 + VGIC_NR_LPIS) << 32, 0, 0 },
		  GITS_ERR_MAPTI_PHYSICALID_OOR },
		{ { GITS_CMD_MAPTI | 1ULL << 32, 0 | 8191ULL << 32, 0, 0 }, GITS_ERR_MAPTI_PHYSICALID_OOR },
		{ { GITS_CMD_MAPTI | 1ULL << 32, 0 | (u64)LPI0 << 32, 0xFFFF, 0 },
		  GITS_ERR_MAPTI_COLLECTION_OOR },
		{ { GITS_CMD_MAPI | 1ULL << 32, 3, 0, 0 }, GITS_ERR_MAPTI_PHYSICALID_OOR },
		{ { GITS_CMD_MOVI | 1ULL << 32, 9, 1, 0 }, GITS_ERR_MOVI_UNMAPPED_INTERRUPT },
		{ { GITS_CMD_MOVI | 1ULL << 32, 0, 7, 0 }, GITS_ERR_MOVI_UNMAPPED_COLLECTION },
		{ { GITS_CMD_INT | 1ULL << 32, 9, 0, 0 }, GITS_ERR_INT_UNMAPPED_INTERRUPT },
		{ { GITS_CMD_INT | 999ULL << 32, 0, 0, 0 }, GITS_ERR_INT_UNMAPPED_INTERRUPT },
		{ { GITS_CMD_CLEAR | 1ULL << 32, 9, 0, 0 }, GITS_ERR_CLEAR_UNMAPPED_INTERRUPT },
		{ { GITS_CMD_DISCARD | 1ULL << 32, 9, 0, 0 }, GITS_ERR_DISCARD_UNMAPPED_INTERRUPT },
		{ { GITS_CMD_INV | 1ULL << 32, 9, 0, 0 }, GITS_ERR_INV_UNMAPPED_INTERRUPT },
		{ { GITS_CMD_INVALL, 0, 7, 0 }, GITS_ERR_INVALL_UNMAPPED_COLLECTION },
		{ { GITS_CMD_MOVALL, 0, 0, 5ULL << 16 }, GITS_ERR_MOVALL_PROCNUM_OOR },
		{ { 0x00, 0, 0, 0 }, GITS_ERR_UNKNOWN_COMMAND },
		{ { 0xFF, 0, 0, 0 }, GITS_ERR_UNKNOWN_COMMAND },
	};

	basic_maps();
	set_cfg(LPI0, 0xA0, true);
	mapti(1, 0, LPI0, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u64 at = its_rd(GITS_CWRITER, 8);
		u64 before = its.errors;

		cmd(bad[i].w[0], bad[i].w[1], bad[i].w[2], bad[i].w[3]);
		assert_true(stalled());
		assert_int_equal(its_rd(GITS_CREADR, 8), at | GITS_CREADR_STALLED);
		assert_int_equal(its_rd(GITS_HYP_ERROR, 4), bad[i].err);
		assert_int_equal(its.errors, before + 1);
		/* Nothing behind it runs: an INT queued after it stays queued. */
		dev_event(GITS_CMD_INT, 1, 0, 0);
		assert_false(g->lpi[0].latch);
		/* The guest fixes the command (a SYNC) and asks for a retry: the queue runs on. */
		u64 *p = (u64 *)(ram + QUEUE_OFF + at);
		p[0] = GITS_CMD_SYNC;
		its_wr(GITS_CWRITER, 8, its_rd(GITS_CWRITER, 8) | GITS_CWRITER_RETRY);
		assert_false(stalled());
		assert_int_equal(its_rd(GITS_HYP_ERROR, 4), 0);
		assert_true(g->lpi[0].latch);
		dev_event(GITS_CMD_CLEAR, 1, 0, 0);
	}
	/* The reports are capped. */
	assert_int_equal(printed, VITS_MAX_REPORTS);
}

static void queue_outside_ram_stalls(void **state)
{
	static const u64 bases[] = { RAM_IPA - 0x1000, RAM_IPA + RAM_SIZE, GITS_CBASER_PA_MASK & ~0xFFFULL };

	for (unsigned i = 0; i < 3; i++) {
		its_wr(GITS_CTLR, 4, 0);
		its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | bases[i]);
		assert_int_equal(its_rd(GITS_CREADR, 8), 0);
		its_wr(GITS_CTLR, 4, GITS_CTLR_ENABLED);
		its_wr(GITS_CWRITER, 8, GITS_CMD_SIZE);
		assert_true(stalled());
		assert_int_equal(its_rd(GITS_HYP_ERROR, 4), GITS_ERR_QUEUE_OUTSIDE_RAM);
	}
	/* A queue whose last page runs past RAM's end: the commands inside run, the first outside stalls. */
	its_wr(GITS_CTLR, 4, 0);
	its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | (RAM_IPA + RAM_SIZE - 0x1000) | 1);
	its_wr(GITS_CTLR, 4, GITS_CTLR_ENABLED);
	memset(ram + RAM_SIZE - 0x1000, 0, 0x1000);
	for (unsigned i = 0; i < 0x1000; i += GITS_CMD_SIZE)
		ram[RAM_SIZE - 0x1000 + i] = GITS_CMD_SYNC;
	its_wr(GITS_CWRITER, 8, 0x1000 + GITS_CMD_SIZE);
	/* Batches: each CREADR read runs the next. */
	for (unsigned i = 0; i < 4; i++)
		(void)its_rd(GITS_CREADR, 8);
	assert_int_equal(its_rd(GITS_CREADR, 8), 0x1000 | GITS_CREADR_STALLED);
	assert_int_equal(its_rd(GITS_HYP_ERROR, 4), GITS_ERR_QUEUE_OUTSIDE_RAM);
	/* A new CBASER starts over. */
	its_wr(GITS_CTLR, 4, 0);
	its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | (RAM_IPA + QUEUE_OFF));
	assert_false(stalled());
}

static void commands_run_in_bounded_batches(void **state)
{
	u64 *q = (u64 *)(ram + QUEUE_OFF);

	for (unsigned i = 0; i < 100; i++)
		q[4 * i] = GITS_CMD_SYNC;
	its_wr(GITS_CWRITER, 8, 100 * GITS_CMD_SIZE);
	assert_int_equal(its.commands, VITS_CMDS_PER_EXIT);
	assert_int_equal(its_rd(GITS_CREADR, 8), 100 * GITS_CMD_SIZE);
	assert_int_equal(its.commands, 100);
	/* An offset past the queue's end is ignored; so are CBASER writes while the ITS is on. */
	its_wr(GITS_CWRITER, 8, 0x1000);
	assert_int_equal(its_rd(GITS_CWRITER, 8), 100 * GITS_CMD_SIZE);
	its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | RAM_IPA);
	assert_int_equal(its_rd(GITS_CBASER, 8), GITS_CBASER_VALID | (RAM_IPA + QUEUE_OFF));
	/* The queue wraps. */
	its_wr(GITS_CTLR, 4, 0);
	its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | (RAM_IPA + QUEUE_OFF));
	its_wr(GITS_CTLR, 4, GITS_CTLR_ENABLED);
	for (unsigned i = 0; i < 128; i++)
		q[4 * i] = GITS_CMD_SYNC;
	its_wr(GITS_CWRITER, 8, 4096 - GITS_CMD_SIZE);
	(void)its_rd(GITS_CREADR, 8);
	its_wr(GITS_CWRITER, 8, 2 * GITS_CMD_SIZE);
	assert_int_equal(its_rd(GITS_CREADR, 8), 2 * GITS_CMD_SIZE);
}

static void configuration_table_outside_ram_or_too_small_leaves_lpis_off(void **state)
{
	struct vgic_cand c[2];

	/* PROPBASER can change only while LPIs are off: a fresh VM state for this. */
	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	/* A table just past RAM's end: nothing read there, the LPI stays off. */
	rd_wr(0, GICR_PROPBASER, 8, (RAM_IPA + RAM_SIZE) | VGIC_LPI_IDBITS);
	rd_wr(0, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	basic_maps();
	mapti(1, 0, LPI0 + 10, 0);
	assert_true(vits_translate(&its, 1, 0));
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 0);
	assert_int_equal(g->lpi[10].priority, 0);
	/* In RAM's last page (the table is 8 KiB, but the 64 LPIs' bytes are inside): on. */
	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	rd_wr(0, GICR_PROPBASER, 8, (RAM_IPA + RAM_SIZE - 0x1000) | VGIC_LPI_IDBITS);
	rd_wr(0, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	ram[RAM_SIZE - 0x1000 + 10] = 0xA1;
	mapti(1, 0, LPI0 + 10, 0);
	assert_true(vits_translate(&its, 1, 0));
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 1);
	assert_int_equal(c[0].intid, LPI0 + 10);
	/* Writes to PROPBASER once LPIs are on are ignored. */
	rd_wr(0, GICR_PROPBASER, 8, RAM_IPA);
	assert_int_equal(rd_rd(0, GICR_PROPBASER, 8), (RAM_IPA + RAM_SIZE - 0x1000) | VGIC_LPI_IDBITS);
	/* IDbits too small for LPIs (below 14 bits): none enabled. */
	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	rd_wr(0, GICR_PROPBASER, 8, (RAM_IPA + PROP_OFF) | 12);
	rd_wr(0, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	set_cfg(LPI0 + 11, 0xA0, true);
	mapti(1, 2, LPI0 + 11, 0);
	assert_true(vits_translate(&its, 1, 2));
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 0);
}

static void lpis_wait_for_their_redistributor_and_collection(void **state)
{
	struct vgic_cand c[2];

	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	rd_wr(1, GICR_PROPBASER, 8, (RAM_IPA + PROP_OFF) | VGIC_LPI_IDBITS);
	mapd(1, 4, true);
	set_cfg(LPI0 + 12, 0xA0, true);
	mapti(1, 0, LPI0 + 12, 3); /* collection 3: not mapped yet */
	assert_false(stalled());
	assert_false(vits_translate(&its, 1, 0)); /* nowhere to go: dropped */
	mapc(3, 1);
	assert_true(vits_translate(&its, 1, 0));
	assert_int_equal(vgic_collect(&vcpus[1], c, 2), 0); /* vCPU 1's LPIs are off */
	kicks[1] = 0;
	rd_wr(1, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	assert_int_equal(vgic_collect(&vcpus[1], c, 2), 1);
	assert_int_equal(kicks[1], 1);
	/* EnableLPIs cannot be cleared. */
	rd_wr(1, GICR_CTLR, 4, 0);
	assert_int_equal(rd_rd(1, GICR_CTLR, 4), GICR_CTLR_ENABLE_LPIS);
}

/* The pending table is read when LPIs are enabled (not with PTZ): its bits are pending LPIs. */
static void pending_table_is_read_at_enable(void **state)
{
	struct vgic_cand c[2];

	vgic_reset(g, &vm, arch_vgic_backend());
	g->ctlr |= GICD_CTLR_ENABLE_GRP1;
	for (unsigned i = 0; i < 2; i++)
		rd_wr(i, GICR_PROPBASER, 8, (RAM_IPA + PROP_OFF) | VGIC_LPI_IDBITS);
	ram[0x30000 + GIC_LPI_BASE / 8 + 2] = 0x01; /* vCPU 0's table: LPI 8208 */
	ram[0x40000 + GIC_LPI_BASE / 8 + 2] = 0x02; /* vCPU 1's: LPI 8209, but with PTZ */
	rd_wr(0, GICR_PENDBASER, 8, RAM_IPA + 0x30000);
	rd_wr(1, GICR_PENDBASER, 8, (RAM_IPA + 0x40000) | GICR_PENDBASER_PTZ);
	assert_int_equal(rd_rd(1, GICR_PENDBASER, 8), RAM_IPA + 0x40000); /* PTZ reads as zero */
	rd_wr(0, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	rd_wr(1, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	assert_true(g->lpi[16].latch);
	assert_false(g->lpi[17].latch);
	/* Delivered once mapped (to vCPU 0, whose table had it). */
	basic_maps();
	set_cfg(LPI0 + 16, 0x80, true);
	mapti(1, 0, LPI0 + 16, 0);
	assert_int_equal(vgic_collect(&vcpus[0], c, 2), 1);
	assert_int_equal(c[0].intid, LPI0 + 16);
	/* A pending table outside RAM holds nothing. */
	vgic_reset(g, &vm, arch_vgic_backend());
	rd_wr(0, GICR_PENDBASER, 8, RAM_IPA + RAM_SIZE);
	rd_wr(0, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	assert_int_equal(rd_rd(0, GICR_CTLR, 4), GICR_CTLR_ENABLE_LPIS);
	for (unsigned n = 0; n < VGIC_NR_LPIS; n++)
		assert_false(g->lpi[n].latch);
}

static void translations_are_bounded(void **state)
{
	basic_maps();
	mapd(2, 16, true);
	for (unsigned i = 0; i < VITS_NR_ITES; i++) {
		mapti(2, i, LPI0 + i % VGIC_NR_LPIS, 0);
		assert_false(stalled());
	}
	mapti(2, VITS_NR_ITES, LPI0, 0);
	assert_true(stalled());
	assert_int_equal(its_rd(GITS_HYP_ERROR, 4), GITS_ERR_MAPTI_ID_OOR);
	/* Mapping an event again replaces its translation instead of taking a new one. */
	its_wr(GITS_CTLR, 4, 0);
	its_wr(GITS_CBASER, 8, GITS_CBASER_VALID | (RAM_IPA + QUEUE_OFF));
	its_wr(GITS_CTLR, 4, GITS_CTLR_ENABLED);
	mapti(2, 5, LPI0 + 63, 1);
	assert_false(stalled());
	assert_true(vits_translate(&its, 2, 5));
	assert_true(g->lpi[63].latch);
	assert_int_equal(g->lpi[63].target, 1);
}

static void reset_forgets_everything(void **state)
{
	basic_maps();
	mapti(1, 0, LPI0, 0);
	vits_reset(&its, &vm, g);
	assert_int_equal(its_rd(GITS_CTLR, 4), GITS_CTLR_QUIESCENT);
	assert_int_equal(its_rd(GITS_CBASER, 8), 0);
	assert_false(its.dev[1].valid);
	assert_false(its.ite[0].valid);
	vgic_reset(g, &vm, arch_vgic_backend());
	assert_int_equal(rd_rd(0, GICR_CTLR, 4), 0);
	assert_int_equal(g->lpi_mapped, 0);
	assert_true(g->lpis);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(registers_advertise_the_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(baser_type_and_entry_size_are_fixed_and_flat_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(msi_reaches_the_collections_vcpu_through_a_list_register,
						setup, teardown),
		cmocka_unit_test_setup_teardown(translater_write_is_device_0s_msi, setup, teardown),
		cmocka_unit_test_setup_teardown(movi_and_movall_move_a_pending_lpi, setup, teardown),
		cmocka_unit_test_setup_teardown(configuration_is_read_at_map_inv_and_invall, setup, teardown),
		cmocka_unit_test_setup_teardown(clear_discard_and_int, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_commands_stall_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_outside_ram_stalls, setup, teardown),
		cmocka_unit_test_setup_teardown(commands_run_in_bounded_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(configuration_table_outside_ram_or_too_small_leaves_lpis_off,
						setup, teardown),
		cmocka_unit_test_setup_teardown(lpis_wait_for_their_redistributor_and_collection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pending_table_is_read_at_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(translations_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(reset_forgets_everything, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
