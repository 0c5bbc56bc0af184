/*
 * kvm-runner: run one of hyparm's bare-metal guest binaries, or an arm64
 * Linux Image with an initrd, under Linux KVM (arm64), with the same
 * guest-visible machine hyparm builds (include/hyparm/guest_layout.h): RAM,
 * an in-kernel GICv3 (distributor, redistributors), the in-kernel
 * architected timers, PSCI 0.2+ over HVC (handled by KVM) and a PL011
 * (transmit only) served here from
 * KVM_EXIT_MMIO by hyparm's own register model (vdev/vpl011.c).
 *
 *   kvm-runner -k GUEST.bin|Image [-i INITRD] [-c NCPUS] [-m MEGABYTES] [-p "bootargs"]
 *
 * Placement is hyparm's (core/loader.c): a file carrying the arm64 Image
 * header goes at RAM + text_offset and gets image_size bytes; anything else
 * is a raw image at RAM + 512 KiB. The initrd follows the image (page
 * aligned) and the device tree, built by hyparm's generator
 * (core/guest_fdt.c), starts the next 2 MiB block; x0 = its address.
 *
 * Exit status: 0 the guest powered off or reset; 1 anything else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyparm/guest_fdt.h>
#include <hyparm/guest_layout.h>
#include <hyparm/loader.h>
#include <hyparm/mmio.h>
#include <vdev/vpl011.h>

#include "vio.h"

#define MAX_VCPUS 8
_Static_assert(GUEST_GICR_IPA + MAX_VCPUS * GUEST_GICR_STRIDE <= GUEST_UART_IPA,
	       "the redistributors must end below the UART");

#define PHANDLE_CLK 0x8000
#define PHANDLE_GIC 0x8001
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_LEVEL_HIGH 4

/* PSTATE for entry: EL1h (SP_EL1), D, A, I and F masked. */
#define PSTATE_EL1H_DAIF 0x3c5ULL

struct vcpu {
	int fd;
	unsigned idx;
	struct kvm_run *run;
	uint64_t mpidr;
	pthread_t thread;
};

static int kvm_fd = -1, vm_fd = -1;
static size_t run_size;
static struct vcpu vcpus[MAX_VCPUS];
static unsigned nr_vcpus = 1;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char out_buf[4096];
static size_t out_len;
static int out_mid_line; /* the last guest byte written was not '\n' */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void out_flush_locked(void)
{
	size_t off = 0;
	while (off < out_len) {
		ssize_t n = write(STDOUT_FILENO, out_buf + off, out_len - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	if (out_len)
		out_mid_line = out_buf[out_len - 1] != '\n';
	out_len = 0;
}

static void out_flush(void)
{
	pthread_mutex_lock(&out_lock);
	out_flush_locked();
	pthread_mutex_unlock(&out_lock);
}

/* Messages from the runner itself: flush pending guest output first so lines do not interleave. */
static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&out_lock);
	if (out_len || out_mid_line) {
		/* A partial guest line is pending or printed: end it so ours starts on a new line. */
		out_buf[out_len++] = '\n';
		out_flush_locked();
	}
	memcpy(out_buf, line, (size_t)n);
	out_len = (size_t)n;
	out_flush_locked();
	pthread_mutex_unlock(&out_lock);
}

static void die(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	msg("kvm-runner: error: %s\n", line);
	exit(1);
}

static void guest_putc(char c)
{
	pthread_mutex_lock(&out_lock);
	out_buf[out_len++] = c;
	if (c == '\n' || out_len == sizeof(out_buf))
		out_flush_locked();
	pthread_mutex_unlock(&out_lock);
}

/* ---- PL011 ----
 * hyparm's own register model (vdev/vpl011.c, built into this program): the
 * guest sees the same UART under KVM as under hyparm, served here in user
 * space. Its TX interrupt drives the SPI through KVM_IRQ_LINE; nothing is
 * ever received.
 */
static struct vpl011 uart;
static pthread_mutex_t uart_lock = PTHREAD_MUTEX_INITIALIZER;
static int uart_line; /* level last driven on the SPI */

static void uart_tx(void *ctx, u8 c)
{
	(void)ctx;
	guest_putc((char)c);
}

