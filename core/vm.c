/*
 * VM life cycle: build a VM from its config (RAM, stage 2, devices, boot
 * images, vCPUs), power it off, reset it, or give up on it.
 */
#include <arch/stage2.h>
#include <arch/sysreg_emul.h>
#include <arch/sysreg.h>
#include <arch/tlb.h>
#include <arch/vgic_lr.h>
#include <arch/vcpu_arch.h>
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

static void vm_uart_tx(void *ctx, u8 c)
{
	console_vm_putc(ctx, c);
}

static void vm_uart_irq(void *ctx, bool level)
{
	vgic_set_line(ctx, NULL, GUEST_UART_INTID, level);
}

/* The UART model is shared by the VM's vCPUs and console input (another CPU): serialise. */
static int uart_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct vm *vm = container_of((struct vpl011 *)dev, struct vm, uart);
	spin_lock(&vm->uart_lock);
	int rc = vpl011_mmio_ops.read(dev, v, off, size, val);
	spin_unlock(&vm->uart_lock);
	if (off == UART_DR)
		console_input_resume(vm);   /* a byte left the receive FIFO: room for more */
	return rc;
}

static int uart_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct vm *vm = container_of((struct vpl011 *)dev, struct vm, uart);
	spin_lock(&vm->uart_lock);
	int rc = vpl011_mmio_ops.write(dev, v, off, size, val);
	spin_unlock(&vm->uart_lock);
	return rc;
}

static const struct mmio_ops uart_ops = { .read = uart_read, .write = uart_write };

bool vm_uart_input(struct vm *vm, u8 c)
{
	spin_lock(&vm->uart_lock);
	bool taken = vpl011_rx_push(&vm->uart, c);
	spin_unlock(&vm->uart_lock);
	return taken;
}

/* Interrupt controller and devices back to their reset state. */
static void vm_devices_reset(struct vm *vm)
{
	vgic_init(vm, vgic_lr_count());
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vgic_vcpu_init(vm->vcpus[i]);
	vpl011_init(&vm->uart, vm_uart_tx, vm);
	vm->uart.irq_update = vm_uart_irq;
	vm->uart.irq_ctx = vm;
	/* The guest's virtual counter starts near zero, as under KVM. */
	vm->cntvoff = read_sysreg(cntpct_el0);
}

