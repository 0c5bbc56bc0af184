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
#include <arch/vgic_lr.h>
#include <drivers/gic.h>
#include <hyparm/bundle.h>
#include <hyparm/console.h>
#include <hyparm/errno.h>
#include <hyparm/exit.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/loader.h>
#include <hyparm/monitor.h>
#include <hyparm/page_alloc.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <string.h>


/*
 * The devices every VM has unless its config names others; the interrupt
 * controller comes first. Its version is the host GIC's: the guest's CPU
 * interface is the hardware's virtual one (a config that names one
 * explicitly gets an error on the other kind of host). A firmware VM also
 * has QEMU virt's flash, where its firmware is.
 */
static const char *default_devices(bool firmware)
{
	const struct vgic_lr_backend *be = arch_vgic_backend();
	bool v2 = be && be->version == 2;

	if (firmware)
		return v2 ? "gicv2 arm-vtimer arm-ptimer pl011 pvtime pl031 virtio-mmio cfi-flash"
			  : "gicv3 arm-vtimer arm-ptimer pl011 pvtime pl031 virtio-mmio cfi-flash";
	return v2 ? "gicv2 arm-vtimer arm-ptimer pl011 pvtime pl031 virtio-mmio"
		  : "gicv3 arm-vtimer arm-ptimer pl011 pvtime pl031 virtio-mmio";
}

/* Create the VM's devices, in the order its config lists them (space-separated registry names). */
static int vm_create_devices(struct vm *vm, char *err, size_t errlen)
{
	const char *p = vm->config->devices[0] ? vm->config->devices
					       : default_devices(vm->config->firmware[0]);

	while (*p) {
		char name[32];
		size_t n = 0;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		while (*p && *p != ' ' && *p != '\t' && *p != ',') {
			if (n + 1 < sizeof(name))
				name[n++] = *p;
			p++;
		}
		if (!n)
			break;
		name[n] = 0;
		int rc = vdev_create(vm, name, err, errlen);
		if (rc) {
			char why[160];
			hv_snprintf(why, sizeof(why), "%s", err);
			hv_snprintf(err, errlen, "%s: %s", vm->config->where, why);
			return rc;
		}
	}
	/* A firmware VM starts at IPA 0: something must be there to run (the flash device). */
	if (vm->config->firmware[0] && !mmio_bus_find(&vm->mmio, GUEST_FLASH0_IPA)) {
		hv_snprintf(err, errlen, "%s: firmware needs the flash at IPA 0 (cfi-flash)",
			    vm->config->where);
		return -HV_EINVAL;
	}
	if (!vm->irqchip) {
		hv_snprintf(err, errlen,
			    "%s: vm %s: no interrupt controller among its devices (gicv3, gicv2)",
			    vm->config->where, vm->name);
		return -HV_EINVAL;
	}
	return HV_OK;
}

int vm_map_device(struct vm *vm, u64 ipa, paddr_t pa, u64 size)
{
	return stage2_map(&vm->s2, ipa, pa, size, S2_RW, S2_MEM_DEVICE);
}

static struct vm vm_storage[VM_MAX];
static struct vcpu vcpu_storage[VM_MAX][VM_MAX_VCPUS];

static void *s2_table_alloc(unsigned npages)
{
	return page_alloc_aligned(npages, npages * PAGE_SIZE);
}

static void s2_table_free(void *p, unsigned npages)
{
	page_free(p, npages);
}

static u64 vcpu_mpidr_for(unsigned idx)
{
	/* As KVM: Aff0 holds 16 vCPUs, then Aff1. */
	return ((u64)(idx / 16) << 8) | (idx % 16);
}

