/*
 * The virtual ITS (vdev/vgic/vits.c) and LPIs (vdev/vgic/vgic_lpi.c) on
 * the arch fake: commands written into a queue in a small RAM buffer,
 * register accesses to both ITS frames and the redistributors' LPI
 * registers (random offsets, sizes, values), CBASER anywhere (in RAM, at
 * its end, outside, wrapping), MSIs, configuration-table bytes, and the
 * flush/sync of list registers with the guest acknowledging and
 * completing them.
 *
 * Input: operations, each an opcode byte (low 3 bits pick the kind) and
 * the bytes it reads.
 *
 * Checks, after every operation: CREADR and CWRITER are inside the queue
 * and command-aligned; every translation names a mapped device, an event
 * below its size, a collection ID in range and an LPI in range; a mapped
 * LPI targets a vCPU of the VM; a deliverable LPI is mapped; an LPI is
 * in at most one list register and the model agrees on which.
 */
#include <string.h>
#include <arch/fake.h>
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/its.h>
#include <vdev/vgic.h>
#include "input.h"

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE 0x4000ULL /* 16 KiB: queues and tables reach its end easily */

static struct vm vm;
static struct vcpu vcpus[2];
static struct vgic *g;
static struct vits its;
static _Alignas(4096) u8 ram[RAM_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void vcpu_kick(struct vcpu *v)
{
	v->kicked = true;
}

void hv_printf(const char *fmt, ...)
{
}

int vm_ram_ready_range(void *vm_ctx, u64 off, u64 len)
{
	return HV_OK;
}

int mmio_bus_add(struct mmio_bus *bus, ipa_t base, u64 size, const struct mmio_ops *ops, void *dev,
		 const char *name)
{
	return HV_OK;
}

static void check_invariants(void)
{
	u64 qbytes = ((its.cbaser & GITS_CBASER_SIZE_MASK) + 1) * 4096;

	FUZZ_CHECK(its.creadr < qbytes && its.creadr % GITS_CMD_SIZE == 0);
	FUZZ_CHECK(its.cwriter < qbytes && its.cwriter % GITS_CMD_SIZE == 0);
	for (unsigned i = 0; i < VITS_NR_ITES; i++) {
		const struct vits_ite *e = &its.ite[i];
		if (!e->valid)
			continue;
		FUZZ_CHECK(e->devid < VITS_NR_DEVICES && its.dev[e->devid].valid);
		FUZZ_CHECK(e->eventid >> its.dev[e->devid].event_bits == 0);
		FUZZ_CHECK(e->icid < VITS_NR_COLLECTIONS);
		FUZZ_CHECK(vgic_lpi_valid(e->intid));
	}
	for (unsigned n = 0; n < VGIC_NR_LPIS; n++) {
		const struct virq *irq = &g->lpi[n];
		if (g->lpi_mapped & (1ULL << n))
			FUZZ_CHECK(irq->target < vm.nr_vcpus);
		else
			FUZZ_CHECK(!irq->enabled);
		if (irq->lr >= 0) {
			const struct vgic_cpu *c = &g->cpu[irq->lr_vcpu];
			FUZZ_CHECK(irq->lr_vcpu < vm.nr_vcpus);
			FUZZ_CHECK(c->lr_used & (1u << irq->lr));
			FUZZ_CHECK(c->lr[irq->lr].vintid == GIC_LPI_BASE + n);
		}
	}
}

static u64 pick_offset(struct fuzz_input *in)
{
	static const u64 regs[] = { GITS_CTLR,	  GITS_IIDR,	  GITS_TYPER,	   GITS_CBASER,
				    GITS_CWRITER, GITS_CREADR,	  GITS_BASER0,	   GITS_BASER0 + 8,
				    GITS_PIDR2,	  GITS_HYP_ERROR, GITS_TRANSLATER, GITS_CBASER + 4 };
	u8 b = fuzz_u8(in);

	if (b & 0x80)
		return fuzz_u32(in) % GUEST_ITS_SIZE;
	return regs[b % (sizeof(regs) / sizeof(regs[0]))];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	static const unsigned sizes[] = { 1, 2, 4, 8 };

	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	memset(ram, 0, sizeof(ram));
	vm.nr_vcpus = 1 + (fuzz_u8(&in) & 1);
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

	for (unsigned ops = 0; in.left && ops < 4096; ops++) {
		u8 op = fuzz_u8(&in);
		unsigned cpu = (op >> 3) & 1 ? vm.nr_vcpus - 1 : 0;
		u64 val;

		switch (op & 7) {
		case 0: { /* a command into the queue's RAM */
			u64 off = fuzz_u16(&in) % (RAM_SIZE / GITS_CMD_SIZE) * GITS_CMD_SIZE;
			for (unsigned i = 0; i < 4; i++)
				memcpy(ram + off + 8 * i, &(u64){ fuzz_u64(&in) }, 8);
			break;
		}
		case 1: /* an ITS register write */
			val = fuzz_u64(&in);
			vits_mmio_ops.write(&its, &vcpus[cpu], pick_offset(&in), sizes[(op >> 4) & 3], val);
			break;
		case 2: /* an ITS register read (CREADR runs commands) */
			vits_mmio_ops.read(&its, &vcpus[cpu], pick_offset(&in), sizes[(op >> 4) & 3], &val);
			break;
		case 3: { /* a redistributor LPI register */
			static const u64 rregs[] = { GICR_CTLR, GICR_PROPBASER, GICR_PENDBASER,
						     GICR_PROPBASER + 4, GICR_TYPER };
			u64 off = cpu * GUEST_GICR_STRIDE + rregs[fuzz_u8(&in) % 5];
			val = fuzz_u64(&in);
			if (op & 0x40)
				vgic_redist_mmio_ops.read(g, &vcpus[cpu], off, sizes[(op >> 4) & 3], &val);
			else
				vgic_redist_mmio_ops.write(g, &vcpus[cpu], off, sizes[(op >> 4) & 3], val);
			break;
		}
		case 4: /* a configuration byte, or a sane set-up shortcut */
			if (op & 0x40) {
				vits_mmio_ops.write(&its, &vcpus[0], GITS_CTLR, 4, 0);
				vits_mmio_ops.write(&its, &vcpus[0], GITS_CBASER, 8,
						    GITS_CBASER_VALID | RAM_IPA);
				vits_mmio_ops.write(&its, &vcpus[0], GITS_CTLR, 4, GITS_CTLR_ENABLED);
				vgic_redist_mmio_ops.write(g, &vcpus[0],
							   cpu * GUEST_GICR_STRIDE + GICR_PROPBASER, 8,
							   (RAM_IPA + 0x1000) | VGIC_LPI_IDBITS);
				vgic_redist_mmio_ops.write(g, &vcpus[0], cpu * GUEST_GICR_STRIDE + GICR_CTLR,
							   4, GICR_CTLR_ENABLE_LPIS);
			} else {
				ram[0x1000 + fuzz_u8(&in) % VGIC_NR_LPIS] = fuzz_u8(&in);
			}
			break;
		case 5: /* an MSI from a device model */
			spin_lock(&g->lock);
			vits_translate(&its, fuzz_u8(&in) % (VITS_NR_DEVICES + 2), fuzz_u16(&in));
			spin_unlock(&g->lock);
			break;
		case 6: /* entry and exit of a vCPU */
			arch_fake_set_cpu(0);
			vgic_flush(&vcpus[cpu]);
			vgic_sync(&vcpus[cpu]);
			break;
		case 7: { /* the guest acknowledges or completes what is in its list registers, then an exit */
			arch_fake_set_cpu(0);
			vgic_flush(&vcpus[cpu]);
			for (unsigned i = 0; i < 4; i++) {
				struct vgic_lr lr = arch_fake_lr(i);
				if (lr.state == LR_INVALID)
					continue;
				lr.state = (op & 0x40) ? LR_INVALID : LR_ACTIVE;
				arch_fake_set_lr(i, &lr);
			}
			vgic_sync(&vcpus[cpu]);
			break;
		}
		}
		check_invariants();
	}
	return 0;
}
