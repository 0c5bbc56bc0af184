"""Boot hyparm in QEMU with the VMs it is given (used by tools/hyparm-run,
the integration tests and the benchmarks, so everyone starts hyparm the
same way).

A run compiles the VM manifest (the user's .dts, or one made from the
kvmtool-style options; tools/manifest.py), checks it as hyparm will, and
writes it with the images into a cpio "newc" bundle that QEMU loads as the
initrd; hyparm reads it at boot. QEMU runs on a pseudo-terminal
driven with pexpect (Debian's python3-pexpect), so scripted input is typed
as a person would. The run never hangs: a time limit kills QEMU. Its status
says how it ended (see STATUS_*).
"""
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

import pexpect

import manifest as mf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STATUS_OK = 0        # every VM powered off cleanly and QEMU exited
STATUS_VM_FAILED = 1  # a VM was stopped by hyparm (crash, exception loop)
STATUS_TIMEOUT = 2   # the time limit ended the run
STATUS_HYP_FAILED = 3  # hyparm panicked, faulted or its watchdog caught a stuck CPU
STATUS_USAGE = 4     # bad options or missing files

# hyparm's lines about a VM's life: how it ended, and what its restart policy did about it.
VM_LINE = re.compile(r"^hyparm: vm (\S+): (powered off|reset|stopped: .*|restarting .*|started again|"
                     r"\d+ stops within \d+ s: a restart loop, it stays down)$")
_VM_STATE = (("powered off", "off"), ("reset", "reset"), ("stopped: ", "stopped"), ("restarting ", "restarted"),
             ("started again", "started"))


class UsageError(Exception):
    pass


class VM:
    """One VM, with the options `lkvm run` users know."""

    def __init__(self, kernel, name=None, initrd=None, params="", cpus=1, mem=64, pcpus=None, dtb=None,
                 bios=None, flash_vars=None, devices=None, restart=None, disks=None, no_mte=False, vsock=None,
                 network=None, passthrough=None, identity_mapped=False, ivshmem=None):
        self.kernel, self.name, self.initrd, self.params = kernel, name, initrd, params
        self.cpus, self.mem, self.pcpus, self.dtb = cpus, mem, pcpus, dtb
        self.bios = bios  # firmware (QEMU's -bios): booted from flash instead of a kernel
        self.flash_vars = flash_vars  # host file holding its flash variables bank (QEMU's pflash1)
        self.devices = devices  # a list of registry names (the manifest's devices), None: hyparm's default
        self.restart = restart  # the manifest's restart policy: "never", "on-crash", "always"
        self.disks = disks or []  # [(host file, read-only)]: -d FILE[,ro], one virtio-blk each
        self.no_mte = no_mte  # the manifest's no-mte: MTE stays hidden even where the machine has it
        self.vsock = vsock  # --vsock [CID]: a virtio-vsock device, "auto" (CID 3 + VM index) or its CID
        # --network [mac=MAC]: None (no interface), "" (MAC from the VM's name) or the MAC
        self.network = network
        self.passthrough = passthrough or []  # [(QEMU device, file or None)]: --passthrough, one node each
        self.identity_mapped = identity_mapped  # --identity-mapped (implied by --passthrough)
        # --ivshmem REGION[,size=N]: [(region, size as written or None for the default 1M)]
        self.ivshmem = ivshmem or []


class Result:
    def __init__(self):
        self.status = None
        self.why = ""
        self.lines = []
        self.vm_states = {}  # name: its last state (off, stopped, reset, restarted, started), in order seen
        self.vm_crashes = {}  # name: times hyparm stopped it
        self.vm_restarts = {}  # name: times its restart policy started it again
        self.vm_loops = set()  # names whose restart policy gave up (a restart loop)
        self.elapsed = 0.0

    def vm_lines(self, name):
        prefix = "[%s] " % name
        return [l[len(prefix):] for l in self.lines if l.startswith(prefix)]

    def tail(self, n=15):
        return "\n".join(self.lines[-n:])


def _check_file(path, what):
    if not path or not os.path.isfile(path):
        raise UsageError("%s '%s' does not exist" % (what, path))


