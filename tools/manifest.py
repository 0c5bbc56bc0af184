"""The VM manifest on the host side (schema: docs/manifest.md).

A manifest is a device-tree source. The launcher turns it into the
bundle's manifest.dtb:

1. `dtc -T` parses it (its own errors, syntax and duplicate nodes, name the
   file and line) and prints it back normalized, each node and property
   annotated with the file:line it came from;
2. every node gets a `hyparm,lines` property from those annotations, the
   line map that lets hyparm name the user's file:line too (a DTB has no
   line numbers): "FILE:LINE" of the node, then "PROP FILE:LINE" each;
3. the files it names (relative to the manifest's directory) get their
   bundle names, each file once;
4. the result is compiled, and hyparm's own checks (core/manifest.c built
   for the host: build/tools/manifest-check) run on it against the machine
   the launcher will start, so the launcher refuses exactly what hyparm
   would, with the same message, before anything boots.

`python3 tools/manifest.py IN.dts OUT.dtb` does steps 1, 2 and the compile
(the unit tests use it to make manifests with line maps).
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKER = os.path.join(REPO, "build", "tools", "manifest-check")
NAME = "manifest.dtb"  # its name in the bundle (include/hyparm/manifest.h)
FILE_PROPS = ("kernel", "firmware", "initrd", "dtb")
# Where --passthrough puts its devices: the virtio window's lowest page (QEMU's virt fills the
# window from its top, so hyparm's own disks and network are never there), one page each.
PASSTHROUGH_BASE = 0x0A000000
PASSTHROUGH_STRIDE = 0x1000
VIRTIO_SLOT = 0x200
VIRTIO_SLOTS = 32
FILE_NAME_MAX = 63  # VMCONF_FILE_MAX - 1
# What hyparm and the boot leave of the machine's RAM besides the bundle: hyparm's image,
# stacks, page bitmap, stage-2 tables, the host DTB (a few MiB; kept generous).
HYPARM_RESERVE = 16 << 20

_NODE = re.compile(r"^\s*(?:[\w-]+:\s*)*([^\s=;{}]+)\s*\{\s*(?:/\*\s*([^*]*?)\s*\*/)?\s*$")
_END = re.compile(r"^\s*\};")
_PROP = re.compile(r"^\s*(?:[\w-]+:\s*)*([^\s=;{}]+)\s*(=.*)?;\s*(?:/\*\s*([^*]*?)\s*\*/)?\s*$")
_STRING = re.compile(r'^=\s*"((?:[^"\\]|\\.)*)"$')
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9._+-]*(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)*$")


class ManifestError(Exception):
    pass


def dts_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def _first_loc(annotation):
    """dtc's "a.dts:5, a.dts:13" (a node defined in two places): where it begins."""
    return annotation.split(", ")[0].strip() if annotation else ""


def annotate(dts):
    """dtc's normalized, annotated text of the source dts (ManifestError: dtc's own errors)."""
    if not os.path.isfile(dts):
        raise ManifestError("manifest '%s' does not exist" % dts)
    p = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dts", "-T", dts], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode:
        raise ManifestError("dtc refused %s:\n%s" % (dts, p.stderr.strip()))
    # dtc's annotations name a file by its base name: give the manifest's the path the user gave.
    base = re.escape(os.path.basename(dts))
    return re.sub(r"(/\* |, )%s:" % base, lambda m: m.group(1) + dts + ":", p.stdout)


class Node:
    def __init__(self, path, loc):
        self.path, self.loc, self.props = path, loc, []  # props: [(name, value text, loc)]


def walk(text):
    """The annotated text, line by line: yields (line, node opened or None, Node being filled)."""
    stack = []
    for line in text.split("\n"):
        m = _NODE.match(line)
        if m:
            name = m.group(1)
            path = "/" if name == "/" else (stack[-1].path.rstrip("/") + "/" + name if stack else "/" + name)
            stack.append(Node(path, _first_loc(m.group(2))))
            yield line, stack[-1], stack[-1]
            continue
        if _END.match(line) and stack:
            stack.pop()
            yield line, None, None
            continue
        m = _PROP.match(line) if stack else None
        if m and not line.lstrip().startswith("/"):
            stack[-1].props.append((m.group(1), m.group(2) or "", _first_loc(m.group(3))))
        yield line, None, stack[-1] if stack else None


def nodes(text):
    """{path: Node} of the annotated text."""
    out = {}
    for _, opened, _node in walk(text):
        if opened:
            out[opened.path] = opened
    # Props are filled while walking: the Node objects in out are complete now.
    return out


