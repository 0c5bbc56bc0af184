#!/usr/bin/python3
"""hyparm's benchmarks (make bench): every exit path measured under hyparm,
under Linux KVM (nVHE and VHE) and natively, on the same emulated machine.

  python3 tools/bench.py [--smoke] [--iters N] [--out DIR] [--only micro,linux,scale,storm,boards]
                         [--no-kvm] [--no-xen] [--clocks icount,normal]

Micro benchmarks run guests/bench/bench.c (one raw binary) everywhere.
Linux benchmarks boot Debian's kernel with the busybox initramfs
(hyparm.test=boot / hyparm.test=bench); hyparm's power-off report gives
the exits per reason. Scale boots 1, 2, 4, 8 small VMs, timed with hyparm's
and the guests' counters. Storm runs a job alone and next to a VM that
reboots in a loop. Boards runs the micro benchmark under hyparm on virt (GICv3,
GICv2) and the ZCU102 model, icount only. Each part is one PARTS entry (a run
and a report function).
The Xen column is Debian's Xen 4.17 in dom0less mode (tools/xenrun.py), run
when deps/xen/xen is there (scripts/fetch-xen.sh); --no-xen leaves it out.

Two clocks: 'icount' runs QEMU with -icount shift=0,sleep=off, where emulated
time counts instructions (1 ns each), so figures repeat exactly and do not
depend on the host's load; 'normal' is QEMU's usual clock, which follows
the host (wall-clock-like, noisy). A benchmark never fails on timing:
--smoke only checks that the machinery works (every row present, numbers
positive) and exits non-zero if it does not.
"""
import argparse
import csv
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xenrun  # noqa: E402
from benchlib import (BENCH_BIN, HELLO_BIN, ICOUNT, INITRD, LINUX, REPO, Run, fmt, hr,  # noqa: E402
                      hyparm_cmd, kvm_cmd, native_cmd, power_off_reports, ratio, xen_cpus)
from bench_virtio import (VIRTIO_CASES, VIRTIO_ROWS, VIRTIO_SIZES, VirtioSizes,  # noqa: E402
                          report_virtio, run_virtio, virtio_table)

TARGETS = ["hyparm", "kvm-nvhe", "kvm-vhe", "xen", "native"]
# The rows of the micro table, in order, with what each measures.
MICRO_ROWS = [
    ("null_hvc", "HVC answered at once (unknown SMCCC id)"),
    ("sysreg_trap_read", "trapped ID register read (TID3)"),
    ("mmio_read_gicd_iidr", "MMIO read, GIC distributor (in the hypervisor / in-kernel)"),
    ("mmio_write_gicd_ipriorityr", "MMIO write, GIC distributor"),
    ("mmio_read_uart_fr", "MMIO read, PL011 (hyparm: in EL2; KVM: user-space VMM)"),
    ("mmio_write_uart_ilpr", "MMIO write, PL011"),
    ("virtual_eoi_ack", "virtual ACK + EOI of an SGI (no trap)"),
    ("ipi_roundtrip", "virtual IPI there and back, target spinning"),
    ("ipi_roundtrip_target_wfi", "virtual IPI there and back, target in WFI"),
    ("vtimer_latency", "virtual timer: expiry to guest handler"),
    ("first_touch_page", "first write to a fresh page (stage-2 fault if mapped lazily)"),
    ("cpu_loop_iteration", "CPU-bound loop iteration (xorshift)"),
    ("mem_loop_line", "memory-bound loop, one 64-byte line"),
    ("tlb_walk_access", "guest MMU on, one load per 4 KiB page (TLB-miss bound)"),
]
# What bare QEMU cannot do: with no EL2 below it, an HVC is undefined.
NATIVE_SKIPS = {"null_hvc"}


# ---------------------------------------------------------------- micro

BENCH_LINE = re.compile(r"BENCH (\S+) min=(\d+) avg=(\d+) n=(\d+)")
SKIP_LINE = re.compile(r"BENCH (\S+) skipped (.*)")


def parse_bench(lines):
    rows, skipped = {}, {}
    for l in lines:
        m = BENCH_LINE.search(l)
        if m:
            rows[m.group(1)] = {"min_ns": int(m.group(2)), "avg_ns": int(m.group(3)), "n": int(m.group(4))}
            continue
        m = SKIP_LINE.search(l)
        if m:
            skipped[m.group(1)] = m.group(2)
    return rows, skipped


