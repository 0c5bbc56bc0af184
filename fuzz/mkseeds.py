#!/usr/bin/env python3
"""Writes the hand-made seed inputs in fuzz/corpus/<name>/ (run from the
top of the tree; needs dtc and cpio). Each seed is a valid, typical input
that reaches deep into its parser, for libFuzzer to mutate from. The
loader's Linux seed copies the 64-byte header of deps/linux/Image when it
is there (a real Debian arm64 kernel)."""
import os, struct, subprocess, sys, tempfile

def put(name, fname, data):
    d = os.path.join("fuzz/corpus", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)

q = lambda *v: struct.pack("<%dQ" % len(v), *v)

# esr: ESR, FAR, HPFAR (u64 each).
put("esr", "dabt-write-w1", q((0x24 << 26) | (1 << 25) | (1 << 24) | (2 << 22) | (1 << 16) | (1 << 6) | 0x07, 0x9000004, 0x90000 << 4))
put("esr", "sysreg-read", q((0x18 << 26) | (1 << 25) | (3 << 20) | (4 << 10) | (5 << 5) | 1, 0, 0))
put("esr", "hvc", q((0x16 << 26) | (1 << 25), 0, 0))
put("esr", "iabt", q((0x20 << 26) | (1 << 25) | 0x07, 0xFFFF000012345678, 0x123450))

# mmio: op 0x80|how (add: base, size), op how (find: ipa). how 1 = u16 << 12.
put("mmio", "uart-gic", bytes([0x85]) + struct.pack("<HH", 0x9000, 1) +
    bytes([0x85]) + struct.pack("<HH", 0x8000, 0x10) + bytes([0x85]) + struct.pack("<HH", 0x80A0, 0x40) +
    bytes([0x41]) + struct.pack("<H", 0x9000) + bytes([0x45]) + struct.pack("<H", 0x8005))
put("mmio", "adjacent", bytes([0x80, 0x10, 0x10, 0x80, 0x20, 0x10, 0x80, 0x0F, 0x02, 0x40, 0x1F, 0x44, 0x20]))

# vpl011: op>>6: 0 rx push, 1 read, 2/3 write; (op>>2)&3 size log2; op&3 offset kind (0: reg index).
W4, R4 = 0x88, 0x48
put("vpl011", "linux-probe", bytes([R4 | 1, 0, R4 | 1, 4, R4, 6, W4, 12, 0x70, W4, 14, 0x50, W4, 17, 0xFF, 0x07,
                                   0, ord('x'), 0, ord('y'), R4, 0, R4, 16, R4, 0, W4, 0, ord('!')]))
put("vpl011", "fill-fifo", bytes([0, 0x41 + i % 26][j] for i in range(34) for j in range(2)) + bytes([R4, 6] * 3))

# psci: layout, ram size, firmware answer, vCPU states..., then ops (op&3==3 scheduler, else a call).
# A call: fid pick (0/1: known list index << 2), x0 upper half (4 bytes), x1..x3 picks, x4..x17 bytes.
def call(known_idx, args):
    b = bytes([known_idx << 2]) + bytes(4)
    for a in args:
        b += a
    return b + bytes(14)
put("psci", "cpu-on-then-affinity",
    bytes([0x03, 0x3F, 0x00, 0, 0, 0]) +
    call(5, [bytes([1 << 2, 0, 0]), bytes([1]) + struct.pack("<I", 0x1000), bytes([3]) + q(0x1234)]) +
    bytes([0x07]) +
    call(7, [bytes([1 << 2, 0, 0]), bytes([3]) + q(0), bytes([3]) + q(0)]) +
    call(0, [bytes([3]) + q(0)] * 3) + call(13, [bytes([3]) + struct.pack("<Q", 0x80008000), bytes([3]) + q(0), bytes([3]) + q(0)]))

# sysreg: now, parange, then ops (>>6: 0 time, 1 sanitize, 2/3 access; bit0 random ISS else table index).
put("sysreg", "timer", q(1000) + bytes([2]) +
    bytes([0x80 | 4, 20]) + q(1) + bytes([0x80 | 4, 22]) + q(1500) + bytes([0x00]) + struct.pack("<H", 600) +
    bytes([0x80 | 4, 21]) + q(100) + bytes([0x80 | 2, 20, 3, 0]))
put("sysreg", "debug-and-id", q(0) + bytes([2]) +
    bytes([0x80, 6, 1, 1, 0x82, 7, 2, 0, 0x82, 23, 5, 0, 0x80, 14, 0, 0, 0x80 | 4, 17, 3]) + q(0x01000001) +
    bytes([0x40, 3, 0]) + q(0x1111111111111111) + bytes([0x40, 6, 0]) + q(0x0000000000000006))

