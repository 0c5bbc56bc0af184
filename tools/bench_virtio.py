"""The virtio group of tools/bench.py (make bench GROUP=virtio): virtio-blk and virtio-net
throughput and latency under hyparm, KVM and QEMU's own devices (docs/benchmarks.md, "virtio")."""
import os
import re
import shutil
import subprocess
import tempfile

from benchlib import (ICOUNT_IO, INITRD, LINUX, REPO, Run, fmt, hr, icount_arg, kvm_cmd, native_cmd,
                      power_off_reports)


# ---------------------------------------------------------------- virtio

# virtio-blk and virtio-net throughput and latency (docs/benchmarks.md, "virtio"): the same Debian
# kernel, initramfs and programs (guests/linux/blkbench.c, netbench.c) under hyparm, under KVM with
# the KVM runner as its VMM, and directly on QEMU's devices with no hypervisor ("direct").
VIRTIO_TARGETS = ["hyparm", "kvm", "direct"]
VIRTIO_LABEL = {"hyparm": "hyparm", "kvm": "KVM nVHE", "direct": "direct"}
# (case, metric, unit, higher is better)
VIRTIO_ROWS = [
    ("blk", "sw_mbs", "seq write MB/s", True),
    ("blk", "sr_mbs", "seq read MB/s", True),
    ("blk", "rw_iops", "4K rand write IOPS", True),
    ("blk", "rr_iops", "4K rand read IOPS", True),
    ("blk", "sw_lat_us", "seq write 1M lat us", False),
    ("blk", "sr_lat_us", "seq read 1M lat us", False),
    ("blk", "rw_lat_us", "4K rand write lat us", False),
    ("blk", "rw_p99_us", "4K rand write p99 us", False),
    ("blk", "rr_lat_us", "4K rand read lat us", False),
    ("blk", "rr_p99_us", "4K rand read p99 us", False),
    ("blk-cpu1", "sw_mbs", "vCPU1: seq write MB/s", True),
    ("blk-cpu1", "sr_mbs", "vCPU1: seq read MB/s", True),
    ("blk-cpu1", "rw_iops", "vCPU1: 4K rnd wr IOPS", True),
    ("blk-cpu1", "rr_iops", "vCPU1: 4K rnd rd IOPS", True),
    ("blk-cpu1", "rr_p99_us", "vCPU1: 4K rd p99 us", False),
    ("net-vm", "send_mbs", "TCP VM->VM MB/s", True),
    ("net-vm", "recv_mbs", "TCP VM<-VM MB/s", True),
    ("net-host", "send_mbs", "TCP VM->host MB/s", True),
    ("net-host", "recv_mbs", "TCP host->VM MB/s", True),
]
# blk: blkbench pinned to vCPU 0, which takes the disk's interrupt (Linux's default affinity) in all
# three: the device path alone. blk-cpu1: pinned to vCPU 1, so that every completion also crosses
# to the submitting vCPU by an IPI (blk-mq completes a request on the CPU that issued it).
VIRTIO_CASES = ["blk", "blk-cpu1", "net-vm", "net-host"]
# What a configuration does not run, and why (printed under the table): (target or None for all,
# case, clock or None for both, why).
VIRTIO_SKIPS = [
    ("direct", "net-vm", "icount", "two QEMU processes joined by a socket: no common emulated clock"),
]
# Cases that wait on the host: under icount they run with ICOUNT_IO, reported as clock "icount-io".
# (With sleep=off a disk request completed in QEMU's I/O threads in host time while emulated time
# jumped ahead: tried, direct gave 63 random reads/s against 3016 under the normal clock.)
VIRTIO_IO_CASES = ("blk", "blk-cpu1", "net-host")
BLKBENCH_LINE = re.compile(r"BLKBENCH ok=(\d)(.*)$")
NETBENCH_LINE = re.compile(r"NETBENCH dir=(send|recv) bytes=(\d+) ns=(\d+) mbs=([0-9.]+)")
VIRTIO_NET_PORT = 5001


class VirtioSizes:
    """How much each run moves: make bench's defaults, or tiny ones for the smoke test."""

    def __init__(self, blk_mib=16, blk_ops=512, net_bytes=8000000, reps=5):
        self.blk_mib, self.blk_ops, self.net_bytes, self.reps = blk_mib, blk_ops, net_bytes, reps