def micro_run(target, icount, iters, log):
    params = "iters=%d" % iters
    with tempfile.TemporaryDirectory(prefix="hyparm-bench-") as work:
        if target == "hyparm":
            cmd = hyparm_cmd([hr.VM(BENCH_BIN, name="bench", cpus=2, pcpus="0,1", params=params)], work, icount)
        elif target == "native":
            cmd = native_cmd(BENCH_BIN, params + " native=1", icount)
        elif target == "xen":
            cmd = xenrun.prepare([xenrun.Domain(BENCH_BIN, params, cpus=xen_cpus(icount), mem_mib=64)], work,
                                 icount, smp=xen_cpus(icount))
        else:
            cmd = kvm_cmd(target[4:], icount, guest=BENCH_BIN, params=params)
        # Xen stays up when its only domU powers off: the run ends on the guest's last line;
        # hyparm's ends after its power-off report.
        run = Run(cmd, timeout=600, stop=r"all VMs stopped" if target == "hyparm" else r"BENCH-END|RESULT: ")
    rows, skipped = parse_bench(run.lines)
    extra = {}
    if target == "hyparm":
        extra["report"] = power_off_reports(run.lines).get("bench")
    if target.startswith("kvm"):
        _, m = run.first(r"KVM-MODE: (\w+)")
        extra["kvm_mode"] = m.group(1) if m else "unknown"
        if extra["kvm_mode"] != target[4:]:
            log("  %s: KVM reported mode %s, expected %s" % (target, extra["kvm_mode"], target[4:]))
    if "BENCH-END" not in "\n".join(run.lines):
        log("  %s (%s): no BENCH-END (%s); last lines:\n    %s" %
            (target, "icount" if icount else "normal", run.why or "exit %s" % run.rc, run.tail()))
    return rows, skipped, extra


# ---------------------------------------------------------------- Linux

def linux_run(target, icount, test, log, timeout=600):
    params = "console=ttyAMA0 quiet hyparm.test=%s" % test
    up = r"hyparm-guest: up ([0-9.]+)s"
    stop = r"reboot: Power down|KVM-RUNNER-EXIT|all VMs stopped"
    with tempfile.TemporaryDirectory(prefix="hyparm-bench-") as work:
        if target == "hyparm":
            cmd = hyparm_cmd([hr.VM(LINUX, name="linux", initrd=INITRD, params=params, cpus=2, mem=256,
                                    pcpus="0,1")], work, icount)
            start_mark = r"hyparm: vm linux: 2 vCPUs"
            stop = r"all VMs stopped"  # after the power-off report (exits per reason)
        elif target == "native":
            cmd = native_cmd(LINUX, params, icount, initrd=INITRD)
            start_mark = None
        elif target == "xen":
            # A dom0less domU; its console is Xen's vpl011 (an SBSA UART, ttyAMA0 to Linux).
            cmd = xenrun.prepare([xenrun.Domain(LINUX, params, cpus=xen_cpus(icount), mem_mib=256, initrd=INITRD,
                                                raw=False)], work, icount, smp=xen_cpus(icount))
            start_mark = r"LOADING DOMU"
        else:
            cmd = kvm_cmd(target[4:], icount, kernel=LINUX, initrd=INITRD, params=params, mem=256,
                          timeout=timeout)
            start_mark = r"KVM-MODE: "  # printed by the KVM host just before it starts the runner
        run = Run(cmd, timeout=timeout, stop=stop)
    res = {}
    i, m = run.first(up)
    if m is None:
        log("  linux %s (%s): no 'hyparm-guest: up' line (%s); last lines:\n    %s" %
            (target, "icount" if icount else "normal", run.why or "exit %s" % run.rc, run.tail()))
        return res
    res["boot_guest_s"] = float(m.group(1))
    t0 = 0.0
    if start_mark:
        j, _ = run.first(start_mark)
        t0 = run.times[j] if j is not None else 0.0
    res["boot_host_wall_s"] = round(run.times[i] - t0, 2)
    for l in run.lines:
        mm = re.search(r"BENCH-LINUX (\S+) ([0-9.]+)", l)
        if mm:
            res[mm.group(1) + "_s"] = float(mm.group(2))
    if target == "hyparm":
        res["report"] = power_off_reports(run.lines).get("linux")
    return res


# ---------------------------------------------------------------- scale

CREATE_LINE = re.compile(r"^hyparm: vm (\S+): timing: create (\d+)\.\.(\d+), cntvoff (\d+)$")
CREATED_LINE = re.compile(r"^hyparm: timing: (\d+) VMs created and started, counter (\d+)\.\.(\d+), (\d+) Hz$")
HELLO_TIMING = re.compile(r"^\[(\S+)\] hello: timing: entry cntvct (\d+), greeting cntvct (\d+)$")