def manifest_source(vms, manifest, workdir, origins=None):
    """The manifest's .dts: the user's, or one written into workdir from the VM options (origins:
    filled with the option behind each of its lines, see manifest.generate)."""
    if manifest:
        if vms:
            raise UsageError("give either --manifest or VM options (-k ...), not both")
        _check_file(manifest, "manifest")
        return manifest
    if not vms:
        raise UsageError("no VM given (use -k KERNEL, or --manifest FILE.dts)")
    path = os.path.join(workdir, "options.dts")
    with open(path, "w") as f:
        f.write(mf.generate(vms, origins))
    return path


# hyparm reports most problems of a VM at its node: what a message is about says which of the
# VM's options made the property that is really at fault.
_TOPIC_OPTION = ((r"of RAM|memory", "-m"), (r"physical CPU|affinity", "--pcpus"), (r"vCPUs|vcpus", "-c"),
                 (r"kernel", "-k"), (r"initrd", "-i"), (r"dtb|device tree", "--dtb"))

FLASH_BANK_SIZE = 64 << 20  # QEMU virt's pflash1: a file backing it must be exactly this size


def flash_vars_args(vms, create=True):
    """QEMU's options for the VM whose flash variables live in a host file (at most one: the
    machine has one pflash1). A missing file is created erased (0xFF), as new flash is
    (create=False: a dry run, which writes nothing)."""
    files = [vm.flash_vars for vm in vms if vm.flash_vars]
    if not files:
        return []
    if len(files) > 1:
        raise UsageError("--flash-vars: only one VM can keep its variables in the machine's flash")
    path = files[0]
    if not os.path.exists(path):
        if not create:
            return ["-drive", "if=pflash,unit=1,format=raw,file=%s" % path]
        with open(path, "wb") as f:
            f.write(b"\xff" * FLASH_BANK_SIZE)
    if os.path.getsize(path) != FLASH_BANK_SIZE:
        raise UsageError("--flash-vars %s: must be %d bytes (QEMU's flash bank)" % (path, FLASH_BANK_SIZE))
    return ["-drive", "if=pflash,unit=1,format=raw,file=%s" % path]




def parse_disk(opt):
    """kvmtool's -d FILE[,ro] -> (FILE, read-only)."""
    path, _, flags = opt.partition(",")
    if flags not in ("", "ro"):
        raise UsageError("-d %s: the only option after the file is ',ro'" % opt)
    return path, flags == "ro"


def parse_ivshmem(opt):
    """--ivshmem REGION[,size=N] -> (REGION, N as given or None: hyparm's default, 1M). The size is
    bytes or a number with K, M or G; hyparm checks it is a power of two from 4K to 256M."""
    region, _, rest = opt.partition(",")
    if not re.match(r"^[A-Za-z0-9_.-]{1,31}$", region):
        raise UsageError("--ivshmem %s: REGION is 1..31 letters, digits, '_', '-' or '.'" % opt)
    if not rest:
        return region, None
    key, _, value = rest.partition("=")
    if key != "size" or not re.match(r"^(0x[0-9a-fA-F]+|[0-9]+[KMG]?)$", value):
        raise UsageError("--ivshmem %s: the only option is size=N (bytes, or with K, M, G)" % opt)
    return region, value


