#!/usr/bin/env python3
"""Randomised-configuration soak test of `ddisim run`.

    scripts/soak.py [--runs N] [--seed S] [--ddisim PATH] [--out DIR] [--timeout SECONDS] [--keep] [--twice N]

Each run draws a platform (timing style, quantum, memory channels, bus width
and bursts, IOMMU caches and unmap policy, HBA limits and queueing, DMA
controller options, DDI resource limits and fidelity, disk kind and sector
size, an HDD's queue order and write cache, sometimes a second disk, disk conditions sd retries transparently: BUSY,
TASK SET FULL, resets, sometimes unreadable blocks) and a workload (an fio
job with random direction, block size or range, offset distribution and
share of random offsets, cache flushes,
depth, clones, verify (a checksum or a pattern), log files, buffers off page alignment, think time and pacing, sometimes a second
phase after a stonewall and exitall, or a
memcpy with random size and offsets; sometimes a read-only traffic generator
beside it, sometimes a run.duration that cuts the run short) from the seed, runs it with the
DMA-API checker on (the software on one, two or a CPU per thread), and
classifies the outcome:

  ok        finished; no checker report, no data error, no unexplained error
  expected  an outcome the configuration explains: reads failing over the
            medium errors drawn for the disk, the illumos bugs the DDI
            reproduces (spec §8.3 sgllen = 1 panic, §8.10 stale IOMMU with
            iommu_unmap never, §8.12 NORESOURCES with DDI_DMA_SLEEP under
            resource limits), a stall under resource limits
  PROBLEM   anything else: a crash, a hang (timeout), a refused scenario,
            a checker report, wrong data, an error nothing explains

Every --twice'th run (default 10th) runs again and must give byte-identical
results.json, stats.csv and fio.json, else it is a PROBLEM too.

Every PROBLEM keeps its folder (cmd.txt replays it); the exit status is 1
if there was any. Runs are independent processes and deterministic: the same
seed draws the same configurations, and each run's own seed is drawn too.
"""
import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pcie_draw(key, pick):
    """A PCIe link for a device: its keys under `key`."""
    return {key + ".enable": "true", key + ".gen": pick([1, 3, 3, 5]), key + ".lanes": pick([1, 4, 8, 16]),
            key + ".mps": pick(["128B", "256B", "4KiB"]), key + ".mrrs": pick(["128B", "512B", "4KiB"]),
            key + ".rcb": pick(["0B", "0B", "64B"]), key + ".ecrc": pick(["false", "true"]),
            key + ".latency": pick(["0ns", "200ns", "2us"])}