def scale_run(n, icount, log):
    """n small VMs: every figure from counters, never from when the host saw a line. hyparm prints
    its physical counter around each VM's creation and the VM's CNTVOFF; each guest its own virtual
    counter (0 at its creation) at its first instructions and before its first output; both convert
    to one timeline, from the start of VM creation."""
    vms = [hr.VM(HELLO_BIN, name="s%d" % i, mem=16, pcpus=str(i % 2)) for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="hyparm-bench-") as work:
        run = Run(hyparm_cmd(vms, work, icount), timeout=120, stop=r"all VMs stopped")
    per_vm, created, cost, hello = {}, None, [], {}
    for l in run.lines:
        m = CREATE_LINE.match(l)
        if m:
            per_vm[m.group(1)] = tuple(int(x) for x in m.group(2, 3, 4))
        m = CREATED_LINE.match(l)
        if m:
            created = tuple(int(x) for x in m.group(1, 2, 3, 4))
        m = re.search(r"^hyparm: vm s\d+: .*stage-2 tables (\d+) KiB, hyparm state (\d+) KiB", l)
        if m:
            cost.append((int(m.group(1)), int(m.group(2))))
        m = HELLO_TIMING.match(l)
        if m:
            hello[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    names = ["s%d" % i for i in range(n)]
    missing = [v for v in names if v not in per_vm or v not in hello]
    if created is None or missing or len(cost) != n:
        log("  scale %d: incomplete run (%s; no timing for %s); last lines:\n    %s" %
            (n, run.why or "exit %s" % run.rc, ",".join(missing) or "-", run.tail()))
        return None
    _, t_from, t_started, hz = created
    us = lambda ticks: round(ticks * 1e6 / hz, 1)  # noqa: E731
    entry = [us(per_vm[v][2] + hello[v][0] - t_from) for v in names]
    greet = [us(per_vm[v][2] + hello[v][1] - t_from) for v in names]
    return {"vms": n, "create_us_per_vm": round(sum(us(per_vm[v][1] - per_vm[v][0]) for v in names) / n, 1),
            "all_created_us": us(t_started - t_from),
            "first_insn_us": entry, "first_output_us": greet,
            "stage2_kib_per_vm": cost[0][0], "hyparm_kib_per_vm": cost[0][1]}


# ---------------------------------------------------------------- reboot storm

STORM_ROUNDS = 20000  # about 1 s of emulated time alone: the job's ms figure resolves 0.1 %
STORM_EVERY_MS = 10   # the rebooting VM sleeps 10 ms in WFI between resets


def storm_run(job_pcpu, other, icount, log):
    """The honest job's rate on job_pcpu next to other on pCPU 0: None (alone), "reboot" (a VM that
    sleeps STORM_EVERY_MS in WFI and resets, for ever) or "spin" (a VM that never idles). Times from
    the job's own virtual counter."""
    g = lambda n: os.path.join(REPO, "build", "guests", n + ".bin")  # noqa: E731
    job = hr.VM(g("honest"), name="job", mem=16, pcpus=job_pcpu, params="rounds=%d" % STORM_ROUNDS)
    vms = [job]
    if other == "spin":
        vms = [hr.VM(g("spin"), name="rb", mem=16, pcpus="0", params="spin.from=0 spin.to=1000000"), job]
    elif other:
        vms = [hr.VM(g("reboot"), name="rb", mem=16, pcpus="0", params="every=%d" % STORM_EVERY_MS), job]
    with tempfile.TemporaryDirectory(prefix="hyparm-bench-") as work:
        run = Run(hyparm_cmd(vms, work, icount), timeout=300, stop=r"^\[job\] ROUNDS ")
    i, m = run.first(r"^\[job\] ROUNDS (\d+) in (\d+) ms")
    if m is None:
        log("  storm (%s): no ROUNDS line (%s); last lines:\n    %s" % (other, run.why or "exit %s" % run.rc,
                                                                     run.tail()))
        return None
    resets = sum(1 for l in run.lines[:i] if l == "hyparm: vm rb: reset")
    return {"job_ms": int(m.group(2)), "rounds": int(m.group(1)), "resets": resets}


# ---------------------------------------------------------------- output

def micro_table(micro, clock, skipped=None):
    """Rows: op, hyparm, kvm-nvhe, kvm-vhe, xen, native (min ns), KVM/hyparm and Xen/hyparm ratios;
    <target>_skipped says why a target has no figure (the guest's own reason)."""
    out = []
    for name, _ in MICRO_ROWS:
        r = {"clock": clock, "operation": name}
        for t in TARGETS:
            v = micro.get(t, {}).get(clock, {}).get(name)
            r[t + "_min_ns"] = v["min_ns"] if v else None
            r[t + "_avg_ns"] = v["avg_ns"] if v else None
            r[t + "_skipped"] = (skipped or {}).get(t, {}).get(clock, {}).get(name)
        r["nvhe_over_hyparm"] = ratio(r["hyparm_min_ns"], r["kvm-nvhe_min_ns"])
        r["vhe_over_hyparm"] = ratio(r["hyparm_min_ns"], r["kvm-vhe_min_ns"])
        r["xen_over_hyparm"] = ratio(r["hyparm_min_ns"], r["xen_min_ns"])
        r["best_peer"], best = best_peer({t: r[t + "_min_ns"] for t in PEERS})
        r["best_over_hyparm"] = ratio(r["hyparm_min_ns"], best)
        out.append(r)
    return out


# hyparm's peers: every ratio column is against the best (lowest) of them.
PEERS = ("kvm-nvhe", "kvm-vhe", "xen")
PEER_LABEL = {"kvm-nvhe": "nVHE", "kvm-vhe": "VHE", "xen": "Xen"}


def best_peer(values):
    """(name, value) of the lowest positive figure among the peers, or (None, None). A peer's 0 (an
    operation too cheap for the counter) counts as best but gives no ratio."""
    have = [(v, t) for t, v in values.items() if v is not None]
    if not have:
        return None, None
    v, t = min(have)
    return t, v


def print_micro(rows, clock, out):
    title = {"icount": "emulated time, -icount shift=0,sleep=off (1 instruction = 1 ns; repeatable)",
             "normal": "QEMU's normal clock (follows the host; noisy)"}[clock]
    out("\nMicro benchmarks, minimum ns per operation (average in parentheses) — %s" % title)
    out("(best/hy: the best of KVM nVHE, KVM VHE and Xen over hyparm; > 1: hyparm is faster)")
    line = "%-28s %16s %18s %18s %18s %16s %6s %8s"
    hdr = line % ("operation", "hyparm", "KVM nVHE", "KVM VHE", "Xen 4.17", "native", "best", "best/hy")
    out(hdr)
    out("-" * len(hdr))
    for r in rows:
        cells = []
        for t in TARGETS:
            mn, av = r[t + "_min_ns"], r[t + "_avg_ns"]
            # "n/a": the guest ran and said the platform cannot do it (reason listed below the table).
            cells.append(("n/a" if r.get(t + "_skipped") else "-") if mn is None else "%d (%d)" % (mn, av))
        out(line % tuple([r["operation"]] + cells + [PEER_LABEL.get(r["best_peer"], "-"),
                                                     fmt(r["best_over_hyparm"])]))


def draw_png(rows, path, log):
    """The icount micro rows (exit paths, log ns) and, when the virtio group ran, its normal-clock
    rows as hyparm's and KVM's figure relative to direct (1 = direct; log scale), one below the other."""
    if not shutil.which("gnuplot"):
        log("  no gnuplot: skipping the chart (apt-get install gnuplot-nox)")
        return False
    data, vdata = path + ".dat", path + ".virtio.dat"
    nmicro = nvirtio = 0
    with open(data, "w") as f, open(vdata, "w") as vf:
        for r in rows:
            if r.get("group") == "virtio":
                if r["clock"] == "normal" and r["direct"]:
                    vals = [r["hy_vs_direct"], r["kvm_vs_direct"]]
                    vf.write("%s %s\n" % (r["operation"].replace(" ", ":"),
                                          " ".join(str(v) if v else "NaN" for v in vals)))
                    nvirtio += 1
                continue
            if r["clock"] != "icount":
                continue
            vals = [r[t + "_min_ns"] or 0 for t in ("hyparm", "kvm-nvhe", "kvm-vhe", "xen")]
            if not any(vals):
                continue
            f.write("%s %s\n" % (r["operation"], " ".join(str(max(v, 1)) for v in vals)))
            nmicro += 1
    common = """set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set xtics rotate by -30
set key top left
"""
    micro = common + """set title 'hyparm vs Linux KVM and Xen, exit paths (minimum ns per operation, -icount shift=0,sleep=off; log scale)'
set ylabel 'ns'
plot '%s' using 2:xtic(1) title 'hyparm', '' using 3 title 'KVM nVHE', '' using 4 title 'KVM VHE', '' using 5 title 'Xen 4.17'
""" % data
    virtio = common + """set title 'virtio throughput and latency relative to direct (QEMU devices, no hypervisor) = 1; > 1 better; median, normal clock; log scale'
set ylabel 'relative to direct'
set yrange [0.01:4]
set key top right
set rmargin 8
set arrow from graph 0, first 0.9 to graph 1, first 0.9 nohead dt 2
plot '%s' using 2:xtic(1) title 'hyparm', '' using 3 title 'KVM nVHE'
""" % vdata
    parts = ([micro] if nmicro else []) + ([virtio] if nvirtio else [])
    if not parts:
        os.unlink(data)
        os.unlink(vdata)
        return False
    script = 'set terminal pngcairo size 1200,%d noenhanced font ",10"\nset output \'%s\'\n' % (640 * len(parts), path)
    if len(parts) > 1:
        script += "set multiplot layout 2,1\n"
    script += "\n".join(parts) + ("unset multiplot\n" if len(parts) > 1 else "")
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True, stderr=subprocess.PIPE, timeout=60)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        log("  gnuplot failed: %s" % e)
        return False
    finally:
        os.unlink(data)
        os.unlink(vdata)
    return True


