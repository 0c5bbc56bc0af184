/* The arch fake (see arch/fake.h): every arch and driver function the core and vdev code call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arch/cache.h>
#include <arch/fake.h>
#include <arch/fake_debug.h>
#include <arch/hyp_timer.h>
#include <arch/sysreg_emul.h>
#include <arch/tlb.h>
#include <hyparm/spectre.h>
#include <arch/vcpu_arch.h>
#include <arch/vgic_lr.h>
#include <arch/vgic_v2_lr.h>
#include <arch/vgic_v3_lr.h>
#include <drivers/gic.h>
#include <drivers/psci_fw.h>
#include <hyparm/errno.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>
#include <string.h>

struct arch_fake arch_fake;
void *arch_fake_pcpu;
struct pcpu pcpus[MAX_PCPUS];
unsigned nr_pcpus;

void arch_fake_set_cpu(unsigned cpu)
{
	arch_fake.cpu = cpu;
	arch_fake_pcpu = &pcpus[cpu];
}

void arch_fake_reset(unsigned nr_cpus, unsigned nr_lrs)
{
	memset(&arch_fake, 0, sizeof(arch_fake));
	memset(pcpus, 0, sizeof(pcpus));
	nr_pcpus = nr_cpus;
	for (unsigned i = 0; i < MAX_PCPUS; i++) {
		pcpus[i].id = i;
		pcpus[i].timer_at = ~0ULL;
	}
	arch_fake.freq = 62500000;
	arch_fake.nr_lrs = nr_lrs;
	arch_fake_gic_version(3);
	arch_fake_sysregs_clear();
	fake_debug_reset();
	arch_fake_set_cpu(0);
}

/* ---- timers ---- */
void hyp_timer_set(u64 cval)
{
	arch_fake.hyp_timer_cval = cval;
}
static u64 fake_counter(void)
{
	u64 now = arch_fake.now;
	arch_fake.now += arch_fake.now_step;
	return now;
}
u64 hyp_timer_now(void)
{
	return fake_counter();
}
u64 hyp_timer_freq(void)
{
	return arch_fake.freq;
}
u64 arch_counter_now(void)
{
	return fake_counter();
}
u64 arch_vtimer_ctl(void)
{
	return arch_fake.vtimer_ctl;
}

/* ---- vCPU switching ---- */
void arch_vcpu_reset(struct vcpu *v, u64 entry, u64 x0)
{
	memset(&v->arch, 0, sizeof(v->arch));
	v->arch.regs.x[0] = x0;
	v->arch.regs.elr = entry;
	if (arch_fake.nreset < FAKE_LOG)
		arch_fake.reset_log[arch_fake.nreset++] = v;
}

/* As arch/arm64/vcpu_switch.c: put saves the virtual timer's control and turns it off in the CPU; load restores it. */
void arch_vcpu_put(struct vcpu *v)
{
	v->arch.sys.cntv_ctl_el0 = arch_fake.vtimer_ctl;
	arch_fake.vtimer_ctl = 0;
	if (arch_fake.nput < FAKE_LOG)
		arch_fake.put_log[arch_fake.nput++] = v;
}

/* The fake's registers live in memory already. */
void arch_vcpu_sync_sysregs(struct vcpu *v)
{
	(void)v;
}

void arch_vcpu_load(struct vcpu *v, const struct vm *prev_vm)
{
	arch_fake.vtimer_ctl = v->arch.sys.cntv_ctl_el0;
	if (arch_fake.nload < FAKE_LOG)
		arch_fake.load_log[arch_fake.nload++] = v;
}

/* As arch/arm64/vcpu_switch.c: state made live where the fake CPU has it (has_lazy_state); no extra state area. */
bool arch_vcpu_first_use(struct vcpu *v, const struct exit_info *e)
{
	(void)v;
	(void)e;
	arch_fake.first_uses++;
	return arch_fake.has_lazy_state;
}

u64 arch_vcpu_state_bytes(void)
{
	return 0;
}

void arch_vcpu_set_state_area(struct vcpu *v, void *area)
{
	(void)v;
	(void)area;
}

void arch_wait_for_interrupt(void)
{
	arch_fake.waits++;
	if (!arch_fake.on_wait || !arch_fake.on_wait())
		mock_assert(0, "arch_wait_for_interrupt: the CPU would sleep forever", __FILE__, __LINE__);
}

void arch_tlb_inval_vmid(const struct stage2 *s2)
{
}
void arch_tlb_inval_ipa(const struct stage2 *s2, ipa_t ipa)
{
}
void arch_dcache_clean_inval_range(paddr_t pa, u64 size)
{
}
void arch_zero_range(paddr_t pa, u64 size)
{
	memset((void *)(uintptr_t)pa, 0, size);
}
/* No tags on the host. */
void arch_zero_tags(paddr_t pa, u64 size)
{
}

/* ---- the physical GIC: a driver (drivers/gic.h) over arch_fake ---- */
static void fake_send_wake(unsigned cpu)
{
	arch_fake.ipis[cpu]++;
}

static u32 fake_ack(void)
{
	if (!arch_fake.npending)
		return 1023;
	u32 intid = arch_fake.pending[0];
	memmove(arch_fake.pending, arch_fake.pending + 1, --arch_fake.npending * sizeof(u32));
	return intid;
}

static void fake_eoi(u32 intid, bool deactivate)
{
	if (arch_fake.neoi < FAKE_LOG)
		arch_fake.eoi[arch_fake.neoi++] = intid | (deactivate ? FAKE_DEACTIVATED : 0);
}

static void fake_ppi_set_active(unsigned intid, bool active)
{
	arch_fake.ppi_active[intid & 31] = active;
}