def draw(rng):
    """One configuration: (--set pairs, fio job text or None, facts for classification)."""
    pick = rng.choice
    s = {
        "run.timing": pick(["lt", "at"]),
        "run.quantum": pick(["100ns", "1us", "10us", "50us"]),
        "run.seed": str(rng.randint(1, 10**6)),
        "run.stall_timeout": "1s",
        "platform.memory.channels": pick([1, 2, 3, 4]),
        "platform.memory.interleave": pick(["64B", "256B", "4KiB"]),
        "platform.memory.bytes_per_cycle": pick(["8B", "16B", "32B"]),
        "platform.memory.turnaround": pick(["0ns", "5ns"]),
        "platform.bus.data_width": pick(["8B", "16B", "32B", "64B"]),
        "platform.bus.max_burst": pick(["64B", "256B", "4KiB"]),
        "platform.bus.outstanding": pick([1, 2, 8, 32]),
        "platform.bus.arbitration": pick(["round_robin", "fixed_priority"]),
        "software.dma_api_checker": "true",
        "software.debug_checks": "true",
        "software.placement": pick(["contiguous", "random", "high_first"]),
        "software.copybuf_space": pick(["0B", "0B", "256KiB", "4MiB"]),
        "software.dvma_space": pick(["0B", "0B", "2MiB", "64MiB"]),
        "software.handle_limit": pick([0, 0, 16, 256]),
        "software.fidelity": pick(["illumos", "illumos", "fixed"]),
        "software.sync_ignore_params": pick(["false", "false", "true"]),
        "software.cpus": pick([0, 0, 1, 2]),
    }
    iommu = pick(["vtd", "vtd", "none", "off"])
    if iommu == "vtd":
        s.update({
            "software.iommu": "vtd", "platform.iommu.enable": "true",
            "software.iommu_unmap": pick(["strict", "deferred", "never"]),
            "software.iommu_deferred_batch": pick([1, 16, 64]),
            "platform.iommu.iotlb_sets": pick([1, 4, 16]), "platform.iommu.iotlb_ways": pick([1, 2, 4]),
            "platform.iommu.walkers": pick([0, 1, 2, 4]), "platform.iommu.pwc_entries": pick([0, 4, 32]),
        })
    elif iommu == "off":
        s.update({"software.iommu": "none", "platform.iommu.enable": "false"})
    else:
        s["software.iommu"] = "none"
    job = None
    if pick(["fio", "fio", "memcpy"]) == "fio":
        s.update({
            "platform.hba.address_bits": pick([32, 64, 64]),
            "platform.hba.max_sgl_entries": pick([1, 2, 4, 16, 64, 4096]),
            "platform.hba.max_transfer": pick(["16MiB", "16MiB", "256KiB", "64KiB"]),
            "software.sd_max_xfer": pick(["1MiB", "1MiB", "128KiB"]),
            "platform.hba.burst_size": pick(["64B", "256B", "512B", "4KiB"]),
            "platform.hba.lt_transaction_size": pick(["0B", "4KiB", "64KiB"]),
            "platform.hba.outstanding": pick([1, 4, 16]),
            "platform.hba.queue_depth": pick([4, 32, 128]),
            "platform.hba.queue_full": pick(["refuse", "hold"]),
            "platform.hba.target_queue_depth": pick([1, 8, 32]),
            "platform.hba.coalesce_count": pick([1, 4, 16]),
            "platform.hba.coalesce_time": "20us",
            "platform.hba.boundary": pick(["0B", "4KiB", "64KiB"]),
            "platform.hba.targets.0.kind": pick(["ssd", "ssd", "ram", "hdd"]),
            "software.copybuf_max": pick(["64KiB", "1028KiB"]),
        })
        if s["platform.hba.targets.0.kind"] == "hdd":
            # A disk head interleaving 8 bufs' windows (a short SGL cuts a
            # 2 MiB buf into 32) seeks for each: the first buf can take
            # seconds. Stalls under resource limits still end at 10 s.
            s["run.stall_timeout"] = "10s"
            # the drive's queue: reordered (with or without an age limit) or in arrival order
            s["platform.hba.targets.0.hdd.scheduling"] = pick(["sptf", "sptf", "fifo"])
            s["platform.hba.targets.0.hdd.reorder_age_limit"] = pick(["500ms", "20ms", "0ns"])
            s["platform.hba.targets.0.hdd.write_cache"] = pick(["false", "true"])
        rw = pick(["randread", "randwrite", "read", "write", "randrw", "rw"])
        # blocks above max_transfer or sd_max_xfer: sd breaks them up (the
        # IOMMU path has no PARTIAL windows, spec §8.9)
        big = ["512", "4k", "8k", "64k", "256k", "1m", "2m"]
        # a disk of 4 KiB logical blocks now and then: blocks of whole sectors only
        sector = pick([512, 512, 512, 4096])
        if sector == 4096:
            s["platform.hba.targets.0.block_size"] = "4KiB"
            big = big[1:]
        bs, depth, size = pick(big), pick([1, 4, 32]), pick(["16m", "1g"])
        # fewer of the largest blocks: 2 jobs × 200 × 2 MiB with verify, in
        # 64 B bursts under AT, take minutes on the sanitizer build
        ios = pick([50, 200]) if bs not in ("1m", "2m") else pick([20, 50])
        if bs in ("1m", "2m") and s["run.timing"] == "at":
            ios //= 2  # AT moves them burst by burst: 50 × 1 MiB of 64 B bursts took 3 min under the sanitizer
        job = "[j]\nioengine=libaio\nrw=%s\nbs=%s\niodepth=%d\nsize=%s\nnumber_ios=%d\nnumjobs=%d\noffset_increment=1g\n" % (
            rw, bs, depth, size, ios, pick([1, 1, 2]))
        if rw != "read" and rw != "randread" and pick([True, False]):
            # the checksum of pseudo-random bytes, every byte against a
            # pattern holding each write's offset, or the checksum of a pattern
            job += pick(["verify=crc32c\n", 'verify_pattern=%o"ddisim"\n', "verify=crc32c\nverify_pattern=0xa5\n"])
        # block sizes drawn per I/O up to bs (not above 256k: the largest
        # keep their fewer I/Os above)
        if bs not in ("1m", "2m") and pick([False, False, True]):
            job += "bsrange=%s-%s\n" % ("4k" if sector == 4096 else "512", bs)
        # buffers off page alignment: more cookies per bind, page-crossing
        # bursts, copy buffers for devices that need alignment
        if pick([False, False, True]):
            job += "iomem_align=%d\n" % pick([8, 512, 2048])
        # fio's log files: an entry per I/O, or averaged over a window
        if pick([False, False, False, True]):
            job += pick(["write_lat_log\nlog_offset=1\n", "write_lat_log=s\nwrite_bw_log=s\nwrite_iops_log=s\nlog_avg_msec=%d\n" % pick([1, 10])])
        if rw.startswith("rand") and pick([False, False, False, True]):
            # skewed offsets (hot blocks repeat: norandommap implied)
            # (zones of 1.6 MiB and 1 MiB: not for the 1 and 2 MiB blocks)
            job += "random_distribution=%s\n" % pick(["zipf:1.2", "zipf:0.8", "pareto:0.2", "normal:10"] + (
                ["zoned:80/10:20/90", "zoned_abs:90/1m:10/8m"] if bs not in ("1m", "2m") else []))
        if rw.startswith("rand") and pick([False, False, False, True]):
            # runs that follow on between the random offsets
            job += "percentage_random=%d\n" % pick([0, 50, 90])
        if rw not in ("read", "randread") and pick([False, False, False, True]):
            # cache flushes (SYNCHRONIZE CACHE through sd)
            job += pick(["fsync=1\n", "fsync=8\n", "fdatasync=4\n", "end_fsync=1\n", "fsync_on_close=1\n"])
        if pick([False, False, False, True]):
            job += "thinktime=%d\n" % pick([5, 50])
        if pick([False, False, False, True]):
            # paced (open loop): evenly or as a Poisson process
            job += "rate_iops=%d\nrate_process=%s\n" % (pick([2000, 20000, 200000]), pick(["linear", "poisson"]))
        if pick([False, False, False, True]):
            # fio's phases: a job after a stonewall starts when [j] (and its
            # clone) have ended; with exitall the first clone to end
            # terminates its twin, and with exit_what=all the phase too
            ex = pick(["", "", "exitall\n", "exitall\nexit_what=all\n"])
            job += ex + "[k]\nstonewall\nioengine=libaio\nrw=randread\nbs=%s\niodepth=%d\nsize=16m\nnumber_ios=50\n" % (
                "4k", pick([1, 8]))
        # Disk conditions sd must ride out without an error: BUSY, TASK SET
        # FULL, a target reset (UNIT ATTENTION after it), a power-on UNIT
        # ATTENTION. BUSY is every Nth command, so bufs retried in lockstep
        # can meet it every time and fail after sd's 10 retries, as sd
        # should: a rare N (31, 97) keeps that from happening by chance.
        s.update({
            "platform.hba.targets.0.faults.busy_every": pick([0, 0, 31, 97]),
            "platform.hba.targets.0.faults.busy_probability": pick([0, 0, 0.02, 0.1]),
            "platform.hba.targets.0.faults.task_set_full_every": pick([0, 0, 11]),
            "platform.hba.targets.0.faults.reset_at": pick(["0ns", "0ns", "300us"]),
            "platform.hba.targets.0.faults.power_on_unit_attention": pick(["false", "true"]),
        })
        if pick([False, False, True]):
            # a second disk, and the jobs on it half the time (another
            # target id, its own queue and tags at the HBA)
            s["platform.hba.targets.1.kind"] = pick(["ssd", "ram"])
            s["workload.fio.target"] = pick([0, 1])
            if pick([False, True]):
                # and a job naming the other disk (sd attached to both)
                job += "[m]\nfilename=/dev/rdsk/c0t%dd0p0\nioengine=libaio\nrw=%s\nbs=4k\niodepth=%d\nsize=16m\nnumber_ios=50\n" % (
                    1 - s["workload.fio.target"], pick(["randread", "read"]), pick([1, 8]))
        if pick([False, False, False, True]):
            # firmware cores running the HBA's per-command overhead
            s["platform.hba.firmware_cores"] = pick([1, 2])
            s["platform.hba.command_overhead"] = pick(["500ns", "5us"])
        if pick([False, False, False, True]):
            # the HBA behind a PCIe link
            s.update(pcie_draw("platform.hba.pcie", pick))
        if pick([False, False, False, True]):
            # 8 unreadable blocks in the first 16 MiB (the first clone's
            # region): reads over them fail with EIO, the rest must not
            s["platform.hba.targets.0.faults.medium_errors"] = "[{lba: %d, count: 8}]" % rng.randrange(0, 32768 if sector == 512 else 4096)
            if pick([False, True]):
                # go on after the failed reads, as fio's continue_on_error
                # (by default the first one ends the job)
                job += "continue_on_error=read\n"
    else:
        s.update({
            "workload.kind": "memcpy", "platform.traffic": "[]",
            "workload.memcpy.size": pick(["1B", "100B", "4KiB", "65537B", "1MiB"]),
            "workload.memcpy.copies": pick([1, 4, 16]),
            "workload.memcpy.src_offset": pick(["0B", "1B", "4095B"]),
            "workload.memcpy.dst_offset": pick(["0B", "3B", "64B"]),
            "workload.memcpy.new_buffers": pick(["true", "false"]),
            "workload.memcpy.verify": "true",
            "platform.dmac.address_bits": pick([32, 64]),
            "platform.dmac.burst_size": pick(["64B", "256B", "4KiB"]),
            "platform.dmac.lt_transaction_size": pick(["0B", "4KiB"]),
            "platform.dmac.outstanding": pick([1, 4, 16]),
            "platform.dmac.writeback": pick(["true", "false"]),
        })
        s.update({
            "workload.memcpy.placement": pick(["any", "any", "low", "high"]),
            "platform.dmac.channels": pick([1, 4]),
            "platform.dmac.boundary": pick(["0B", "4KiB", "64KiB"]),
            "platform.dmac.arbitration": pick(["round_robin", "fixed_priority"]),
            "platform.dmac.interrupt_mode": pick(["descriptor", "batch"]),
            "platform.dmac.descriptor_overhead": pick(["0ns", "0ns", "100ns"]),
        })
        if pick([False, False, False, True]):
            s.update(pcie_draw("platform.dmac.pcie", pick))
    if "workload.kind" not in s and rng.random() < 0.3:
        # read-only contention (a writing generator would be a rogue device
        # scribbling over the kernel's memory)
        s["platform.traffic"] = ("[{pattern: %s, base: 0x100000, range: 16MiB, size: %s, read_fraction: 1, "
                                 "outstanding: %d, count: %d}]" % (pick(["random", "sequential"]),
                                                                   pick(["64B", "4KiB"]), pick([1, 8]),
                                                                   pick([500, 5000])))
    if rng.random() < 0.25:
        s["run.duration"] = pick(["50us", "500us", "5ms"])  # cut short: teardown mid-I/O
    return s, job