# ---------------------------------------------------------------- parts
# Each part: (name for --only, run(results, targets, clocks, iters, log), report(results, targets, clocks, out)).
# A new row family (virtio, ...) is one more entry here with its two functions.

def run_micro(results, targets, clocks, iters, log):
    for clock in clocks:
        for t in targets:
            log("bench: micro, %s, %s clock" % (t, clock))
            rows, skipped, extra = micro_run(t, clock == "icount", iters, log)
            results["micro"].setdefault(t, {})[clock] = rows
            results["skipped"].setdefault(t, {})[clock] = skipped
            if "kvm_mode" in extra:
                results["kvm_modes"][t] = extra["kvm_mode"]
            if extra.get("report"):
                results["reports"].setdefault("micro", {})[clock] = extra["report"]


def run_linux(results, targets, clocks, iters, log):
    for clock in clocks:
        for t in targets:
            log("bench: Linux boot and jobs, %s, %s clock" % (t, clock))
            r = linux_run(t, clock == "icount", "bench", log)
            if r.get("report"):
                results["reports"].setdefault("linux", {})[clock] = r.pop("report")
            results["linux"].setdefault(t, {})[clock] = r


def report_linux(results, targets, clocks, out):
    out("\nDebian kernel under each, 2 vCPUs (guest seconds from its own clock; host wall seconds, noisy; "
        "best/hy: best of KVM nVHE, KVM VHE, Xen over hyparm)")
    cols = (("boot_guest_s", "boot guest s"), ("boot_host_wall_s", "boot host s"),
            ("cpu_md5_64MiB_s", "cpu md5 64MiB"), ("mem_copy_4x64MiB_s", "mem copy 4x64MiB"))
    hdr = "%-8s %-10s" % ("clock", "target") + "".join(" %16s" % c[1] for c in cols)
    out(hdr)
    out("-" * len(hdr))
    for clock in clocks:
        per = {t: results["linux"].get(t, {}).get(clock, {}) for t in targets}
        for t in targets:
            label = "xen 1 CPU" if t == "xen" and xen_cpus(clock == "icount") == 1 else t
            out("%-8s %-10s" % (clock, label) + "".join(" %16s" % fmt(per[t].get(k)) for k, _ in cols))
        if "hyparm" in per:
            cells = []
            for k, _ in cols:
                bt, bv = best_peer({t: per[t].get(k) for t in PEERS if t in per})
                cells.append("%s %s" % (fmt(ratio(per["hyparm"].get(k), bv)), PEER_LABEL[bt]) if bt else "-")
            out("%-8s %-10s" % (clock, "best/hy") + "".join(" %16s" % c for c in cells))
    reports = results["reports"]
    if reports:
        out("\nhyparm's power-off report (the counters of the monitor's `stats`): exits per reason, whole run")
        hdr = "%-8s %-7s %9s %9s %8s  %s" % ("clock", "run", "cpu ms", "hyparm us", "irqs", "exits per reason")
        out(hdr)
        out("-" * len(hdr))
        for part in ("micro", "linux"):
            for clock in clocks:
                r = reports.get(part, {}).get(clock)
                if r:
                    out("%-8s %-7s %9d %9d %8d  %s" % (clock, part, r["cpu_ms"], r["in_hyparm_us"], r["interrupts"],
                                                      " ".join("%s %d" % kv for kv in r["exits"].items())))


