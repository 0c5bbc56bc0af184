/*
 * The vGIC on the arch fake: the distributor and redistributor register
 * models through their MMIO ops (random offsets, sizes 1/2/4/8, values,
 * from any vCPU of a VM of 1..4 vCPUs), interleaved with what happens
 * around them: entries and exits (vgic_flush / vgic_sync), vCPU switches
 * on the fake CPU (vgic_vcpu_put / vgic_vcpu_load), the guest
 * acknowledging and completing the interrupts in the fake list registers
 * (1..4 of them), devices driving lines, edges and SGIs.
 *
 * Input: a layout byte (bits 0-1: vCPUs - 1, bit 2: MPIDR layout, bits
 * 3-4: list registers - 1, bit 5: a GICv2 host: the GICv2 distributor for
 * both kinds of access, GICH_LR encoding, GICv2's flush, SGIs through
 * GICD_SGIR), then operations. An operation byte is an
 * MMIO access (bit 7 write, bit 6 redistributor, bits 2-3 size log2,
 * bits 0-1 offset kind, bits 4-5 vCPU) except reads with offset kind 3,
 * which are events: (bit 6, bits 2-3) selects flush, sync, guest ack,
 * guest complete, a device line, an edge or SGI, a vCPU switch, a WFI
 * check; bits 4-5 the vCPU.
 *
 * Checks, after every operation: every access succeeds (reserved space is
 * RAZ/WI); each SPI's target is a vCPU of the VM; an interrupt is in at
 * most one list register and the model and the list-register copies
 * agree on which; lr_used/lr_dirty only name existing registers; the
 * fake hardware list registers of the loaded vCPU match its copies
 * outside the guest; ICH_HCR as cached is what the hardware has; EN is
 * always on; UIE only while the guest runs and only with underflow;
 * after a flush, an entry added is enabled with its group enabled, a
 * free list register means nothing deliverable waits for that vCPU, and
 * full list registers with something waiting mean UIE is on.
 */
#include <string.h>
#include <arch/fake.h>
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/vm.h>
#include <arch/vgic_v2_lr.h>
#include <arch/vgic_v3_lr.h>
#include <vdev/vgic.h>
#include "input.h"

static struct vm vm;
static struct vcpu vcpus[4];
static struct vgic *g;
static struct vcpu *cur; /* loaded on the fake CPU */
static bool in_guest; /* between cur's flush and sync */
static bool v2; /* a GICv2 host */

static u64 encode(const struct vgic_lr *lr)
{
	return v2 ? vgic_v2_encode(lr) : vgic_v3_encode(lr);
}

void vcpu_kick(struct vcpu *v)
{
	FUZZ_CHECK(v->vm == &vm && v->id < vm.nr_vcpus);
	v->kicked = true;
}

static u64 pick_off(struct fuzz_input *in, uint8_t how, u64 span)
{
	switch (how & 3) {
	case 0:
		return (u64)fuzz_u16(in) & ~3ULL; /* first 64 KiB frame, word aligned */
	case 1:
		return ((u64)fuzz_u8(in) << 16) | (fuzz_u16(in) & ~3ULL); /* any frame */
	case 2:
		return fuzz_u32(in) % span;
	default:
		return fuzz_u64(in);
	}
}

/* The vCPU whose list register holds irq (private: its owner), or NULL. */
static struct vcpu *holder(struct vcpu *owner, unsigned intid, const struct virq *irq)
{
	if (irq->lr < 0)
		return NULL;
	return intid < VGIC_NR_PRIVATE ? owner : vm.vcpus[irq->lr_vcpu];
}

/* Interrupts deliverable to v and in no list register; *min_prio: the most urgent one's priority. */
static unsigned waiting_for(struct vcpu *v, unsigned *min_prio)
{
	unsigned n = 0;

	*min_prio = 0x100;
	for (unsigned i = 0; i < VGIC_NR_IRQS; i++) {
		struct virq *irq = vgic_irq(g, v, i);
		if (irq->lr >= 0 || !vgic_irq_deliverable(g, irq))
			continue;
		if (i < VGIC_NR_PRIVATE || irq->target == v->id) {
			n++;
			if (irq->priority < *min_prio)
				*min_prio = irq->priority;
		}
	}
	return n;
}

