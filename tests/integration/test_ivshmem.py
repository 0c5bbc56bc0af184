"""Shared memory between VMs with doorbells (core/shmem.c, vdev/ivshmem.c): an ivshmem-doorbell PCI
function on each VM's PCIe host bridge, its BAR2 the region mapped by stage 2, its doorbells INTx.
Two bare-metal guests exchange patterns and ring each other (guests/tests/ivshmem.c, which also
measures the doorbell round trip and tries hostile writes); two Debian VMs do the same from user space
with the stock uio_pci_generic (guests/linux/shmping.c); bad manifests are refused with their line."""
import re

import pytest

import hyparmrun as hr


def report(res, vm_lines_before=None):
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


@pytest.mark.timeout(200)
def test_baremetal_pair_patterns_doorbells_and_round_trip(hv):
    """Peers 0 and 1 (in VM order) see each other's pattern and interrupts, INTx disable holds the
    line while PCI_STATUS shows it, 200 round trips complete; hostile writes (IVPosition, doorbells to
    peers 7 and 0xffff, byte accesses) are ignored and counted, and both VMs go on to power off."""
    vms = [hr.VM(hv.guest("ivshmem"), name=n, mem=32, pcpus=str(i), ivshmem=[("ring", "1M")])
           for i, n in enumerate(("a", "b"))]
    res = hv.run(vms, timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "a")
    hv.guest_passed(res, "b")
    hv.expect("IVPosition 0 (two peers)" in " ".join(res.vm_lines("a")), "vm a is not peer 0")
    hv.expect("IVPosition 1 (two peers)" in " ".join(res.vm_lines("b")), "vm b is not peer 1")
    rt = [l for l in res.vm_lines("a") if l.startswith("ivshmem round trip ")]
    hv.expect(rt, "no round trip figure")
    print("ivshmem doorbell round trip (bare metal): %s" % rt[0][len("ivshmem round trip "):])
    rep = report(res)
    hv.expect(sorted(rep) == [0, 1], "power-off report: %s" % rep)
    for p in (0, 1):
        r = rep[p]
        hv.expect(r["region"] == "ring" and r["kib"] == 1024 and r["peers"] == 2, "peer %d: %s" % (p, r))
        hv.expect(r["bad"] == 2 and r["ro"] == 1, "peer %d: hostile writes not counted: %s" % (p, r))
        hv.expect(r["trapped"] == 0, "peer %d: region accesses trapped (not mapped): %s" % (p, r))
    # Every doorbell but the two to nobody reached the other peer.
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
    rate = shm_field(res.vm_lines("rx"), "shmping: KiB/s ")
    print("ivshmem Linux to Linux through uio: %s KiB/s, %d interrupts" % (rate[0] if rate else "?", irqs))
    rep = report(res)
    hv.expect(sorted(rep) == [0, 1] and rep[0]["trapped"] == 0 and rep[1]["trapped"] == 0,
              "power-off report: %s" % rep)