def string_value(value):
    """The string of a property written `= "..."` (None for anything else)."""
    m = _STRING.match(value.strip())
    if not m:
        return None
    return re.sub(r"\\(.)", r"\1", m.group(1))


def with_line_map(text, renames=None):
    """The annotated text with a hyparm,lines property in every node, and the
    properties in renames ({(path, prop): new string}) given new string values."""
    tree = nodes(text)
    renames = renames or {}
    out = []
    current = []
    for line, opened, node in walk(text):
        if opened:
            current.append(opened.path)
            out.append(line)
            n = tree[opened.path]
            entries = [n.loc] + ["%s %s" % (name, loc) for name, _, loc in n.props if loc]
            out.append("\thyparm,lines = %s;" % ", ".join(dts_string(e) for e in entries))
            continue
        if _END.match(line) and current:
            current.pop()
            out.append(line)
            continue
        m = _PROP.match(line) if current else None
        if m and (current[-1], m.group(1)) in renames:
            out.append("\t%s = %s;" % (m.group(1), dts_string(renames[(current[-1], m.group(1))])))
            continue
        out.append(line)
    return "\n".join(out)


def compile_text(text, out_dtb):
    p = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out_dtb, "-"], input=text,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode:
        raise ManifestError("dtc could not compile the manifest with its line map:\n" + p.stderr.strip())


def vm_files(text, base):
    """[(vm node path, prop, value as written, host path)] for kernel, initrd and dtb of every VM
    (only plain string values: the checks refuse the others)."""
    out = []
    for path, n in nodes(text).items():
        if not re.match(r"^/vms/[^/]+$", path):
            continue
        for name, value, _ in n.props:
            s = string_value(value) if name in FILE_PROPS else None
            if s:
                out.append((path, name, s, os.path.join(base, s)))
    return out


def device_nodes(text, compatible):
    """The VMs' device nodes of one kind: [(path, {property: value text})], in text order."""
    out = []
    for path, n in nodes(text).items():
        if not re.match(r"^/vms/[^/]+/[^/]+$", path):
            continue
        props = {name: value for name, value, _ in n.props}
        if string_value(props.get("compatible", "")) == compatible:
            out.append((path, props))
    return out


def disk_files(text, base):
    """The host disk files of the manifest's virtio-blk nodes: [(file as written, host path, read
    only)], each distinct file once, in the order hyparm numbers them (VMs, then their nodes, in
    text order): the launcher attaches the nth as the machine's nth virtio-blk device."""
    out, seen = [], {}
    for _path, props in device_nodes(text, "hyparm,virtio-blk"):
        f = string_value(props.get("file", ""))
        if not f:
            continue
        ro = "read-only" in props
        if f in seen:
            out[seen[f]] = (f, out[seen[f]][1], out[seen[f]][2] and ro)
            continue
        seen[f] = len(out)
        out.append((f, os.path.join(base, f), ro))
    return out


def cell_values(value):
    """The numbers of a property written `= <...>` ([] for anything else)."""
    m = re.match(r"^=?\s*<([^>]*)>$", value.strip())
    if not m:
        return []
    try:
        return [int(c, 0) for c in m.group(1).split()]
    except ValueError:
        return []


def passthrough_devices(text, base):
    """The manifest's passthrough nodes that name a QEMU device for the launcher to attach:
    [(node path, host-address, qemu-device, host path of its file or None)], in text order."""
    out = []
    for path, props in device_nodes(text, "hyparm,passthrough"):
        qdev = string_value(props.get("qemu-device", ""))
        if not qdev:
            continue
        cells = cell_values(props.get("host-address", ""))
        addr = cells[0] << 32 | cells[1] if len(cells) == 2 else (cells[0] if cells else None)
        f = string_value(props.get("file", ""))
        out.append((path, addr, qdev, os.path.join(base, f) if f else None))
    return out


