"""The virtual PCIe host bridge (vdev/pci_host.c) and virtio-pci (vdev/virtio_pci.c): Debian's kernel finds
the ECAM bridge, enumerates the virtio-rng function, binds virtio_pci to it, and its MSI-X vectors reach the
guest as LPIs through the ITS (the ITS-MSI line of /proc/interrupts counts up when /dev/hwrng is read)."""
import re

import pytest

import hyparmrun as hr
from test_virtio import manifest, vm_node

DEVICES = '"gicv3", "gicv3-its", "arm-vtimer", "arm-ptimer", "pl011", "pci-host", "virtio-rng-pci"'


def msi_counts(lines, tag):
    """{irq description: total count over CPUs} of the /proc/interrupts MSI lines the guest printed."""
    out = {}
    for l in lines:
        if l.startswith("hyparm-guest: %s " % tag):
            f = l.split()[3:]  # after "NN:": one count per CPU, then the chip, hwirq, type and name
            n = 0
            while n < len(f) and f[n].isdigit():
                n += 1
            out[" ".join(f[n:n + 1] + f[n + 2:])] = sum(int(x) for x in f[:n])
    return out


@pytest.mark.timeout(240)
@pytest.mark.parametrize("vcpus", [1, 2])
def test_linux_virtio_rng_pci_msix_through_the_its(hv, tmp_path, vcpus):
    hv.need_linux()
    node = vm_node("l", hv.LINUX, "console=ttyAMA0 quiet hyparm.test=virtio-rng-pci", memory="256M",
                   devices=DEVICES)
    node = node.replace('\t\t\tmemory', '\t\t\tinitrd = "%s";\n\t\t\tvcpus = <%d>;\n\t\t\tmemory'
                        % (hv.INITRD, vcpus))
    res = hv.run(manifest=manifest(tmp_path, node), timeout=180)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    pci = [l for l in lines if l.startswith("hyparm-guest: pci ")]
    # Bus 0, device 1: vendor 0x1af4 (virtio), device 0x1044 (0x1040 + virtio-rng's ID 4), virtio_pci bound.
    hv.expect("hyparm-guest: pci 0000:00:01.0 0x1af4:0x1044 driver virtio-pci" in lines,
              "the virtio-rng function is not enumerated with virtio-pci bound: %s" % pci)
    hv.expect(len(pci) == 1, "want exactly one PCI function: %s" % pci)
    hv.expect("hyparm-guest: rng_current virtio_rng.0" in lines, "hw_random does not use virtio_rng")
    hv.expect("hyparm-guest: hwrng bytes 256" in lines, "dd of /dev/hwrng did not give 256 bytes")
    before, after = msi_counts(lines, "irq-before"), msi_counts(lines, "irq-after")
    its = {d: n for d, n in after.items() if "ITS" in d and "virtio" in d}
    hv.expect(its, "no ITS MSI line for the virtio device in /proc/interrupts: %s" % after)
    grew = [d for d, n in its.items() if n > before.get(d, 0)]
    hv.expect(grew, "no virtio ITS MSI count grew while /dev/hwrng was read: before %s after %s" % (before, after))
    # hyparm's side (the power-off report): at least the MSIs the guest counted, none aimed elsewhere or lost.
    rep = [re.search(r"virtio-rng \(pci 00:01\.0\): (\d+) MSIs, (\d+) dropped, (\d+) bad address, (\d+) not translated",
                     l) for l in res.lines]
    rep = [m for m in rep if m]
    hv.expect(len(rep) == 1, "no virtio-rng-pci line in hyparm's power-off report")
    sent, _, bad, lost = (int(x) for x in rep[0].groups())
    hv.expect(sent >= sum(its.values()) > 0, "hyparm sent %d MSIs, the guest counted %s" % (sent, its))
    hv.expect(bad == 0 and lost == 0, "MSIs with a bad address (%d) or not translated (%d)" % (bad, lost))


@pytest.mark.timeout(240)
def test_linux_without_pci_has_no_bus(hv, tmp_path):
    """The default devices have no bridge: the same guest sees no PCI bus (nothing else changes)."""
    hv.need_linux()
    node = vm_node("l", hv.LINUX, "console=ttyAMA0 quiet hyparm.test=virtio-rng-pci", memory="256M")
    node = node.replace('\t\t\tmemory', '\t\t\tinitrd = "%s";\n\t\t\tmemory' % hv.INITRD)
    res = hv.run(manifest=manifest(tmp_path, node), timeout=180)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect(not [l for l in lines if l.startswith("hyparm-guest: pci 0000")], "a PCI function without pci-host")
    hv.expect(not any("pci-ecam" in l or "pci-host" in l for l in res.lines), "a bridge in hyparm's report")


@pytest.mark.timeout(240)
def test_linux_virtio_rng_pci_from_a_manifest_node(hv, tmp_path):
    """The node form: hyparm,virtio-rng-pci under the VM (pci-host in devices) makes the same function."""
    hv.need_linux()
    node = vm_node("l", hv.LINUX, "console=ttyAMA0 quiet hyparm.test=virtio-rng-pci", memory="256M",
                   devices=DEVICES.replace(', "virtio-rng-pci"', ''))
    node = node.replace('\t\t\tmemory', '\t\t\tinitrd = "%s";\n\t\t\tmemory' % hv.INITRD)
    node = node[:node.rindex("\t\t};")] + '\t\t\trng0 { compatible = "hyparm,virtio-rng-pci"; };\n\t\t};\n'
    res = hv.run(manifest=manifest(tmp_path, node), timeout=180)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: pci 0000:00:01.0 0x1af4:0x1044 driver virtio-pci" in lines,
              "the node did not make the virtio-rng function")
    hv.expect("hyparm-guest: hwrng bytes 256" in lines, "dd of /dev/hwrng did not give 256 bytes")
