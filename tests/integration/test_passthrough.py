"""Device passthrough (vdev/passthrough.c) into an identity-mapped VM (core/vm_memory.c): Debian's
stock virtio_blk drives QEMU's virtio-blk-device directly (its page mapped by stage 2, its SPI
forwarded hardware-mapped), what it wrote is in the host file, and the device works again after the
guest reboots (hyparm reset it and its interrupt). Configurations that would give a VM more than
its device, or DMA into RAM it does not see at those addresses, are refused with the line."""
import hashlib
import re
import shutil

import pytest

import hyparmrun as hr
from test_blk import new_disk

PATTERN = "".join("hyparm-blk-pattern-%d\n" % i for i in range(1, 2001)).encode()
OFFSET = 16 * 4096  # rc.sh's dd seek=16 bs=4096


@pytest.mark.timeout(400)
def test_linux_drives_a_passed_through_disk_across_a_reboot(hv, tmp_path):
    hv.need_linux()
    disk = new_disk(tmp_path, "pt.img")
    vm = hr.VM(hv.LINUX, name="pt", initrd=hv.INITRD, params="console=ttyAMA0 quiet hyparm.test=passthrough",
               mem=256, cpus=2, passthrough=[("virtio-blk-device", disk)])
    res = hv.run([vm], timeout=300)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    banner = [l for l in res.lines if re.match(r"hyparm: vm pt: .* RAM at PA 0x[0-9a-f]+ \(identity-mapped\)", l)]
    hv.expect(banner, "hyparm did not place the VM identity-mapped")
    pa = int(re.search(r"at PA 0x([0-9a-f]+)", banner[0]).group(1), 16)
    hv.expect(any("passthrough of virtio device 2 at 0xa000000, INTID 48" in l for l in res.lines),
              "the disk was not passed through at slot 0")
    lines = res.vm_lines("pt")
    ram = [l for l in lines if l.startswith("hyparm-guest: ram ")]
    hv.expect(ram and ram[0].startswith("hyparm-guest: ram %x-" % pa),
              "the guest does not see its RAM at its physical address 0x%x: %s" % (pa, ram))
    hv.expect("hyparm-guest: vda 32768 sectors" in lines, "the guest's /dev/vda is not the 16 MiB disk")
    hv.expect("hyparm-guest: dd ok" in lines and "hyparm-guest: marked" in lines, "writing the disk failed")
    want = hashlib.md5(PATTERN).hexdigest()
    hv.expect("hyparm-guest: second life, vda md5 %s" % want in lines,
              "after the reboot the device did not read back what was written")
    irqs = [l for l in lines if l.startswith("hyparm-guest: irqs ")]
    # "hyparm-guest: irqs 1 N: COUNT": one virtio0 line in /proc/interrupts, COUNT on CPU 0.
    m = re.match(r"hyparm-guest: irqs 1 \d+: (\d+)", irqs[-1]) if irqs else None
    hv.expect(m and int(m.group(1)) > 0, "no interrupts counted for virtio0: %s" % irqs)
    with open(disk, "rb") as f:
        hv.expect(f.read(16).startswith(b"hyparm-pt-marker"), "the marker is not in the host file")
        f.seek(OFFSET)
        hv.expect(f.read(len(PATTERN)) == PATTERN, "the host file lacks the pattern")
    fwd = [l for l in res.lines if "passthrough 0xa000000" in l and "interrupts forwarded" in l]
    hv.expect(fwd and int(re.search(r": (\d+) interrupts forwarded", fwd[-1]).group(1)) > 0,
              "hyparm's statistics show no forwarded interrupt: %s" % fwd)


