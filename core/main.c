/*
 * hyparm's boot: from the boot loader's hand-off (boot.S) to the first
 * guest instruction. The boot CPU brings up the MMU, reads the platform
 * from the device tree, takes the RAM, builds every VM from the bundle,
 * starts the other CPUs through the firmware's PSCI, and each CPU then
 * enters its scheduler.
 */
#include <arch/cpu_features.h>
#include <arch/hyp_timer.h>
#include <arch/mmu.h>
#include <arch/stage2.h>
#include <arch/sysreg.h>
#include <arch/sysreg_emul.h>
#include <arch/vcpu_arch.h>
#include <arch/vgic_lr.h>
#include <arch/watchdog.h>
#include <drivers/cfi_flash.h>
#include <drivers/gic.h>
#include <drivers/uart.h>
#include <drivers/platform.h>
#include <drivers/psci_fw.h>
#include <drivers/virtio_host.h>
#include <hyparm/boot.h>
#include <hyparm/bundle.h>
#include <hyparm/console.h>
#include <hyparm/drbg.h>
#include <hyparm/entropy.h>
#include <hyparm/errno.h>
#include <hyparm/manifest.h>
#include <hyparm/mitigations.h>
#include <hyparm/page_alloc.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/smccc.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/spectre.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <hyparm/wallclock.h>
#include <libfdt.h>
#include <string.h>

#ifndef HYPARM_VERSION
#define HYPARM_VERSION "dev"
#endif


extern char __image_start[], __text_end[], __rodata_end[], __image_end[];
extern char el2_vectors[], secondary_entry[], boot_stacks[], emergency_stacks[];

static struct platform plat;
static struct vm_config configs[VMCONF_MAX_VMS];
static struct guest_bundle bundle;
static u64 manifest_copy[KiB(64) / sizeof(u64)];
static struct vm *vms[VM_MAX];

static void halt(void) __attribute__((noreturn));
static void halt(void)
{
	/* Ask the firmware to power off so the run ends; if it cannot, sleep forever. */
	if (psci_fw_conduit() != PSCI_CONDUIT_NONE)
		psci_fw_system_off();
	for (;;)
		wfi();
}

static void panic(const char *what) __attribute__((noreturn));
static void panic(const char *what)
{
	hv_printf("hyparm: PANIC: %s\n", what);
	halt();
}

static const char *cpu_name(u64 midr)
{
	unsigned impl = (midr >> 24) & 0xFF, part = (midr >> 4) & 0xFFF;

	if (impl == 0x41) {
		switch (part) {
		case 0xD03:
			return "Cortex-A53";
		case 0xD04:
			return "Cortex-A35";
		case 0xD05:
			return "Cortex-A55";
		case 0xD07:
			return "Cortex-A57";
		case 0xD08:
			return "Cortex-A72";
		case 0xD09:
			return "Cortex-A73";
		case 0xD0B:
			return "Cortex-A76";
		case 0xD0C:
			return "Neoverse-N1";
		case 0xD40:
			return "Neoverse-V1";
		case 0xD49:
			return "Neoverse-N2";
		}
	}
	if (impl == 0 && part == 0x051)
		return "QEMU max";
	return "unknown";
}

static unsigned parange_bits(unsigned pa)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	return pa < ARRAY_SIZE(bits) ? bits[pa] : 52;
}

