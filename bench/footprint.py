#!/usr/bin/env python3
"""The "Idle and footprint" section of bench/run (Python standard library only).

What an always-on home server pays for the bridge when nothing happens. On loopback it starts the
simulator and, side by side and all idle, the bridge with one healthy instance (health checks
on; no watchdog, whose ping every 15 s the goal leaves out), nginx and adnanh/webhook; after a
settling pause it counts for 60 s (10 s in --smoke) the context switches of every thread of each
(voluntary + involuntary, /proc/PID/task/*/status: each is the thread waking up or being woken)
and their CPU. Then the bridge's idle RSS with where it is, and with --deb the package's size and
its installed binary's size. Prints its lines and writes a Markdown fragment that bench/run
appends to the report; exits 1 when a step fails (a missed goal is reported, not a failure).

    python3 bench/footprint.py --bin DIR --raw DIR --out FRAGMENT.md [--bridge PATH] [--deb PATH]

--bin holds appwrite-simulator (and appwrite-bridge, unless --bridge names the binary to measure:
bench/run passes the packaged one, extracted from the .deb).
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

import bench
from bench import CLK_TCK, KEY, Service, StepFailed, log, mib, status_kib

GOALS_TEXT = {
    "wakeups": "idle wake-ups of the bridge (all threads, one healthy instance) <= 1 per second",
    "package": "package size <= 25 MB",
    "rss_packaged": "idle RSS of the packaged binary <= 30 MiB",
}


def thread_switches(pid, with_tree=False):
    """{(pid, tid): (thread name, voluntary + nonvoluntary context switches)} of every live thread."""
    pids = [pid] + (bench.proc_children(pid) if with_tree else [])
    found = {}
    for p in pids:
        for status in glob.glob(f"/proc/{p}/task/*/status"):
            name, count = "?", 0
            try:
                with open(status) as f:
                    for line in f:
                        if line.startswith("Name:"):
                            name = line.split(None, 1)[1].strip()
                        elif line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                            count += int(line.split()[1])
            except OSError:
                continue  # a thread that ended meanwhile
            found[(p, status.split("/")[4])] = (name, count)
    return found


def switches_between(before, after):
    """Context switches made between two thread_switches() readings. A thread that ended in
    between takes its count with it (Dispatch ends idle workers): it is left out, not subtracted."""
    return sum(count - before.get(key, (name, 0))[1] for key, (name, count) in after.items())


def rss_split(pid):
    """RSS, anonymous and file-backed, from /proc/PID/smaps_rollup (KiB)."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                values[parts[0][:-1]] = int(parts[1])
    anon = values.get("Anonymous", 0)
    return values.get("Rss", 0), anon, values.get("Rss", 0) - anon