/* Called by the model (uart_lock held) whenever MIS may have changed. */
static void uart_irq(void *ctx, bool level)
{
	(void)ctx;
	if ((int)level == uart_line)
		return;
	/* irq field: type (bits 27:24) SPI, vcpu index (23:16) 0 (unused for SPIs), INTID (15:0). */
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (0 << KVM_ARM_IRQ_VCPU_SHIFT) |
			GUEST_UART_INTID,
		.level = (uint32_t)level,
	};
	if (ioctl(vm_fd, KVM_IRQ_LINE, &irq) < 0)
		die("KVM_IRQ_LINE UART INTID %d level %d: %s", GUEST_UART_INTID, (int)level, strerror(errno));
	uart_line = level;
}

static void uart_setup(void)
{
	vpl011_init(&uart, uart_tx, NULL);
	uart.irq_update = uart_irq;
}

static uint32_t uart_read(uint64_t off, unsigned size)
{
	u64 val = 0;

	pthread_mutex_lock(&uart_lock);
	if (vpl011_mmio_ops.read(&uart, NULL, off, size, &val))
		val = 0;
	pthread_mutex_unlock(&uart_lock);
	return (uint32_t)val;
}

static void uart_write(uint64_t off, unsigned size, uint32_t val)
{
	pthread_mutex_lock(&uart_lock);
	vpl011_mmio_ops.write(&uart, NULL, off, size, val);
	pthread_mutex_unlock(&uart_lock);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	uint64_t addr = r->mmio.phys_addr;
	uint32_t len = r->mmio.len;

	if (len && len <= 8 && vio_owns(addr, len)) {
		vio_mmio(addr, len, r->mmio.is_write, r->mmio.data);
		return;
	}
	if (addr < GUEST_UART_IPA || addr >= GUEST_UART_IPA + GUEST_UART_SIZE || len == 0 || len > 8) {
		die("vCPU %u: unhandled MMIO %s at IPA 0x%llx (%u bytes): no device there", v->idx,
		    r->mmio.is_write ? "write" : "read", (unsigned long long)addr, len);
	}
	uint64_t off = addr - GUEST_UART_IPA;
	if (r->mmio.is_write) {
		uint64_t val = 0;
		memcpy(&val, r->mmio.data, len); /* little-endian host and guest */
		uart_write(off, len, (uint32_t)val);
	} else {
		uint64_t val = uart_read(off, len);
		memset(r->mmio.data, 0, sizeof(r->mmio.data));
		memcpy(r->mmio.data, &val, len);
	}
}

/* A virtio slot's level interrupt (vio.c): an SPI of the in-kernel GIC. */
static void vio_irq(unsigned intid, int level)
{
	struct kvm_irq_level irq = { .irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | intid,
				     .level = (uint32_t)level };
	if (ioctl(vm_fd, KVM_IRQ_LINE, &irq) < 0)
		msg("kvm-runner: KVM_IRQ_LINE INTID %u level %d: %s\n", intid, level, strerror(errno));
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN:
		return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION:
		return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_IO:
		return "KVM_EXIT_IO";
	case KVM_EXIT_HYPERCALL:
		return "KVM_EXIT_HYPERCALL";
	case KVM_EXIT_DEBUG:
		return "KVM_EXIT_DEBUG";
	case KVM_EXIT_HLT:
		return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO:
		return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN:
		return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:
		return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTR:
		return "KVM_EXIT_INTR";
	case KVM_EXIT_INTERNAL_ERROR:
		return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT:
		return "KVM_EXIT_SYSTEM_EVENT";
	case KVM_EXIT_ARM_NISV:
		return "KVM_EXIT_ARM_NISV";
	default:
		return "unknown";
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *r = v->run;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("vCPU %u: KVM_RUN: %s", v->idx, strerror(errno));
		}
		switch (r->exit_reason) {
		case KVM_EXIT_MMIO:
			handle_mmio(v);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			switch (r->system_event.type) {
			case KVM_SYSTEM_EVENT_SHUTDOWN:
				msg("kvm-runner: guest powered off\n");
				exit(0);
			case KVM_SYSTEM_EVENT_RESET:
				msg("kvm-runner: guest requested a reset (PSCI SYSTEM_RESET); stopping\n");
				exit(0);
			default:
				msg("kvm-runner: vCPU %u: system event %u; stopping\n", v->idx,
				    r->system_event.type);
				exit(1);
			}
		case KVM_EXIT_FAIL_ENTRY:
			msg("kvm-runner: vCPU %u: exit KVM_EXIT_FAIL_ENTRY (hw reason 0x%llx)\n", v->idx,
			    (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
			exit(1);
		case KVM_EXIT_ARM_NISV:
			msg("kvm-runner: vCPU %u: exit KVM_EXIT_ARM_NISV (no syndrome) at IPA 0x%llx, "
			    "esr_iss 0x%llx\n",
			    v->idx, (unsigned long long)r->arm_nisv.fault_ipa,
			    (unsigned long long)r->arm_nisv.esr_iss);
			exit(1);
		default:
			msg("kvm-runner: vCPU %u: unexpected exit reason %u (%s)\n", v->idx, r->exit_reason,
			    exit_name(r->exit_reason));
			exit(1);
		}
	}
	return NULL;
}