def bundle_names(files):
    """Each distinct existing file once: {(path, prop): bundle name}, [(host path, bundle name)].
    A name that is plain (no '..', not absolute, short) stays as written; others become
    their base name (numbered if two files would share one). Missing files keep their
    name, so that the check names them as the user wrote them."""
    by_real, taken, renames, copies = {}, set(), {}, []
    for path, prop, value, host in files:
        if not os.path.isfile(host):
            continue
        real = os.path.realpath(host)
        if real not in by_real:
            name = value
            if not _SAFE_NAME.match(value) or ".." in value.split("/") or len(value) > FILE_NAME_MAX \
                    or name in taken or name == NAME:
                base = os.path.basename(value)[-(FILE_NAME_MAX - 8):] or "file"
                name, i = base, 2
                while name in taken or name == NAME:
                    name, i = "%d-%s" % (i, base), i + 1
            taken.add(name)
            by_real[real] = name
            copies.append((host, name))
        renames[(path, prop)] = by_real[real]
    return renames, copies


def check(dtb, files_dir, pcpus=0, ram_bytes=0):
    """Run hyparm's checks (build/tools/manifest-check) on dtb; its VMs as dicts, or ManifestError."""
    if not os.access(CHECKER, os.X_OK):
        raise ManifestError("%s is missing: run 'make hyparm'" % CHECKER)
    cmd = [CHECKER, "--dir", files_dir]
    if pcpus:
        cmd += ["--pcpus", str(pcpus)]
    if ram_bytes:
        cmd += ["--ram", str(ram_bytes)]
    p = subprocess.run(cmd + [dtb], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode:
        raise ManifestError(p.stdout.strip())
    vms = []
    for line in p.stdout.splitlines():
        head, _, devices = line.partition(" devices=")
        fields = head.split(" ")
        vm = {"name": fields[1], "devices": devices.split()}
        for f in fields[2:]:
            k, _, v = f.partition("=")
            vm[k] = v
        vm["vcpus"], vm["memory"] = int(vm["vcpus"]), int(vm["memory"])
        vm["affinity"] = [int(c) for c in vm["affinity"].split(",")] if vm["affinity"] else []
        vms.append(vm)
    return vms


def prepare(dts, workdir, pcpus=0, ram_mib=0, checked=True):
    """Turn dts into workdir/files/manifest.dtb plus a symbolic link per image (the bundle's
    contents), checked for a machine of pcpus CPUs and ram_mib MiB. Returns (VMs, files dir).
    checked=False skips the checks (tests of hyparm's own: it never trusts the bundle)."""
    text = annotate(dts)
    renames, copies = bundle_names(vm_files(text, os.path.dirname(os.path.abspath(dts))))
    files = os.path.join(workdir, "files")
    os.makedirs(files)
    for host, name in copies:
        dst = os.path.join(files, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.symlink(os.path.abspath(host), dst)
    dtb = os.path.join(files, NAME)
    compile_text(with_line_map(text, renames), dtb)
    ram = 0
    if ram_mib:
        used = HYPARM_RESERVE + os.path.getsize(dtb) + sum(os.path.getsize(h) for h, _ in copies)
        ram = max((ram_mib << 20) - used, 1)
    if not checked:
        return [], files
    vms = check(dtb, files, pcpus, ram)
    return vms, files


def generate(vms, origins=None):
    """A manifest (dts text) for VMs given by kvmtool-style options (hyparmrun.VM).
    origins: a dict to fill with what made each line ({line number: "the option"}), so that an
    error about a line of this file, which the user never saw, can name their option instead."""
    lines = ["/dts-v1/;", "/* written by tools/hyparm-run from its options */", "/ {",
             '\tcompatible = "hyparm,manifest";', "\tvms {"]
    what = [None] * len(lines)

    def add(line, origin):
        lines.append(line)
        what.append(origin)

    for i, vm in enumerate(vms):
        name = vm.name or "vm%d" % i
        image = ("-k %s" % vm.kernel) if vm.kernel else ("--bios %s" % getattr(vm, "bios", None))
        this = "VM %s (%s%s)" % (name, "--vm #%d: " % (i + 1) if len(vms) > 1 else "", image)
        add("\t\t%s {" % name, this)
        add('\t\t\tcompatible = "hyparm,vm";', this)
        for key, opt, path in (("kernel", "-k", vm.kernel), ("firmware", "--bios", getattr(vm, "bios", None)),
                               ("initrd", "-i", vm.initrd), ("dtb", "--dtb", vm.dtb)):
            if path is not None:
                add("\t\t\t%s = %s;" % (key, dts_string(os.path.abspath(path))), "%s, %s %s" % (this, opt, path))
        if vm.params:
            add("\t\t\tbootargs = %s;" % dts_string(vm.params), '%s, -p "%s"' % (this, vm.params))
        add("\t\t\tvcpus = <%d>;" % vm.cpus, "%s, -c %d" % (this, vm.cpus))
        add('\t\t\tmemory = "%dM";' % vm.mem, "%s, -m %d" % (this, vm.mem))
        if vm.pcpus is not None:
            cpus = [c for c in re.split(r"[,\s]+", str(vm.pcpus)) if c]
            add("\t\t\taffinity = <%s>;" % " ".join(cpus), "%s, --pcpus %s" % (this, vm.pcpus))
        if getattr(vm, "restart", None):
            add("\t\t\trestart = %s;" % dts_string(vm.restart), "%s, --restart %s" % (this, vm.restart))
        if getattr(vm, "no_mte", False):
            add("\t\t\tno-mte;", "%s, --no-mte" % this)
        passthrough = getattr(vm, "passthrough", None) or ()
        if getattr(vm, "identity_mapped", False) or passthrough:
            add("\t\t\tidentity-mapped;", "%s, %s" % (this, "--identity-mapped" if not passthrough
                                                       else "--passthrough (DMA without an SMMU)"))
        if getattr(vm, "flash_vars", None):
            add('\t\t\tflash-vars = "board";', "%s, --flash-vars %s" % (this, vm.flash_vars))
        if getattr(vm, "devices", None):
            add("\t\t\tdevices = %s;" % ", ".join(dts_string(d) for d in vm.devices), "%s, devices" % this)
        for n, (path, ro) in enumerate(getattr(vm, "disks", None) or ()):
            opt = "%s, -d %s%s" % (this, path, ",ro" if ro else "")
            add("\t\t\tdisk%d {" % n, opt)
            add('\t\t\t\tcompatible = "hyparm,virtio-blk";', opt)
            add("\t\t\t\tfile = %s;" % dts_string(os.path.abspath(path)), opt)
            if ro:
                add("\t\t\t\tread-only;", opt)
            add("\t\t\t};", opt)
        for n, (qdev, path) in enumerate(passthrough):
            opt = "%s, --passthrough %s%s" % (this, qdev, ",file=" + path if path else "")
            add("\t\t\tpt%d {" % n, opt)
            add('\t\t\t\tcompatible = "hyparm,passthrough";', opt)
            # Each in a page of its own, from the window's lowest (QEMU fills it from the top).
            add("\t\t\t\thost-address = <0x%x>;" % (PASSTHROUGH_BASE + n * PASSTHROUGH_STRIDE), opt)
            add("\t\t\t\tqemu-device = %s;" % dts_string(qdev), opt)
            if path:
                add("\t\t\t\tfile = %s;" % dts_string(os.path.abspath(path)), opt)
            add("\t\t\t};", opt)
        vsock = getattr(vm, "vsock", None)
        if vsock is not None:
            opt = "%s, --vsock%s" % (this, "" if vsock == "auto" else " %s" % vsock)
            add("\t\t\tvsock0 {", opt)
            add('\t\t\t\tcompatible = "hyparm,virtio-vsock";', opt)
            if vsock != "auto":
                add("\t\t\t\tcid = <%d>;" % int(vsock), opt)
            add("\t\t\t};", opt)
        if getattr(vm, "network", None) is not None:
            opt = "%s, --network%s" % (this, " mac=" + vm.network if vm.network else "")
            add("\t\t\tnet0 {", opt)
            add('\t\t\t\tcompatible = "hyparm,virtio-net";', opt)
            if vm.network:
                add("\t\t\t\tmac = %s;" % dts_string(vm.network), opt)
            add("\t\t\t};", opt)
        for n, (region, size) in enumerate(getattr(vm, "ivshmem", None) or ()):
            opt = "%s, --ivshmem %s%s" % (this, region, ",size=" + size if size else "")
            add("\t\t\tshm%d {" % n, opt)
            add('\t\t\t\tcompatible = "hyparm,ivshmem";', opt)
            add("\t\t\t\tregion = %s;" % dts_string(region), opt)
            if size:
                add("\t\t\t\tsize = %s;" % (("<%s>" % size) if size.startswith("0x") or size.isdigit()
                                               else dts_string(size)), opt)
            add("\t\t\t};", opt)
        add("\t\t};", this)
    lines += ["\t};", "};", ""]
    if origins is not None:
        origins.update({n: w for n, w in enumerate(what, 1) if w})
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: manifest.py IN.dts OUT.dtb  (the DTB with its line map, unchecked)")
    try:
        compile_text(with_line_map(annotate(sys.argv[1])), sys.argv[2])
    except ManifestError as e:
        sys.exit(str(e))