static void fake_spi_set_active(unsigned intid, bool active)
{
	if (intid < FAKE_MAX_INTID)
		arch_fake.spi_active[intid] = active;
}

static void fake_spi_enable(unsigned intid, u64 mpidr)
{
	(void)mpidr;
	if (intid < FAKE_MAX_INTID)
		arch_fake.spi_enabled[intid] = true;
}

static void fake_spi_disable(unsigned intid)
{
	if (intid < FAKE_MAX_INTID)
		arch_fake.spi_enabled[intid] = false;
}

struct gic_ops gic_driver = {
	.name = "fake",
	.send_wake = fake_send_wake,
	.ack = fake_ack,
	.eoi = fake_eoi,
	.ppi_set_active = fake_ppi_set_active,
	.spi_enable = fake_spi_enable,
	.spi_disable = fake_spi_disable,
	.spi_set_active = fake_spi_set_active,
};

void psci_fw_system_off(void)
{
	arch_fake.system_off++;
	mock_assert(0, "psci_fw_system_off: the machine powers off", __FILE__, __LINE__);
	__builtin_unreachable();
}

/*
 * ---- the list-register backend: GICv3's encoding over an array, or
 * GICv2's (GICH_LR) after arch_fake_gic_version(2) ----
 */
static struct vgic_lr_backend fake_backend;

static u64 fake_encode(const struct vgic_lr *lr)
{
	return fake_backend.version == 2 ? vgic_v2_encode(lr) : vgic_v3_encode(lr);
}
static void fake_decode(u64 raw, struct vgic_lr *lr)
{
	if (fake_backend.version == 2)
		vgic_v2_decode((u32)raw, lr);
	else
		vgic_v3_decode(raw, lr);
}
static unsigned fake_count(void)
{
	return arch_fake.nr_lrs;
}
static unsigned fake_read_state(unsigned i)
{
	struct vgic_lr lr;
	fake_decode(arch_fake.lr[i], &lr);
	return lr.state;
}
static void fake_write(unsigned i, const struct vgic_lr *lr)
{
	arch_fake.lr[i] = lr ? fake_encode(lr) : 0;
}
/* As ICH_ELRSR_EL2 / GICH_ELRSR0: empty = invalid and no EOI maintenance left (HW set, or EOI clear). */
static u32 fake_empty(void)
{
	u32 m = 0;
	for (unsigned i = 0; i < arch_fake.nr_lrs; i++) {
		struct vgic_lr lr;
		fake_decode(arch_fake.lr[i], &lr);
		if (lr.state == LR_INVALID && !lr.eoi_maint)
			m |= 1u << i;
	}
	return m;
}
static void fake_set_hcr(u32 hcr)
{
	arch_fake.hcr = hcr;
}
static void fake_save(struct vgic_cpuif *s)
{
	s->vmcr = arch_fake.cpuif.vmcr;
}
static void fake_restore(const struct vgic_cpuif *s)
{
	arch_fake.cpuif = *s;
}
static void fake_cpu_init(void)
{
}

static struct vgic_lr_backend fake_backend = {
	.name = "fake",
	.version = 3,
	.maint_intid = 25,
	.count = fake_count,
	.write = fake_write,
	.read_state = fake_read_state,
	.empty = fake_empty,
	.set_hcr = fake_set_hcr,
	.save = fake_save,
	.restore = fake_restore,
	.cpu_init = fake_cpu_init,
};

const struct vgic_lr_backend *arch_vgic_backend(void)
{
	return &fake_backend;
}

void arch_fake_gic_version(unsigned version)
{
	fake_backend.version = version;
	fake_backend.gicv_base = version == 2 ? 0x08040000 : 0;
	fake_backend.gicv_size = version == 2 ? 0x2000 : 0;
}

struct vgic_lr arch_fake_lr(unsigned i)
{
	struct vgic_lr lr;
	fake_decode(arch_fake.lr[i], &lr);
	return lr;
}

void arch_fake_set_lr(unsigned i, const struct vgic_lr *lr)
{
	arch_fake.lr[i] = fake_encode(lr);
}

/* ---- ID registers: zero unless a test says otherwise ---- */
u64 arch_fake_id_regs[8][8];

u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	return arch_fake_id_regs[crm & 7][op2 & 7];
}

/* ---- system registers by name (arch/sysreg.h's host version): unknown ones read 0 ---- */
#define FAKE_SYSREGS 32
static struct {
	const char *name;
	u64 val;
} fake_sysregs[FAKE_SYSREGS];

static u64 *fake_sysreg(const char *name)
{
	for (unsigned i = 0; i < FAKE_SYSREGS; i++) {
		if (!fake_sysregs[i].name) {
			fake_sysregs[i].name = name;
			fake_sysregs[i].val = 0;
		}
		if (!strcmp(fake_sysregs[i].name, name))
			return &fake_sysregs[i].val;
	}
	mock_assert(0, "arch_fake: more system registers than FAKE_SYSREGS", __FILE__, __LINE__);
	return NULL;
}

u64 arch_fake_sysreg_read(const char *name)
{
	return *fake_sysreg(name);
}
void arch_fake_sysreg_write(const char *name, u64 val)
{
	*fake_sysreg(name) = val;
}
void arch_fake_sysregs_clear(void)
{
	memset(fake_sysregs, 0, sizeof(fake_sysregs));
}

/* The arch's branch-history clearing (arch/arm64/spectre_hw.c): nothing to clear on the host; weak so a test can count calls. */
__attribute__((weak)) void spectre_bhb_clear(unsigned loop, bool clrbhb)
{
	(void)loop;
	(void)clrbhb;
}
