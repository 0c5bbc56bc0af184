"""Single bare-metal guests, and hyparm refusing what it must refuse."""
import re
import shutil
import subprocess

import pytest

import hyparmrun as hr
from conftest import GICS


@GICS
@pytest.mark.timeout(60)
def test_hello_prints_and_powers_off(hv, gic):
    res = hv.one(hv.guest("hello"), gic=gic)
    hv.expect(any("hello from guest" in l for l in res.vm_lines("g")), "no greeting on the console")
    hv.expect("hyparm: all VMs stopped" in res.lines, "hyparm did not end the run")
    hv.expect(any(l.startswith("hyparm: EL2 mappings: W^X checked") for l in res.lines),
              "the banner does not report the W^X / guard page self-check")


@pytest.mark.timeout(60)
def test_shadow_id_registers(hv):
    hv.one(hv.guest("idregs"), params="expect_midr=0x411fd070", pcpus="1")


@pytest.mark.timeout(60)
def test_unknown_hypercall_and_undefined_sysreg(hv):
    hv.one(hv.guest("undef"))


def manifest(tmp_path, body, name="m.dts"):
    """A one-VM manifest in tmp_path (VM x, kernel hello.bin from there): body's lines begin at line 7."""
    path = tmp_path / name
    path.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n\t\tx {\n'
                    '\t\t\tcompatible = "hyparm,vm";\n' + body + '\t\t};\n\t};\n};\n')
    return str(path)


@pytest.mark.timeout(50)
def test_bad_manifest_names_file_and_line(hv, tmp_path):
    """A typo in the manifest: the launcher refuses it before anything boots, and hyparm, which
    never trusts the bundle, refuses it too, both naming the user's file and line."""
    shutil.copy(hv.guest("hello"), tmp_path / "hello.bin")
    m = manifest(tmp_path, '\t\t\tkernel = "hello.bin";\n\t\t\tmemroy = "64M";\n')
    want = r"m\.dts:8: /vms/x: memroy: unknown property \(expected compatible, kernel, "
    with pytest.raises(hr.UsageError) as refused:
        hv.run(manifest=m, timeout=20)
    hv.expect(re.search(want, str(refused.value)), "launcher: no 'm.dts:8' error in: %s" % refused.value)
    res = hv.run(manifest=m, timeout=20, check_manifest=False)
    hv.expect(res.status == hr.STATUS_HYP_FAILED, "status %d" % res.status)
    hv.expect(any(re.search("PANIC: .*" + want, l) for l in res.lines), "no 'm.dts:8' error in: " + res.tail(3))


@pytest.mark.timeout(50)
def test_entered_at_el1_refuses_to_run(hv):
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
           "-nographic", "-net", "none", "-kernel", hv.HYPARM]
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20,
                             stdin=subprocess.DEVNULL).stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        pytest.fail("hyparm at EL1 did not power off (hang)", pytrace=False)
    hv.expect("entered at EL1, but hyparm must be started at EL2" in out, "no EL1 error message: " + out[-300:])


@pytest.mark.timeout(60)
def test_mmio_access_past_a_device_end_is_an_external_abort(hv):
    res = hv.one(hv.guest("mmio_edge"))
    reports = [l for l in res.lines if re.match(r"hyparm: vm g: \d-byte access at IPA 0x\w+ runs past the end of", l)]
    hv.expect(len(reports) == 4, "want 4 reports of an access past a device's end, got %d" % len(reports))


@pytest.mark.timeout(60)
def test_device_list_from_the_manifest(hv, tmp_path):
    """The VM builder walks the manifest's device list through the registry: the list written
    out builds the usual VM; an unknown device and a device listed before the interrupt
    controller are refused (by hyparm, which has the registry) with the VM's file:line."""
    shutil.copy(hv.guest("hello"), tmp_path / "hello.bin")
    kernel = '\t\t\tkernel = "hello.bin";\n'
    res = hv.run(manifest=manifest(tmp_path, kernel + '\t\t\tdevices = "gicv3", "arm-vtimer", "arm-ptimer", '
                                   '"pl011";\n'), timeout=20)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(any("hello from guest" in l for l in res.vm_lines("x")), "no greeting on the console")
    for devices, want in (('"gicv3", "pl011", "sata"', r"PANIC: \S*/m\.dts:5: /vms/x: vm x: no device called 'sata'"),
                          ('"pl011", "gicv3"',
                           r"PANIC: \S*/m\.dts:5: /vms/x: vm x: device 'pl011' needs the interrupt controller")):
        res = hv.run(manifest=manifest(tmp_path, kernel + "\t\t\tdevices = %s;\n" % devices), timeout=20)
        hv.expect(res.status == hr.STATUS_HYP_FAILED, "%s: status %d" % (devices, res.status))
        hv.expect(any(re.search(want, l) for l in res.lines), "%s: no %r in: %s" % (devices, want, res.tail(3)))


@pytest.mark.timeout(50)
def test_gicv3_device_on_a_gicv2_host_is_refused(hv, tmp_path):
    """A VM's virtual GIC is built on the host's virtual CPU interface: a manifest that names
    gicv3 on a GICv2 host is refused with the VM's file:line, and says why."""
    shutil.copy(hv.guest("hello"), tmp_path / "hello.bin")
    m = manifest(tmp_path, '\t\t\tkernel = "hello.bin";\n\t\t\tdevices = "gicv3", "pl011";\n')
    res = hv.run(manifest=m, timeout=20, gic=2)
    want = r"PANIC: \S*/m\.dts:5: /vms/x: vm x: a virtual GICv3 needs a GICv3 host \(this one is a GICv2\)"
    hv.expect(res.status == hr.STATUS_HYP_FAILED, "status %d: %s" % (res.status, res.why))
    hv.expect(any(re.search(want, l) for l in res.lines), "no %r in: %s" % (want, res.tail(3)))


@pytest.mark.timeout(60)
def test_initrd_of_a_raw_image_survives_its_bss(hv, tmp_path):
    """guests/tests/initrd.c: a raw image with a 3 MiB bss gets an initrd whose byte i is
    (i ^ i>>8 ^ i>>16 ^ 0x5a); it must find every byte intact after zeroing and filling its bss
    (the initrd used to go right after the file end, inside that bss). Both the launcher's
    RAM/2 placement (64 MiB VM) and the top-of-RAM one (an initrd too large for RAM/2) count."""
    for mem, size in ((64, 300 * 1024 + 3), (16, 9 * 1024 * 1024 + 5)):
        rd = tmp_path / ("rd-%d.bin" % mem)
        rd.write_bytes(bytes((i ^ (i >> 8) ^ (i >> 16) ^ 0x5A) & 0xFF for i in range(size)))
        hv.one(hv.guest("initrd"), initrd=str(rd), mem=mem, params="initrd_size=%d" % size)


@pytest.mark.timeout(60)
def test_four_vms_of_200_mib_fit_the_default_machine(hv):
    """The bug: four 200 MiB VMs on the default 1 GiB machine were refused ("cannot allocate 200 MiB,
    292 MiB free"): the bundle held a copy of the image per VM. It holds each image once now, and
    every VM boots."""
    vms = [hr.VM(hv.guest("hello"), name=n, mem=200) for n in "abcd"]
    res = hv.run(vms, timeout=40)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for n in "abcd":
        hv.expect(res.vm_states.get(n) == "off", "vm %s did not run to its power-off: %s" % (n, res.tail(5)))