static void check_model(void)
{
	u32 full = (1u << g->nr_lrs) - 1;

	FUZZ_CHECK(g->nr_lrs == arch_fake.nr_lrs);
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++) {
		FUZZ_CHECK(g->spi[i].target < vm.nr_vcpus);
		FUZZ_CHECK(g->spi[i].group <= 1);
	}
	for (unsigned n = 0; n < vm.nr_vcpus; n++) {
		struct vcpu *v = &vcpus[n];
		struct vgic_cpu *c = &g->cpu[n];

		FUZZ_CHECK((c->lr_used & ~full) == 0 && (c->lr_dirty & ~c->lr_used) == 0);
		FUZZ_CHECK(v->irqchip_busy == (c->lr_used != 0) || (v == cur && in_guest));
		/* Model -> list register: the one it names holds it. */
		for (unsigned i = 0; i < VGIC_NR_IRQS; i++) {
			struct virq *irq = vgic_irq(g, v, i);
			struct vcpu *h = holder(v, i, irq);
			FUZZ_CHECK(irq->group <= 1);
			if (i >= VGIC_NR_PRIVATE && n > 0)
				continue; /* SPIs: once */
			if (!h)
				continue;
			FUZZ_CHECK(irq->lr < (int)g->nr_lrs && h->id < vm.nr_vcpus);
			FUZZ_CHECK(g->cpu[h->id].lr_used & (1u << irq->lr));
			FUZZ_CHECK(g->cpu[h->id].lr[irq->lr].vintid == i);
		}
		/* List register -> model: it names this register back, so no interrupt is in two. */
		for (unsigned i = 0; i < g->nr_lrs; i++) {
			struct vgic_lr *lr = &c->lr[i];
			if (!(c->lr_used & (1u << i))) {
				FUZZ_CHECK(lr->state == LR_INVALID && lr->vintid == 0);
				continue;
			}
			struct virq *irq = vgic_irq(g, v, lr->vintid);
			FUZZ_CHECK(irq && irq->lr == (int)i);
			FUZZ_CHECK(lr->vintid < VGIC_NR_PRIVATE || irq->lr_vcpu == n);
			FUZZ_CHECK(lr->state != LR_INVALID || (c->lr_dirty & (1u << i)));
		}
	}
	/* The hardware: cur's entries, nothing else; the cached ICH_HCR is the hardware's. */
	struct vgic_cpu *c = &g->cpu[cur->id];
	FUZZ_CHECK(c->cpuif.hcr == arch_fake.hcr && (arch_fake.hcr & VGIC_HCR_EN));
	if (arch_fake.hcr & VGIC_HCR_UIE)
		FUZZ_CHECK(in_guest && c->underflow && c->lr_used);
	if (!in_guest) {
		for (unsigned i = 0; i < g->nr_lrs; i++) {
			struct vgic_lr hw = arch_fake_lr(i);
			if (!(c->lr_used & (1u << i)) || (c->lr_dirty & (1u << i)))
				FUZZ_CHECK(hw.state == LR_INVALID || (c->lr_dirty & (1u << i)));
			else
				FUZZ_CHECK(hw.state == c->lr[i].state && hw.vintid == c->lr[i].vintid);
		}
	}
	for (unsigned i = g->nr_lrs; i < VGIC_MAX_LRS; i++)
		FUZZ_CHECK(arch_fake.lr[i] == 0);
}

static void exit_guest(void)
{
	if (in_guest) {
		vgic_sync(cur);
		in_guest = false;
		FUZZ_CHECK(!(arch_fake.hcr & VGIC_HCR_UIE));
	}
}

/* Make v the vCPU on the fake CPU (out of its guest). */
static void switch_to(struct vcpu *v)
{
	exit_guest();
	if (v == cur)
		return;
	vgic_vcpu_put(cur);
	for (unsigned i = 0; i < VGIC_MAX_LRS; i++)
		FUZZ_CHECK(arch_fake.lr[i] == 0); /* nothing of cur's is left for v */
	vgic_vcpu_load(v);
	FUZZ_CHECK(arch_fake.hcr == VGIC_HCR_EN);
	cur = v;
}

static void enter(struct vcpu *v)
{
	struct vgic_cpu *c = &g->cpu[v->id];
	u32 full = (1u << g->nr_lrs) - 1, before;
	unsigned min_prio, waiting;

	switch_to(v);
	before = c->lr_used;
	if (v2)
		vgic_v2_flush(v);
	else
		vgic_flush(v);
	in_guest = true;
	waiting = waiting_for(v, &min_prio);
	/* What went in is enabled, its group too, and at least as urgent as anything left waiting. */
	for (u32 m = c->lr_used & ~before; m; m &= m - 1) {
		struct vgic_lr *lr = &c->lr[__builtin_ctz(m)];
		struct virq *irq = vgic_irq(g, v, lr->vintid);
		FUZZ_CHECK(irq->enabled &&
			   (g->ctlr & (irq->group ? GICD_CTLR_ENABLE_GRP1 : GICD_CTLR_ENABLE_GRP0)));
		FUZZ_CHECK(lr->priority <= min_prio);
	}
	/* A level interrupt offered as pending has its line high (or a latch): none whose line dropped. */
	for (u32 m = c->lr_used; m; m &= m - 1) {
		struct vgic_lr *lr = &c->lr[__builtin_ctz(m)];
		struct virq *irq = vgic_irq(g, v, lr->vintid);
		if (lr->state == LR_PENDING && irq->level)
			FUZZ_CHECK(irq->line || irq->latch);
	}
	/* Every register the guest gets is the copy, exactly. */
	for (unsigned i = 0; i < g->nr_lrs; i++) {
		if (c->lr_used & (1u << i))
			FUZZ_CHECK(arch_fake.lr[i] == encode(&c->lr[i]));
		else
			FUZZ_CHECK(arch_fake.lr[i] == 0);
	}
	/* Liveness: a free register with something waiting, or waiting without UIE, would leave it waiting. */
	if (waiting) {
		FUZZ_CHECK(c->lr_used == full);
		FUZZ_CHECK(arch_fake.hcr & VGIC_HCR_UIE);
	}
}