class Footprint:
    def __init__(self, args):
        self.args = args
        self.smoke = args.mode == "smoke"
        self.seconds = 10 if self.smoke else 60
        self.settle = 3 if self.smoke else 10
        self.raw = os.path.abspath(args.raw)
        os.makedirs(self.raw, exist_ok=True)
        self.sockdir = tempfile.mkdtemp(prefix="bench-idle-")
        taken = set()
        self.ports = {}
        for name, preferred in (("simulator", 18180), ("nginx", 18188), ("webhook", 18190), ("bridge", 18887)):
            self.ports[name] = bench.pick_port(preferred, taken)
            taken.add(self.ports[name])
        self.sim_url = f"http://127.0.0.1:{self.ports['simulator']}/v1"
        self.bridge_binary = os.path.abspath(args.bridge or os.path.join(args.bin, "appwrite-bridge"))
        self.idle = {}  # name -> {"per_second", "cpu_ms", "threads"}
        self.figures = {}

    def run(self):
        self.package()
        sim_conf = os.path.join(self.raw, "simulator.yaml")
        bench.write_atomically(sim_conf, bench.simulator_yaml())
        sim = Service("simulator", [os.path.join(self.args.bin, "appwrite-simulator"), "--config", sim_conf,
                                    "--host", "127.0.0.1", "--port", str(self.ports["simulator"])],
                      os.path.join(self.raw, "simulator.log"))
        bench.wait_port(self.ports["simulator"], sim, 30)
        contenders = {"bridge": self.start_bridge()}
        contenders.update(self.start_others())
        log(f"all idle; settling {self.settle} s, then counting wake-ups for {self.seconds} s")
        time.sleep(self.settle)
        before = {name: (thread_switches(pid, tree), bench.cpu_ticks(pid, tree))
                  for name, (pid, tree, _) in contenders.items()}
        time.sleep(self.seconds)
        for name, (pid, tree, service) in contenders.items():
            service.check_alive()
            after = thread_switches(pid, tree)
            switches, threads = switches_between(before[name][0], after), len(after)
            ticks = bench.cpu_ticks(pid, tree)
            if name == "bridge":
                # Which threads woke: by name, busiest first.
                by_name = {}
                for key, (thread, count) in after.items():
                    by_name[thread] = by_name.get(thread, 0) + count - before[name][0].get(key, (thread, 0))[1]
                self.figures["threads"] = sorted(((n, c / self.seconds) for n, c in by_name.items() if c),
                                                 key=lambda x: -x[1])
            self.idle[name] = {
                "per_second": switches / self.seconds,
                "cpu_ms": (ticks - before[name][1]) / CLK_TCK / self.seconds * 1000,
                "threads": threads,
                "processes": 1 + (len(bench.proc_children(pid)) if tree else 0),
            }
            log(f"idle {name:8s} {self.idle[name]['per_second']:6.2f} wake-ups/s, "
                f"{self.idle[name]['cpu_ms']:.2f} ms CPU per s, {threads} threads")
        pid = contenders["bridge"][0]
        rss, anon, files = rss_split(pid)
        self.figures.update(rss=mib(rss), rss_anon=mib(anon), rss_file=mib(files),
                            smaps=bench.smaps_breakdown(pid, top=6))
        log(f"bridge idle RSS {mib(rss):.1f} MiB (anonymous {mib(anon):.1f}, file-backed {mib(files):.1f})")
        bench.stop_all()

    def start_bridge(self):
        config = os.path.join(self.raw, "bridge-idle.yaml")
        bench.write_atomically(config, bench.bridge_yaml(self.ports["bridge"], self.sim_url)
                               + f"state_dir: {os.path.join(self.raw, 'idle-state')}\n")
        notify = bench.NotifySocket(os.path.join(self.sockdir, "bridge.sock"))
        env = dict(os.environ, BENCH_KEY=KEY, NOTIFY_SOCKET=notify.path)
        service = Service("bridge-idle", [self.bridge_binary, "serve", "--config", config],
                          os.path.join(self.raw, "bridge-idle.log"), env=env)
        self.notify = notify
        notify.expect("READY=1", 60, service)
        deadline = time.monotonic() + 30
        while True:  # the first health check runs after READY
            status, body, _ = bench.call("GET", self.ports["bridge"], "/readyz")
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise StepFailed(f"the idle bridge's /readyz answered {status}: {body[:300]!r}")
            time.sleep(0.1)
        log(f"bridge up (pid {service.pid}, {self.bridge_binary}), instance healthy")
        return service.pid, False, service

    def start_others(self):
        folder = os.path.join(self.raw, "nginx-idle")
        os.makedirs(folder, exist_ok=True)
        conf = os.path.join(folder, "nginx.conf")
        bench.write_atomically(conf, bench.nginx_conf(folder, self.ports["nginx"], self.ports["simulator"]))
        nginx = Service("nginx-idle", ["nginx", "-p", folder, "-c", conf], os.path.join(self.raw, "nginx-idle.log"))
        bench.wait_port(self.ports["nginx"], nginx, 15)
        hooks = os.path.join(self.raw, "hooks-idle.json")
        bench.write_atomically(hooks, bench.hooks_json(self.sim_url))
        webhook = Service("webhook-idle", ["webhook", "-hooks", hooks, "-ip", "127.0.0.1",
                                           "-port", str(self.ports["webhook"])],
                          os.path.join(self.raw, "webhook-idle.log"))
        bench.wait_port(self.ports["webhook"], webhook, 15)
        return {"nginx": (nginx.pid, True, nginx), "webhook": (webhook.pid, False, webhook)}

    def package(self):
        if not self.args.deb:
            return
        deb = self.args.deb
        self.figures["deb"] = os.path.basename(deb)
        self.figures["package_bytes"] = os.path.getsize(deb)
        unpacked = os.path.join(self.raw, "deb-contents")
        subprocess.run(["rm", "-rf", unpacked], check=True)
        subprocess.run(["dpkg-deb", "-x", deb, unpacked], check=True)
        installed = os.path.join(unpacked, "usr", "bin", "appwrite-bridge")
        # Written back to disk as dpkg leaves it (it fsyncs what it unpacks): while a freshly
        # written binary's pages are still dirty, the kernel maps them in larger pieces and the
        # idle RSS reads ~13 MiB higher than on an installed package.
        with open(installed, "rb") as f:
            os.fsync(f.fileno())
        self.figures["binary_bytes"] = os.path.getsize(installed)
        if not self.args.bridge:
            self.bridge_binary = installed
        log(f"package {self.figures['deb']}: {self.figures['package_bytes'] / 1e6:.1f} MB, "
            f"installed binary {self.figures['binary_bytes'] / 1e6:.1f} MB")

    def report(self):
        f = self.figures
        idle = self.idle
        packaged = "package_bytes" in f and not self.args.bridge
        what = ("the packaged binary (`/usr/bin/appwrite-bridge` from the .deb)" if packaged
                else f"`{os.path.relpath(self.bridge_binary)}`")
        out = ["## Idle and footprint\n",
               f"Measured on {what}: one healthy instance on the simulator (health checks on, re-checked every "
               f"300 s), no watchdog (the unit's `WatchdogSec=30s` adds one ping every 15 s, which the goal leaves "
               f"out), no traffic. Nginx and adnanh/webhook idle beside it. After {self.settle} s of settling, {self.seconds} s counted: context "
               "switches of every thread (voluntary + involuntary, `/proc/PID/task/*/status`; for nginx every "
               "process), and utime+stime.\n",
               "| idle | wake-ups per s | CPU ms per s | threads |", "|---|---:|---:|---:|"]
        for name in ("bridge", "nginx", "webhook"):
            if name in idle:
                r = idle[name]
                threads = f"{r['threads']}" + (f" in {r['processes']} processes" if r["processes"] > 1 else "")
                out.append(f"| {name} | {r['per_second']:.2f} | {r['cpu_ms']:.2f} | {threads} |")
        out.append("")
        if f.get("threads"):
            dispatch_rate = sum(rate for name, rate in f["threads"] if "qos" in name)
            note = (" A Dispatch thread waking once a second is libdispatch's work-queue monitor, a 1 s timer armed for "
                    "good once any task runs on Dispatch's pool: Swift concurrency was not on NIO's event loops in "
                    "this binary (see `Sources/appwrite-bridge/Main+ConcurrencyOnNIO.swift`)."
                    if dispatch_rate >= 0.5 else "")
            out.append("The bridge's wake-ups by thread: " + ", ".join(f"`{n}` {c:.2f}/s" for n, c in f["threads"])
                       + "." + note + "\n")
        out += ["| figure | value |", "|---|---:|"]
        if "package_bytes" in f:
            out.append(f"| package `{f['deb']}` | {f['package_bytes'] / 1e6:.1f} MB ({f['package_bytes'] / 2**20:.1f} MiB) |")
            out.append(f"| installed `/usr/bin/appwrite-bridge` | {f['binary_bytes'] / 1e6:.1f} MB |")
        out.append(f"| bridge idle RSS (anonymous; file-backed) | {f['rss']:.1f} MiB ({f['rss_anon']:.1f}; {f['rss_file']:.1f}) |")
        out.append("")
        out.append("Where it is (Rss by mapping): " + ", ".join(f"{n} {kib / 1024:.1f} MiB" for n, kib in f["smaps"]) + ".\n")

        goals = []
        bridge_idle = idle.get("bridge")
        dispatch = sum(rate for name, rate in f.get("threads", []) if "qos" in name)
        goals.append(("wakeups", bridge_idle is not None and bridge_idle["per_second"] <= 1.0,
                      f"{bridge_idle['per_second']:.2f}/s (Dispatch's threads {dispatch:.2f}/s, all else "
                      f"{bridge_idle['per_second'] - dispatch:.2f}/s), idle CPU {bridge_idle['cpu_ms']:.2f} ms per s"
                      if bridge_idle else "not measured"))
        if "package_bytes" in f:
            goals.append(("package", f["package_bytes"] <= 25_000_000, f"{f['package_bytes'] / 1e6:.1f} MB"))
        else:
            goals.append(("package", None, "not measured (no package: --smoke, or no --deb)"))
        if packaged:
            goals.append(("rss_packaged", f["rss"] <= 30, f"{f['rss']:.1f} MiB"))
        else:
            goals.append(("rss_packaged", None, f"not measured (no package; `{os.path.basename(self.bridge_binary)}` has {f['rss']:.1f} MiB)"))
        out += ["| goal | result | measured |", "|---|---|---|"]
        for key, ok, detail in goals:
            result = "n/a" if ok is None else ("PASS" if ok else "MISS")
            out.append(f"| {GOALS_TEXT[key]} | {result} | {detail} |")
        if self.smoke:
            out.append("\nSmoke run: debug binary and a 10 s count, so these are indicative only.")
        return "\n".join(out) + "\n", goals


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["full", "smoke"], default="full")
    parser.add_argument("--bin", required=True, help="folder with appwrite-simulator (and appwrite-bridge)")
    parser.add_argument("--bridge", help="the appwrite-bridge to measure (default: the packaged one with --deb, else --bin's)")
    parser.add_argument("--deb", help="the .deb whose size, installed binary size and idle RSS to report")
    parser.add_argument("--raw", required=True, help="folder for logs and configs")
    parser.add_argument("--out", required=True, help="Markdown fragment to write")
    args = parser.parse_args()
    footprint = Footprint(args)
    try:
        footprint.run()
    except (StepFailed, OSError, subprocess.SubprocessError) as error:
        print(f"\nbench: idle and footprint FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        bench.stop_all()
        if getattr(footprint, "notify", None):
            footprint.notify.close()
    text, goals = footprint.report()
    with open(args.out, "w") as f:
        f.write(text)
    print("\n" + text)
    missed = [key for key, ok, _ in goals if ok is False]
    if missed:
        log(f"idle and footprint: goals missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