def run_scale(results, targets, clocks, iters, log):
    for clock in clocks:
        for n in (1, 2, 4, 8):
            log("bench: scale, %d VMs, %s clock" % (n, clock))
            results["scale"].setdefault(clock, []).append(scale_run(n, clock == "icount", log))


def report_scale(results, targets, clocks, out):
    out("\nScale: small bare-metal VMs under hyparm (1 vCPU, 16 MiB each; alternately on pCPU 0 and 1).\n"
        "Emulated microseconds from the start of VM creation, read from hyparm's physical counter and each\n"
        "guest's virtual counter (icount: exact and repeatable); first instruction and first output:\n"
        "first VM .. last VM")
    hdr = "%-8s %4s %11s %12s %17s %19s %9s %9s" % ("clock", "VMs", "create/VM", "all created", "first insn",
                                                 "first output", "S2 KiB", "hyp KiB")
    out(hdr)
    out("-" * len(hdr))
    for clock, rows in results["scale"].items():
        for r in rows:
            if r:
                span = lambda v: "%s..%s" % (fmt(min(v)), fmt(max(v)))  # noqa: E731
                out("%-8s %4d %11s %12s %17s %19s %9d %9d" %
                    (clock, r["vms"], fmt(r["create_us_per_vm"]), fmt(r["all_created_us"]),
                     span(r["first_insn_us"]), span(r["first_output_us"]), r["stage2_kib_per_vm"],
                     r["hyparm_kib_per_vm"]))
            else:
                out("%-8s  (a run gave no figures: see the log)" % clock)