class HostSink:
    """The host's side of net-host: netbench's server protocol (guests/linux/netbench.c) on
    127.0.0.1, reached by the guest as 10.0.2.2 through QEMU's user network; serves any number
    of connections, one at a time."""

    def __init__(self):
        import socket
        import threading
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.served = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _recv_n(self, c, n):
        got = bytearray()
        while len(got) < n:
            b = c.recv(min(65536, n - len(got)))
            if not b:
                raise EOFError
            got += b
        return bytes(got)

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                c.settimeout(120)
                req = self._recv_n(c, 9)
                n = int.from_bytes(req[1:], "little")
                if req[:1] == b"S":
                    left = n
                    while left > 0:
                        b = c.recv(min(1 << 20, left))
                        if not b:
                            raise EOFError
                        left -= len(b)
                    c.sendall(b"K")
                elif req[:1] == b"R":
                    chunk = b"\x5a" * 65536
                    left = n
                    while left > 0:
                        c.sendall(chunk[:min(left, len(chunk))])
                        left -= min(left, len(chunk))
                self.served.append((req[:1].decode(), n))
            except (OSError, EOFError):
                pass
            finally:
                c.close()

    def close(self):
        self.sock.close()


def virtio_params(case, sizes, role=None, port=VIRTIO_NET_PORT):
    base = "console=ttyAMA0 quiet "
    if case.startswith("blk"):
        return base + "hyparm.test=blkbench hyparm.blkmib=%d hyparm.blkops=%d hyparm.blkcpu=%d" % (
            sizes.blk_mib, sizes.blk_ops, 1 if case == "blk-cpu1" else 0)
    if case == "net-host":
        return base + ("hyparm.test=netbench-cli hyparm.ip=10.0.2.15 hyparm.peer=10.0.2.2 hyparm.port=%d "
                       "hyparm.bytes=%d" % (port, sizes.net_bytes))
    # net-vm: a (10.0.0.1) is the client, b (10.0.0.2) the server
    if role == "srv":
        return base + "hyparm.test=netbench-srv hyparm.ip=10.0.0.2 hyparm.port=%d" % port
    return base + ("hyparm.test=netbench-cli hyparm.ip=10.0.0.1 hyparm.peer=10.0.0.2 hyparm.port=%d "
                   "hyparm.bytes=%d" % (port, sizes.net_bytes))


def virtio_disk(work, sizes):
    """A fresh sparse disk file, room for the sequential span."""
    path = os.path.join(work, "disk.img")
    with open(path, "wb") as f:
        f.truncate(max(64, sizes.blk_mib + 16) << 20)
    return path


def direct_virtio_cmd(case, work, sizes, icount, port, role=None, sock_port=None):
    """QEMU's own virtio-mmio devices handed straight to the Debian kernel: no hypervisor. The
    drive and netdev options are the ones hyparmrun gives QEMU for hyparm's own drivers."""
    cmd = native_cmd(LINUX, virtio_params(case, sizes, role, port), icount, initrd=INITRD,
                     smp=1 if case == "net-vm" else 2)
    cmd += ["-global", "virtio-mmio.force-legacy=false"]
    if case.startswith("blk"):
        cmd += ["-drive", "file=%s,if=none,format=raw,id=hd0" % virtio_disk(work, sizes),
                "-device", "virtio-blk-device,drive=hd0"]
    elif case == "net-host":
        cmd += ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"]
    else:
        # Two machines joined by a socket: QEMU's nearest thing to a switch between two guests.
        sock = "listen=127.0.0.1:%d" % sock_port if role == "srv" else "connect=127.0.0.1:%d" % sock_port
        mac = "02:00:00:00:00:0%d" % (2 if role == "srv" else 1)
        cmd += ["-netdev", "socket,id=n0," + sock, "-device", "virtio-net-device,netdev=n0,mac=" + mac]
    return cmd


def hyparm_virtio_cmd(case, work, sizes, icount, port):
    if case.startswith("blk"):
        vms = [hr.VM(LINUX, name="linux", initrd=INITRD, params=virtio_params(case, sizes), cpus=2, mem=256,
                     pcpus="0,1", disks=[(virtio_disk(work, sizes), False)])]
    elif case == "net-host":
        vms = [hr.VM(LINUX, name="linux", initrd=INITRD, params=virtio_params(case, sizes, port=port), cpus=2,
                     mem=256, pcpus="0,1", network="")]
    else:
        vms = [hr.VM(LINUX, name="a", initrd=INITRD, params=virtio_params(case, sizes, "cli", port), mem=256,
                     pcpus="0", network=""),
               hr.VM(LINUX, name="b", initrd=INITRD, params=virtio_params(case, sizes, "srv", port), mem=256,
                     pcpus="1", network="")]
    bundle = hr.write_bundle(vms, work)
    opts = os.path.join(work, "options.dts")
    devs = hr.disk_args(opts)
    devs += hr.net_args(opts, bool(devs))
    return hr.qemu_command(os.path.join(REPO, "build", "hyparm.bin"), bundle,
                           extra=(["-icount", icount_arg(icount)] if icount else []) + devs)


