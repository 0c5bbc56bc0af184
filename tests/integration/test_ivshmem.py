"""Shared memory between VMs with doorbells (core/shmem.c, vdev/ivshmem.c): an ivshmem-doorbell PCI
function on each VM's PCIe host bridge, its BAR2 the region mapped by stage 2, its doorbells INTx.
Two bare-metal guests exchange patterns and ring each other (guests/tests/ivshmem.c, which also
measures the doorbell round trip and tries hostile writes); two Debian VMs do the same from user space
with the stock uio_pci_generic (guests/linux/shmping.c); bad manifests are refused with their line."""
import os
import re
import shutil
import subprocess

import pytest

import hyparmrun as hr
from conftest import GICS


def report(res):
    """{peer: counters} from the power-off report's ivshmem lines."""
    out = {}
    for l in res.lines:
        m = re.search(r"ivshmem \(pci 00:0\d\.0\): region (\S+) \((\d+) KiB\), peer (\d+) of (\d+): (\d+) doorbells "
                      r"rung, (\d+) received, (\d+) to no peer, (\d+) writes to IVPosition, (\d+) trapped", l)
        if m:
            g = m.groups()
            out[int(g[2])] = dict(region=g[0], kib=int(g[1]), peers=int(g[3]), rang=int(g[4]), rung=int(g[5]),
                                  bad=int(g[6]), ro=int(g[7]), trapped=int(g[8]))
    return out


@GICS
@pytest.mark.timeout(200)
def test_baremetal_pair_patterns_doorbells_and_round_trip(hv, gic):
    """Peers 0 and 1 (in VM order) see each other's pattern and interrupts, INTx disable holds the
    line while PCI_STATUS shows it, 200 round trips complete; hostile writes (IVPosition, doorbells to
    peers 7 and 0xffff, byte accesses) are ignored and counted, a storm of 1000 doorbells at the other
    VM and BAR2 moved 64 times leave it running, and both VMs go on to power off (on a GICv3 and a
    GICv2 host)."""
    # GICv3: hyparm's default devices, which lack "pci-host": the node's schema makes the VM builder add
    # it. GICv2: a devices list that names the bridge itself (so it is not added twice).
    devices = None if gic == 3 else ["gicv2", "arm-vtimer", "arm-ptimer", "pl011", "pci-host"]
    vms = [hr.VM(hv.guest("ivshmem"), name=n, mem=32, pcpus=str(i), ivshmem=[("ring", "1M")], devices=devices)
           for i, n in enumerate(("a", "b"))]
    res = hv.run(vms, timeout=120, gic=gic)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "a")
    hv.guest_passed(res, "b")
    hv.expect("IVPosition 0 (two peers)" in " ".join(res.vm_lines("a")), "vm a is not peer 0")
    hv.expect("IVPosition 1 (two peers)" in " ".join(res.vm_lines("b")), "vm b is not peer 1")
    rt = [l for l in res.vm_lines("a") if l.startswith("ivshmem round trip ")]
    hv.expect(rt, "no round trip figure")
    print("ivshmem doorbell round trip (bare metal, GICv%d): %s" % (gic, rt[0][len("ivshmem round trip "):]))
    rep = report(res)
    hv.expect(sorted(rep) == [0, 1], "power-off report: %s" % rep)
    for p in (0, 1):
        r = rep[p]
        hv.expect(r["region"] == "ring" and r["kib"] == 1024 and r["peers"] == 2, "peer %d: %s" % (p, r))
        hv.expect(r["bad"] == 2 and r["ro"] == 1, "peer %d: hostile writes not counted: %s" % (p, r))
        hv.expect(r["trapped"] == 0, "peer %d: region accesses trapped (not mapped): %s" % (p, r))
    # Every doorbell but the two to nobody reached the other peer (the storm's 1000 among them).
    hv.expect(rep[0]["rang"] > 1000 and rep[1]["rang"] > 1000, "no storm: %s" % rep)
    hv.expect(rep[0]["rang"] - 2 == rep[1]["rung"] and rep[1]["rang"] - 2 == rep[0]["rung"],
              "doorbells rung and received disagree: %s" % rep)