/* The guest acts on a list register of the loaded vCPU, while in its guest. */
static void guest_lr(unsigned i, bool complete)
{
	struct vgic_lr lr;

	if (!in_guest)
		return;
	lr = arch_fake_lr(i);
	if (complete && (lr.state & LR_ACTIVE))
		lr.state &= ~LR_ACTIVE; /* EOI + deactivation: pending-and-active leaves pending */
	else if (!complete && lr.state == LR_PENDING)
		lr.state = LR_ACTIVE; /* acknowledge */
	else
		return;
	arch_fake.lr[i] = lr.state == LR_INVALID ? 0 : encode(&lr);
}

static void event(struct fuzz_input *in, uint8_t op, struct vcpu *v)
{
	unsigned kind = ((op >> 2) & 3) | ((op >> 4) & 4);
	uint8_t b;

	switch (kind) {
	case 0:
		enter(v);
		break;
	case 1:
		exit_guest();
		break;
	case 2:
		guest_lr(fuzz_u8(in) % g->nr_lrs, false);
		break;
	case 3:
		guest_lr(fuzz_u8(in) % g->nr_lrs, true);
		break;
	case 4:
		b = fuzz_u8(in);
		vgic_set_line(&vm, (b % VGIC_NR_IRQS) < VGIC_NR_PRIVATE ? v : NULL, b % VGIC_NR_IRQS,
			      fuzz_u8(in) & 1);
		break;
	case 5:
		b = fuzz_u8(in);
		if ((b & 0x80) && v2)
			FUZZ_CHECK(vgic_dist_v2_mmio_ops.write(g, v, GICD_SGIR, 4, fuzz_u32(in)) == HV_OK);
		else if (b & 0x80)
			vgic_send_sgi(v, fuzz_u64(in));
		else
			vgic_inject_edge(&vm, (b % VGIC_NR_IRQS) < VGIC_NR_PRIVATE ? v : NULL,
					 b % VGIC_NR_IRQS);
		break;
	case 6:
		switch_to(v);
		break;
	default:
		(void)vgic_vcpu_pending(v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	uint8_t layout = fuzz_u8(&in);

	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	vm.nr_vcpus = 1 + (layout & 3);
	for (unsigned i = 0; i < vm.nr_vcpus; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].mpidr = (layout & 4) ? (i & 1) | (i >> 1) << 8 : i;
		vm.vcpus[i] = &vcpus[i];
	}
	arch_fake_reset(1, 1 + ((layout >> 3) & 3));
	v2 = layout & 0x20;
	arch_fake_gic_version(v2 ? 2 : 3);
	g = vgic_of(&vm);
	vgic_reset(g, &vm, arch_vgic_backend());
	cur = &vcpus[0];
	in_guest = false;
	vgic_vcpu_load(cur);

	while (in.left) {
		uint8_t op = fuzz_u8(&in);
		struct vcpu *v = &vcpus[(op >> 4 & 3) % vm.nr_vcpus];
		unsigned sz = 1u << ((op >> 2) & 3);
		bool redist = op & 0x40, write = op & 0x80;

		if (!write && (op & 3) == 3) {
			event(&in, op, v);
		} else {
			const struct mmio_ops *ops = v2 ? &vgic_dist_v2_mmio_ops
				: redist		? &vgic_redist_mmio_ops
							: &vgic_dist_mmio_ops;
			u64 off = pick_off(&in, op,
					   redist && !v2 ? GUEST_GICR_STRIDE * vm.nr_vcpus : GUEST_GICD_SIZE);
			u64 val = write ? fuzz_bytes(&in, sz) : 0xA5A5A5A5A5A5A5A5ULL;
			int rc;

			if (v == cur)
				exit_guest(); /* its access is an exit */
			rc = write ? ops->write(g, v, off, sz, val) : ops->read(g, v, off, sz, &val);
			FUZZ_CHECK(rc == HV_OK);
		}
		check_model();
	}
	return 0;
}
