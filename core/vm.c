/*
 * VM life cycle: build a VM from its config (RAM, stage 2, devices, vCPUs,
 * a plan for its boot images), start it, power it off, reset it, or give
 * up on it.
 *
 * Starting and resetting are the same job: the VM enters VM_RESETTING and
 * the CPU of its boot vCPU runs vm_reset_step() in pieces (scrub RAM, copy
 * the images, clean the caches, reset the devices) between which it serves
 * interrupts and its other vCPUs. Nothing waits with interrupts masked, two
 * resets cannot collide (the state change is a compare-and-swap), and each
 * VM's CPU loads its own VM in parallel with the others.
 */
#include <arch/cache.h>
#include <arch/hyp_timer.h>
#include <arch/stage2.h>
#include <arch/tlb.h>
#include <drivers/gic.h>
#include <hyparm/bundle.h>
#include <hyparm/console.h>
#include <hyparm/errno.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/loader.h>
#include <hyparm/page_alloc.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <string.h>

#define GUEST_DTB_MAX  0x10000
/* How much RAM one reset step scrubs or cleans: small enough that the CPU answers interrupts promptly. */
#define RESET_CHUNK    MiB(2)

/* The devices every VM has unless its config names others; the interrupt controller comes first. */
static const char *const default_devices[] = { "gicv3", "arm-vtimer", "arm-ptimer", "pl011" };

static struct vm vm_storage[VM_MAX];
static struct vcpu vcpu_storage[VM_MAX][VM_MAX_VCPUS];
extern unsigned stage2_parange;

static void *s2_table_alloc(unsigned npages)
{
	return page_alloc_aligned(npages, npages * PAGE_SIZE);
}

static void s2_table_free(void *p, unsigned npages)
{
	page_free(p, npages);
}

/* The VM's images in the bundle and where they go in its RAM. */
struct vm_images {
	const void *kernel, *initrd, *dtb;
	u64 kernel_size, initrd_size, dtb_size;
	struct load_plan plan;
};
static struct vm_images images[VM_MAX];

static int vm_plan_images(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->config;
	const struct guest_bundle *b = vm->bundle;
	struct vm_images *im = &images[vm->id];

	*im = (struct vm_images){ 0 };
	if (bundle_find(b->base, b->size, cfg->kernel, &im->kernel, &im->kernel_size)) {
		hv_snprintf(err, errlen, "vms.conf:%u: kernel '%s' is not in the bundle", cfg->line, cfg->kernel);
		return -HV_ENOENT;
	}
	if (cfg->initrd[0] && bundle_find(b->base, b->size, cfg->initrd, &im->initrd, &im->initrd_size)) {
		hv_snprintf(err, errlen, "vms.conf:%u: initrd '%s' is not in the bundle", cfg->line, cfg->initrd);
		return -HV_ENOENT;
	}
	if (cfg->dtb[0] && bundle_find(b->base, b->size, cfg->dtb, &im->dtb, &im->dtb_size)) {
		hv_snprintf(err, errlen, "vms.conf:%u: dtb '%s' is not in the bundle", cfg->line, cfg->dtb);
		return -HV_ENOENT;
	}
	int rc = loader_plan(im->kernel, im->kernel_size, im->initrd_size,
			     im->dtb ? MAX(im->dtb_size, GUEST_DTB_MAX) : GUEST_DTB_MAX,
			     vm->ram_size, &im->plan, err, errlen);
	if (rc)
		return rc;
	vm->entry_ipa = vm->ram_ipa + im->plan.entry_off;
	vm->dtb_ipa = vm->ram_ipa + im->plan.dtb_off;
	return HV_OK;
}

/* Copy the boot images into (scrubbed) guest RAM and write the device tree. */
static int vm_copy_images(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_images *im = &images[vm->id];
	const struct load_plan *plan = &im->plan;
	u8 *ram = (u8 *)(uintptr_t)vm->ram_pa;

	memcpy(ram + plan->kernel_off, im->kernel, im->kernel_size);
	if (im->initrd)
		memcpy(ram + plan->initrd_off, im->initrd, im->initrd_size);
	if (im->dtb) {
		memcpy(ram + plan->dtb_off, im->dtb, im->dtb_size);
		return HV_OK;
	}
	u64 mpidr[VM_MAX_VCPUS];
	struct guest_fdt_params fp = {
		.ram_base = vm->ram_ipa, .ram_size = vm->ram_size,
		.nr_vcpus = vm->nr_vcpus, .vcpu_mpidr = mpidr, .cmdline = vm->config->cmdline,
		.initrd_start = im->initrd ? vm->ram_ipa + plan->initrd_off : 0,
		.initrd_end = im->initrd ? vm->ram_ipa + plan->initrd_off + im->initrd_size : 0,
		.gicd_base = GUEST_GICD_IPA, .gicr_base = GUEST_GICR_IPA,
		.uart_base = GUEST_UART_IPA, .uart_spi = GUEST_UART_INTID - 32,
	};
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		mpidr[i] = vm->vcpus[i]->mpidr;
	if (guest_fdt_build(ram + plan->dtb_off, GUEST_DTB_MAX, &fp)) {
		hv_snprintf(err, errlen, "vm %s: device tree does not fit in %u bytes", vm->name, GUEST_DTB_MAX);
		return -HV_ENOMEM;
	}
	return HV_OK;
}