# (label, job's pCPU, what runs on pCPU 0, the case it is compared with)
STORM_CASES = (("alone", "0", None, None),
               ("rebooter, same pCPU", "0", "reboot", "alone"),
               ("rebooter, other pCPU", "1", "reboot", "alone"))


def run_storm(results, targets, clocks, iters, log):
    for clock in clocks:
        for label, pcpu, other, _ in STORM_CASES:
            log("bench: reboot storm, job %s, %s clock" % (label, clock))
            results["storm"].setdefault(clock, {})[label] = storm_run(pcpu, other, clock == "icount", log)


def report_storm(results, targets, clocks, out):
    out("\nReboot storm: the honest job (%d rounds, its own virtual counter) next to a VM that resets itself\n"
        "every %d ms (PSCI SYSTEM_RESET; it sleeps in WFI between), against the job alone.\n"
        "Goal: <= 5 %% slower. Same pCPU: the job also gives up the CPU time each reset takes (scrubbing\n"
        "and loading the rebooter's image blocks, about 0.4 ms under icount). Other pCPU under icount: QEMU wakes the idle CPU late next to\n"
        "a busy one, so few resets happen (see the resets column and docs/benchmarks.md)." %
        (STORM_ROUNDS, STORM_EVERY_MS))
    hdr = "%-8s %-30s %9s %8s %-22s %9s" % ("clock", "job next to", "job ms", "resets", "against", "slowdown")
    out(hdr)
    out("-" * len(hdr))
    for clock, cases in results["storm"].items():
        for label, _, other, base in STORM_CASES:
            r = cases.get(label)
            if not r:
                out("%-8s %-30s %9s" % (clock, label, "-"))
                continue
            b = (cases.get(base) or {}).get("job_ms") if base else None
            slow = "%+.1f %%" % ((r["job_ms"] - b) * 100.0 / b) if b else "-"
            out("%-8s %-30s %9d %8s %-22s %9s" % (clock, label, r["job_ms"],
                                                   r["resets"] if other and other != "spin" else "-",
                                                   base or "-", slow))


# ---------------------------------------------------------------- boards

BENCH_ANYGIC_BIN = os.path.join(REPO, "build", "guests", "bench-anygic.bin")
# The micro rows under hyparm on each machine it runs on (docs/boards.md), with the benchmark guest
# built for either GIC (bench-anygic.bin: a virtual GICv3 on virt's GICv3, a virtual GICv2 on the
# others), under icount only: instructions, not the host's load, so the boards compare.
BOARD_MACHINES = [("virt GICv3", "virt", 3), ("virt GICv2", "virt", 2), ("ZCU102", "zcu102", 2)]


def board_micro_run(board, gic, iters, log):
    with tempfile.TemporaryDirectory(prefix="hyparm-bench-") as work:
        pcpus, ram = hr.board_machine(board)
        vms = [hr.VM(BENCH_ANYGIC_BIN, name="bench", cpus=2, pcpus="0,1", params="iters=%d" % iters)]
        bundle = hr.write_bundle(vms, work, None, pcpus, ram)
        cmd = hr.qemu_command(os.path.join(REPO, "build", "hyparm.bin"), bundle, pcpus_total=pcpus, gic=gic, ram=ram,
                              board=board, extra=["-icount", ICOUNT])
        run = Run(cmd, timeout=900, stop=r"all VMs stopped")
    if "BENCH-END" not in "\n".join(run.lines):
        log("  hyparm on %s: no BENCH-END (%s); last lines:\n    %s" % (board, run.why or "exit %s" % run.rc, run.tail()))
    return parse_bench(run.lines)