def manifest(hv, tmp_path, vm_props, pt_props, extra_vm=""):
    shutil.copy(hv.guest("hello"), tmp_path / "hello.bin")
    text = ('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n'
            '\t\tv {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "hello.bin";\n%s'
            '\t\t\tpt0 {\n\t\t\t\tcompatible = "hyparm,passthrough";\n%s\t\t\t};\n\t\t};\n%s\t};\n};\n'
            % (vm_props, pt_props, extra_vm))
    m = tmp_path / "m.dts"
    m.write_text(text)
    return str(m)


RNG = '\t\t\t\tqemu-device = "virtio-rng-device";\n'


@pytest.mark.timeout(200)
def test_unsafe_or_wrong_passthrough_is_refused_with_the_line(hv, tmp_path):
    cases = [
        # DMA to physical addresses into a VM whose IPAs are not them.
        ("", "\t\t\t\thost-address = <0x0a000000>;\n" + RNG,
         r"m.dts:\d+: /vms/v/pt0: .*no SMMU: the VM must be identity-mapped"),
        # Nothing attached there.
        ("\t\t\tidentity-mapped;\n", "\t\t\t\thost-address = <0x0a000200>;\n",
         r"m.dts:\d+: /vms/v/pt0: host-address: nothing is attached at 0xa000200"),
        # Not a transport.
        ("\t\t\tidentity-mapped;\n", "\t\t\t\thost-address = <0x09000000>;\n",
         r"m.dts:\d+: /vms/v/pt0: host-address: 0x9000000 is not a transport of the virtio window"),
    ]
    for vm_props, pt_props, want in cases:
        res = hv.run(manifest=manifest(hv, tmp_path, vm_props, pt_props), timeout=40)
        hv.expect(res.status != hr.STATUS_OK, "accepted: %s" % pt_props)
        hv.expect(any(re.search(want, l) for l in res.lines), "no %r in:\n%s" % (want, res.tail()))


@pytest.mark.timeout(120)
def test_a_device_sharing_a_page_with_hyparms_disk_is_refused(hv, tmp_path):
    """hyparm's own disk is QEMU's first virtio device (0x0a003e00); a device at 0x0a003c00 would
    give the VM that disk's registers too, in the same stage-2 page."""
    disk = new_disk(tmp_path, "own.img", 1 << 20)
    other = ('\t\tw {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "hello.bin";\n'
             '\t\t\tdisk0 {\n\t\t\t\tcompatible = "hyparm,virtio-blk";\n\t\t\t\tfile = "%s";\n\t\t\t};\n\t\t};\n'
             % disk)
    m = manifest(hv, tmp_path, "\t\t\tidentity-mapped;\n", "\t\t\t\thost-address = <0x0a003c00>;\n" + RNG, other)
    res = hv.run(manifest=m, timeout=40)
    hv.expect(res.status != hr.STATUS_OK, "a page shared with hyparm's disk was passed through")
    hv.expect(any(re.search(r"/vms/v/pt0: host-address: 0xa003c00 shares its page with the device at 0xa003e00", l)
                  for l in res.lines), "no clear refusal:\n%s" % res.tail())


def test_launcher_passthrough_option(hv, tmp_path):
    """--passthrough makes the node, identity-maps the VM and attaches QEMU's device at slot 0."""
    import subprocess
    import os
    disk = new_disk(tmp_path, size=1 << 20)
    tool = os.path.join(hv.REPO, "tools", "hyparm-run")
    p = subprocess.run([tool, "--dry-run", "-k", hv.guest("hello"), "--passthrough", "virtio-blk-device,file=" + disk],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    hv.expect(p.returncode == 0, p.stdout)
    hv.expect("identity-mapped;" in p.stdout and 'compatible = "hyparm,passthrough";' in p.stdout, p.stdout)
    hv.expect("virtio-blk-device,bus=virtio-mmio-bus.0,drive=pt0" in p.stdout, p.stdout)
    p = subprocess.run([tool, "--dry-run", "-k", hv.guest("hello"), "--passthrough", "e1000"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    hv.expect(p.returncode != 0 and "a QEMU virtio-mmio device" in p.stdout, p.stdout)