int vm_create(const struct vm_config *cfg, unsigned id, const struct guest_bundle *bundle, struct vm **out,
	      char *err, size_t errlen)
{
	struct vm *vm = &vm_storage[id];
	u64 align = cfg->mem_size >= GiB(1) ? GiB(1) : MiB(2);
	int rc;

	if (id >= VM_MAX || cfg->vcpus > VM_MAX_VCPUS) {
		hv_snprintf(err, errlen, "%s: too many VMs or vCPUs", cfg->where);
		return -HV_EINVAL;
	}
	if (cfg->mem_size > VM_RAM_MAX) {
		hv_snprintf(err, errlen, "%s: %llu MiB of RAM, more than a VM can have (%llu MiB)",
			    cfg->where, (unsigned long long)(cfg->mem_size >> 20),
			    (unsigned long long)(VM_RAM_MAX >> 20));
		return -HV_EINVAL;
	}
	memset(vm, 0, sizeof(*vm));
	hv_snprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
	vm->id = id;
	vm->state = VM_POWERED_OFF; /* until vm_start() */
	vm->config = cfg;
	vm->weight = cfg->weight;
	vm->bundle = bundle;
	vm->ram_ipa = GUEST_RAM_IPA;
	vm->ram_size = cfg->mem_size;
	/* A large alignment lets stage 2 use 2 MiB / 1 GiB blocks; fall back to 2 MiB when memory is fragmented. */
	vm->ram_pa = (paddr_t)(uintptr_t)page_alloc_raw(cfg->mem_size / PAGE_SIZE, align);
	if (!vm->ram_pa && align > MiB(2))
		vm->ram_pa = (paddr_t)(uintptr_t)page_alloc_raw(cfg->mem_size / PAGE_SIZE, MiB(2));
	if (!vm->ram_pa) {
		hv_snprintf(err, errlen, "%s: vm %s: cannot allocate %llu MiB of RAM (%llu MiB free)",
			    cfg->where, vm->name, (unsigned long long)(cfg->mem_size >> 20),
			    (unsigned long long)(page_alloc_pool()->free_pages * PAGE_SIZE >> 20));
		return -HV_ENOMEM;
	}

	/* VMID 0 is left unused so that a stale VTTBR never matches a live VM. */
	rc = stage2_init(&vm->s2, stage2_ipa_bits(stage2_parange), (u16)(id + 1), s2_table_alloc,
			 s2_table_free);
	/* No RAM is mapped yet: blocks are scrubbed and mapped as they are first needed (hyparm/vm_ram.h). */
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
			hv_snprintf(err, errlen,
				    "%s: vm %s: physical CPU %u does not exist (the machine has %u)",
				    cfg->where, vm->name, cpu, nr_pcpus);
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
	rc = vm_create_devices(vm, err, errlen);
	if (rc)
		return rc;
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

	vm->reset_phase = RESET_FORGET;
	vm->reset_off = 0;
	/*
	 * Everyone off the CPU: a vCPU in the guest elsewhere is interrupted so
	 * that it notices. Its CPU is interrupted whatever its flags say: one
	 * that picked the vCPU before the state changed may be about to enter
	 * it (running not yet set, need_resched cleared by enter()); the SGI
	 * then waits until that entry and brings it straight back out.
	 */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];
		o->state = VCPU_OFF;
		pcpus[o->pcpu].need_resched =
			true; /* its next exit leaves the fast path (sched_after_exit) */
		arch_smp_mb();
		if (o->pcpu != self)
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

/* Every vCPU stops; CPUs running or holding one of them are interrupted so they notice and unload it. */
static void vm_stop_vcpus(struct vm *vm)
{
	unsigned self = this_pcpu()->id;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		v->state = VCPU_STOPPED;
		pcpus[v->pcpu].need_resched =
			true; /* its next exit leaves the fast path (sched_after_exit) */
		arch_smp_mb();
		if (v->pcpu != self) /* whatever its flags say: see begin_reset() */
			gic_send_wake(v->pcpu);
	}
}

static bool vm_enter_state(struct vm *vm, enum vm_state s)
{
	enum vm_state running = VM_RUNNING;
	/* Two vCPUs may stop or reset the VM at once (SYSTEM_OFF on one, a crash on another): first one wins. */
	return __atomic_compare_exchange_n(&vm->state, &running, s, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* What made the VM's vCPUs exit, summed: the first thing to look at when a guest is slow. */
static void vm_print_exits(struct vm *vm)
{
	char buf[256];
	int n = hv_snprintf(buf, sizeof(buf), "hyparm: vm %s: exits:", vm->name);

	for (unsigned k = 0; k < EXIT_KIND_COUNT && n < (int)sizeof(buf); k++) {
		u64 sum = 0;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			sum += vm->vcpus[i]->exits[k];
		if (sum)
			n += hv_snprintf(buf + n, sizeof(buf) - n, " %s %llu", exit_kind_name(k),
					 (unsigned long long)sum);
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
	monitor_print_stats(vm); /* what the monitor's `stats` shows */
	sched_vm_stopped();
}

void vm_crash(struct vm *vm, const char *fmt, ...)
{
	char why[320];
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

bool vm_start_stopped(struct vm *vm)
{
	enum vm_state s = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);

	if ((s != VM_POWERED_OFF && s != VM_CRASHED) ||
	    !__atomic_compare_exchange_n(&vm->state, &s, VM_RESETTING, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	sched_vm_started();
	hv_printf("hyparm: vm %s: started again\n", vm->name);
	vm->cntvoff = hyp_timer_now();
	begin_reset(vm);
	return true;
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