/* ---- registers ---- */
#define CORE_REG(field) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(field))
#define MPIDR_EL1_REG ARM64_SYS_REG(3, 0, 0, 0, 5)

static void set_reg(int fd, uint64_t id, uint64_t val, const char *what)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
	if (ioctl(fd, KVM_SET_ONE_REG, &reg) < 0)
		die("KVM_SET_ONE_REG %s: %s", what, strerror(errno));
}

static uint64_t get_reg(int fd, uint64_t id, const char *what)
{
	uint64_t val = 0;
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
	if (ioctl(fd, KVM_GET_ONE_REG, &reg) < 0)
		die("KVM_GET_ONE_REG %s: %s", what, strerror(errno));
	return val;
}

/* ---- device tree ---- */
/*
 * hyparm's own generator (core/guest_fdt.c, built into this program too):
 * the guest finds exactly the same device tree under KVM as under hyparm.
 */
static int fdt_build(void *fdt, size_t size, uint64_t ram_size, const char *bootargs, uint64_t initrd_start,
		     uint64_t initrd_end)
{
	uint64_t mpidr[MAX_VCPUS];
	struct guest_fdt_params p = {
		.ram_base = GUEST_RAM_IPA,
		.ram_size = ram_size,
		.nr_vcpus = nr_vcpus,
		.vcpu_mpidr = mpidr,
		.cmdline = bootargs ? bootargs : "",
		.initrd_start = initrd_start,
		.initrd_end = initrd_end,
		.gicd_base = GUEST_GICD_IPA,
		.gicr_base = GUEST_GICR_IPA,
		.uart_base = GUEST_UART_IPA,
		.uart_spi = GUEST_UART_INTID - 32,
		.add_nodes = vio_fdt, /* the virtio devices given with -d and -n */
	};

	for (unsigned i = 0; i < nr_vcpus; i++)
		mpidr[i] = vcpus[i].mpidr;
	return guest_fdt_build(fdt, size, &p) ? -FDT_ERR_NOSPACE : 0;
}

/* ---- setup ---- */
static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -k GUEST.bin|Image [-i INITRD] [-c NCPUS] [-m MEGABYTES] [-p \"bootargs\"]\n"
		"          [-d DISK] [-n IFNAME[,MAC]]\n",
		prog);
	exit(1);
}

static unsigned long parse_num(const char *s, const char *what, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		die("bad %s '%s' (allowed %lu..%lu)", what, s, min, max);
	return v;
}

static void vgic_set_addr(int dev_fd, uint64_t type, uint64_t addr, const char *what)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
		.attr = type,
		.addr = (uint64_t)(uintptr_t)&addr,
	};
	if (ioctl(dev_fd, KVM_SET_DEVICE_ATTR, &attr) < 0)
		die("GICv3 %s address 0x%llx: %s", what, (unsigned long long)addr, strerror(errno));
}