def shm_field(lines, prefix):
    for l in lines:
        if l.startswith(prefix):
            return l[len(prefix):].split()
    return None


@pytest.mark.timeout(400)
def test_linux_pair_uio_pci_generic_moves_4mib_with_doorbells(hv):
    """Two Debian VMs bind the stock uio_pci_generic to the function, map BAR0 and BAR2 through sysfs
    and run /bin/shmping: 4 MiB from peer 0 to peer 1 in 256 KiB chunks, a doorbell each way per
    chunk, each woken by its INTx through /dev/uio0. Both checksums match and no word differs."""
    hv.need_linux()
    vms = [hr.VM(hv.LINUX, name=n, initrd=hv.INITRD, mem=192, pcpus=str(i), ivshmem=[("ring", None)],
                 params="console=ttyAMA0 quiet hyparm.test=shmping hyparm.shmbytes=4194304")
           for i, n in enumerate(("tx", "rx"))]
    res = hv.run(vms, timeout=300)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for vm in ("tx", "rx"):
        lines = res.vm_lines(vm)
        drv = [l for l in lines if l.startswith("hyparm-guest: ivshmem ")]
        hv.expect(drv and "driver uio_pci_generic" in drv[0], "vm %s: uio_pci_generic not bound: %s" % (vm, drv))
        hv.expect("hyparm-guest: shmping rc 0" in lines, "vm %s: shmping failed: %s" %
                  (vm, [l for l in lines if l.startswith("shmping")]))
    sent = shm_field(res.vm_lines("tx"), "shmping: sent ")
    got = shm_field(res.vm_lines("rx"), "shmping: received ")
    hv.expect(sent and got, "no sent / received line: %s %s" % (sent, got))
    hv.expect(sent[0] == got[0] == "4194304", "sent %s bytes, received %s" % (sent[0], got[0]))
    hv.expect(sent[3] == got[3], "checksum sent %s, received %s" % (sent[3], got[3]))
    hv.expect("shmping: words differing 0" in res.vm_lines("rx"), "the receiver saw a different pattern")
    # Woken by interrupts: the receiver waits for most of its 16 chunks (one already there when it
    # looks needs none), and the kernel counted them on the uio_pci_generic line of /proc/interrupts.
    irqs = int(shm_field(res.vm_lines("rx"), "shmping: interrupts ")[0])
    hv.expect(irqs >= 8, "the receiver took only %d interrupts for 16 chunks" % irqs)
    proc = [l for l in res.vm_lines("rx") if l.startswith("hyparm-guest: interrupts: ")]
    hv.expect(proc and int(proc[0].split()[3]) >= irqs, "/proc/interrupts: %s" % proc)
    # The DT's interrupt-map took device 1's INTA to SPI 4 (GIC INTID 36), level-triggered.
    hv.expect(re.search(r"GICv3\s+36 Level\s+uio_pci_generic", proc[0]), "INTA not on SPI 4: %s" % proc)
    rate = shm_field(res.vm_lines("rx"), "shmping: KiB/s ")
    print("ivshmem Linux to Linux through uio: %s KiB/s, %d interrupts" % (rate[0] if rate else "?", irqs))
    rep = report(res)
    hv.expect(sorted(rep) == [0, 1] and rep[0]["trapped"] == 0 and rep[1]["trapped"] == 0,
              "power-off report: %s" % rep)