static u64 vcpu_mpidr_for(unsigned idx)
{
	/* As KVM: Aff0 holds 16 vCPUs, then Aff1. */
	return ((u64)(idx / 16) << 8) | (idx % 16);
}

int vm_create(const struct vm_config *cfg, unsigned id, const struct guest_bundle *bundle,
	      struct vm **out, char *err, size_t errlen)
{
	struct vm *vm = &vm_storage[id];
	u64 align = cfg->mem_size >= GiB(1) ? GiB(1) : MiB(2);
	int rc;

	if (id >= VM_MAX || cfg->vcpus > VM_MAX_VCPUS) {
		hv_snprintf(err, errlen, "vms.conf:%u: too many VMs or vCPUs", cfg->line);
		return -HV_EINVAL;
	}
	memset(vm, 0, sizeof(*vm));
	hv_snprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
	vm->id = id;
	vm->state = VM_POWERED_OFF;   /* until vm_start() */
	vm->config = cfg;
	vm->bundle = bundle;
	vm->ram_ipa = GUEST_RAM_IPA;
	vm->ram_size = cfg->mem_size;
	/* A large alignment lets stage 2 use 2 MiB / 1 GiB blocks; fall back to 2 MiB when memory is fragmented. */
	vm->ram_pa = (paddr_t)(uintptr_t)page_alloc_raw(cfg->mem_size / PAGE_SIZE, align);
	if (!vm->ram_pa && align > MiB(2))
		vm->ram_pa = (paddr_t)(uintptr_t)page_alloc_raw(cfg->mem_size / PAGE_SIZE, MiB(2));
	if (!vm->ram_pa) {
		hv_snprintf(err, errlen, "vms.conf:%u: vm %s: cannot allocate %llu MiB of RAM (%llu MiB free)",
			    cfg->line, vm->name, (unsigned long long)(cfg->mem_size >> 20),
			    (unsigned long long)(page_alloc_pool()->free_pages * PAGE_SIZE >> 20));
		return -HV_ENOMEM;
	}

	/* VMID 0 is left unused so that a stale VTTBR never matches a live VM. */
	rc = stage2_init(&vm->s2, stage2_ipa_bits(stage2_parange), (u16)(id + 1), s2_table_alloc, s2_table_free);
	if (!rc)
		rc = stage2_map(&vm->s2, vm->ram_ipa, vm->ram_pa, vm->ram_size, S2_RWX, S2_MEM_NORMAL);
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: stage-2 setup failed (%s)", vm->name, hv_strerror(rc));
		return rc;
	}
	vm->vtcr = stage2_vtcr(&vm->s2, stage2_parange);

	vm->nr_vcpus = cfg->vcpus;
	for (unsigned i = 0; i < cfg->vcpus; i++) {
		struct vcpu *v = &vcpu_storage[id][i];
		unsigned cpu = cfg->nr_pcpus ? cfg->pcpus[i % cfg->nr_pcpus] : (id + i) % nr_pcpus;

		if (cpu >= nr_pcpus) {
			hv_snprintf(err, errlen, "vms.conf:%u: vm %s: physical CPU %u does not exist (the machine has %u)",
				    cfg->line, vm->name, cpu, nr_pcpus);
			return -HV_EINVAL;
		}
		memset(v, 0, sizeof(*v));
		v->vm = vm;
		v->id = i;
		v->mpidr = vcpu_mpidr_for(i);
		v->state = VCPU_OFF;
		vm->vcpus[i] = v;
		sched_place(v, cpu);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(default_devices); i++) {
		rc = vdev_create(vm, default_devices[i], err, errlen);
		if (rc)
			return rc;
	}
	rc = vm_plan_images(vm, err, errlen);
	if (rc)
		return rc;
	*out = vm;
	return HV_OK;
}

struct vm *vm_by_id(unsigned id)
{
	return &vm_storage[id];
}

/* Begin a (re)load of vm: its boot vCPU's CPU takes it from here (vm_reset_step). */
static void begin_reset(struct vm *vm)
{
	unsigned self = this_pcpu()->id;

	vm->reset_phase = RESET_SCRUB;
	vm->reset_off = 0;
	/* Everyone off the CPU: a vCPU in the guest elsewhere is interrupted so that it notices. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];
		o->state = VCPU_OFF;
		arch_smp_mb();
		if (o->pcpu != self && (o->running || o->loaded))
			gic_send_wake(o->pcpu);
	}
	/* The boot vCPU's CPU runs the reset: let it know. */
	pcpus[vm->vcpus[0]->pcpu].need_rearm = true;
	arch_smp_mb();
	if (vm->vcpus[0]->pcpu != self)
		gic_send_wake(vm->vcpus[0]->pcpu);
}