def parse_network(opt):
    """--network [mac=MAC] -> the MAC ("" : hyparm derives it from the VM's name)."""
    if not opt:
        return ""
    key, _, value = opt.partition("=")
    if key != "mac" or not re.match(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$", value):
        raise UsageError("--network %s: the only option is mac=XX:XX:XX:XX:XX:XX" % opt)
    return value


def disk_args(manifest_path):
    """QEMU's options for the manifest's disk files: each one a virtio-blk-device, in the order
    hyparm numbers them (QEMU gives the first -device the highest virtio-mmio slot, which
    drivers/virtio_host.c looks at first). Modern transports: hyparm drives virtio 1.x only."""
    text = mf.annotate(manifest_path)
    files = mf.disk_files(text, os.path.dirname(os.path.abspath(manifest_path)))
    if not files:
        return []
    args = ["-global", "virtio-mmio.force-legacy=false"]
    for n, (value, host, ro) in enumerate(files):
        if not os.path.isfile(host):
            raise UsageError("disk file %s not found (file = \"%s\")" % (host, value))
        args += ["-drive", "file=%s,if=none,format=raw,id=hd%d%s" % (host, n, ",readonly=on" if ro else ""),
                 "-device", "virtio-blk-device,drive=hd%d" % n]
    return args


def net_args(manifest_path, have_global=False):
    """QEMU's options for the switch's uplink when a VM has a network interface (a virtio-net
    node, or "virtio-net" in its devices): QEMU's virtio-net-device on its user-mode network
    (the host is 10.0.2.2 to the guests), modern like the disks."""
    text = mf.annotate(manifest_path)
    if "hyparm,virtio-net" not in text and '"virtio-net"' not in text:
        return []
    return ([] if have_global else ["-global", "virtio-mmio.force-legacy=false"]) + \
        ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"]


def passthrough_args(manifest_path, have_global=False):
    """QEMU's options for the manifest's passthrough nodes that name a qemu-device: that device
    on the virtio-mmio transport at host-address (bus virtio-mmio-bus.N is the transport at
    0x0a000000 + N * 0x200), with its file as a raw drive when it has one."""
    text = mf.annotate(manifest_path)
    devs = mf.passthrough_devices(text, os.path.dirname(os.path.abspath(manifest_path)))
    args = [] if have_global or not devs else ["-global", "virtio-mmio.force-legacy=false"]
    for n, (path, addr, qdev, host) in enumerate(devs):
        slot = None if addr is None else (addr - mf.PASSTHROUGH_BASE) // mf.VIRTIO_SLOT
        if slot is None or addr % mf.VIRTIO_SLOT or not 0 <= slot < mf.VIRTIO_SLOTS:
            raise UsageError("%s: host-address must be a virtio-mmio transport of QEMU's virt "
                             "(0x0a000000 + N * 0x200, N < 32) to attach %s there" % (path, qdev))
        if not re.match(r"^[\w-]+$", qdev):
            raise UsageError("%s: qemu-device = \"%s\": a QEMU device name, without options" % (path, qdev))
        dev = "%s,bus=virtio-mmio-bus.%d" % (qdev, slot)
        if host:
            if not os.path.isfile(host):
                raise UsageError("%s: file %s not found" % (path, host))
            args += ["-drive", "file=%s,if=none,format=raw,id=pt%d" % (host, n)]
            dev += ",drive=pt%d" % n
        args += ["-device", dev]
    return args


def parse_passthrough(opt):
    """--passthrough QEMU-DEVICE[,file=FILE] -> (device, file or None)."""
    qdev, _, rest = opt.partition(",")
    if not re.match(r"^virtio-[\w-]+-device$", qdev):
        raise UsageError("--passthrough %s: a QEMU virtio-mmio device such as virtio-blk-device "
                         "or virtio-rng-device" % opt)
    path = None
    if rest:
        key, _, path = rest.partition("=")
        if key != "file" or not path:
            raise UsageError("--passthrough %s: the only option is file=FILE" % opt)
        _check_file(path, "--passthrough file")
    return qdev, path


def explain_config_error(text, origins, ram=None):
    """An error about a line of the manifest the launcher generated from the options, told in the
    user's own terms: "options.dts:12: /vms/b: ..." becomes "VM b (--vm #2: -k foo.bin), --pcpus 5:
    ..." (the option that made that line). A VM that does not fit in the machine's RAM also
    learns which option gives the machine more."""
    m = re.search(r"(?:\S*/)?options\.dts:(\d+):(?: /vms/\S+:)? ", text)
    out = text
    if m and origins:
        line = int(m.group(1))
        where = origins.get(line, "the VM options (generated manifest line %d)" % line)
        if ", " not in where:  # the VM's node: find the option the message is about
            for pattern, opt in _TOPIC_OPTION:
                if re.search(pattern, text[m.end():]):
                    found = [w for w in origins.values() if w.startswith("%s, %s " % (where, opt))]
                    where = found[0] if found else where
                    break
        out = text[:m.start()] + where + ": " + text[m.end():]
    if ram and re.search(r"cannot allocate .* of RAM|more than the .* the machine has", out) and "--ram" not in out:
        out += "; the machine has %d MiB: use --ram MiB to give it more" % ram
    return out


def prepare_bundle(vms, workdir, manifest=None, pcpus_total=2, ram=1024, checked=True, origins=None):
    """Check the manifest (hyparm's own checks, for this machine) and lay out the bundle's
    files in workdir/files (manifest.dtb and a link per image). Returns (dts, VMs, files)."""
    origins = {} if origins is None else origins
    dts = manifest_source(vms, manifest, workdir, origins)
    try:
        found, files = mf.prepare(dts, workdir, pcpus_total, ram, checked)
    except mf.ManifestError as e:
        why = str(e)
        if not manifest:
            why = explain_config_error(why.replace(os.path.join(workdir, ""), ""), origins, ram)
        raise UsageError(why)
    return dts, found, files


# Where each file's data starts in the bundle: hyparm copies an image into guest RAM (page
# aligned) word by word only when the source is word aligned too, byte by byte otherwise.
BUNDLE_DATA_ALIGN = 8


def write_newc(out, files):
    """A cpio "newc" archive of files ([(name in the archive, host path)]) on out, each file's
    data at a multiple of BUNDLE_DATA_ALIGN: the name is padded with NULs to get there (newc
    counts them in the name's size; readers stop at the first NUL)."""
    off = 0

    def entry(name, size, ino, mode, align):
        nonlocal off
        raw = name.encode() + b"\0"
        namesize = len(raw)
        if align:
            namesize = -(-(off + 110 + namesize) // align) * align - off - 110
        fields = (ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, namesize, 0)
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        blob = hdr + raw + b"\0" * (namesize - len(raw))
        blob += b"\0" * (-(off + len(blob)) % 4)
        out.write(blob)
        off += len(blob)

    for ino, (name, path) in enumerate(files, 1):
        size = os.path.getsize(path)
        entry(name, size, ino, 0o100644, BUNDLE_DATA_ALIGN)
        with open(path, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)
        off += size
        out.write(b"\0" * (-off % 4))
        off += -off % 4
    entry("TRAILER!!!", 0, 0, 0, 0)


def write_bundle(vms, workdir, manifest=None, pcpus_total=2, ram=1024, checked=True, origins=None):
    """Check the manifest and write it with its images into workdir/bundle.cpio; return its path."""
    _, _, files = prepare_bundle(vms, workdir, manifest, pcpus_total, ram, checked, origins)
    names = []
    for root, _, fnames in os.walk(files):
        names += [os.path.relpath(os.path.join(root, n), files) for n in fnames]
    bundle = os.path.join(workdir, "bundle.cpio")
    with open(bundle, "wb") as out:
        # The images are symbolic links to the user's files: each is read once, never copied.
        write_newc(out, [(n, os.path.join(files, n)) for n in sorted(names)])
    return bundle


class Board:
    """A machine QEMU emulates for hyparm: everything hyparm learns about it comes from the device
    tree QEMU hands it (generated for virt, the board's own DTB for the others)."""

    def __init__(self, name, machine, pcpus, ram, max_pcpus, max_ram, dtb=None, cpu_model=None,
                 extra=(), why_cpus="QEMU's limit", why_ram=""):
        self.name, self.machine, self.pcpus, self.ram = name, machine, pcpus, ram
        self.max_pcpus, self.max_ram, self.dtb, self.cpu_model = max_pcpus, max_ram, dtb, cpu_model
        self.extra, self.why_cpus, self.why_ram = list(extra), why_cpus, why_ram


DEPS_DTBS = os.path.join(REPO, "deps", "linux", "dtbs")
BOARDS = {
    # QEMU's virt: GICv3 or GICv2 (gic), any -cpu, the DTB QEMU generates.
    "virt": Board("virt", "virt,gic-version={gic},virtualization=on", pcpus=2, ram=1024, max_pcpus=8,
                  max_ram=None, why_cpus="hyparm runs on up to 8, MAX_PCPUS"),
    # Xilinx ZCU102 (ZynqMP): 4 Cortex-A53s, a GIC-400 (GICv2), Cadence UARTs, Debian's DTB for it
    # (scripts/fetch-linux.sh). That DTB lists all four CPUs: hyparm starts each, so -smp must be 4.
    # QEMU rewrites its /memory as one range from 0 of -m's size, which is only true up to the
    # 2 GiB of the low bank (above it the board's RAM continues at 32 GiB, not at 2 GiB).
    "zcu102": Board("zcu102", "xlnx-zcu102,virtualization=on", pcpus=4, ram=2048, max_pcpus=4, max_ram=2048,
                    dtb=os.path.join(DEPS_DTBS, "xilinx", "zynqmp-zcu102-rev1.0.dtb"), cpu_model="cortex-a53",
                    # The board's DisplayPort has an audio device: no sound on the host.
                    extra=["-audiodev", "none,id=snd0"],
                    why_cpus="its DTB lists 4 and hyparm starts each",
                    why_ram="QEMU describes only the low 2 GiB bank right: docs/boards.md"),
}


def board_of(name):
    if name not in BOARDS:
        raise UsageError("unknown board '%s' (known: %s)" % (name, ", ".join(sorted(BOARDS))))
    return BOARDS[name]


def board_machine(board, pcpus_total=None, ram=None):
    """The machine's CPUs and RAM: the board's defaults where not given, refused beyond its limits."""
    b = board_of(board)
    pcpus_total = b.pcpus if pcpus_total is None else pcpus_total
    ram = b.ram if ram is None else ram
    if pcpus_total < 1 or pcpus_total > b.max_pcpus or (b.name != "virt" and pcpus_total != b.pcpus):
        raise UsageError("--board %s: --pcpus-total %d: this board has %s CPUs (%s)"
                         % (board, pcpus_total, b.pcpus if b.name != "virt" else "1 to %d" % b.max_pcpus,
                            b.why_cpus))
    if b.max_ram and ram > b.max_ram:
        raise UsageError("--board %s: --ram %d: at most %d MiB (%s)" % (board, ram, b.max_ram, b.why_ram))
    return pcpus_total, ram


def check_boot(board, boot):
    """How hyparm is started: "direct" (QEMU loads it) or "uboot" (U-Boot's booti; virt only)."""
    if boot not in ("direct", "uboot"):
        raise UsageError("--boot %s: direct or uboot" % boot)
    if boot == "uboot" and board != "virt":
        raise UsageError("--boot uboot: only on virt (Debian's U-Boot for QEMU is built for it)")
    if boot == "uboot" and not os.path.isfile(UBOOT):
        raise UsageError("%s missing: apt-get install u-boot-qemu" % UBOOT)


# Booting as on a board: Debian's U-Boot (u-boot-qemu) is QEMU's firmware at EL2, hyparm and the
# bundle are placed in RAM (as a board's U-Boot would load them from storage: docs/boards.md) and
# U-Boot is told, at its prompt, to start hyparm with booti. The addresses are those of U-Boot's
# own environment on qemu_arm64: kernel_addr_r, and above its ramdisk_addr_r's 64 MiB.
UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"
UBOOT_HYPARM_ADDR = 0x40400000
UBOOT_BUNDLE_ADDR = 0x48000000
UBOOT_PROMPT = r"=> "


def uboot_commands(bundle_size):
    """What a user types at U-Boot's prompt to boot hyparm with its bundle already in RAM: the
    bundle's place in /chosen (hyparm,bundle = <address size>, two cells each), then booti with no
    initrd and U-Boot's device tree (QEMU's, at fdt_addr)."""
    return ["fdt addr ${fdt_addr}", "fdt resize 1024",
            "fdt set /chosen hyparm,bundle <0x%x 0x%x 0x%x 0x%x>"
            % (UBOOT_BUNDLE_ADDR >> 32, UBOOT_BUNDLE_ADDR & 0xFFFFFFFF, bundle_size >> 32, bundle_size & 0xFFFFFFFF),
            "booti 0x%x - ${fdt_addr}" % UBOOT_HYPARM_ADDR]


def uboot_script(bundle_size):
    """watch()'s script for uboot_commands(): stop the autoboot, then one command per prompt."""
    return [("Hit any key to stop autoboot", "\r")] + [(UBOOT_PROMPT, c + "\r") for c in uboot_commands(bundle_size)]


def qemu_command(hyparm, bundle, cpu_model="cortex-a57", pcpus_total=2, gic=3, ram=1024,
                 gdb=False, icount=False, extra=(), mte=False, board="virt", boot="direct"):
    """boot: "direct" (QEMU loads hyparm as a kernel, the bundle as its initrd) or "uboot"
    (U-Boot as firmware, hyparm and the bundle placed in RAM for its booti; virt only).
    mte: the machine has MTE tag storage for its RAM (virt's mte=on; the CPU model must
    implement MTE, as -cpu max does)."""
    b = board_of(board)
    check_boot(board, boot)
    if mte and board != "virt":
        raise UsageError("--mte: only on virt (QEMU's mte=on is a virt machine option)")
    if b.dtb and not os.path.isfile(b.dtb):
        raise UsageError("%s: missing: the %s board's device tree comes with Debian's kernel package "
                         "(run 'make linux': scripts/fetch-linux.sh)" % (b.dtb, board))
    cmd = ["qemu-system-aarch64", "-M", b.machine.format(gic=gic) + (",mte=on" if mte else "")]
    # A board's CPUs are its own (the ZCU102's A53s); virt takes any model.
    if not b.cpu_model:
        cmd += ["-cpu", cpu_model]
    cmd += ["-smp", str(pcpus_total), "-m", str(ram),
            # -echr 0x14: QEMU's own console keys move to Ctrl-t, so Ctrl-a reaches hyparm (its focus key).
            "-nographic", "-echr", "0x14", "-net", "none"]
    if boot == "uboot":
        cmd += ["-bios", UBOOT,
                "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (hyparm, UBOOT_HYPARM_ADDR),
                "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (bundle, UBOOT_BUNDLE_ADDR)]
    else:
        cmd += ["-kernel", hyparm, "-initrd", bundle]
    if b.dtb:
        cmd += ["-dtb", b.dtb]
    cmd += b.extra
    if icount:
        cmd += ["-icount", "shift=0"]
    if gdb:
        cmd += ["-s", "-S"]
    return cmd + list(extra)


class Watched:
    """What watch() saw: console lines, each line's arrival time (s), why it ended, the exit code."""

    def __init__(self):
        self.lines, self.times, self.why, self.stopped, self.rc, self.elapsed = [], [], None, False, None, 0.0


class _Lines:
    """pexpect's logfile_read: every chunk read from the child comes through write(), so
    the console is cut into lines here, each stamped when it arrived, whatever expect()
    matches meanwhile. After a line matches stop, the rest is not kept."""

    def __init__(self, w, start, stop, echo):
        self.w, self.start, self.stop, self.echo, self.part = w, start, stop, echo, ""
        self.seen_hyparm = False

    def write(self, chunk):
        if self.echo:
            sys.stdout.buffer.write(chunk.encode("utf-8", "replace"))
            sys.stdout.flush()
        self.part += chunk
        while "\n" in self.part and not self.w.stopped:
            line, self.part = self.part.split("\n", 1)
            self.add(line)

    def add(self, line):
        # hyparm redraws the focused VM's unfinished line after other output: "\r", CSI K
        # (erase), the other line... A line is what follows its last "\r" (guests cannot
        # print either: their output is filtered).
        line = line.rstrip("\r")
        if "\r" in line:
            line = line.rsplit("\r", 1)[1]
        line = line.replace("\x1b[K", "")
        self.w.lines.append(line)
        self.seen_hyparm = self.seen_hyparm or line.startswith("hyparm: ")
        self.w.times.append(time.monotonic() - self.start)
        self.w.stopped = bool(self.stop and re.search(self.stop, self.w.lines[-1]))

    def flush(self):
        pass

    def close(self):
        """The last, unterminated line."""
        if self.part.rstrip("\r\n") and not self.w.stopped:
            self.add(self.part.rstrip("\r\n"))
        self.part = ""


def _forward(src, child, done):
    """Copy what is typed (or piped) on src to the child until src ends or the run does."""
    fd = src.fileno()
    while not done.is_set():
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        try:
            # Bytes as they came (child.send() would want text, and a key like Ctrl-A
            # must pass unchanged).
            os.write(child.child_fd, data)
        except OSError:
            return


def foreground(f):
    """Whether we own terminal f: its foreground process group is ours."""
    try:
        return os.tcgetpgrp(f.fileno()) == os.getpgrp()
    except OSError:  # not our controlling terminal
        return False


PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In QEMU's child process, before exec: the kernel kills it when we end, however we
    end (SIGKILL included: no cleanup of ours runs then). QEMU has its own session (the
    pseudo-terminal's), so no signal sent to our process group or terminal reaches it."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # we ended before the line above: nobody would kill it
        os._exit(1)


def watch(cmd, timeout=60, stop=None, script=(), stdin=None, echo=False, started=None):
    """Run cmd on a pseudo-terminal (pexpect; stdout and stderr together) and read its
    console line by line.
    stop: a regex; reading ends when a line matches it (Watched.stopped).
    timeout: seconds, 0 = none (Watched.why says when it was reached).
    script: (regex, text) pairs played in order, expect-style: once the output since the
    previous step matches regex (a prompt needs no newline), text is typed.
    stdin: a file whose input is passed on to cmd (a terminal is put in raw mode meanwhile,
    so that QEMU's Ctrl-A keys and the guest's Ctrl-C work as with QEMU on the terminal).
    started: called once, when hyparm's first line ("hyparm: ...") arrives.
    The process (its whole process group) is killed when reading ends, however it ends; it
    dies with us if we are killed outright."""
    w = Watched()
    steps = list(script)
    start = time.monotonic()
    deadline = start + timeout if timeout else None
    lines = _Lines(w, start, stop, echo)
    # echo=False: the pty does not repeat what is sent (the guest's own echo still shows).
    child = pexpect.spawn(cmd[0], list(cmd[1:]), maxread=65536, echo=False, encoding="utf-8",
                          codec_errors="replace", timeout=None, preexec_fn=_die_with_parent)
    child.delaybeforesend = None
    child.logfile_read = lines
    done = threading.Event()
    saved_tty = None
    try:
        if stdin is not None and stdin.isatty() and not foreground(stdin):
            # Started in the background (`timeout`, `&`): touching the terminal would stop
            # us (SIGTTIN, SIGTTOU), so nothing is typed.
            stdin = None
        if stdin is not None:
            if stdin.isatty():
                saved_tty = termios.tcgetattr(stdin.fileno())
                tty.setraw(stdin.fileno())
            threading.Thread(target=_forward, args=(stdin, child, done), daemon=True).start()
        while not w.stopped:
            if started and lines.seen_hyparm:
                started, _ = None, started()
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                w.why = "time limit of %ss reached" % timeout
                break
            wait = 0.2 if left is None else min(0.2, left)
            try:
                if steps:
                    # What a step matches leaves pexpect's buffer: the next step looks
                    # at what came after it.
                    if child.expect([steps[0][0], pexpect.TIMEOUT], timeout=wait) == 0:
                        child.send(steps[0][1])
                        steps.pop(0)
                else:
                    # No prompt to wait for: read as it comes (lines reach _Lines as read).
                    child.read_nonblocking(65536, timeout=wait)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                break
    finally:
        done.set()
        if saved_tty is not None:
            termios.tcsetattr(stdin.fileno(), termios.TCSADRAIN, saved_tty)
        if child.isalive():
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        child.close(force=True)
    lines.close()
    w.rc = child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0)
    w.elapsed = time.monotonic() - start
    return w


def run(vms=(), manifest=None, hyparm=None, cpu_model="cortex-a57", pcpus_total=None, gic=3, ram=None,
        timeout=60, gdb=False, icount=False, extra=(), echo=False, stdin=None, until=None, script=(),
        check_manifest=True, mte=False, board="virt", boot="direct"):
    """Boot hyparm with these VMs (or the manifest, a .dts); return a Result. echo: copy the
    console to stdout live. check_manifest=False: leave every check to hyparm (its tests).
    until: a regex; the run ends (status OK) when a console line matches it.
    script: (regex, text) pairs typed expect-style (see watch()).
    board: the machine (BOARDS); pcpus_total and ram default to the board's.
    boot: "direct", or "uboot": U-Boot boots hyparm with booti (uboot_commands(), typed before
    the script's own steps)."""
    res = Result()
    pcpus_total, ram = board_machine(board, pcpus_total, ram)
    hyparm = hyparm or os.path.join(REPO, "build", "hyparm.bin")
    _check_file(hyparm, "hyparm image")
    if not shutil.which("qemu-system-aarch64"):
        raise UsageError("qemu-system-aarch64 not found: apt-get install qemu-system-arm")
    origins = {}
    work = tempfile.mkdtemp(prefix="hyparm-run-")
    try:
        bundle = write_bundle(list(vms), work, manifest, pcpus_total, ram, check_manifest, origins)
        disks = disk_args(manifest or os.path.join(work, "options.dts"))
        disks += net_args(manifest or os.path.join(work, "options.dts"), bool(disks))
        disks += passthrough_args(manifest or os.path.join(work, "options.dts"), bool(disks))
        cmd = qemu_command(hyparm, bundle, cpu_model, pcpus_total, gic, ram, gdb, icount,
                           list(extra) + flash_vars_args(vms) + disks, mte, board, boot)
        if boot == "uboot":
            script = uboot_script(os.path.getsize(bundle)) + list(script)
        # Once hyparm runs, QEMU has long read the bundle into the machine's RAM (a reset
        # of the machine reloads it from QEMU's own copy): the file is not needed any
        # more, and removing it then leaves nothing behind even if we are killed later.
        w = watch(cmd, timeout, stop=until, script=script, stdin=stdin, echo=echo,
                  started=lambda: shutil.rmtree(work, ignore_errors=True))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res.lines, res.elapsed = w.lines, w.elapsed
    for text in res.lines:
        m = VM_LINE.match(text)
        if m:
            name, what = m.group(1), m.group(2)
            for prefix, state in _VM_STATE:
                if what.startswith(prefix):
                    res.vm_states[name] = state
                    break
            else:
                res.vm_loops.add(name)
            if what.startswith("stopped: "):
                res.vm_crashes[name] = res.vm_crashes.get(name, 0) + 1
            if what.startswith("restarting "):
                res.vm_restarts[name] = res.vm_restarts.get(name, 0) + 1
    if w.stopped:
        res.status, res.why = STATUS_OK, "saw '%s'" % until
    elif w.why and not hyparm_failed(res.lines):
        res.status, res.why = STATUS_TIMEOUT, w.why
    else:
        # A hyparm failure wins over the time limit: a CPU hyparm stopped keeps its VMs from
        # ever ending the run, so the limit is usually what ends it, and the failure is the news.
        res.status, res.why = _judge(res)
    if res.status == STATUS_HYP_FAILED:
        res.why = explain_config_error(res.why, origins, ram)
    return res


def summary(res):
    """One line per VM: how it ended, and what its life was (crashes, restarts)."""
    out = []
    for name, state in res.vm_states.items():
        end = {"off": "powered off", "stopped": "stopped by hyparm"}.get(state, "still running (%s)" % state)
        notes = []
        if res.vm_crashes.get(name):
            notes.append("crashed %d time%s" % (res.vm_crashes[name], "s" if res.vm_crashes[name] > 1 else ""))
        if res.vm_restarts.get(name):
            notes.append("restarted %d time%s" % (res.vm_restarts[name], "s" if res.vm_restarts[name] > 1 else ""))
        if name in res.vm_loops:
            notes.append("a restart loop: left down")
        out.append("vm %s: %s%s" % (name, end, " (%s)" % ", ".join(notes) if notes else ""))
    return out


def hyparm_lines(lines):
    """hyparm's own messages: the lines that begin with "hyparm: ". Only there: a guest's
    every line begins with its "[name] " prefix, and hyparm's console filter lets no guest
    byte move to the start of a line (core/console_filter.c), so what a guest prints can
    never be taken for a verdict of hyparm's, wherever in its line it says so."""
    return [l for l in lines if l.startswith("hyparm: ")]


# hyparm's own failures: a panic at boot, an exception at EL2, a CPU stuck in EL2 (its watchdog).
HYPARM_FAILURES = ("hyparm: PANIC", "hyparm: FAULT", "hyparm: WATCHDOG:")


def hyparm_failed(lines):
    """hyparm's first failure line, or None."""
    for l in hyparm_lines(lines):
        if l.startswith(HYPARM_FAILURES):
            return l
    return None


def _judge(res):
    own = hyparm_lines(res.lines)
    if hyparm_failed(own):
        return STATUS_HYP_FAILED, "hyparm failed: " + hyparm_failed(own)
    stopped = [n for n, s in res.vm_states.items() if s == "stopped"]
    if stopped:
        return STATUS_VM_FAILED, "VM(s) stopped by hyparm: " + ", ".join(stopped)
    if "hyparm: all VMs stopped" in own:
        return STATUS_OK, "every VM powered off"
    return STATUS_HYP_FAILED, "QEMU exited before hyparm said every VM stopped"