/* Open a file to load; returns its size. */
static int open_input(const char *path, const char *what, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("cannot open %s '%s': %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("stat '%s': %s", path, strerror(errno));
	if (st.st_size <= 0)
		die("%s '%s' is empty", what, path);
	*size = (uint64_t)st.st_size;
	return fd;
}

/* Read all of fd (size bytes, from offset 0) into dst, then close it. */
static void load_input(int fd, const char *path, uint8_t *dst, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, dst + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read '%s': %s", path, n < 0 ? strerror(errno) : "short read");
		done += (uint64_t)n;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	const char *kernel = NULL, *initrd = NULL, *bootargs = "", *disk = NULL, *net = NULL;
	unsigned long mem_mb = 64;
	int opt;

	while ((opt = getopt(argc, argv, "k:i:c:m:p:d:n:h")) != -1) {
		switch (opt) {
		case 'k':
			kernel = optarg;
			break;
		case 'i':
			initrd = optarg;
			break;
		case 'c':
			nr_vcpus = (unsigned)parse_num(optarg, "vCPU count", 1, MAX_VCPUS);
			break;
		case 'm':
			mem_mb = parse_num(optarg, "memory size (MiB)", 2, 3072);
			break;
		case 'p':
			bootargs = optarg;
			break;
		case 'd':
			disk = optarg;
			break;
		case 'n':
			net = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (!kernel || optind != argc)
		usage(argv[0]);

	uint64_t ram_size = (uint64_t)mem_mb << 20;

	/*
	 * Where the images go: hyparm's own placement (core/loader.c), so the
	 * guest finds kernel, initrd and device tree where it does under hyparm:
	 * an arm64 Image at RAM + text_offset (image_size honoured), a raw
	 * binary at RAM + 512 KiB, the initrd after it, the DTB in the next
	 * 2 MiB block.
	 */
	uint64_t img_size, rd_size = 0;
	int img_fd = open_input(kernel, "guest", &img_size), rd_fd = -1;
	uint8_t hdr[64] = { 0 };
	if (pread(img_fd, hdr, img_size < sizeof(hdr) ? img_size : sizeof(hdr), 0) < 0)
		die("read '%s': %s", kernel, strerror(errno));
	if (initrd)
		rd_fd = open_input(initrd, "initrd", &rd_size);
	struct load_plan plan;
	char why[160];
	/* Only the header is looked at: a short buffer is enough when the file is bigger. */
	if (loader_plan(hdr, img_size, rd_size, GUEST_DTB_MAX, ram_size, &plan, why, sizeof(why)))
		die("'%s': %s", kernel, why);
	if (plan.is_linux_image && (hdr[24] & 1))
		die("'%s' is a big-endian kernel (Image flags bit 0)", kernel);
	uint64_t img_off = plan.kernel_off, rd_off = plan.initrd_off, dtb_off = plan.dtb_off;
	int is_linux = plan.is_linux_image;

	/* KVM itself: no fallback. */
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("cannot open /dev/kvm: %s (is KVM initialised in this kernel? check dmesg | grep kvm)",
		    strerror(errno));
	int api = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		die("KVM API version %d, expected %d", api, KVM_API_VERSION);
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2) <= 0)
		die("KVM lacks KVM_CAP_ARM_PSCI_0_2");
	int max_vcpus = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus > 0 && nr_vcpus > (unsigned)max_vcpus)
		die("%u vCPUs requested, KVM allows %d", nr_vcpus, max_vcpus);
	int mmap_sz = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_sz <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	run_size = (size_t)mmap_sz;

	uart_setup();
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0); /* machine type 0: default 40-bit IPA space */
	if (vm_fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));

	/* Guest RAM. */
	uint8_t *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap %lu MiB of guest RAM: %s", mem_mb, strerror(errno));
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.flags = 0,
		.guest_phys_addr = GUEST_RAM_IPA,
		.memory_size = ram_size,
		.userspace_addr = (uint64_t)(uintptr_t)ram,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	/* The virtio devices (vio.c), before the device tree that lists them. */
	vio_init(vio_irq, ram, GUEST_RAM_IPA, ram_size);
	if (disk && vio_add_blk(disk))
		die("-d %s: no virtio-blk", disk);
	if (net) {
		/* IFNAME[,MAC]; without a MAC, hyparm's test pair's first one. */
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x0a };
		char ifname[32];
		const char *comma = strchr(net, ',');
		size_t n = comma ? (size_t)(comma - net) : strlen(net);
		unsigned m[6];
		if (n == 0 || n >= sizeof(ifname))
			die("-n %s: bad interface name", net);
		memcpy(ifname, net, n);
		ifname[n] = 0;
		if (comma) {
			char end;
			if (sscanf(comma + 1, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
				   &end) != 6)
				die("-n %s: MAC must be XX:XX:XX:XX:XX:XX", net);
			for (int i = 0; i < 6; i++) {
				if (m[i] > 255)
					die("-n %s: MAC must be XX:XX:XX:XX:XX:XX", net);
				mac[i] = (uint8_t)m[i];
			}
			if (mac[0] & 1)
				die("-n %s: a group address is not a station MAC", net);
		}
		if (vio_add_net(ifname, mac))
			die("-n %s: no virtio-net", net);
	}

	/* Load the image and the initrd (fresh anonymous memory: the BSS is already zero). */
	load_input(img_fd, kernel, ram + img_off, img_size);
	if (initrd)
		load_input(rd_fd, initrd, ram + rd_off, rd_size);

	/* vCPUs. */
	struct kvm_vcpu_init init;
	memset(&init, 0, sizeof(init));
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		die("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct vcpu *v = &vcpus[i];
		struct kvm_vcpu_init vi = init;

		v->idx = i;
		v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			die("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
		v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mmap kvm_run of vCPU %u: %s", i, strerror(errno));
		memset(vi.features, 0, sizeof(vi.features));
		vi.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
		if (i > 0)
			vi.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF; /* started by PSCI CPU_ON */
		if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &vi) < 0)
			die("KVM_ARM_VCPU_INIT vCPU %u: %s", i, strerror(errno));
		v->mpidr = get_reg(v->fd, MPIDR_EL1_REG, "MPIDR_EL1") & 0xff00ffffffULL;
	}

	/* In-kernel GICv3, after the vCPUs exist. */
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &gic) < 0)
		die("KVM_CREATE_DEVICE GICv3: %s (the host needs a GICv3 with a virtualisation interface)",
		    strerror(errno));
	vgic_set_addr((int)gic.fd, KVM_VGIC_V3_ADDR_TYPE_DIST, GUEST_GICD_IPA, "distributor");
	vgic_set_addr((int)gic.fd, KVM_VGIC_V3_ADDR_TYPE_REDIST, GUEST_GICR_IPA, "redistributor");
	struct kvm_device_attr ctrl = { .group = KVM_DEV_ARM_VGIC_GRP_CTRL,
					.attr = KVM_DEV_ARM_VGIC_CTRL_INIT };
	if (ioctl((int)gic.fd, KVM_SET_DEVICE_ATTR, &ctrl) < 0)
		die("GICv3 KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(errno));

	/* The device tree where loader_plan() put it. */
	int err = fdt_build(ram + dtb_off, GUEST_DTB_MAX, ram_size, bootargs,
			    initrd ? GUEST_RAM_IPA + rd_off : 0,
			    initrd ? GUEST_RAM_IPA + rd_off + rd_size : 0);
	if (err < 0)
		die("device tree: %s", fdt_strerror(err));

	/* Boot vCPU: PC at the image, EL1h with DAIF masked, x0 = DTB. */
	set_reg(vcpus[0].fd, CORE_REG(regs.pc), GUEST_RAM_IPA + plan.entry_off, "pc");
	set_reg(vcpus[0].fd, CORE_REG(regs.pstate), PSTATE_EL1H_DAIF, "pstate");
	set_reg(vcpus[0].fd, CORE_REG(regs.regs[0]), GUEST_RAM_IPA + dtb_off, "x0");
	for (unsigned r = 1; r < 4; r++)
		set_reg(vcpus[0].fd, CORE_REG(regs.regs[r]), 0, "x1-x3");

	msg("kvm-runner: KVM API version %d, VM created, %u vCPUs, in-kernel GICv3\n", api, nr_vcpus);
	msg("kvm-runner: %s %s (%llu bytes) at 0x%llx, %lu MiB RAM at 0x%llx, DTB at 0x%llx (%u bytes)\n",
	    is_linux ? "Linux Image" : "raw guest", kernel, (unsigned long long)img_size,
	    (unsigned long long)(GUEST_RAM_IPA + img_off), mem_mb, (unsigned long long)GUEST_RAM_IPA,
	    (unsigned long long)(GUEST_RAM_IPA + dtb_off), fdt_totalsize(ram + dtb_off));
	if (initrd)
		msg("kvm-runner: initrd %s (%llu bytes) at 0x%llx-0x%llx\n", initrd,
		    (unsigned long long)rd_size, (unsigned long long)(GUEST_RAM_IPA + rd_off),
		    (unsigned long long)(GUEST_RAM_IPA + rd_off + rd_size));

	for (unsigned i = 0; i < nr_vcpus; i++) {
		int e = pthread_create(&vcpus[i].thread, NULL, vcpu_thread, &vcpus[i]);
		if (e)
			die("pthread_create vCPU %u: %s", i, strerror(e));
	}
	/*
	 * The vCPU threads end the process (exit) on power-off, reset or error.
	 * Meanwhile push out partial lines (prompts, progress dots) every 200 ms;
	 * complete lines are written as soon as their newline arrives.
	 */
	for (;;) {
		usleep(200000);
		out_flush();
	}
}
