"""Parse the guest-kernel test output: pvbench's table (format version 1,
documented at the top of arch/x86/xen/pvbench.c in guest_patches 0001),
the workload lines and the xen_pte_update counters (patch 0002).
Shared by tests/linux/guest_kernel/boot-dom0 and run-bench here."""

BENCHES = ("empty", "null_hypercall", "priv_insn_emulated", "cpuid_emulated",
           "exception_bounce", "pte_single_hypercall", "pte_mmu_update_8",
           "pte_mmu_update_64", "pte_mmu_update_512", "pte_trapped_write",
           "evtchn_send_self")
WORKLOADS = ("fork_exit", "fork_exec", "mmap_64m")
STRATEGIES = ("batch", "hypercall", "trap")	# xen_pte_update= (patch 0002)


def _ints(fields):
    try:
        return [int(x) for x in fields]
    except ValueError:
        return None


def parse(lines):
    """lines: the text between the init's markers, as a list of strings."""
    res = {"version": None, "iterations": None, "tsc_khz": None, "bench": {},
           "events": None, "workload": {}, "pte_update": {}, "errors": []}
    for line in lines:
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] == "pvbench" and len(f) == 2:
            res["version"] = int(f[1])
        elif f[0] in ("iterations", "tsc_khz") and len(f) == 2:
            res[f[0]] = int(f[1])
        elif f[0] == "events_delivered" and len(f) == 3:
            res["events"] = _ints(f[1:])
        elif f[0] == "workload" and len(f) >= 4:
            v = _ints(f[2:6]) if len(f) == 6 else None
            res["workload"][f[1]] = v
        elif f[0] == "pte_update" and len(f) == 3:
            res["pte_update"][f[1]] = f[2] if f[1] == "strategy" else int(f[2])
        elif f[0].endswith("-error"):
            res["errors"].append(line.strip())
        elif f[0] in BENCHES:
            v = _ints(f[1:]) if len(f) == 5 else None
            res["bench"][f[0]] = v if v else " ".join(f[1:])
    return res


def problems(res, iterations):
    """What is wrong with a pvbench result, as a list of short sentences."""
    bad = list(res["errors"])
    if res["version"] != 1:
        bad.append("no 'pvbench 1' header (got %r)" % res["version"])
    if res["iterations"] != iterations:
        bad.append("iterations %r, asked %d" % (res["iterations"], iterations))
    for name in BENCHES:
        v = res["bench"].get(name)
        if v is None:
            bad.append("%s missing" % name)
        elif isinstance(v, str):
            bad.append("%s: %s" % (name, v))
        elif not 0 < v[2] <= v[1] <= v[3]:
            bad.append("%s: not min <= median <= max: %s" % (name, v))
    b = res["bench"]
    if all(isinstance(b.get(n), list) for n in ("pte_mmu_update_8",
                                               "pte_mmu_update_512")):
        if not b["pte_mmu_update_512"][1] > b["pte_mmu_update_8"][1]:
            bad.append("512 PTEs per mmu_update not dearer than 8")
    if res["events"] != [iterations, iterations]:
        bad.append("events_delivered %s, want %d of %d" % (
            res["events"], iterations, iterations))
    return bad