def limited(s):
    """Whether a DDI resource limit is set (NORESOURCES may then be the right answer)."""
    return any(s.get(k, "0B") not in ("0B", 0, "0") for k in ("software.copybuf_space", "software.dvma_space",
                                                                 "software.handle_limit"))


def verify_may_race(job):
    """Random writes with verify whose offsets may repeat (bsrange: no random
    map; a random_distribution; percentage_random) at iodepth > 1: two writes to a block may be
    in flight at once and reach the disk in either order (a BUSY retry lets
    the later pass), so verify may fail, as fio warns (ddisim notes it)."""
    job = (job or "").split("\n[")[0]  # [j]'s options only, not a later job's
    if ("verify=" not in job and "verify_pattern=" not in job) or not any(k in job for k in ("bsrange=", "random_distribution=", "percentage_random=")):
        return False
    lines = dict(l.split("=", 1) for l in job.splitlines() if "=" in l)
    return lines.get("rw") in ("randwrite", "randrw") and int(lines.get("iodepth", "1")) > 1


def classify(s, rc, stdout, stderr, results, job=None):
    """('ok' | 'expected' | 'PROBLEM', why)."""
    if rc is None:
        return "PROBLEM", "timeout (hang?)"
    if rc not in (0, 1):
        tail = (stderr.strip().splitlines() or [""])[-1]
        return "PROBLEM", "exit status %d: %s" % (rc, tail)
    if results is None:
        return "PROBLEM", "no results.json"
    sw, h = results["software"], results["headline"]
    if sw["checker"]["count"]:
        return "PROBLEM", "checker: %s" % sw["checker"]["by_kind"]
    diags = set(sw["diagnostics"]["by_kind"])
    explained = set()
    illumos = s.get("software.fidelity", "illumos") == "illumos"
    if s.get("software.iommu_unmap") == "never":  # illumos's policy, chosen explicitly: any fidelity
        explained.add("bug-8.10-stale-iommu")
    if not illumos and s.get("platform.hba.max_sgl_entries") == 1:
        explained.add("fixed-8.3-sgllen-1")  # the fixed DDI reports what illumos panics on
        # and then refuses binds whose one-cookie windows are no multiple of
        # the sector (buffers off page alignment, spec §8.4): EFAULT
        explained.add("sgllen-1-trim")
    if limited(s) and illumos:
        explained.add("bug-8.12-sleep-queued")
    panic = h.get("panic", "")
    if panic and illumos and s.get("platform.hba.max_sgl_entries") == 1 and "§8.3" in panic:
        explained.add("panic")
    if diags - explained:
        return "PROBLEM", "diagnostics: %s" % sorted(diags - explained)
    wrong = 0
    if "memcpy" in h:
        wrong += h["memcpy"].get("verify_errors", 0)
    if "fio" in h:
        wrong += sum(j.get("verify_errors", 0) or 0 for j in h["fio"].get("jobs", []))
    if wrong and verify_may_race(job) and "either order" in stderr:
        return "expected", "%d blocks failed verification: overlapping random writes in flight" % wrong
    if wrong:
        return "PROBLEM", "%d bytes/blocks failed verification" % wrong
    if rc == 0:
        return ("expected", "diagnostics %s" % sorted(diags)) if diags else ("ok", "")
    on_t0 = s.get("workload.fio.target", 0) == 0 or "/dev/rdsk/c0t0d0p0" in (job or "")  # a job on the faulty disk
    if ("fio" in h and s.get("platform.hba.targets.0.faults.medium_errors") and on_t0
            and not panic and not h.get("stalled")
            and "did not finish" not in stderr and h["fio"]["total"].get("errors", 0) > 0):
        return "expected", "injected medium errors: %d failed I/Os" % h["fio"]["total"]["errors"]
    if panic:
        return ("expected", "panic: " + panic) if "panic" in explained else ("PROBLEM", "panic: " + panic)
    if h.get("stalled") or "memcpy" in h or "fio" in h:
        if limited(s) and (h.get("stalled") or "bug-8.12-sleep-queued" in diags or
                           ("memcpy" in h and h["memcpy"].get("failed"))):
            return "expected", "resource limits: %s" % ("stalled" if h.get("stalled") else "failed copies/I/Os")
    if "fio" in h and "sgllen-1-trim" in diags and not panic and not h.get("stalled"):
        return "expected", "sgllen 1: binds refused for windows off the sector size (EFAULT)"
    return "PROBLEM", "errors: " + ((stderr.strip().splitlines() or [""])[-1])