def run_boards(results, targets, clocks, iters, log):
    if "hyparm" not in targets or "icount" not in clocks:
        return
    for label, board, gic in BOARD_MACHINES:
        dtb = hr.BOARDS[board].dtb
        if dtb and not os.path.isfile(dtb):
            log("bench: boards: no %s (make linux): no %s column" % (os.path.relpath(dtb, REPO), label))
            continue
        log("bench: boards, hyparm on %s, icount clock" % label)
        rows, skipped = board_micro_run(board, gic, iters, log)
        results["boards"][label] = {"rows": rows, "skipped": skipped}


def report_boards(results, targets, clocks, out):
    if not results.get("boards"):
        return
    labels = [m[0] for m in BOARD_MACHINES if m[0] in results["boards"]]
    out("\nExit paths on each board: hyparm, minimum ns per operation (average), -icount shift=0,sleep=off;\n"
        "guest bench-anygic (virtual GICv3 on virt GICv3, virtual GICv2 on virt GICv2 and the ZCU102's GIC-400)")
    line = "%-28s" + " %18s" * len(labels)
    hdr = line % tuple(["operation"] + labels)
    out(hdr)
    out("-" * len(hdr))
    for name, _ in MICRO_ROWS:
        cells = []
        for label in labels:
            b = results["boards"][label]
            v = b["rows"].get(name)
            cells.append("%d (%d)" % (v["min_ns"], v["avg_ns"]) if v else "n/a" if name in b["skipped"] else "-")
        out(line % tuple([name] + cells))
    for label in labels:
        for name, why in results["boards"][label]["skipped"].items():
            out("  (%s: %s skipped: %s)" % (label, name, why))


