"""SVE and pointer authentication for guests (arch/sve.h, arch/pauth.h): advertised and working
where the CPU has them (-cpu max), the state switched with the vCPU so that two VMs, or two vCPUs
of one VM, on one physical CPU never see each other's; hidden and UNDEFINED on cortex-a57
(guests/tests/sve.c, guests/tests/pauth.c)."""
import pytest

import hyparmrun as hr

# pauth-impdef=on: QEMU's architected QARMA5 makes -cpu max about 3x slower (PLATFORM.md).
CPU_MAX = "max,pauth-impdef=on"
VL_BITS = 512  # arch/sve.h: SVE_VL_MAX_BYTES, below QEMU's 2048


def _pair(hv, guest, a_params, b_params, cpu_model=CPU_MAX, timeout=90):
    res = hv.run([hr.VM(hv.guest(guest), name="a", params=a_params, pcpus="0"),
                  hr.VM(hv.guest(guest), name="b", params=b_params, pcpus="0")],
                 cpu_model=cpu_model, timeout=timeout)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "a")
    hv.guest_passed(res, "b")
    return res


@pytest.mark.timeout(90)
def test_sve_hidden_and_undefined_on_cortex_a57(hv):
    res = hv.run([hr.VM(hv.guest("sve"), name="g")], cpu_model="cortex-a57", timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")
    hv.expect(any("PASS: RDVL is UNDEFINED" in l for l in res.vm_lines("g")), "the UNDEF was not checked")


@pytest.mark.timeout(150)
def test_sve_registers_never_cross_vms_on_one_cpu(hv):
    """Two VMs on physical CPU 0 with their own Z/P/FFR patterns, and different ZCR_EL1.LEN (the
    whole 512 bits, and 256): each reads back only its own, through many switches."""
    res = _pair(hv, "sve", "seed=1 len=15 expect_vl_bits=%d" % VL_BITS, "seed=2 len=1 expect_vl_bits=%d" % VL_BITS)
    hv.expect(any("SVE: guests' vector length %d bits (the CPU's longest 2048" % VL_BITS in l for l in res.lines),
              "hyparm did not report the VL it chose")
    for vm in ("a", "b"):
        hv.expect(any("kept over 20 rounds" in l and l.startswith("PASS") for l in res.vm_lines(vm)),
                  "vm %s: no isolation check" % vm)


@pytest.mark.timeout(150)
def test_sve_registers_never_cross_vcpus_of_one_vm(hv):
    res = hv.run([hr.VM(hv.guest("sve"), name="g", params="seed=3 cpus=2", cpus=2, pcpus="0")],
                 cpu_model=CPU_MAX, timeout=90)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")
    hv.expect(any(l.startswith("PASS: vCPU 1: Z, P, FFR") for l in res.vm_lines("g")), "vCPU 1 did not check")


@pytest.mark.timeout(90)
def test_pauth_hidden_and_undefined_on_cortex_a57(hv):
    res = hv.run([hr.VM(hv.guest("pauth"), name="g")], cpu_model="cortex-a57", timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")
    hv.expect(any("PASS: PACGA is UNDEFINED" in l for l in res.vm_lines("g")), "the UNDEF was not checked")


@pytest.mark.timeout(150)
def test_pauth_keys_never_cross_vms_on_one_cpu(hv):
    """Two VMs on physical CPU 0 with their own keys, one first using a key register (HCR_EL2.APK
    trap), the other a PAC instruction (HCR_EL2.API): round trips work, forged pointers fail, and
    each VM's keys and signatures stay its own through many switches."""
    res = _pair(hv, "pauth", "seed=1", "seed=2 first=pac")
    for vm in ("a", "b"):
        lines = res.vm_lines(vm)
        for want in ("PACIA/AUTIA round trip", "a forged pointer fails AUTIA", "keys and signatures kept over 20"):
            hv.expect(any(l.startswith("PASS: ") and want in l for l in lines), "vm %s: no %r check" % (vm, want))
    hv.expect(any(l.startswith("PASS: PACGA as the first use runs") for l in res.vm_lines("b")),
              "vm b did not start with a PAC instruction")


@pytest.mark.timeout(150)
def test_pauth_keys_never_cross_vcpus_of_one_vm(hv):
    res = hv.run([hr.VM(hv.guest("pauth"), name="g", params="seed=3 cpus=2", cpus=2, pcpus="0")],
                 cpu_model=CPU_MAX, timeout=90)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")
    hv.expect(any(l.startswith("PASS: vCPU 1: its keys") for l in res.vm_lines("g")), "vCPU 1 did not check")


@pytest.mark.timeout(300)
def test_linux_sve_program_in_two_vms_on_one_cpu(hv):
    """Debian's kernel on -cpu max under hyparm: /proc/cpuinfo lists sve and the pointer-
    authentication features (paca, pacg), the kernel reports them, and an SVE program
    (guests/linux/svecheck.c) gives the right result and keeps its Z/P registers in two VMs that
    share physical CPU 0."""
    hv.need_linux()
    guests = [hr.VM(hv.LINUX, name=n, initrd=hv.INITRD, params="console=ttyAMA0 quiet hyparm.test=sve hyparm.seed=%d" % s,
                    cpus=1, mem=256, pcpus="0") for n, s in (("l1", 1), ("l2", 2))]
    res = hv.run(guests, cpu_model=CPU_MAX, timeout=240)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for g in guests:
        hv.guest_passed(res, g.name)
        lines = res.vm_lines(g.name)
        for f in ("sve", "paca", "pacg"):
            hv.expect("hyparm-guest: cpuinfo feature " + f in lines, "%s: no %s in /proc/cpuinfo" % (g.name, f))
        hv.expect(any("SVE: maximum available vector length 64 bytes" in l for l in lines),
                  "%s: the kernel did not see hyparm's 512-bit VL" % g.name)
        hv.expect(any("Address authentication" in l for l in lines), "%s: no address authentication" % g.name)
        hv.expect(any(l.startswith("PASS: SVE sum") for l in lines), "%s: no SVE sum check" % g.name)
        hv.expect(any(l.startswith("PASS: Z0-Z31, P0-P15") for l in lines), "%s: no register check" % g.name)