def parse_virtio(lines):
    """{metric: value} from blkbench's and netbench's lines; "blk_ok": 0 if blkbench saw a wrong block."""
    res = {}
    for l in lines:
        m = BLKBENCH_LINE.search(l)
        if m:
            res["blk_ok"] = int(m.group(1))
            for kv in m.group(2).split():
                k, _, v = kv.partition("=")
                res[k] = float(v)
        m = NETBENCH_LINE.search(l)
        if m:
            res[m.group(1) + "_mbs"] = float(m.group(4))
    return res


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def virtio_run(target, case, icount, sizes, log, timeout=420):
    """One run of one case under one target: {metric: value}, or {} (the log says why)."""
    import threading
    stop = r"reboot: Power down|KVM-RUNNER-EXIT|all VMs stopped"
    want = r"BLKBENCH" if case.startswith("blk") else r"NETBENCH dir=recv"
    sink = HostSink() if case == "net-host" else None
    port = sink.port if sink else VIRTIO_NET_PORT
    lines = []
    try:
        with tempfile.TemporaryDirectory(prefix="hyparm-bench-") as work:
            if target == "hyparm":
                # To the end of hyparm's power-off report (exits per reason), past the guest's power-off.
                run = Run(hyparm_virtio_cmd(case, work, sizes, icount, port), timeout=timeout,
                          stop=r"all VMs stopped")
                lines = run.lines
            elif target == "kvm":
                # net-vm: the client in the first runner, the server in the second (--pair).
                run = Run(kvm_cmd("nvhe", icount, kernel=LINUX, initrd=INITRD,
                                  params=virtio_params(case, sizes, "cli", port), mem=256, timeout=timeout,
                                  disk_mib=max(64, sizes.blk_mib + 16) if case.startswith("blk") else None,
                                  net=case == "net-host",
                                  pair=virtio_params(case, sizes, "srv", port) if case == "net-vm" else None),
                          timeout=timeout + 30, stop=r"KVM-RUNNER-EXIT")
                lines = run.lines
            elif case == "net-vm":
                sp = free_port()
                runs = {}

                def one(role):
                    runs[role] = Run(direct_virtio_cmd(case, work, sizes, icount, port, role, sp),
                                     timeout=timeout, stop=r"reboot: Power down")
                srv = threading.Thread(target=one, args=("srv",))
                srv.start()
                import time
                time.sleep(1.0)  # the listening QEMU first: the connecting one fails at once otherwise
                one("cli")
                srv.join()
                run = runs["cli"]
                lines = runs["cli"].lines
            else:
                run = Run(direct_virtio_cmd(case, work, sizes, icount, port), timeout=timeout, stop=stop)
                lines = run.lines
    finally:
        if sink:
            sink.close()
    res = parse_virtio(lines)
    if target == "hyparm":
        res["report"] = power_off_reports(lines)
    if not any(re.search(want, l) for l in lines):
        log("  virtio %s %s (%s): no %s line (%s); last lines:\n    %s" %
            (case, target, "icount" if icount else "normal", want, run.why or "exit %s" % run.rc, run.tail()))
    if res.get("blk_ok") == 0:
        log("  virtio blk %s: blkbench read back other data than it wrote" % target)
    return res