PARTS = [
    ("micro", run_micro, None),  # printed first, with its table files (micro_table, print_micro)
    ("linux", run_linux, report_linux),
    ("scale", run_scale, report_scale),
    ("storm", run_storm, report_storm),
    ("boards", run_boards, report_boards),
    ("virtio", run_virtio, report_virtio),
]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny run that checks the machinery (for make test)")
    ap.add_argument("--iters", type=int, default=1000)
    ap.add_argument("--out", default=os.path.join(REPO, "bench-results"))
    ap.add_argument("--only", default=",".join(p[0] for p in PARTS),
                    help="comma-separated parts: " + ", ".join(p[0] for p in PARTS))
    ap.add_argument("--clocks", default="icount,normal")
    ap.add_argument("--virtio-smoke", action="store_true",
                    help="the virtio group with tiny sizes, hyparm only, one run: checks that rows are parsed")
    ap.add_argument("--virtio-reps", type=int, default=5, help="runs per virtio figure under the normal clock")
    ap.add_argument("--no-kvm", action="store_true")
    ap.add_argument("--no-xen", action="store_true", help="leave out the Xen column")
    args = ap.parse_args()

    for f in (BENCH_BIN, HELLO_BIN, os.path.join(REPO, "build", "hyparm.bin")):
        if not os.path.isfile(f):
            print("bench: missing %s: run 'make hyparm guests'" % f, file=sys.stderr)
            return 2
    parts = set(args.only.split(","))
    clocks = args.clocks.split(",")
    targets = [t for t in TARGETS if not (args.no_kvm and t.startswith("kvm"))]
    if "xen" in targets and (args.no_xen or not os.path.isfile(xenrun.XEN)):
        if not args.no_xen:
            print("bench: no %s (scripts/fetch-xen.sh): no Xen column" % os.path.relpath(xenrun.XEN, REPO),
                  file=sys.stderr)
        targets.remove("xen")
    iters = args.iters
    if args.smoke:
        parts, clocks, iters = {"micro"}, ["normal"], 20
        targets = ["hyparm", "kvm-nvhe", "native"] if not args.no_kvm else ["hyparm", "native"]
    VIRTIO_SIZES[0] = VirtioSizes(reps=max(1, args.virtio_reps))
    if args.virtio_smoke:
        parts, clocks, targets = {"virtio"}, ["normal"], ["hyparm"]
        VIRTIO_SIZES[0] = VirtioSizes(blk_mib=2, blk_ops=32, net_bytes=200000, reps=1)
        VIRTIO_CASES[:] = ["blk", "net-vm", "net-host"]
    if (parts & {"linux", "virtio"} or any(t.startswith("kvm") for t in targets)) and not (os.path.isfile(LINUX) and
                                                                             os.path.isfile(INITRD)):
        print("bench: missing %s or %s: run 'make linux'" % (LINUX, INITRD), file=sys.stderr)
        return 2
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "version": subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO,
                                         stdout=subprocess.PIPE, text=True).stdout.strip(),
               "qemu": subprocess.run(["qemu-system-aarch64", "--version"], stdout=subprocess.PIPE,
                                      text=True).stdout.splitlines()[0],
               "iters": iters, "micro": {}, "skipped": {}, "kvm_modes": {}, "reports": {}, "linux": {}, "scale": {},
               "storm": {}, "boards": {}, "virtio": {}}

    for name, run, _ in PARTS:
        if name in parts:
            run(results, targets, clocks, iters, log)

    # ---- report
    out_lines = []
    out = lambda s: (print(s), out_lines.append(s))  # noqa: E731
    out("hyparm benchmarks, %s, %s, %s, %d samples per operation" %
        (results["version"], results["date"], results["qemu"], iters))
    if results["kvm_modes"]:
        out("KVM modes seen: " + ", ".join("%s -> %s" % kv for kv in sorted(results["kvm_modes"].items())))
    table = []
    for clock in clocks:
        if results["micro"]:
            rows = micro_table(results["micro"], clock, results["skipped"])
            table += rows
            print_micro(rows, clock, out)
    for t, per_clock in results["skipped"].items():
        for clock, sk in per_clock.items():
            for name, why in sk.items():
                out("  (%s, %s: %s skipped: %s)" % (t, clock, name, why))
    if "icount" in results["micro"].get("xen", {}):
        out("  (xen, icount: Xen and its domU on 1 CPU, hence no IPI rows: with 2 CPUs under -icount Xen 4.17\n"
            "   hangs at boot, its cross-CPU spin-waits never execute YIELD, so QEMU's round robin never switches)")
    for name, _, report in PARTS:
        if name in parts and name != "micro":
            report(results, targets, clocks, out)

    # ---- files
    problems = []
    for t in targets:
        for clock in clocks if "micro" in parts else []:
            rows = results["micro"].get(t, {}).get(clock, {})
            sk = results["skipped"].get(t, {}).get(clock, {})
            for name, _ in MICRO_ROWS:
                if t == "native" and name in NATIVE_SKIPS:
                    continue
                if name not in rows and name not in sk:
                    problems.append("%s/%s: no %s row" % (t, clock, name))
                elif name in rows and rows[name]["n"] <= 0:
                    problems.append("%s/%s: %s has no samples" % (t, clock, name))
            if t != "native" and rows.get("null_hvc", {}).get("min_ns", 0) <= 0:
                problems.append("%s/%s: null_hvc not positive" % (t, clock))
    if "virtio" in parts:
        vrows = virtio_table(results)
        table += vrows
        if args.virtio_smoke:
            for case, metric, _, _ in VIRTIO_ROWS:
                r = [x for x in vrows if x["operation"] == "%s %s" % (case, metric)]
                if case in VIRTIO_CASES and (not r or not r[0]["hyparm"] or r[0]["hyparm"] <= 0):
                    problems.append("hyparm/normal: no positive virtio %s %s" % (case, metric))
            for runs in results["virtio"]["runs"].get("normal", {}).get("hyparm", {}).values():
                if any(x.get("blk_ok") == 0 for x in runs):
                    problems.append("hyparm: blkbench read back other data than it wrote")
    if args.smoke or args.virtio_smoke:
        for p in problems:
            print("bench smoke: " + p)
        print("bench smoke: %s" % ("ok" if not problems else "%d problem(s)" % len(problems)))
        return 1 if problems else 0

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "latest.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    if table:
        # Micro rows and virtio rows have different columns: the union, blank where a row has none.
        fields = []
        for r in table:
            fields += [k for k in r if k not in fields]
        with open(os.path.join(args.out, "latest.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields, restval="")
            w.writeheader()
            w.writerows(table)
        draw_png(table, os.path.join(args.out, "latest.png"), log)
    with open(os.path.join(args.out, "latest.txt"), "w") as f:
        f.write("\n".join(out_lines) + "\n")
    if problems:
        out("\nproblems: " + "; ".join(problems))
    print("\nbench: results in %s (latest.txt, .csv, .json, .png)" % os.path.relpath(args.out, REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