static void print_banner(void)
{
	u64 midr = read_sysreg(midr_el1);
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1), mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	u64 isar1 = read_sysreg(id_aa64isar1_el1);
	u64 ram = 0;

	for (unsigned i = 0; i < plat.nr_mem; i++)
		ram += plat.mem[i].size;
	hv_printf("\nhyparm %s: a small hypervisor for ARMv8-A, running at EL2\n", HYPARM_VERSION);
	hv_printf("hyparm: machine: %s\n", plat.model);
	hv_printf("hyparm: CPU: %s (MIDR 0x%08llx), %u CPUs\n", cpu_name(midr), (unsigned long long)midr,
		  plat.nr_cpus);
	hv_printf("hyparm: features:%s%s%s%s%s%s%s\n", ((mmfr1 >> 8) & 0xF) ? " VHE" : " no-VHE",
		  ((pfr0 >> 24) & 0xF) ? " GICv3-sysregs" : "", ((pfr0 >> 32) & 0xF) ? " SVE" : "",
		  ((isar1 >> 4) & 0xFF) ? " PAuth" : "", ((mmfr1 >> 20) & 0xF) ? " PAN" : "",
		  ((pfr0 >> 16) & 0xF) != 0xF ? " FP/SIMD" : "",
		  pfr1_has_mte2(read_sysreg(id_aa64pfr1_el1)) ? " MTE" : "");
	hv_printf("hyparm: PA range: %u bits, guest IPA: %u bits\n", parange_bits(stage2_parange),
		  stage2_ipa_bits(stage2_parange));
	hv_printf("hyparm: RAM: %llu MiB:", (unsigned long long)(ram >> 20));
	for (unsigned i = 0; i < plat.nr_mem; i++)
		hv_printf("%s %llu MiB at 0x%llx", i ? "," : "", (unsigned long long)(plat.mem[i].size >> 20),
			  (unsigned long long)plat.mem[i].base);
	hv_printf("\n");
	hv_printf("hyparm: console: %s at 0x%llx, INTID %u\n", uart_name(),
		  (unsigned long long)plat.uart_base, plat.uart_intid);
	if (plat.gic_version == 2)
		hv_printf("hyparm: GIC: v2, distributor 0x%llx, CPU interface 0x%llx, virtual interface "
			  "control 0x%llx, virtual CPU interface 0x%llx, maintenance INTID %u\n",
			  (unsigned long long)plat.gicd_base, (unsigned long long)plat.gicc_base,
			  (unsigned long long)plat.gich_base, (unsigned long long)plat.gicv_base,
			  plat.gic_maint_intid);
	else
		hv_printf("hyparm: GIC: v%u, distributor 0x%llx, redistributors 0x%llx, maintenance "
			  "INTID %u\n",
			  plat.gic_version, (unsigned long long)plat.gicd_base,
			  (unsigned long long)plat.gicr_base, plat.gic_maint_intid);
}

/*
 * Seed hyparm's generator from everything the machine offers, and wipe the
 * boot loader's seeds from the DTB once they are in (as Linux does with
 * its own): they must not outlive their use in memory anyone could read.
 */
static void entropy_boot(void)
{
	u64 fw[3];
	bool fw_trng, rndr;

	if (plat.rng_seed_len) {
		entropy_add((const void *)(uintptr_t)plat.rng_seed, plat.rng_seed_len, true);
		memzero_explicit((void *)(uintptr_t)plat.rng_seed, plat.rng_seed_len);
	}
	if (plat.kaslr_seed_len) {
		entropy_add((const void *)(uintptr_t)plat.kaslr_seed, plat.kaslr_seed_len, true);
		memzero_explicit((void *)(uintptr_t)plat.kaslr_seed, plat.kaslr_seed_len);
	}
	fw_trng = psci_fw_trng(fw);
	if (fw_trng)
		entropy_add(fw, sizeof(fw), true);
	memzero_explicit(fw, sizeof(fw));
	rndr = entropy_add_cpu();
	hv_printf("hyparm: entropy: DT rng-seed %u bytes, DT kaslr-seed %u bytes, firmware TRNG %s, "
		  "RNDR %s, counter\n",
		  plat.rng_seed_len, plat.kaslr_seed_len, fw_trng ? "yes" : "no", rndr ? "yes" : "no");
	if (!entropy_seeded())
		hv_printf("hyparm: WARNING: no entropy source (no /chosen/rng-seed, no firmware TRNG, no "
			  "RNDR): guests' random seeds come from the counter alone and can be guessed\n");
}

/*
 * hyparm's own mappings, once every boot-time mapping is made: W^X and the
 * stack guard pages hold (arch/mmu.h), and the CPU enforces WXN itself.
 */
static void check_el2_mappings(const struct image_layout *img)
{
	static char why[160];
	u64 bad;
	const char *what = mmu_audit(img, &bad);

	if (!what && !mmu_wxn_enabled())
		what = "SCTLR_EL2.WXN is clear";
	if (what) {
		hv_snprintf(why, sizeof(why), "EL2 mappings: %s (at 0x%llx)", what, (unsigned long long)bad);
		panic(why);
	}
	hv_printf("hyparm: EL2 mappings: W^X checked (code RX, rodata R, data RW-XN, WXN on), "
		  "stack guard pages below %u CPU stacks\n",
		  MAX_PCPUS);
}

