#!/usr/bin/env python3
"""Where hyparm's instructions go: run hyparm under QEMU with -icount and the
insn_profile TCG plugin (tools/plugins/insn_profile.c), then print the
instructions executed in hyparm (EL2) per function, and in the guests.

  tools/profile.py [--top N] [--load ADDR] -- HYPARM-RUN-ARGS...
  e.g. tools/profile.py -- -k build/guests/bench.bin -c 2
  tools/profile.py --op null_hvc [--iters N]
      one operation of the bench guest: the bench guest runs twice (only=OP
      and only=none, iters=N), and the difference is divided by the number
      of operations (N batches of 8), so the table is per operation.

Counts are exact and repeat from run to run (icount). hyparm is linked at 0
and QEMU loads it 2 MiB into RAM (0x40200000); the plugin tells hyparm's
instructions from the guests' by their host page (see the plugin)."""
import argparse
import bisect
import os
import struct
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def symbols(elf):
    out = subprocess.run(["aarch64-linux-gnu-nm", "-n", elf], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def profile(hyparm, load, run_args):
    """Run once; (hyparm instructions per offset, totals line, run status)."""
    with open(hyparm, "rb") as f:
        hdr = f.read(64)
    image_size = struct.unpack_from("<Q", hdr, 16)[0] or os.path.getsize(hyparm)
    plugin = os.path.join(REPO, "build", "tools", "insn_profile.so")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "counts.txt")
        cmd = [os.path.join(REPO, "tools", "hyparm-run"), "--icount", "--hyparm", hyparm,
               "--qemu-arg=-plugin", "--qemu-arg=%s,load=%s,size=%d,out=%s" % (plugin, load, image_size, out)]
        if "--timeout" not in run_args:
            cmd += ["--timeout", "300"]
        rc = subprocess.run(cmd + run_args, stdout=subprocess.DEVNULL).returncode
        if not os.path.exists(out):
            sys.exit("profile: the plugin wrote no counts (run status %d)" % rc)
        counts, totals = {}, ""
        for line in open(out):
            if line.startswith("#"):
                totals = line[1:].strip()
                continue
            off, n = line.split()
            counts[int(off, 16)] = int(n)
    return counts, totals, rc


def by_function(counts, syms):
    addrs = [s[0] for s in syms]
    per_fn = {}
    for off, n in counts.items():
        i = bisect.bisect_right(addrs, off) - 1
        name = syms[i][1] if i >= 0 else "?"
        per_fn[name] = per_fn.get(name, 0) + n
    return per_fn


def annotate(elf, fn, c1, c0, ops):
    """fn's disassembly, each instruction with its executions per operation (hyparm is linked at 0)."""
    out = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", "--disassemble=" + fn, elf],
                         stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    print("\n%s, executions per operation:" % fn)
    for line in out.splitlines():
        head = line.split(":", 1)[0].strip()
        try:
            off = int(head, 16)
        except ValueError:
            continue
        if "\t" not in line:
            continue
        n = (c1.get(off, 0) - c0.get(off, 0)) / ops
        print("%8s %s" % ("%.1f" % n if abs(n) >= 0.05 else "", line.strip()))


def ops_per_run(op, iters):
    """How many operations the bench guest times for op in one run (guests/bench/bench.c): the
    cheap ones iters batches of 8, the IPI rows iters / 4 round trips, the timer iters / 10."""
    if op.startswith("ipi_"):
        return max(iters // 4, 1)
    if op == "vtimer_latency":
        return max(iters // 10, 1)
    if op == "virtual_eoi_ack":
        return iters
    return iters * 8


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--load", default="0x40200000", help="hyparm's load address (QEMU's, default 0x40200000)")
    ap.add_argument("--hyparm", default=os.path.join(REPO, "build", "hyparm.bin"))
    ap.add_argument("--op", help="profile one operation of the bench guest (its BENCH name)")
    ap.add_argument("--iters", type=int, default=500)
    ap.add_argument("--annotate", metavar="FUNC", action="append", default=[],
                    help="with --op: also print FUNC's disassembly with each instruction's count per operation")
    ap.add_argument("run_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    run_args = [x for x in a.run_args if x != "--"]
    subprocess.run(["make", "-s", "-C", REPO, "profile-plugin"], check=True)
    syms = symbols(os.path.splitext(a.hyparm)[0] + ".elf")
    if a.op:
        bench = os.path.join(REPO, "build", "guests", "bench.bin")
        base = ["-q", "-k", bench, "-c", "2", "--pcpus", "0,1", "-n", "bench"]
        c1, _, rc = profile(a.hyparm, a.load, base + ["-p", "iters=%d only=%s" % (a.iters, a.op)])
        c0, _, _ = profile(a.hyparm, a.load, base + ["-p", "iters=%d only=none" % a.iters])
        f1, f0 = by_function(c1, syms), by_function(c0, syms)
        ops = ops_per_run(a.op, a.iters)
        per_fn = {k: (f1.get(k, 0) - f0.get(k, 0)) / ops for k in set(f1) | set(f0)}
        per_fn = {k: v for k, v in per_fn.items() if abs(v) >= 0.05}
        print("\n%s: hyparm instructions per operation (%d operations)" % (a.op, ops))
        print("%-40s %10s" % ("hyparm function", "per op"))
        for name, n in sorted(per_fn.items(), key=lambda kv: -kv[1])[:a.top]:
            print("%-40s %10.1f" % (name, n))
        print("%-40s %10.1f" % ("total", sum(per_fn.values())))
        for fn in a.annotate:
            annotate(os.path.splitext(a.hyparm)[0] + ".elf", fn, c1, c0, ops)
        return 0
    counts, totals, rc = profile(a.hyparm, a.load, run_args)
    per_fn = by_function(counts, syms)
    total = sum(per_fn.values()) or 1
    print("\ninstructions: %s" % totals)
    print("%-40s %14s %6s" % ("hyparm function", "instructions", "%"))
    for name, n in sorted(per_fn.items(), key=lambda kv: -kv[1])[:a.top]:
        print("%-40s %14d %6.2f" % (name, n, 100.0 * n / total))
    return 0 if rc in (0, 1) else rc


if __name__ == "__main__":
    sys.exit(main())