def median(vals):
    v = sorted(vals)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else round((v[n // 2 - 1] + v[n // 2]) / 2, 2)


def virtio_unsupported(target, case, clock):
    for t, c, k, why in VIRTIO_SKIPS:
        if t in (None, target) and c == case and k in (None, clock):
            return why
    return None


# make bench's sizes; main() puts tiny ones here for --virtio-smoke.
VIRTIO_SIZES = [VirtioSizes()]


def run_virtio(results, targets, clocks, iters, log):
    sizes = VIRTIO_SIZES[0]
    vt = [t for t in VIRTIO_TARGETS if t != "kvm" or any(x.startswith("kvm") for x in targets)]
    results["virtio"] = {"sizes": vars(sizes), "runs": {}, "median": {}, "spread": {}, "reports": {}}
    for clock in clocks:
        for case in VIRTIO_CASES:
            io = clock == "icount" and case in VIRTIO_IO_CASES
            icount = ICOUNT_IO if io else clock == "icount"
            # Under icount a run repeats itself (instructions, not the host's load): one is enough;
            # icount-io has the host's I/O times in it: a few.
            reps = min(3, sizes.reps) if io else 1 if clock == "icount" else sizes.reps
            todo = [t for t in vt if not virtio_unsupported(t, case, clock)]
            runs = {t: [] for t in todo}
            # Round robin over the targets, run by run: a stretch of heavy load on the shared host
            # (other QEMUs, the disk busy with someone's build) then hits every column alike
            # instead of all the runs of one.
            for i in range(reps):
                for t in todo:
                    log("bench: virtio %s, %s, %s clock, run %d of %d" % (case, t, "icount-io" if io else clock,
                                                                         i + 1, reps))
                    runs[t].append(virtio_run(t, case, icount, sizes, log))
            clock_key = "icount-io" if io else clock
            for t in todo:
                if t == "hyparm" and runs[t] and runs[t][-1].get("report"):
                    results["virtio"]["reports"].setdefault(clock_key, {})[case] = runs[t][-1]["report"]
                results["virtio"]["runs"].setdefault(clock_key, {}).setdefault(t, {})[case] = runs[t]
                med, spread = {}, {}
                for c, metric, _, _ in VIRTIO_ROWS:
                    if c == case:
                        vals = [r[metric] for r in runs[t] if metric in r]
                        if vals:
                            med[metric] = median(vals)
                            spread[metric] = [min(vals), max(vals), len(vals)]
                results["virtio"]["median"].setdefault(clock_key, {}).setdefault(t, {})[case] = med
                results["virtio"]["spread"].setdefault(clock_key, {}).setdefault(t, {})[case] = spread


def virtio_rel(hy, other, higher):
    """hyparm's figure relative to another's, > 1: hyparm better (throughput over theirs, their
    latency over ours)."""
    if hy is None or other is None or hy <= 0 or other <= 0:
        return None
    return round(hy / other if higher else other / hy, 2)


def virtio_table(results):
    rows = []
    for clock, per in results.get("virtio", {}).get("median", {}).items():
        for case, metric, label, higher in VIRTIO_ROWS:
            r = {"group": "virtio", "clock": clock, "operation": "%s %s" % (case, metric), "what": label}
            sp = results["virtio"].get("spread", {}).get(clock, {})
            for t in VIRTIO_TARGETS:
                r[t] = per.get(t, {}).get(case, {}).get(metric)
                lo, hi, n = sp.get(t, {}).get(case, {}).get(metric, [None, None, 0])
                r[t + "_min"], r[t + "_max"], r[t + "_runs"] = lo, hi, n
            r["hy_vs_direct"] = virtio_rel(r["hyparm"], r["direct"], higher)
            r["hy_vs_kvm"] = virtio_rel(r["hyparm"], r["kvm"], higher)
            r["kvm_vs_direct"] = virtio_rel(r["kvm"], r["direct"], higher)
            if any(r[t] is not None for t in VIRTIO_TARGETS):
                rows.append(r)
    return rows


def report_virtio(results, targets, clocks, out):
    v = results.get("virtio")
    if not v:
        return
    s = v["sizes"]
    out("\nvirtio: Debian kernel, blkbench (O_DIRECT; %d MiB sequential in 1 MiB requests, %d random 4 KiB\n"
        "requests, queue depth 1) and netbench (TCP, %d bytes each way); median of %d runs (normal clock),\n"
        "1 run (icount: repeats exactly), 3 (icount-io: -icount shift=0,sleep=on for what waits on the host,\n"
        "instructions counted, idle time following the host's clock). direct = QEMU's own virtio-mmio devices, no hypervisor. vs direct / vs KVM: hyparm's\n"
        "figure relative to theirs, > 1 = hyparm better (goal: >= 0.9 vs direct, > 1 vs KVM)" %
        (s["blk_mib"], s["blk_ops"], s["net_bytes"], s["reps"]))
    out("Each cell: median, then the runs' spread around it, (max - min) / 2 / median; a wide spread is the\n"
        "host's load (QEMU's threads share the host's 2 cores with other work), not the device.")

    def cell(r, t):
        v = r[t]
        if v is None:
            return "-"
        if r[t + "_runs"] > 1 and v > 0:
            return "%s ±%d%%" % (fmt(v), round((r[t + "_max"] - r[t + "_min"]) * 50.0 / v))
        return fmt(v)
    hdr = "%-7s %-22s %16s %16s %16s %9s %7s" % ("clock", "", "hyparm", "KVM nVHE", "direct", "vs direct",
                                                 "vs KVM")
    out(hdr)
    out("-" * len(hdr))
    for r in virtio_table(results):
        out("%-7s %-22s %16s %16s %16s %9s %7s" % (r["clock"], r["what"], cell(r, "hyparm"), cell(r, "kvm"),
                                                   cell(r, "direct"), fmt(r["hy_vs_direct"]), fmt(r["hy_vs_kvm"])))
    for t, c, k, why in VIRTIO_SKIPS:
        if c in VIRTIO_CASES and k in [None] + list(clocks):
            out("  (%s%s%s: not run: %s)" % (VIRTIO_LABEL[t] + ", " if t else "", c, ", " + k if k else "", why))
    reps = v.get("reports", {})
    if reps:
        out("hyparm's power-off report for each case's last run (whole run, boot included): exits per reason")
        for clock, per in reps.items():
            for case, r in per.items():
                for vm, rep in sorted(r.items()):
                    out("  %-7s %-8s %-5s irqs %6d  %s" % (clock, case, vm, rep["interrupts"],
                                                         " ".join("%s %d" % kv for kv in rep["exits"].items())))