#ifdef HYPARM_TEST_STACK_OVERFLOW
/*
 * Only in the test build (tests/integration/run.py, stack_overflow_hits_the_guard_page):
 * recurse until the stack runs into its guard page.
 */
static volatile unsigned test_overflow_limit = ~0u; /* never reached: only the guard page stops it */

static unsigned __attribute__((noinline)) test_stack_overflow(unsigned depth)
{
	volatile u8 frame[512];

	if (depth == test_overflow_limit)
		return 0;
	frame[0] = (u8)depth;
	if (depth == 0)
		hv_printf("hyparm: test build: overflowing CPU 0's stack on purpose\n");
	return test_stack_overflow(depth + 1) + frame[0];
}
#endif

/* The RAM hyparm may hand out: all of /memory minus what is in use at boot. */
static void memory_init(paddr_t dtb, u64 dtb_size)
{
	/* The banks' bitmaps sit right after hyparm's image, one after the other (part of what hyparm uses). */
	paddr_t bitmap = ALIGN_UP((u64)(uintptr_t)__image_end, PAGE_SIZE), next = bitmap;

	for (unsigned i = 0; i < plat.nr_mem; i++)
		mmu_map(plat.mem[i].base, plat.mem[i].size, EL2_RAM);
	for (unsigned i = 0; i < plat.nr_mem; i++) {
		u64 npages = plat.mem[i].size / PAGE_SIZE;

		if (!page_alloc_add_bank(plat.mem[i].base, npages, (u64 *)(uintptr_t)next))
			break;
		next += ALIGN_UP(page_pool_bitmap_bytes(npages), 8);
	}
	page_alloc_reserve((u64)(uintptr_t)__image_start, next - (u64)(uintptr_t)__image_start);
	page_alloc_reserve(dtb, dtb_size);
	if (plat.initrd_end)
		page_alloc_reserve(plat.initrd_start, plat.initrd_end - plat.initrd_start);
	for (unsigned i = 0; i < plat.nr_reserved; i++)
		page_alloc_reserve(plat.reserved[i].base, plat.reserved[i].size);
}

/*
 * The physical GIC and the list-register backend, both chosen by the
 * device tree's GIC node: a GICv3 gives guests a virtual GICv3, a GICv2
 * with the virtualization extension (GICH, GICV) a virtual GICv2.
 */
static void gic_init_from_dt(void)
{
	struct vgic_hw hw = {
		.version = plat.gic_version,
		/* PPI 9, what the GIC node names on QEMU's virt and the SBSA recommends, if it names none. */
		.maint_intid = plat.gic_maint_intid ? plat.gic_maint_intid : 25,
		.gich_base = plat.gich_base,
		.gicv_base = plat.gic_version == 2 ? gicv2_cpuif_frame(plat.gicv_base, plat.gicv_size) : 0,
		.gicv_size = plat.gicv_size,
	};

	plat.gic_maint_intid = hw.maint_intid;
	if (!plat.gic_version)
		panic("no interrupt controller in the device tree (arm,gic-v3, arm,cortex-a15-gic or "
		      "arm,gic-400)");
	if (gic_probe(&plat))
		panic("the device tree's GIC node lacks the frames hyparm needs (GICv3: distributor "
		      "and redistributors; GICv2: GICD and an 8 KiB GICC)");
	if (arch_vgic_backend_select(&hw))
		panic("this GICv2 has no virtualization extension (GICH and GICV frames): guests "
		      "cannot have a virtual GIC (QEMU: -M virt,virtualization=on)");
	if (hw.gicv_base != plat.gicv_base)
		hv_printf("hyparm: GICv2: CPU interface pages 64 KiB apart (aliased): the 8 KiB frames at "
			  "GICC 0x%llx, GICV 0x%llx\n",
			  (unsigned long long)gicv2_cpuif_frame(plat.gicc_base, plat.gicc_size),
			  (unsigned long long)hw.gicv_base);
	hv_printf("hyparm: vGIC: %s\n", arch_vgic_backend()->name);
}

