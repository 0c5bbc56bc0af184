"""The bench guest as a Xen 4.17 dom0less domU (tools/xenrun.py): the Xen column of make bench.
Skipped without deps/xen (scripts/fetch-xen.sh)."""
import os
import re
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import hyparmrun as hr  # noqa: E402
import xenrun  # noqa: E402

needs_xen = pytest.mark.skipif(not os.path.isfile(xenrun.XEN), reason="no deps/xen/xen (scripts/fetch-xen.sh)")


@needs_xen
@pytest.mark.timeout(200)
def test_xen_bench_domu(hv):
    """Under Xen the guest finds its UART (vpl011 at 0x22000000) and GIC (0x03001000) in its device tree,
    runs every operation on 2 vCPUs and reports the PL011 register Xen lacks as skipped, not as a crash."""
    bench = os.path.join(hv.REPO, "build", "guests", "bench.bin")
    with tempfile.TemporaryDirectory(prefix="hyparm-xen-test-") as work:
        cmd = xenrun.prepare([xenrun.Domain(bench, "iters=20")], work, icount=False)
        w = hr.watch(cmd, timeout=150, stop=r"BENCH-END|RESULT: ")
    out = "\n".join(w.lines)
    tail = " | ".join(w.lines[-8:])
    hv.expect("BENCH-END" in out, "no BENCH-END under Xen (%s): %s" % (w.why or "exit %s" % w.rc, tail))
    for row in ("null_hvc", "sysreg_trap_read", "mmio_read_gicd_iidr", "mmio_read_uart_fr", "ipi_roundtrip",
                "ipi_roundtrip_target_wfi", "vtimer_latency", "tlb_walk_access"):
        hv.expect(re.search(r"BENCH %s min=\d+ avg=\d+ n=[1-9]" % row, out), "no %s figure: %s" % (row, tail))
    hv.expect(re.search(r"BENCH mmio_write_uart_ilpr skipped data abort at 0x22000020", out),
              "ILPR not reported as skipped: " + tail)
