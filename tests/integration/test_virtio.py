"""virtio-mmio: the 32 slots answer like QEMU's, virtio-rng gives a guest random bytes, and a
hostile guest's malformed virtqueues are refused while hyparm and another VM keep running
(guests/tests/virtio.c; vdev/virtio_*.c, core/virtqueue.c)."""
import re
import shutil

import pytest

import hyparmrun as hr

DEVICES = '"gicv3", "arm-vtimer", "arm-ptimer", "pl011", "virtio-mmio", "virtio-rng"'


def vm_node(name, kernel, bootargs, memory="32M", devices=None, affinity=None):
    lines = ['\t\t%s {\n' % name, '\t\t\tcompatible = "hyparm,vm";\n', '\t\t\tkernel = "%s";\n' % kernel,
             '\t\t\tmemory = "%s";\n' % memory]
    if bootargs:
        lines.append('\t\t\tbootargs = "%s";\n' % bootargs)
    if devices:
        lines.append('\t\t\tdevices = %s;\n' % devices)
    if affinity is not None:
        lines.append('\t\t\taffinity = <%d>;\n' % affinity)
    return "".join(lines) + "\t\t};\n"


def manifest(tmp_path, *nodes):
    path = tmp_path / "m.dts"
    path.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n' + "".join(nodes) +
                    '\t};\n};\n')
    return str(path)


@pytest.mark.timeout(60)
def test_empty_virtio_slots_answer_like_qemu(hv):
    """Default devices: 32 slots, magic/version 2/vendor QEMU, DeviceID 0, writes ignored, in the DT."""
    res = hv.one(hv.guest("virtio"))
    hv.expect("PASS: 32 empty slots (DeviceID 0)" in res.vm_lines("g"), "not 32 empty slots")


@pytest.mark.timeout(60)
def test_virtio_rng_serves_a_well_formed_queue(hv, tmp_path):
    shutil.copy(hv.guest("virtio"), tmp_path / "virtio.bin")
    res = hv.run(manifest=manifest(tmp_path, vm_node("r", "virtio.bin", "rng=1", devices=DEVICES)), timeout=40)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "r")
    hv.expect(any(l.startswith("RNG ") for l in res.vm_lines("r")), "no random bytes printed")


@pytest.mark.timeout(90)
def test_hostile_virtqueues_are_refused_and_the_other_vm_runs(hv, tmp_path):
    """Loops, buffers outside RAM, huge lengths, bad indirect tables, readable buffers: completed with
    length 0; an avail index jump, a head outside the queue, rings outside RAM: DEVICE_NEEDS_RESET.
    hyparm reports each broken queue (capped), and the survivor VM on the same CPU finishes."""
    shutil.copy(hv.guest("virtio"), tmp_path / "virtio.bin")
    shutil.copy(hv.guest("survivor"), tmp_path / "survivor.bin")
    res = hv.run(manifest=manifest(tmp_path, vm_node("h", "virtio.bin", "rng=1 hostile=1", devices=DEVICES, affinity=1),
                                   vm_node("s", "survivor.bin", None, affinity=1)), timeout=70)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "h")
    hv.guest_passed(res, "s")
    reports = [l for l in res.lines if re.match(r"hyparm: vm h: virtio-rng queue 0: .*: device needs reset", l)]
    hv.expect(len(reports) == 4, "want 4 needs-reset reports, got %d" % len(reports))


@pytest.mark.timeout(150)
def test_linux_virtio_rng(hv, tmp_path):
    """Debian's virtio_mmio + virtio-rng modules find the device: hw_random uses it, /dev/hwrng reads."""
    hv.need_linux()
    res = hv.run(manifest=manifest(tmp_path, vm_node("l", hv.LINUX, "console=ttyAMA0 quiet hyparm.test=virtio-rng",
                                                     memory="256M", devices=DEVICES).replace(
        '\t\t\tmemory', '\t\t\tinitrd = "%s";\n\t\t\tmemory' % hv.INITRD)), timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: rng_current virtio_rng.0" in lines, "hw_random does not use virtio_rng")
    hv.expect("hyparm-guest: hwrng bytes 64" in lines, "head -c 64 /dev/hwrng did not give 64 bytes")
    sums = [l.split()[-1] for l in lines if l.startswith("hyparm-guest: hwrng md5 ")]
    hv.expect(len(sums) == 2 and sums[0] != sums[1], "two reads of /dev/hwrng: %s" % sums)


def console_node(extra=""):
    return '\t\t\tconsole0 {\n\t\t\t\tcompatible = "hyparm,virtio-console";\n%s\t\t\t};\n' % extra


@pytest.mark.timeout(150)
def test_linux_virtio_console_output_on_the_vm_line(hv, tmp_path):
    """Debian's virtio_console module finds the device (a manifest node) as hvc0; lines written to
    /dev/hvc0 come out on the VM's console line with its name, like the PL011's
    (vdev/virtio_console.c). Catches: transmitq not consumed, output not routed through the VM's
    console line, the node not creating the device."""
    hv.need_linux()
    node = vm_node("l", hv.LINUX, "console=ttyAMA0 quiet hyparm.test=virtio-console", memory="256M",
                   devices='"gicv3", "arm-vtimer", "arm-ptimer", "pl011", "virtio-mmio"')
    node = node.replace('\t\t\tmemory', '\t\t\tinitrd = "%s";\n\t\t\tmemory' % hv.INITRD)
    node = node[:node.rindex("\t\t};")] + console_node() + "\t\t};\n"
    res = hv.run(manifest=manifest(tmp_path, node), timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: hvc0 /dev/hvc0" in lines, "no /dev/hvc0 in the guest")
    for i in (1, 2, 3):
        hv.expect("hvc0 line %d" % i in lines, "line %d written to /dev/hvc0 not on the VM's console" % i)


@pytest.mark.timeout(150)
def test_linux_virtio_console_input_with_the_input_flag(hv, tmp_path):
    """With `input;` in the node, console input goes to the receiveq, not the PL011: a line typed
    while the guest reads /dev/hvc0 arrives there. Catches: input still going to the PL011, the
    receive buffers not filled or not completed."""
    hv.need_linux()
    node = vm_node("l", hv.LINUX, "console=ttyAMA0 quiet hyparm.test=virtio-console-input", memory="256M",
                   devices='"gicv3", "arm-vtimer", "arm-ptimer", "pl011", "virtio-mmio"')
    node = node.replace('\t\t\tmemory', '\t\t\tinitrd = "%s";\n\t\t\tmemory' % hv.INITRD)
    node = node[:node.rindex("\t\t};")] + console_node("\t\t\t\tinput;\n") + "\t\t};\n"
    res = hv.run(manifest=manifest(tmp_path, node), timeout=120,
                 script=[(r"hvc0 waiting for a line", "ping-hvc\r")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect("hyparm-guest: hvc0 got 'ping-hvc'" in res.vm_lines("l"),
              "the typed line did not reach /dev/hvc0")