static void cpu_init_common(unsigned id)
{
	struct pcpu *p = &pcpus[id];

	p->id = id;
	p->stack_top = (u64)(uintptr_t)boot_stacks + (u64)(id + 1) * PCPU_STACK_SLOT;
	p->emergency_top = (u64)(uintptr_t)emergency_stacks + (u64)(id + 1) * PCPU_EMERGENCY_STACK_SIZE;
	write_sysreg(tpidr_el2, (u64)(uintptr_t)p);
	write_sysreg(vbar_el2, (u64)(uintptr_t)mitigations_cpu_init(id));
	isb();
	arch_cpu_init_traps(stage2_parange);
	if (gic_cpu_init(p->mpidr))
		hv_printf("hyparm: CPU %u: no GIC redistributor for MPIDR 0x%llx\n", id,
			  (unsigned long long)p->mpidr);
	if (arch_vgic_backend())
		arch_vgic_backend()->cpu_init();
	watchdog_set_cpuif(gic_fiq_cpuif());
	if (gic_ppi_make_fiq(WATCHDOG_INTID, WATCHDOG_PRIO))
		watchdog_cpu_init();
	else if (id == 0)
		hv_printf("hyparm: watchdog: off (the %s driver gives hyparm no FIQ)\n", gic_name());
}

void secondary_main(unsigned id)
{
	mmu_enable_secondary();
	cpu_init_common(id);
	__atomic_store_n(&pcpus[id].online, true, __ATOMIC_RELEASE);
	sched_start();
}

static void start_secondaries(void)
{
	for (unsigned i = 1; i < nr_pcpus; i++) {
		s64 rc = psci_fw_cpu_on(pcpus[i].mpidr, (paddr_t)(uintptr_t)secondary_entry, i);
		if (rc) {
			hv_printf("hyparm: CPU %u (MPIDR 0x%llx) did not start: PSCI error %lld\n", i,
				  (unsigned long long)pcpus[i].mpidr, (long long)rc);
			continue;
		}
		while (!__atomic_load_n(&pcpus[i].online, __ATOMIC_ACQUIRE))
			;
	}
}

/* The manifest's files are the bundle's. */
static int bundle_file(void *ctx, const char *name, const void **data, u64 *size)
{
	const struct guest_bundle *b = ctx;

	return bundle_find(b->base, b->size, name, data, size) ? -HV_ENOENT : HV_OK;
}