# fdt_platform: QEMU virt's own device tree.
dtb = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "tests/unit/data/qemu-virt-gicv3.dts"],
                     check=True, capture_output=True).stdout
put("fdt_platform", "qemu-virt-gicv3.dtb", dtb)

# bundle: a real cpio newc archive with vms.conf and a kernel.
conf = b"[vm]\nname = guest0\nkernel = guest0.bin\nvcpus = 2\nmemory = 64M\n"
with tempfile.TemporaryDirectory() as t:
    with open(os.path.join(t, "vms.conf"), "wb") as f:
        f.write(conf)
    with open(os.path.join(t, "guest0.bin"), "wb") as f:
        f.write(b"\x00\x00\x00\x14" * 8)
    cpio = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], input=b"vms.conf\nguest0.bin\n",
                          cwd=t, check=True, capture_output=True).stdout
put("bundle", "two-files.cpio", cpio)

# loader: initrd size, dtb size, RAM size, then the image.
sizes = q(0x400000, 0x200000, 0x8000000)
hdr = bytearray(64)
hdr[0x38:0x3C] = b"ARM\x64"
struct.pack_into("<QQQ", hdr, 8, 0, 0x1800000, 0xA)
put("loader", "image-header", sizes + bytes(hdr) + bytes(64))
if os.path.exists("deps/linux/Image"):
    with open("deps/linux/Image", "rb") as f:
        put("loader", "debian-image-header", sizes + f.read(64))
put("loader", "raw-binary", sizes + b"\x00\x00\x00\x14" * 16)

# manifest: CPU-count byte, then the DTB of each example as the launcher compiles it (with its line map).
for ex in ("one-linux", "linux-and-two-baremetal", "eight-linux-on-two-cpus"):
    with tempfile.TemporaryDirectory() as t:
        subprocess.run([sys.executable, "tools/manifest.py", "examples/%s.dts" % ex, os.path.join(t, "m.dtb")],
                       check=True)
        with open(os.path.join(t, "m.dtb"), "rb") as f:
            put("manifest", ex, b"\x01" + f.read())

# vgic: layout, then ops: bit7 write, bit6 redist, (op>>2)&3 size log2, op&3 offset kind, (op>>4) vCPU.
def acc(op, off16, val=b""):
    return bytes([op]) + struct.pack("<H", off16) + val
put("vgic", "enable-spi", bytes([0x02]) +
    acc(0x88, 0x0000, struct.pack("<I", 3)) + acc(0x88, 0x0104, struct.pack("<I", 0xFFFFFFFF)) +
    acc(0x8C, 0x6100) + q(1) + acc(0x88, 0x0204, struct.pack("<I", 1)) + acc(0x08, 0x0204) +
    acc(0xC8, 0x0014, struct.pack("<I", 0)) + acc(0x48, 0x0014) + acc(0x4C, 0x0008))
# vgic events (read ops with offset kind 3): flush 0x03, sync 0x07, guest ack 0x0B+lr, complete 0x0F+lr,
# line 0x43+intid+level, edge/SGI 0x47+b(+sgi1r), switch 0x4B, WFI check 0x4F; vCPU in bits 4-5.
# Layout 0x09: two vCPUs, two list registers; three SPIs pending, the guest takes them; an SGI to vCPU 1
# whose pending state vCPU 0 clears through vCPU 1's redistributor while vCPU 1 runs.
def redist(frame, off16, val):
    return bytes([0xC9, frame]) + struct.pack("<HI", off16, val)
put("vgic", "lr-events", bytes([0x09]) +
    acc(0x88, 0x0000, struct.pack("<I", 3)) + acc(0x88, 0x0084, struct.pack("<I", 0xFFFFFFFF)) +
    acc(0x88, 0x0104, struct.pack("<I", 0xFFFFFFFF)) + acc(0x88, 0x0204, struct.pack("<I", 7)) +
    acc(0x80, 0x0421, b"\x10") +
    bytes([0x03, 0x0B, 0, 0x0F, 0, 0x07, 0x03, 0x0B, 1]) + acc(0x88, 0x0384, struct.pack("<I", 7)) + bytes([0x03]) +
    redist(3, 0x0080, 0xFFFFFFFF) + redist(3, 0x0100, 0xFFFF) +
    bytes([0x47, 0x80]) + q((3 << 24) | 2) + bytes([0x5B, 0x13, 0x0B, 0, 0x07, 0x13]) +
    redist(3, 0x0280, 8) + bytes([0x0F, 0, 0x07, 0x43, 40, 1, 0x13, 0x4F, 0x03, 0x07]))

