"""Boot Debian's Xen 4.17 (deps/xen, scripts/fetch-xen.sh) on the same QEMU
machine as hyparm, in dom0less mode: the guests are domUs described by
/chosen/xen,domain nodes, with no dom0 (Xen 4.17 boots without one when no
dom0 kernel module is given). tools/bench.py uses it for its Xen column.

  /usr/bin/python3 tools/xenrun.py [--timeout S] [--icount] [--print-dts] IMAGE [BOOTARGS]

What Xen needs, and why it is done this way:
- A device tree with the domUs in it: QEMU's own `virt` tree is dumped
  (-machine dumpdtb=), decompiled, given a /chosen/domU node each
  (compatible "xen,domain", cpus, memory in KiB, vpl011 for a PL011
  console that Xen itself serves, and a "multiboot,kernel" module node with
  the image's address, size and bootargs), recompiled and passed with -dtb.
- The images in memory: QEMU's generic loader (-device loader,file=,addr=,
  force-raw=on) places each file. QEMU's guest-loader is not used for domUs:
  it adds /chosen/module@ADDR nodes directly under /chosen, which Xen would
  take for a dom0 kernel.
- An arm64 Image header on a raw binary: Xen's loader accepts only
  Image/zImage/uImage formats. wrap_raw() prefixes 64 bytes whose first
  instruction branches over the header, with text_offset chosen so that the
  raw binary itself lands at RAM + GUEST_RAW_IMAGE_OFFSET, where it is
  linked (Xen loads an Image at bank 0 + text_offset). The binary is
  unchanged: the same bench.bin runs under hyparm, KVM, bare QEMU and Xen.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XEN = os.path.join(REPO, "deps", "xen", "xen")

GUEST_RAW_IMAGE_OFFSET = 0x80000  # include/hyparm/guest_layout.h: where raw guests are linked in RAM
IMAGE_HEADER = 64
MODULE_BASE = 0x50000000  # host PA of the first module: QEMU puts the DTB at RAM + 128 MiB, Xen at RAM + 2 MiB, Xen relocates to the top
HOST_RAM_MIB = 2048


class Domain:
    """One dom0less domU: an image (raw binary or arm64 Image), its bootargs, vCPUs, memory, optional initrd."""

    def __init__(self, image, bootargs="", cpus=2, mem_mib=64, initrd=None, raw=True):
        self.image, self.bootargs, self.cpus, self.mem_mib = image, bootargs, cpus, mem_mib
        self.initrd, self.raw = initrd, raw


def wrap_raw(raw, out):
    """An arm64 Image (Documentation/arm64/booting.rst) around a raw binary linked at RAM + 0x80000."""
    with open(raw, "rb") as f:
        body = f.read()
    b_over_header = 0x14000000 | (IMAGE_HEADER // 4)  # "b .+64": the first instruction jumps to the binary
    size = IMAGE_HEADER + len(body) + (2 << 20)  # room for bss, stacks and page tables above the file (approx.)
    hdr = struct.pack("<IIQQQQQQII", b_over_header, 0, GUEST_RAW_IMAGE_OFFSET - IMAGE_HEADER, size,
                      0xA,  # flags: little-endian, 4 KiB pages, placed anywhere (bit 3)
                      0, 0, 0, 0x644D5241, 0)  # magic "ARM\x64"
    assert len(hdr) == IMAGE_HEADER
    with open(out, "wb") as f:
        f.write(hdr + body)


def _align(x, a=0x200000):
    return (x + a - 1) & ~(a - 1)


def machine_args(icount, cpu="cortex-a57", smp=2, ram_mib=HOST_RAM_MIB):
    args = ["-M", "virt,gic-version=3,virtualization=on", "-cpu", cpu, "-smp", str(smp), "-m", str(ram_mib),
            "-nographic", "-net", "none"]
    if icount:
        # sleep=off: when every CPU idles, emulated time jumps to the next timer instead of following
        # the host's clock, so idle periods do not make a run depend on the host (tools/bench.py).
        args += ["-icount", "shift=0,sleep=off"]
    return args


def xen_bootargs(extra=""):
    # console=dtuart: Xen's console on /chosen/stdout-path (QEMU's PL011).
    # bootscrub=0: no scrubbing of free RAM, neither at boot (minutes under TCG) nor in idle time,
    # which would otherwise run behind the benchmark. Scheduler: Debian's default (credit2).
    return ("console=dtuart bootscrub=0 " + extra).strip()


def _dts_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def _cells(v):
    return "<0x%x 0x%x>" % (v >> 32, v & 0xFFFFFFFF)


def prepare(domains, workdir, icount, xen_extra="", smp=2):
    """Write the images and the DTB into workdir; return the QEMU command line."""
    loaders, nodes, addr = [], [], MODULE_BASE
    for n, d in enumerate(domains, 1):
        img = d.image
        if d.raw:
            img = os.path.join(workdir, "domU%d.img" % n)
            wrap_raw(d.image, img)
        mods = [("multiboot,kernel", img, d.bootargs)]
        if d.initrd:
            mods.append(("multiboot,ramdisk", d.initrd, None))
        mod_nodes = []
        for compat, path, args in mods:
            size = os.path.getsize(path)
            loaders += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (path, addr)]
            node = ("            module@%x {\n                compatible = \"%s\", \"multiboot,module\";\n"
                    "                reg = <0x%x 0x%x 0x%x 0x%x>;\n" %
                    (addr, compat, addr >> 32, addr & 0xFFFFFFFF, size >> 32, size & 0xFFFFFFFF))
            if args is not None:
                node += "                bootargs = %s;\n" % _dts_string(args)
            mod_nodes.append(node + "            };\n")
            addr = _align(addr + size)
        nodes.append("        domU%d {\n            compatible = \"xen,domain\";\n"
                     "            #address-cells = <2>;\n            #size-cells = <2>;\n"
                     "            cpus = <%d>;\n            memory = %s;\n            vpl011;\n%s        };\n" %
                     (n, d.cpus, _cells(d.mem_mib * 1024), "".join(mod_nodes)))
    base = os.path.join(workdir, "virt.dtb")
    subprocess.run(["qemu-system-aarch64"] + machine_args(icount, smp=smp) + ["-machine", "dumpdtb=" + base],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", base], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    dts += ("\n/ {\n    chosen {\n        #address-cells = <2>;\n        #size-cells = <2>;\n"
            "        xen,xen-bootargs = %s;\n%s    };\n};\n" % (_dts_string(xen_bootargs(xen_extra)), "".join(nodes)))
    with open(os.path.join(workdir, "xen.dts"), "w") as f:
        f.write(dts)
    dtb = os.path.join(workdir, "xen.dtb")
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, os.path.join(workdir, "xen.dts")], check=True)
    return ["qemu-system-aarch64"] + machine_args(icount, smp=smp) + ["-kernel", XEN, "-dtb", dtb] + loaders


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("bootargs", nargs="?", default="")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--icount", action="store_true")
    ap.add_argument("--cpus", type=int, default=2, help="domU vCPUs")
    ap.add_argument("--smp", type=int, default=2, help="QEMU CPUs (Xen's physical CPUs)")
    ap.add_argument("--mem", type=int, default=64, help="domU RAM in MiB")
    ap.add_argument("--initrd")
    ap.add_argument("--kernel", action="store_true", help="the image is an arm64 Image (Linux), not a raw binary")
    ap.add_argument("--xen-args", default="", help="more Xen command-line options")
    ap.add_argument("--stop", default=r"BENCH-END|reboot: Power down", help="regex that ends the run")
    ap.add_argument("--print-dts", action="store_true")
    args = ap.parse_args()
    if not os.path.isfile(XEN):
        print("xenrun: missing %s: run scripts/fetch-xen.sh" % XEN, file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import hyparmrun as hr
    with tempfile.TemporaryDirectory(prefix="hyparm-xen-") as work:
        cmd = prepare([Domain(args.image, args.bootargs, args.cpus, args.mem, args.initrd, raw=not args.kernel)],
                      work, args.icount, args.xen_args, smp=args.smp)
        if args.print_dts:
            print(open(os.path.join(work, "xen.dts")).read())
            print(" ".join(cmd))
        w = hr.watch(cmd, args.timeout, stop=args.stop, echo=True)
    print("xenrun: %s" % (w.why or "exit %s" % w.rc), file=sys.stderr)
    return 0 if any(__import__("re").search(args.stop, l) for l in w.lines) else 1


if __name__ == "__main__":
    sys.exit(main())