static unsigned create_vms(void)
{
	static char err[256];
	const void *manifest;
	u64 manifest_size;
	unsigned count = 0;

	if (!plat.initrd_end)
		panic("no guest bundle: boot hyparm with the guests' bundle as initrd "
		      "(tools/hyparm-run does this; with QEMU: -initrd bundle.cpio; with U-Boot: "
		      "fdt set /chosen hyparm,bundle <addr size>, docs/boards.md)");
	bool in_ram = false;
	for (unsigned i = 0; i < plat.nr_mem; i++)
		in_ram |= plat.initrd_start >= plat.mem[i].base &&
			plat.initrd_end <= plat.mem[i].base + plat.mem[i].size;
	if (!in_ram) {
		hv_snprintf(err, sizeof(err), "the guest bundle at 0x%llx..0x%llx is not in RAM (/memory)",
			    (unsigned long long)plat.initrd_start, (unsigned long long)plat.initrd_end);
		panic(err);
	}
	bundle.base = (const void *)(uintptr_t)plat.initrd_start;
	bundle.size = plat.initrd_end - plat.initrd_start;
	if (bundle_check(bundle.base, bundle.size, err, sizeof(err)))
		panic(err);
	if (bundle_find(bundle.base, bundle.size, MANIFEST_NAME, &manifest, &manifest_size))
		panic("the guest bundle has no " MANIFEST_NAME
		      " (tools/hyparm-run --manifest FILE.dts makes it)");
	/* libfdt wants the blob 8-byte aligned; a cpio entry is only 4-byte aligned. */
	if (manifest_size > sizeof(manifest_copy))
		panic(MANIFEST_NAME " is larger than 64 KiB");
	memcpy(manifest_copy, manifest, manifest_size);
	/* The launcher checked all this already; hyparm checks again, against the machine it has. */
	struct manifest_env env = {
		.nr_pcpus = nr_pcpus,
		.ram_bytes = page_alloc_free_bytes(),
		.find = bundle_file,
		.find_ctx = &bundle,
		.files_where = "in the bundle",
	};
	if (manifest_parse(manifest_copy, manifest_size, &env, configs, VMCONF_MAX_VMS, &count, err,
			   sizeof(err)))
		panic(err);
	/*
	 * Creation times in the physical counter (tools/bench.py's scale rows):
	 * emulated time under -icount, never the host's arrival time of a line.
	 */
	static u64 create_t0[VMCONF_MAX_VMS], create_t1[VMCONF_MAX_VMS];
	u64 created_from = hyp_timer_now();
	for (unsigned i = 0; i < count; i++) {
		struct vm *vm;
		create_t0[i] = hyp_timer_now();
		if (vm_create(&configs[i], i, &bundle, &vm, err, sizeof(err)))
			panic(err);
		create_t1[i] = hyp_timer_now();
		/* What hyparm itself spends on the VM (benchmarks report it): its structures, SVE save areas, stage-2 tables. */
		u64 own = sizeof(struct vm) +
			vm->nr_vcpus *
				(sizeof(struct vcpu) +
				 (arch_vcpu_state_bytes() + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE) +
			vm->s2.table_pages * PAGE_SIZE;
		hv_printf("hyparm: vm %s: %u vCPU%s, %llu MiB RAM at PA 0x%llx%s, VMID %u, entry 0x%llx, "
			  "stage-2 tables %llu KiB, hyparm state %llu KiB\n",
			  vm->name, vm->nr_vcpus, vm->nr_vcpus > 1 ? "s" : "",
			  (unsigned long long)(vm->ram_size >> 20), (unsigned long long)vm->ram_pa,
			  vm->ram_ipa == vm->ram_pa ? " (identity-mapped)" : "", vm->s2.vmid,
			  (unsigned long long)vm->entry_ipa,
			  (unsigned long long)(vm->s2.table_pages * PAGE_SIZE >> 10),
			  (unsigned long long)((own + 1023) >> 10));
	}
	sched_set_vm_count(count);
	for (unsigned i = 0; i < count; i++) {
		vms[i] = vm_by_id(i);
		vm_start(vms[i]);
	}
	u64 started = hyp_timer_now();
	/* vm_start set each VM's CNTVOFF (its virtual counter's 0): its own CNTVCT readings convert to ours. */
	for (unsigned i = 0; i < count; i++)
		hv_printf("hyparm: vm %s: timing: create %llu..%llu, cntvoff %llu\n", vms[i]->name,
			  (unsigned long long)create_t0[i], (unsigned long long)create_t1[i],
			  (unsigned long long)vms[i]->cntvoff);
	hv_printf("hyparm: timing: %u VMs created and started, counter %llu..%llu, %llu Hz\n", count,
		  (unsigned long long)created_from, (unsigned long long)started,
		  (unsigned long long)hyp_timer_freq());
	if (plat.uart_intid) {
		console_input_init(plat.uart_intid, vms, count);
		uart_enable_rx_irq();
		gic_spi_enable(plat.uart_intid, pcpus[0].mpidr);
	}
	return count;
}

static u32 be32_at(const void *p)
{
	const u8 *b = p;
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

void boot_main(void *dtb, paddr_t load_addr)
{
	struct image_layout img = {
		(u64)(uintptr_t)__image_start, (u64)(uintptr_t)__text_end,  (u64)(uintptr_t)__rodata_end,
		(u64)(uintptr_t)__image_end,   (u64)(uintptr_t)boot_stacks,
	};
	static char err[160];
	u64 dtb_size = be32_at((u8 *)dtb + 4); /* fdt totalsize, read before libfdt can be trusted */

	mmu_init(&img, (paddr_t)(uintptr_t)dtb, dtb_size);
	write_sysreg(vbar_el2, (u64)(uintptr_t)el2_vectors);
	isb();
	if (platform_from_fdt(dtb, &plat, err, sizeof(err))) {
		halt(); /* no console known: nothing can be printed */
	}
	if (plat.uart_base) {
		mmu_map(plat.uart_base, PAGE_SIZE, EL2_DEVICE);
		uart_init(plat.uart_type, plat.uart_base);
	}
	virtio_host_platform(&plat);
	console_enable_locking();
	psci_fw_init(plat.psci_method);
	stage2_parange = MMFR0_PARANGE(read_sysreg(id_aa64mmfr0_el1));
	id_regs_set_ipa_parange(stage2_ipa_bits(stage2_parange) == 40 ? 2 : stage2_parange);
	id_regs_init();
	cpu_features_init();
	{
		struct spectre_cpu sc = { 0 };
		spectre_cpu_read(&sc);
		smccc_arch_init(&sc); /* the firmware was asked above (psci_fw_init) */
	}
	print_banner();
	entropy_boot();

	nr_pcpus = plat.nr_cpus;
	for (unsigned i = 0; i < nr_pcpus; i++)
		pcpus[i].mpidr = plat.cpu_mpidr[i] & 0xFF00FFFFFFULL;
	gic_init_from_dt();
	cpu_init_common(0);
	pcpus[0].online = true;
	/* The guests' RTCs and KVM's PTP hypercall tell the time from this; without an RTC it starts at the epoch. */
	if (plat.rtc_base && !mmu_map(plat.rtc_base, PAGE_SIZE, EL2_DEVICE) &&
	    rtc_init(plat.rtc_type, plat.rtc_base))
		hv_printf("hyparm: RTC: %s at 0x%llx, %llu s since the epoch\n", rtc_name(plat.rtc_type),
			  (unsigned long long)plat.rtc_base,
			  (unsigned long long)(wallclock_ns() / 1000000000ULL));
	else
		hv_printf("hyparm: RTC: none found: guests' clocks start at the epoch\n");
	/* Where one VM's firmware variables may outlive the run (manifest flash-vars = "board"). */
	if (plat.flash_vars_base && cfi_flash_init(plat.flash_vars_base, plat.flash_vars_size))
		hv_printf("hyparm: flash: %llu MiB at 0x%llx for a VM's firmware variables\n",
			  (unsigned long long)(plat.flash_vars_size >> 20),
			  (unsigned long long)plat.flash_vars_base);
	sched_init();
	sysreg_hooks_init();
	if (smccc_services_init())
		panic("more SMCCC services for one owner than smccc.c indexes");
	memory_init((paddr_t)(uintptr_t)dtb, dtb_size);
	check_el2_mappings(&img);
#ifdef HYPARM_TEST_STACK_OVERFLOW
	test_stack_overflow(0);
#endif
	hv_printf("hyparm: loaded at 0x%llx, %llu KiB, %llu MiB free for guests\n",
		  (unsigned long long)load_addr, (unsigned long long)((img.end - img.start) >> 10),
		  (unsigned long long)(page_alloc_free_bytes() >> 20));
	if (psci_fw_conduit() == PSCI_CONDUIT_NONE && nr_pcpus > 1) {
		hv_printf("hyparm: no PSCI firmware: running on CPU 0 only\n");
		nr_pcpus = 1;
	}
	create_vms();
	start_secondaries();
	sched_start();
}

/*
 * Entered at EL1 or EL3 instead of EL2: say so on the UART the device
 * tree names (MMU still off; libfdt only reads aligned words here) and
 * power off through the firmware if it can.
 */
void boot_wrong_el(void *dtb, paddr_t load_addr, unsigned el)
{
	static char err[160];

	if (platform_from_fdt(dtb, &plat, err, sizeof(err)) == HV_OK && plat.uart_base)
		uart_init(plat.uart_type, plat.uart_base);
	hv_printf("\nhyparm: PANIC: entered at EL%u, but hyparm must be started at EL2 "
		  "(with QEMU: -M virt,virtualization=on)\n",
		  el);
	/* From EL1 the firmware's PSCI is reached with the DT's method; at EL3 there is none to call. */
	if (el == 1) {
		psci_fw_init(plat.psci_method);
		halt();
	}
	for (;;)
		wfi();
}