def differs_when_rerun(cmd, d, env, timeout):
    """Runs cmd again into d + '-again'; what differs from the first run, or ''."""
    d2 = d + "-again"
    shutil.rmtree(d2, ignore_errors=True)
    cmd2 = [d2 if c == d else c for c in cmd]
    try:
        subprocess.run(cmd2, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return "the second run timed out"
    diff = []
    for name in ("results.json", "stats.csv", "fio.json"):
        p1, p2 = os.path.join(d, name), os.path.join(d2, name)
        if os.path.exists(p1) != os.path.exists(p2):
            diff.append(name + " (in one run only)")
        elif os.path.exists(p1):
            with open(p1, "rb") as f1, open(p2, "rb") as f2:
                if f1.read() != f2.read():
                    diff.append(name)
    if not diff:
        shutil.rmtree(d2)
    return (", ".join(diff) + " differ (" + d2 + ")") if diff else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ddisim", default=os.environ.get("DDISIM", os.path.join(ROOT, "build", "ddisim")))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "soak"))
    ap.add_argument("--timeout", type=float, default=120, help="wall-clock seconds per run before it counts as a hang")
    ap.add_argument("--keep", action="store_true", help="keep the folders of good runs too")
    ap.add_argument("--twice", type=int, default=10, metavar="N",
                    help="run every Nth configuration a second time and require byte-identical results.json, "
                         "stats.csv and fio.json (determinism; 0 = never)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    tally = {"ok": 0, "expected": 0, "PROBLEM": 0}
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    for i in range(a.runs):
        s, job = draw(rng)
        d = os.path.join(a.out, "run%04d" % i)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        cmd = [a.ddisim, "run", "--quiet", "--out", d]
        if job:
            with open(os.path.join(d, "job.fio"), "w") as f:
                f.write(job)
            cmd += ["--fio", os.path.join(d, "job.fio")]
        for k, v in s.items():
            cmd += ["--set", "%s=%s" % (k, v)]
        with open(os.path.join(d, "cmd.txt"), "w") as f:
            f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout, env=env)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = None, "", ""
        results = None
        try:
            with open(os.path.join(d, "results.json")) as f:
                results = json.load(f)
        except (OSError, ValueError):
            pass
        kind, why = classify(s, rc, out, err, results, job)
        if kind != "PROBLEM" and a.twice and i % a.twice == 0:
            again = differs_when_rerun(cmd, d, env, a.timeout)
            if again:
                kind, why = "PROBLEM", "not deterministic: " + again
        tally[kind] += 1
        if kind != "ok":
            print("soak: run %d %s %s%s" % (i, kind, why[:300], " (" + d + ")" if kind == "PROBLEM" else ""))
            sys.stdout.flush()
        if kind != "PROBLEM" and not a.keep:
            shutil.rmtree(d)
    print("soak: %d runs, seed %d: %d ok, %d expected, %d PROBLEM" % (a.runs, a.seed, tally["ok"], tally["expected"],
                                                                     tally["PROBLEM"]))
    return 1 if tally["PROBLEM"] else 0


if __name__ == "__main__":
    sys.exit(main())