# cfi: byte 0 read-only (bit 0); then op: 0x80 read / 0x40 data write / else command write,
# (op>>2)&3 size log2, op&3 offset kind (0: u16 bus-word index); a command write's operand
# indexes fuzz_cfi.c's commands[] (0 FF, 3 98, 5 40, 7 20, 9 D0, 10 E8).
h = lambda v: struct.pack("<H", v)
put("cfi", "query-program-erase-buffer", bytes([0]) +
    bytes([0x08]) + h(0x55) + bytes([3]) + bytes([0x88]) + h(0x10) + bytes([0x08]) + h(0) + bytes([0]) +
    bytes([0x08]) + h(0x10) + bytes([5]) + bytes([0x48]) + h(0x10) + bytes([0, 0, 0, 0]) + bytes([0x08]) + h(0) + bytes([0]) +
    bytes([0x08]) + h(0) + bytes([7]) + bytes([0x08]) + h(0) + bytes([9]) +
    bytes([0x08]) + h(0) + bytes([10]) + bytes([0x48]) + h(0) + bytes([1, 0, 1, 0]) +
    bytes([0x48]) + h(0) + bytes([0x12, 0x34, 0x56, 0x78]) + bytes([0x48]) + h(1) + bytes([0x9A, 0xBC, 0xDE, 0xF0]) +
    bytes([0x08]) + h(0) + bytes([9]) + bytes([0x88]) + h(0) + bytes([0x08]) + h(0) + bytes([0]) + bytes([0x8C]) + h(0))

# virtqueue: queue size, desc/avail/used offsets /16, features (1 EVENT_IDX, 2 INDIRECT), then the RAM image.
# Two chains: a read+write chain of direct descriptors, and an indirect table of two writable buffers.
def vq_ram():
    ram = bytearray(0x1000)
    def desc(base, i, addr, ln, flags, nxt):
        struct.pack_into("<QIHH", ram, base + 16 * i, 0x40000000 + addr, ln, flags, nxt)
    desc(0x100, 0, 0x800, 16, 1, 1)
    desc(0x100, 1, 0x900, 64, 2, 0)
    desc(0x100, 2, 0x600, 32, 4, 0)
    desc(0x600, 0, 0xA00, 8, 3, 1)
    desc(0x600, 1, 0xB00, 8, 2, 0)
    struct.pack_into("<HHHH", ram, 0x200, 0, 2, 0, 2)  # avail: flags, idx 2, ring 0, 2
    return bytes(ram)
put("virtqueue", "chains", struct.pack("<HHHHB", 8, 0x10, 0x20, 0x30, 3) + vq_ram())

# its: layout byte (bit 0: 2 vCPUs), then ops (op & 7: 0 command into RAM at u16 slot, 1/2 ITS write/read
# with (op >> 4) & 3 the size log2, value u64 then register pick, 4|0x40 a sane set-up, 4 a config byte,
# 5 an MSI, 6 flush+sync, 7 ack (0x47: complete)).
def its_cmd(slot, *w):
    return bytes([0x00]) + struct.pack("<H", slot) + q(*(list(w) + [0] * (4 - len(w))))
its_setup = bytes([0x01, 0x44, 0x04, 0, 0xA1, 0x04, 1, 0xA1])
its_maps = (its_cmd(0, 0x08 | (1 << 32), 3, 1 << 63) + its_cmd(1, 0x09, 0, (1 << 63) | (1 << 16) | 1) +
            its_cmd(2, 0x09, 0, (1 << 63) | 0) + its_cmd(3, 0x0A | (1 << 32), 2 | (8192 << 32), 1) +
            its_cmd(4, 0x0A | (1 << 32), 3 | (8193 << 32), 0) + its_cmd(5, 0x03 | (1 << 32), 2) +
            its_cmd(6, 0x01 | (1 << 32), 2, 0) + its_cmd(7, 0x05))
put("its", "map-int-movi", its_setup + its_maps + bytes([0x31]) + q(8 * 32) + bytes([4]) +
    bytes([0x0E, 0x07, 0x06, 0x47, 0x06]) + bytes([0x05, 1, 3, 0, 0x06, 0x47]))
put("its", "malformed", its_setup + its_cmd(0, 0x0A | (9 << 32), 0 | (9000 << 32)) + its_cmd(1, 0x42) +
    bytes([0x31]) + q(2 * 32) + bytes([4]) + bytes([0x32]) + bytes(8) + bytes([5]) +
    bytes([0x31]) + q(2 * 32 | 1) + bytes([4]))