void vm_start(struct vm *vm)
{
	/* The guest's virtual counter starts near zero, as under KVM. */
	vm->cntvoff = hyp_timer_now();
	vm->state = VM_RESETTING;
	begin_reset(vm);
}

bool vm_reset_step(struct vm *vm)
{
	char err[160];
	u64 n;

	/* Until every vCPU of the VM is off its CPU and unloaded, its memory and devices are not ours to rewrite. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->running || vm->vcpus[i]->loaded)
			return false;
	switch (vm->reset_phase) {
	case RESET_SCRUB:
		/* Nothing of a previous life (or of a previous owner of this RAM) survives. */
		n = MIN(RESET_CHUNK, vm->ram_size - vm->reset_off);
		memset((u8 *)(uintptr_t)vm->ram_pa + vm->reset_off, 0, n);
		vm->reset_off += n;
		if (vm->reset_off == vm->ram_size) {
			vm->reset_phase = RESET_LOAD;
			vm->reset_off = 0;
		}
		return false;
	case RESET_LOAD:
		if (vm_copy_images(vm, err, sizeof(err))) {
			vm->state = VM_RUNNING;   /* so that vm_crash() can take it */
			vm_crash(vm, "reset failed: %s", err);
			return true;
		}
		vm->reset_phase = RESET_CLEAN;
		return false;
	case RESET_CLEAN:
		/* The guest starts with MMU and caches off: its images must be in memory, not only in our caches. */
		n = MIN(RESET_CHUNK, vm->ram_size - vm->reset_off);
		arch_dcache_clean_inval_range(vm->ram_pa + vm->reset_off, n);
		vm->reset_off += n;
		if (vm->reset_off == vm->ram_size)
			vm->reset_phase = RESET_DEVICES;
		return false;
	case RESET_DEVICES:
		break;
	}
	vdev_reset_all(vm);
	/* Same VMID, new life: no TLB entry of the previous boot may survive. */
	arch_tlb_inval_vmid(&vm->s2);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i]->state = VCPU_OFF;
	__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
	sched_power_on(vm->vcpus[0], vm->entry_ipa, vm->dtb_ipa);
	return true;
}

/* Every vCPU stops; CPUs running or holding one of them are interrupted so they notice and unload it. */
static void vm_stop_vcpus(struct vm *vm)
{
	unsigned self = this_pcpu()->id;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		v->state = VCPU_STOPPED;
		arch_smp_mb();
		if (v->pcpu != self && (v->running || v->loaded))
			gic_send_wake(v->pcpu);
	}
}

static bool vm_enter_state(struct vm *vm, enum vm_state s)
{
	enum vm_state running = VM_RUNNING;
	/* Two vCPUs may stop or reset the VM at once (SYSTEM_OFF on one, a crash on another): first one wins. */
	return __atomic_compare_exchange_n(&vm->state, &running, s, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* What made the VM's vCPUs exit, summed: the first thing to look at when a guest is slow. */
static void vm_print_exits(struct vm *vm)
{
	static const char *const names[EXIT_KIND_COUNT] = {
		[EXIT_UNKNOWN] = "undef", [EXIT_WFX] = "wfx", [EXIT_HVC] = "hvc", [EXIT_SMC] = "smc",
		[EXIT_SYSREG] = "sysreg", [EXIT_DABT] = "mmio", [EXIT_IABT] = "iabt", [EXIT_FP] = "fp",
		[EXIT_OTHER] = "other", [EXIT_IRQ] = "irq",
	};
	char buf[256];
	int n = hv_snprintf(buf, sizeof(buf), "hyparm: vm %s: exits:", vm->name);

	for (unsigned k = 0; k < EXIT_KIND_COUNT && n < (int)sizeof(buf); k++) {
		u64 sum = 0;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			sum += vm->vcpus[i]->exits[k];
		if (sum)
			n += hv_snprintf(buf + n, sizeof(buf) - n, " %s %llu", names[k], (unsigned long long)sum);
	}
	hv_printf("%s\n", buf);
}

void vm_power_off(struct vm *vm)
{
	if (!vm_enter_state(vm, VM_POWERED_OFF))
		return;
	vm_stop_vcpus(vm);
	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: powered off\n", vm->name);
	vm_print_exits(vm);
	sched_vm_stopped();
}

void vm_crash(struct vm *vm, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!vm_enter_state(vm, VM_CRASHED))
		return;
	vm_stop_vcpus(vm);
	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: stopped: %s\n", vm->name, why);
	sched_vm_stopped();
}

void vm_reset(struct vm *vm)
{
	/* A second SYSTEM_RESET while one is under way (or after the VM stopped) changes nothing. */
	if (!vm_enter_state(vm, VM_RESETTING))
		return;
	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: reset\n", vm->name);
	begin_reset(vm);
}