def launcher(hv, *args):
    p = subprocess.run([os.path.join(hv.REPO, "tools", "hyparm-run")] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def two_vms(tmp_path, shm_a, shm_b):
    """A manifest of VMs a and b (the ivshmem guest), each with the given shm0 node body (None:
    no node). VM a's shm0 is on line 11 (its body on 13), b's on line 22 (body on 24)."""
    guest = "/dev/null"
    text = '/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n'
    for name, shm in (("a", shm_a), ("b", shm_b)):
        text += ('\t\t%s {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "%s";\n\t\t\tmemory = "32M";\n'
                 '\n\n' % (name, guest))
        text += ("\t\t\tshm0 {\n\t\t\t\tcompatible = \"hyparm,ivshmem\";\n\t\t\t\t%s\n\t\t\t};\n" % shm
                 if shm is not None else "\n\n\n\n")
        text += "\t\t};\n"
    path = tmp_path / "m.dts"
    path.write_text(text + "\t};\n};\n")
    return str(path)


@pytest.mark.timeout(120)
def test_manifest_refusals_name_the_line(hv, tmp_path):
    """A region given two sizes (VM b's line names VM a's), a node without a region, a size that is
    no power of two, a property it does not take: the launcher refuses each with the file and line before booting; hyparm, given
    the same manifest unchecked, refuses the size mismatch itself with the same words."""
    shutil.copy(hv.guest("ivshmem"), tmp_path / "g.bin")
    cases = [
        ('region = "ring"; size = "1M";', 'region = "ring"; size = "64K";',
         r"m\.dts:24: /vms/b/shm0: size: region 'ring' is 64 KiB here but 1024 KiB in VM a \(\S*m\.dts:11\)"),
        ('region = "ring";', 'size = "1M";', r"m\.dts:22: /vms/b/shm0: hyparm,ivshmem needs region = \"NAME\""),
        ('region = "ring"; size = <12288>;', None, r"m\.dts:13: /vms/a/shm0: size: expected a power of two"),
        ('file = "ring";', None, r"m\.dts:13: /vms/a/shm0: file: unknown property \(hyparm,ivshmem takes region, size\)"),
    ]
    for a, b, want in cases:
        path = two_vms(tmp_path, a, b)
        text = open(path).read().replace("/dev/null", "g.bin")
        open(path, "w").write(text)
        rc, out = launcher(hv, "--dry-run", "--manifest", path)
        hv.expect(rc == hr.STATUS_USAGE, "exit %d, want %d: %s" % (rc, hr.STATUS_USAGE, out))
        hv.expect(re.search(want, out), "no %r in: %s" % (want, out))
        hv.expect("qemu-system-aarch64" not in out, "refused, yet went on: " + out)
    # hyparm's own check (the launcher's skipped): it refuses at start, before any VM runs.
    path = two_vms(tmp_path, 'region = "ring"; size = "1M";', 'region = "ring"; size = "64K";')
    text = open(path).read()
    open(path, "w").write(text.replace("/dev/null", str(tmp_path / "g.bin")))
    res = hv.run(manifest=path, timeout=30, check_manifest=False)
    hv.expect(res.status != hr.STATUS_OK, "hyparm booted a manifest whose region has two sizes")
    hv.expect(any(re.search(r"m\.dts:24: /vms/b/shm0: size: region 'ring' is 64 KiB here but 1024 KiB in VM a", l)
                  for l in res.lines), "hyparm did not refuse the size mismatch with the line: %s" % res.tail(5))
    hv.expect(not any(l.startswith("[a]") or l.startswith("[b]") for l in res.lines), "a VM ran")


@pytest.mark.timeout(60)
def test_launcher_option_makes_the_node_and_refuses_a_bad_size(hv):
    rc, out = launcher(hv, "--dry-run", "-k", hv.guest("ivshmem"), "--ivshmem", "ring,size=3M")
    hv.expect(rc == hr.STATUS_USAGE and "--ivshmem ring,size=3M: size: expected a power of two" in out, out)
    rc, out = launcher(hv, "--dry-run", "-k", hv.guest("ivshmem"), "--ivshmem", "ring", "--ivshmem", "other")
    hv.expect(rc == hr.STATUS_USAGE and "--ivshmem other: one hyparm,ivshmem per VM" in out, out)
    rc, out = launcher(hv, "--dry-run", "-k", hv.guest("ivshmem"), "--ivshmem", "ring,bytes=1M")
    hv.expect(rc == hr.STATUS_USAGE and "the only option is size=N" in out, out)
    rc, out = launcher(hv, "--dry-run", "-k", hv.guest("ivshmem"), "--ivshmem", "ring,size=64K", "--vm", "-k",
                       hv.guest("ivshmem"), "--ivshmem", "ring,size=2M")
    hv.expect(rc == hr.STATUS_USAGE and "--ivshmem ring,size=2M: size: region 'ring' is 2048 KiB here but 64 KiB "
              "in VM vm0" in out, out)