/* Copy the boot images into guest RAM and set the boot vCPU's entry state. */
static int vm_load_images(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->config;
	const struct guest_bundle *b = vm->bundle;
	const void *kernel, *initrd = NULL, *dtb = NULL;
	u64 kernel_size, initrd_size = 0, dtb_size = 0;
	struct load_plan plan;
	u8 *ram = (u8 *)(uintptr_t)vm->ram_pa;
	int rc;

	if (bundle_find(b->base, b->size, cfg->kernel, &kernel, &kernel_size)) {
		hv_snprintf(err, errlen, "vms.conf:%u: kernel '%s' is not in the bundle", cfg->line, cfg->kernel);
		return -HV_ENOENT;
	}
	if (cfg->initrd[0] && bundle_find(b->base, b->size, cfg->initrd, &initrd, &initrd_size)) {
		hv_snprintf(err, errlen, "vms.conf:%u: initrd '%s' is not in the bundle", cfg->line, cfg->initrd);
		return -HV_ENOENT;
	}
	if (cfg->dtb[0] && bundle_find(b->base, b->size, cfg->dtb, &dtb, &dtb_size)) {
		hv_snprintf(err, errlen, "vms.conf:%u: dtb '%s' is not in the bundle", cfg->line, cfg->dtb);
		return -HV_ENOENT;
	}
	rc = loader_plan(kernel, kernel_size, initrd_size, dtb ? MAX(dtb_size, GUEST_DTB_MAX) : GUEST_DTB_MAX,
			 vm->ram_size, &plan, err, errlen);
	if (rc)
		return rc;

	/* Fresh RAM on every (re)boot: nothing of a previous run survives. */
	memset(ram, 0, vm->ram_size);
	memcpy(ram + plan.kernel_off, kernel, kernel_size);
	if (initrd)
		memcpy(ram + plan.initrd_off, initrd, initrd_size);
	if (dtb) {
		memcpy(ram + plan.dtb_off, dtb, dtb_size);
	} else {
		u64 mpidr[VM_MAX_VCPUS];
		struct guest_fdt_params fp = {
			.ram_base = vm->ram_ipa, .ram_size = vm->ram_size,
			.nr_vcpus = vm->nr_vcpus, .vcpu_mpidr = mpidr, .cmdline = cfg->cmdline,
			.initrd_start = initrd ? vm->ram_ipa + plan.initrd_off : 0,
			.initrd_end = initrd ? vm->ram_ipa + plan.initrd_off + initrd_size : 0,
			.gicd_base = GUEST_GICD_IPA, .gicr_base = GUEST_GICR_IPA,
			.uart_base = GUEST_UART_IPA, .uart_spi = GUEST_UART_INTID - 32,
		};
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			mpidr[i] = vm->vcpus[i]->mpidr;
		if (guest_fdt_build(ram + plan.dtb_off, GUEST_DTB_MAX, &fp)) {
			hv_snprintf(err, errlen, "vm %s: device tree does not fit in %u bytes", vm->name, GUEST_DTB_MAX);
			return -HV_ENOMEM;
		}
	}
	vm->entry_ipa = vm->ram_ipa + plan.entry_off;
	vm->dtb_ipa = vm->ram_ipa + plan.dtb_off;
	/* The guest starts with MMU and caches off: its images must be in memory, not only in our caches. */
	vm_dcache_clean_inval(vm);
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

	rc = mmio_bus_add(&vm->mmio, GUEST_UART_IPA, GUEST_UART_SIZE, &uart_ops, &vm->uart, "pl011");
	if (!rc)
		rc = mmio_bus_add(&vm->mmio, GUEST_GICD_IPA, VGIC_DIST_SIZE, &vgic_dist_mmio_ops, vm, "gic-distributor");
	if (!rc)
		rc = mmio_bus_add(&vm->mmio, GUEST_GICR_IPA, VGIC_REDIST_SIZE * cfg->vcpus,
				  &vgic_redist_mmio_ops, vm, "gic-redistributors");
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: cannot register its devices (%s)", vm->name, hv_strerror(rc));
		return rc;
	}

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
	vm_devices_reset(vm);
	rc = vm_load_images(vm, err, errlen);
	if (rc)
		return rc;
	*out = vm;
	return HV_OK;
}

struct vm *vm_by_id(unsigned id)
{
	return &vm_storage[id];
}

void vm_start(struct vm *vm)
{
	vm->state = VM_RUNNING;
	arch_vcpu_reset(vm->vcpus[0], vm->entry_ipa, vm->dtb_ipa);
	sched_wake(vm->vcpus[0]);
}

/* Every vCPU stops; CPUs running one of them are interrupted so they notice. */
static void vm_stop_vcpus(struct vm *vm)
{
	unsigned self = this_pcpu()->id;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		v->state = VCPU_STOPPED;
		if (v->pcpu != self)
			gic_send_wake(v->pcpu);
	}
}

static bool vm_enter_state(struct vm *vm, enum vm_state s)
{
	enum vm_state running = VM_RUNNING;
	/* Two vCPUs may stop the VM at once (SYSTEM_OFF on one, a crash on another): first one wins. */
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
	char err[160];

	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: reset\n", vm->name);
	/*
	 * Secondary vCPUs go back to off; only the boot vCPU restarts, as after
	 * power-on. They may still be running on other CPUs (Linux parks them
	 * in a loop rather than turning them off): interrupt them and wait
	 * until they are out before their memory is rewritten.
	 */
	struct vcpu *self = this_pcpu()->current;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];
		if (o == self)
			continue;
		o->state = VCPU_OFF;
		__asm__ volatile("dsb ish" ::: "memory");
		if (o->pcpu != this_pcpu()->id)
			gic_send_wake(o->pcpu);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];
		while (o != self && o->running)
			__asm__ volatile("yield" ::: "memory");
	}
	if (self && self != vm->vcpus[0])
		self->state = VCPU_OFF;
	if (vm_load_images(vm, err, sizeof(err))) {
		vm_crash(vm, "reset failed: %s", err);
		return;
	}
	vm_devices_reset(vm);
	/* Same VMID, new life: no TLB entry of the previous boot may survive. */
	arch_tlb_inval_vmid(&vm->s2);
	arch_vcpu_reset(vm->vcpus[0], vm->entry_ipa, vm->dtb_ipa);
	sched_wake(vm->vcpus[0]);
}
