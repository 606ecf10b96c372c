#!/usr/bin/env python3
"""The benchmark driver behind bench/run (Python standard library only).

bench/run installs the tools and builds the binaries, then runs this with the bin folder. On
loopback it starts the Appwrite simulator (an instant `echo` function) and measures four
contenders sending the same createExecution to it: `direct` (wrk at the simulator), `nginx`
(proxy_pass adding the Appwrite headers), `webhook` (adnanh/webhook running curl per call) and
`bridge` (appwrite-bridge). Then the bridge's own figures: RSS, CPU per call, time to READY and
reload times. It prints a table and writes it as Markdown.
"""

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import json_parse

HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "report.lua")
WEBHOOK_SCRIPT = os.path.join(HERE, "webhook-call.sh")
ANALYSIS = os.path.join(HERE, "analysis.md")

PROJECT = "bench1"
KEY = "bench-key-0123456789abcdef"
FUNCTION = "echo"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The Home Assistant-shaped call and the createExecution it becomes.
HA_PAYLOAD = json.dumps(
    {
        "function_id": FUNCTION,
        "function_method": "POST",
        "function_path": "/lights?room=kitchen",
        "function_headers": {"X-Source": "bench"},
        "function_body": {"on": True, "brightness": 80},
    },
    separators=(",", ":"),
)
EXECUTION_BODY = json.dumps(
    {
        "body": json.dumps({"on": True, "brightness": 80}, separators=(",", ":")),
        "async": False,
        "path": "/lights?room=kitchen",
        "method": "POST",
        "headers": {"X-Source": "bench"},
    },
    separators=(",", ":"),
)
JSON_HEADERS = {"Content-Type": "application/json"}
APPWRITE_HEADERS = {"Content-Type": "application/json", "X-Appwrite-Project": PROJECT, "X-Appwrite-Key": KEY}

MODES = {
    "full": dict(conns=[1, 16, 64], duration=5, warmup=1, ready_runs=5, reload_sizes=[1, 100, 1000],
                 reloads=5, load_conns=16, load_seconds=5, judge_tp=64, judge_lat=16),
    "smoke": dict(conns=[8], duration=1, warmup=0, ready_runs=2, reload_sizes=[10],
                  reloads=2, load_conns=8, load_seconds=2, judge_tp=8, judge_lat=8),
}

GOALS_TEXT = {
    "tp_nginx": "bridge / nginx throughput at 64 connections >= 0.70",
    "tp_webhook": "bridge / webhook throughput at 64 connections >= 20",
    "lat_p50": "added p50 over direct at 16 connections <= 1.0 ms",
    "lat_p50_1": "added p50 over direct at 1 connection <= 0.3 ms",
    "lat_p99": "added p99 over direct at 16 connections <= 2 ms",
    "cpu": "bridge CPU per call (at 16 connections) <= 0.10 ms",
    "json_parse": "JSON parse: 4x the body size <= 5x the CPU, every shape",
    "reload": "reload of 1,000 instances, idle <= 100 ms",
    "reload_load": "reload of 1,000 instances under load <= 150 ms, 0 failed requests",
    "rss_idle": "RSS idle <= 25 MiB",
    "rss_peak": "RSS peak <= 60 MiB",
    "ready": "READY <= 150 ms after exec (--offline)",
}


class StepFailed(Exception):
    pass


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- processes and /proc


class Service:
    """A process we started; stopped by its own id (and its own session group) only."""

    def __init__(self, name, argv, logfile, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.logpath = logfile
        self.out = open(logfile, "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd, start_new_session=True,
        )
        self.pid = self.proc.pid
        ALL_SERVICES.append(self)

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise StepFailed(f"{self.name} exited with status {self.proc.returncode}; see {self.logpath}:\n{tail(self.logpath)}")

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        self.out.close()
        if self in ALL_SERVICES:
            ALL_SERVICES.remove(self)
        return self.proc.returncode


ALL_SERVICES = []


def stop_all():
    for service in list(reversed(ALL_SERVICES)):
        try:
            service.stop(timeout=5)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def tail(path, lines=15):
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def proc_children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry))
    return found


def cpu_ticks(pid, with_tree=False):
    """utime+stime (+cutime+cstime of reaped children) of pid, optionally of its live children too."""
    pids = [pid] + (proc_children(pid) if with_tree else [])
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        total += sum(int(x) for x in fields[11:15])
    return total


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise StepFailed(f"no {key} in /proc/{pid}/status")


def smaps_breakdown(pid, top=8):
    """Rss by mapping (file name, or [heap]/[stack]/anonymous), largest first, in KiB."""
    totals = {}
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = os.path.basename(head[5]) if len(head) > 5 else "anonymous"
                if name.startswith("[") and name not in ("[heap]", "[stack]"):
                    name = "anonymous" if name.startswith("[anon") else name
            elif head and head[0] == "Rss:":
                totals[name] = totals.get(name, 0) + int(head[1])
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def mib(kib):
    return kib / 1024.0


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def pick_port(preferred, taken):
    if preferred not in taken and port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, service, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        service.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise StepFailed(f"{service.name} did not listen on port {port} within {timeout} s; see {service.logpath}")


def call(method, port, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - t0
    finally:
        conn.close()


class NotifySocket:
    """A fake $NOTIFY_SOCKET: a Unix datagram socket whose messages are queued with their arrival time."""

    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = queue.Queue()
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.messages.put((time.monotonic(), data.decode(errors="replace").split("\n")))

    def expect(self, line, timeout, service=None):
        """Waits for a message holding `line` (e.g. READY=1); returns its arrival time."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StepFailed(f"no {line} on the notify socket within {timeout} s"
                                 + (f"; see {service.logpath}:\n{tail(service.logpath)}" if service else ""))
            try:
                at, lines = self.messages.get(timeout=min(left, 0.2))
            except queue.Empty:
                if service:
                    service.check_alive()
                continue
            if line in lines:
                return at

    def drain(self):
        while not self.messages.empty():
            self.messages.get_nowait()

    def close(self):
        self.closed = True
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


# ---------------------------------------------------------------- wrk


def wrk(raw, label, url, body, headers, conns, seconds, timeout="10s", method="POST"):
    env = dict(os.environ)
    env["BENCH_METHOD"] = method
    env["BENCH_BODY"] = body
    env["BENCH_HEADERS"] = "\n".join(f"{k}: {v}" for k, v in headers.items())
    argv = ["wrk", "-t", str(min(conns, 2)), "-c", str(conns), "-d", f"{seconds}s", "--timeout", timeout, "-s", LUA, url]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=seconds + 60)
    with open(os.path.join(raw, f"wrk-{label}.txt"), "w") as f:
        f.write(" ".join(argv) + "\n" + result.stdout + result.stderr)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            r = json.loads(line[len("BENCH_RESULT "):])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6) if r["duration_us"] else 0.0
            r["failed"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
            return r
    raise StepFailed(f"wrk {label} printed no result (exit {result.returncode}):\n{result.stdout}{result.stderr}")


class WrkInBackground:
    def __init__(self, *args, **kwargs):
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._run, args=args, kwargs=kwargs, daemon=True)
        self.thread.start()

    def _run(self, *args, **kwargs):
        try:
            self.result = wrk(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported by join()
            self.error = error

    def join(self):
        self.thread.join()
        if self.error:
            raise self.error
        return self.result


# ---------------------------------------------------------------- configs


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def simulator_yaml():
    return (
        "# Written by bench/run.\nversion: 1.9.6\nretain: 1000\nprojects:\n"
        f"  - id: {PROJECT}\n    keys:\n      - secret: {KEY}\n        scopes: [executions.write, executions.read]\n"
        f"    functions:\n      - id: {FUNCTION}\n"
    )


def bridge_yaml(port, sim_url, instances=1, variant=0):
    """`instances` instances on the simulator; variant 0 and 1 differ in every instance's timeout."""
    lines = ["# Written by bench/run.", f"listen: 127.0.0.1:{port}", "instances:"]
    for i in range(instances):
        project = PROJECT if i == 0 else f"bench{i + 1:04d}"
        lines += [
            f"  - project_id: {project}",
            f"    url: {sim_url}",
            "    api_key_env: BENCH_KEY",
            f"    timeout_seconds: {30 + i % 5 + variant}",
        ]
    return "\n".join(lines) + "\n"


def nginx_conf(folder, port, sim_port):
    return f"""# Written by bench/run: proxy_pass to the simulator, adding the Appwrite headers.
worker_processes auto;
daemon off;
master_process on;
user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream simulator {{
        server 127.0.0.1:{sim_port};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /healthz {{
            return 200 "alive\\n";
        }}
        location /v1/ {{
            proxy_pass http://simulator;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Appwrite-Project {PROJECT};
            proxy_set_header X-Appwrite-Key {KEY};
        }}
    }}
}}
"""


def hooks_json(sim_url):
    return json.dumps(
        [
            {
                "id": FUNCTION,
                "execute-command": WEBHOOK_SCRIPT,
                "http-methods": ["POST"],
                "include-command-output-in-response": True,
                "include-command-output-in-response-on-error": True,
                "pass-arguments-to-command": [{"source": "entire-payload"}],
                "pass-environment-to-command": [
                    {"source": "string", "envname": "BENCH_SIM_URL", "name": sim_url},
                    {"source": "string", "envname": "BENCH_PROJECT", "name": PROJECT},
                    {"source": "string", "envname": "BENCH_KEY", "name": KEY},
                    {"source": "string", "envname": "BENCH_FUNCTION", "name": FUNCTION},
                ],
            }
        ],
        indent=2,
    )


# ---------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.m = MODES[args.mode]
        self.bin = args.bin
        self.raw = os.path.abspath(args.raw)
        os.makedirs(self.raw, exist_ok=True)
        # Unix socket paths must stay short, so they live in their own temporary folder.
        self.sockdir = tempfile.mkdtemp(prefix="bench-notify-")
        taken = set()
        self.ports = {}
        for name, preferred in (("simulator", 18080), ("nginx", 18088), ("webhook", 18090),
                                ("bridge", 18787), ("bridge2", 18788)):
            self.ports[name] = pick_port(preferred, taken)
            taken.add(self.ports[name])
        self.sim_url = f"http://127.0.0.1:{self.ports['simulator']}/v1"
        self.results = {}  # (contender, conns) -> wrk result + cpu
        self.floor = {}    # (server, conns) -> wrk result + cpu of a request that does nothing
        self.bridge = {}   # bridge figures
        self.profile = None
        self.reload_profile = None
        self.bridge_env = dict(os.environ, BENCH_KEY=KEY)
        self.json_parse = []

    # -- upstream

    def start_simulator(self):
        path = os.path.join(self.raw, "simulator.yaml")
        write_atomically(path, simulator_yaml())
        self.sim = Service("simulator", [os.path.join(self.bin, "appwrite-simulator"), "--config", path,
                                         "--host", "127.0.0.1", "--port", str(self.ports["simulator"])],
                           os.path.join(self.raw, "simulator.log"))
        wait_port(self.ports["simulator"], self.sim, 30)
        status, body, _ = call("GET", self.ports["simulator"], "/v1/health", headers=APPWRITE_HEADERS)
        if status != 200:
            raise StepFailed(f"simulator health answered {status}: {body[:300]!r}")
        log(f"simulator up on {self.sim_url} (pid {self.sim.pid})")

    # -- contenders

    def contender_run(self, name, port, path, body, headers, sanity, procs):
        """Sanity call, then for each concurrency: warm-up, then a measured run with CPU deltas."""
        status, data, _ = call("POST", port, path, body=body, headers=headers)
        if not (200 <= status < 300) or sanity not in data:
            raise StepFailed(f"{name}: sanity call answered {status}: {data[:400]!r}")
        url = f"http://127.0.0.1:{port}{path}"
        for conns in self.m["conns"]:
            timeout = "10s"
            if self.m["warmup"]:
                wrk(self.raw, f"{name}-c{conns}-warmup", url, body, headers, conns, self.m["warmup"], timeout)
            before = {label: cpu_ticks(pid, tree) for label, (pid, tree) in procs.items()}
            r = wrk(self.raw, f"{name}-c{conns}", url, body, headers, conns, self.m["duration"], timeout)
            after = {label: cpu_ticks(pid, tree) for label, (pid, tree) in procs.items()}
            if r["requests"] == 0:
                raise StepFailed(f"{name} at {conns} connections completed no request")
            r["cpu"] = {label: (after[label] - before[label]) / CLK_TCK for label in procs}
            r["cpu_per_10k"] = {label: sec / r["requests"] * 10000 for label, sec in r["cpu"].items()}
            self.results[(name, conns)] = r
            log(f"{name:8s} c={conns:<3d} {r['rps']:9.0f} req/s  p50 {r['p50_us'] / 1000:7.3f} ms  "
                f"p99 {r['p99_us'] / 1000:7.3f} ms  p99.9 {r['p999_us'] / 1000:7.3f} ms  failed {r['failed']}")
            if self.mode == "smoke" and r["failed"]:
                raise StepFailed(f"{name} at {conns} connections: {r['failed']} failed requests")

    def floor_run(self, name, port, path, pid, tree):
        """GET `path` (answered by the server itself: no upstream, no JSON): what one HTTP request
        costs the server before any work, the floor under its CPU per call."""
        url = f"http://127.0.0.1:{port}{path}"
        for conns in sorted({1, self.m["judge_lat"]}):
            before = cpu_ticks(pid, tree)
            r = wrk(self.raw, f"floor-{name}-c{conns}", url, "", {}, conns, self.m["duration"], method="GET")
            after = cpu_ticks(pid, tree)
            if r["requests"] == 0:
                raise StepFailed(f"floor {name} {path} at {conns} connections completed no request")
            r["cpu_ms"] = (after - before) / CLK_TCK / r["requests"] * 1000
            r["path"] = path
            self.floor[(name, conns)] = r
            log(f"floor {name:9s} GET {path} c={conns:<3d} {r['rps']:9.0f} req/s  {r['cpu_ms']:.3f} CPU-ms per call  "
                f"failed {r['failed']}")

    def run_direct(self):
        self.contender_run("direct", self.ports["simulator"], f"/v1/functions/{FUNCTION}/executions",
                           EXECUTION_BODY, APPWRITE_HEADERS, b'"status":"completed"',
                           {"simulator": (self.sim.pid, False)})
        self.floor_run("simulator", self.ports["simulator"], "/v1/health/version", self.sim.pid, False)

    def run_nginx(self):
        folder = os.path.join(self.raw, "nginx")
        os.makedirs(folder, exist_ok=True)
        conf = os.path.join(folder, "nginx.conf")
        write_atomically(conf, nginx_conf(folder, self.ports["nginx"], self.ports["simulator"]))
        service = Service("nginx", ["nginx", "-p", folder, "-c", conf], os.path.join(self.raw, "nginx.log"))
        try:
            wait_port(self.ports["nginx"], service, 15)
            self.contender_run("nginx", self.ports["nginx"], f"/v1/functions/{FUNCTION}/executions",
                               EXECUTION_BODY, JSON_HEADERS, b'"status":"completed"',
                               {"nginx": (service.pid, True), "simulator": (self.sim.pid, False)})
            self.floor_run("nginx", self.ports["nginx"], "/healthz", service.pid, True)
        finally:
            service.stop()

    def run_webhook(self):
        hooks = os.path.join(self.raw, "hooks.json")
        write_atomically(hooks, hooks_json(self.sim_url))
        service = Service("webhook", ["webhook", "-hooks", hooks, "-ip", "127.0.0.1",
                                      "-port", str(self.ports["webhook"])],
                          os.path.join(self.raw, "webhook.log"))
        try:
            wait_port(self.ports["webhook"], service, 15)
            self.contender_run("webhook", self.ports["webhook"], f"/hooks/{FUNCTION}",
                               EXECUTION_BODY, JSON_HEADERS, b'"status":"completed"',
                               {"webhook": (service.pid, True), "simulator": (self.sim.pid, False)})
        finally:
            service.stop()

    def start_bridge(self, name, config_path, port, offline, extra=(), wrapper=(), ready_timeout=60, binary=None):
        """Starts the bridge with a fresh notify socket; returns (service, notify, seconds to READY)."""
        notify = NotifySocket(os.path.join(self.sockdir, f"{name}.sock"))
        env = dict(self.bridge_env, NOTIFY_SOCKET=notify.path)
        binary = binary or os.path.join(self.bin, "appwrite-bridge")
        argv = list(wrapper) + [binary, "serve", "--config", config_path]
        argv += (["--offline"] if offline else []) + list(extra)
        t0 = time.monotonic()
        service = Service(name, argv, os.path.join(self.raw, f"{name}.log"), env=env)
        try:
            ready_at = notify.expect("READY=1", ready_timeout, service)
        except Exception:
            service.stop()
            notify.close()
            raise
        return service, notify, ready_at - t0

    def run_bridge(self):
        config = os.path.join(self.raw, "bridge.yaml")
        write_atomically(config, bridge_yaml(self.ports["bridge"], self.sim_url))
        # What users run: info level, one log line per execution, stdout to a file; checks on.
        service, notify, ready = self.start_bridge("bridge", config, self.ports["bridge"], offline=False)
        try:
            time.sleep(1.0)
            self.bridge["rss_idle"] = mib(status_kib(service.pid, "VmRSS"))
            self.bridge["rss_anon_idle"] = mib(status_kib(service.pid, "RssAnon"))
            self.bridge["smaps_idle"] = smaps_breakdown(service.pid)
            self.bridge["ready_checked"] = ready
            log(f"bridge up (pid {service.pid}), READY after {ready * 1000:.0f} ms with checks on, "
                f"idle RSS {self.bridge['rss_idle']:.1f} MiB")
            self.contender_run("bridge", self.ports["bridge"],
                               f"/api/services/appwrite/execute_function_{PROJECT}?return_response",
                               HA_PAYLOAD, JSON_HEADERS, b'"service_response"',
                               {"bridge": (service.pid, False), "simulator": (self.sim.pid, False)})
            self.bridge["rss_peak"] = mib(status_kib(service.pid, "VmHWM"))
            time.sleep(2.0)
            self.bridge["rss_after"] = mib(status_kib(service.pid, "VmRSS"))
            log(f"bridge peak RSS (VmHWM) {self.bridge['rss_peak']:.1f} MiB, "
                f"RSS 2 s after load {self.bridge['rss_after']:.1f} MiB")
            self.floor_run("bridge", self.ports["bridge"], "/healthz", service.pid, False)
        finally:
            service.check_alive()
            code = service.stop()
            notify.close()
        if code != 0:
            raise StepFailed(f"bridge exited with status {code} on SIGTERM; see {service.logpath}")

    # -- bridge only

    def run_ready(self):
        config = os.path.join(self.raw, "bridge-ready.yaml")
        write_atomically(config, bridge_yaml(self.ports["bridge2"], self.sim_url))
        times = []
        for i in range(self.m["ready_runs"]):
            service, notify, ready = self.start_bridge("bridge-ready", config, self.ports["bridge2"], offline=True)
            times.append(ready)
            service.stop()
            notify.close()
        self.bridge["ready"] = times
        log("READY after exec (--offline): " + ", ".join(f"{t * 1000:.0f} ms" for t in times))

    def reload_once(self, port, config, text, expect_changed):
        write_atomically(config, text)
        status, data, elapsed = call("POST", port, "/api/reload")
        try:
            answer = json.loads(data)
        except ValueError:
            answer = {}
        if status != 200 or answer.get("reloaded") is not True:
            raise StepFailed(f"POST /api/reload answered {status}: {data[:400]!r}")
        changed = len(answer.get("changed", [])) + len(answer.get("added", []))
        if changed != expect_changed:
            raise StepFailed(f"reload changed {changed} instances, expected {expect_changed}: {data[:300]!r}")
        return elapsed

    def run_reload(self):
        port = self.ports["bridge2"]
        config = os.path.join(self.raw, "bridge-reload.yaml")
        sizes = self.m["reload_sizes"]
        self.bridge["reload"] = {}
        for n in sizes:
            texts = [bridge_yaml(port, self.sim_url, n, 0), bridge_yaml(port, self.sim_url, n, 1)]
            write_atomically(config, texts[0])
            service, notify, ready = self.start_bridge(f"bridge-reload-{n}", config, port, offline=True)
            entry = {"ready": ready}
            try:
                time.sleep(0.5)
                entry["rss"] = mib(status_kib(service.pid, "VmRSS"))
                idle = []
                for k in range(self.m["reloads"]):
                    idle.append(self.reload_once(port, config, texts[(k + 1) % 2], n))
                    time.sleep(0.1)
                entry["idle"] = idle
                if n == sizes[-1]:
                    entry.update(self.reload_under_load(service, notify, port, config, texts, n))
                entry["rss_after"] = mib(status_kib(service.pid, "VmRSS"))
                service.check_alive()
            finally:
                service.stop()
                notify.close()
            self.bridge["reload"][n] = entry
            log(f"reload {n:5d} instances: READY {ready * 1000:.0f} ms, idle reloads "
                + ", ".join(f"{t * 1000:.1f}" for t in entry["idle"]) + " ms, "
                f"RSS {entry['rss']:.1f} MiB")

    def reload_under_load(self, service, notify, port, config, texts, n):
        """wrk at the bridge while it reloads via the API and via SIGHUP; counts failed requests."""
        lead = 1.0 if self.mode == "full" else 0.5
        background = WrkInBackground(
            self.raw, f"bridge-during-reload-{n}", f"http://127.0.0.1:{port}/api/services/appwrite/execute_function_{PROJECT}?return_response",
            HA_PAYLOAD, JSON_HEADERS, self.m["load_conns"], self.m["load_seconds"])
        time.sleep(lead)
        loaded = []
        variant = self.m["reloads"]  # continue alternating from where the idle reloads stopped
        for _ in range(self.m["reloads"]):
            variant += 1
            loaded.append(self.reload_once(port, config, texts[variant % 2], n))
            time.sleep(0.15)
        # SIGHUP: RELOADING=1 then READY=1 on the notify socket.
        variant += 1
        write_atomically(config, texts[variant % 2])
        notify.drain()
        os.kill(service.pid, signal.SIGHUP)
        t_reloading = notify.expect("RELOADING=1", 30, service)
        t_ready = notify.expect("READY=1", 30, service)
        result = background.join()
        if result["requests"] == 0:
            raise StepFailed("wrk completed no request during the reloads")
        log(f"reload {n} instances under load ({self.m['load_conns']} connections): API "
            + ", ".join(f"{t * 1000:.1f}" for t in loaded)
            + f" ms; SIGHUP RELOADING->READY {(t_ready - t_reloading) * 1000:.1f} ms; "
            f"{result['requests']} requests, {result['failed']} failed")
        if self.mode == "smoke" and result["failed"]:
            raise StepFailed(f"{result['failed']} requests failed during the reloads")
        return {"loaded": loaded, "sighup": t_ready - t_reloading, "load": result}

    def run_json_parse(self):
        """The JSON parse table (bench/json_parse.py) on a bridge of its own whose body limit fits 512 KiB."""
        port = self.ports["bridge"]
        config = os.path.join(self.raw, "bridge-json.yaml")
        write_atomically(config, json_parse.bridge_yaml(port, self.sim_url, PROJECT, "BENCH_KEY"))
        service, notify, _ = self.start_bridge("bridge-json", config, port, offline=True)
        try:
            self.json_parse = json_parse.measure_all(port, service.pid, PROJECT, self.mode, log)
            service.check_alive()
        except json_parse.Refused as error:
            raise StepFailed(f"JSON parse table: {error}") from error
        finally:
            service.stop()
            notify.close()

    # -- profile

    def perf_counters_work(self):
        if not shutil.which("perf"):
            return False
        probe = subprocess.run(["perf", "stat", "-x,", "-e", "instructions", "true"], capture_output=True, text=True)
        return probe.returncode == 0 and "not supported" not in probe.stderr and "not counted" not in probe.stderr

    def run_profile(self):
        """perf with hardware counters if they count; else callgrind; else perf's software clock.

        The bridge runs as in the load test (info log to a file), --offline, on its own port.
        """
        port = self.ports["bridge2"]
        config = os.path.join(self.raw, "bridge-profile.yaml")
        write_atomically(config, bridge_yaml(port, self.sim_url))
        url = f"http://127.0.0.1:{port}/api/services/appwrite/execute_function_{PROJECT}?return_response"
        notes = []
        if self.perf_counters_work():
            self.profile_perf(config, port, url, None, notes)
            return
        notes.append("`perf stat -e instructions true` prints `<not supported>`: no hardware counters in this VM.")
        if shutil.which("valgrind"):
            try:
                self.profile_callgrind(config, port, url, notes)
                return
            except StepFailed as error:
                logpath = os.path.join(self.raw, "bridge-profile.log")
                with open(logpath, errors="replace") as f:
                    lines = [l.strip() for l in f if "INTERNAL ERROR" in l or "Giving up" in l or "impossible" in l]
                reason = "; ".join(lines[:2]) or str(error).splitlines()[0]
                notes.append(f"`valgrind --tool=callgrind` on the release bridge aborts before READY: `{reason}` "
                             f"(log: `{rel(logpath)}`).")
                log("callgrind failed; falling back to perf record -e cpu-clock")
        else:
            notes.append("valgrind is not installed.")
        if not shutil.which("perf"):
            raise StepFailed("no profiler works here (" + " ".join(notes) + ")")
        self.profile_perf(config, port, url, "cpu-clock", notes)

    def perf_record(self, pid, event, data, action):
        """perf record -g on pid while action() runs; returns action's result."""
        argv = ["perf", "record", "-g", "-F", "999", "-o", data, "-p", str(pid)] + (["-e", event] if event else [])
        rec = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(0.3)
        try:
            return action()
        finally:
            rec.send_signal(signal.SIGINT)
            try:
                rec.wait(60)
            except subprocess.TimeoutExpired:
                rec.kill()
                rec.wait(5)

    def perf_tables(self, data, name):
        def report(*extra):
            result = subprocess.run(["perf", "report", "-i", data, "--stdio"] + list(extra),
                                    capture_output=True, text=True)
            return [l.rstrip() for l in result.stdout.splitlines() if l.strip() and not l.startswith("#")]

        by_dso = report("--no-children", "--sort", "dso", "-g", "none", "--percent-limit", "1")
        by_sym = report("--no-children", "--sort", "dso,sym", "-g", "none", "--percent-limit", "0.8")
        inclusive = demangle("\n".join(report("--children", "--sort", "sym", "-g", "none",
                                               "--percent-limit", "2"))).splitlines()
        with open(os.path.join(self.raw, f"{name}.txt"), "w") as f:
            f.write("\n".join(by_dso + [""] + by_sym + [""] + inclusive) + "\n")
        return {
            "by_dso": by_dso[:12],
            "by_sym": demangle("\n".join(by_sym[:25])).splitlines(),
            "inclusive": [l for l in inclusive if not PLUMBING.search(l)][:40],
        }

    def profile_perf(self, config, port, url, event, notes):
        service, notify, _ = self.start_bridge("bridge-profile", config, port, offline=True)
        data = os.path.join(self.raw, "perf-calls.data")
        conns, seconds = 16, 5
        try:
            r = self.perf_record(service.pid, event, data,
                                 lambda: wrk(self.raw, "profile", url, HA_PAYLOAD, JSON_HEADERS, conns, seconds))
        finally:
            service.stop()
            notify.close()
        self.profile = dict(self.perf_tables(data, "perf-calls"), tool="perf", event=event or "cycles", notes=notes,
                            conns=conns, seconds=seconds, rps=r["rps"])
        log(f"perf ({event or 'cycles'}): profiled the bridge under wrk -c{conns} for {seconds} s ({r['rps']:.0f} req/s)")

    def profile_reload(self):
        """perf record on an idle --offline bridge while it reloads the largest file back and forth."""
        if not shutil.which("perf"):
            return
        event = None if self.perf_counters_work() else "cpu-clock"
        n = self.m["reload_sizes"][-1]
        port = self.ports["bridge2"]
        config = os.path.join(self.raw, "bridge-profile-reload.yaml")
        texts = [bridge_yaml(port, self.sim_url, n, 0), bridge_yaml(port, self.sim_url, n, 1)]
        write_atomically(config, texts[0])
        service, notify, _ = self.start_bridge("bridge-profile-reload", config, port, offline=True)
        data = os.path.join(self.raw, "perf-reload.data")
        count = 5
        try:
            times = self.perf_record(service.pid, event, data, lambda: [
                self.reload_once(port, config, texts[(k + 1) % 2], n) for k in range(count)])
        finally:
            service.stop()
            notify.close()
        self.reload_profile = dict(self.perf_tables(data, "perf-reload"), event=event or "cycles", n=n,
                                   count=count, median=statistics.median(times))
        log(f"perf ({event or 'cycles'}): profiled {count} reloads of {n} instances")

    def profile_callgrind(self, config, port, url, notes):
        out = os.path.join(self.raw, "callgrind.out")
        # Valgrind 3.19 cannot read the DWARF 5 that Swift 6 emits ("unhandled dwarf2 abbrev form
        # code 0x25 ... Giving up"), so it runs a copy without debug sections; the ELF symbol table
        # is kept, which is all a function-level profile needs.
        binary = os.path.join(self.raw, "appwrite-bridge.nodebug")
        stripped = subprocess.run(["strip", "--strip-debug", "-o", binary, os.path.join(self.bin, "appwrite-bridge")],
                                  capture_output=True, text=True)
        if stripped.returncode != 0:
            raise StepFailed(f"strip --strip-debug failed: {stripped.stderr}")
        # Collection is switched on only once the bridge is READY, so the profile is the calls only.
        wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--instr-atstart=no"]
        service, notify, _ = self.start_bridge("bridge-profile", config, port, offline=True,
                                                wrapper=wrapper, ready_timeout=120, binary=binary)
        try:
            ctl = subprocess.run(["callgrind_control", "-i", "on", str(service.pid)], capture_output=True, text=True)
            collected_from_start = "OK" not in ctl.stdout  # callgrind_control exits 0 even when it failed
            r = wrk(self.raw, "profile", url, HA_PAYLOAD, JSON_HEADERS, 1, 5)
        finally:
            service.stop(timeout=60)
            notify.close()
        annotate = subprocess.run(["callgrind_annotate", "--threshold=99", out], capture_output=True, text=True)
        annotate_incl = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", out],
                                       capture_output=True, text=True)
        with open(os.path.join(self.raw, "callgrind-annotate.txt"), "w") as f:
            f.write(annotate.stdout + "\n\n" + annotate_incl.stdout)
        self.profile = {
            "tool": "callgrind",
            "notes": notes,
            "requests": r["requests"],
            "from_start": collected_from_start,
            "exclusive": top_entries(annotate.stdout, 25),
            "inclusive": top_entries(annotate_incl.stdout, 25),
            "total": total_ir(annotate.stdout),
        }
        log(f"callgrind: {r['requests']} calls profiled, {self.profile['total'] or 0:,} instructions")


# Frames left out of the inclusive lists: generic plumbing that tops every Swift profile
# (thread entry, dispatch, the job runner, thunks, Codable's generic containers, syscall entry).
PLUMBING = re.compile(
    r"protocol witness|thunk|partial apply|_Decoder|DecodingContainer|Array<A>\.init\(from|start_thread|"
    r"_dispatch_|swift_job_run|runJobInEstablished|entry_SYSCALL|ThreadOpsPosix|setupThreadAndEventLoop|"
    r"SelectableEventLoop\.run\(\)|Decodable\.init")


def demangle(text):
    swift = shutil.which("swift-demangle")
    argv = [swift, "--simplified"] if swift else ["swift", "demangle", "--simplified"]
    try:
        result = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=60)
        if result.returncode == 0 and result.stdout:
            return result.stdout
    except (OSError, subprocess.TimeoutExpired):
        pass
    return text


def total_ir(text):
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(\(100\.0%\)\s+)?PROGRAM TOTALS", line)
        if m:
            return int(m.group(1).replace(",", ""))
    return None


def top_entries(text, count):
    """(Ir, percent, function, object) rows of callgrind_annotate's function list, demangled."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        where = m.group(3)
        obj = ""
        om = re.search(r"\s\[([^\]]+)\]\s*$", where)
        if om:
            obj = os.path.basename(om.group(1))
            where = where[: om.start()]
        if ":" in where:
            where = where.split(":", 1)[1] if not where.startswith("???") or where.count(":") else where
        rows.append([int(m.group(1).replace(",", "")), float(m.group(2)), where.strip(), obj])
    rows = rows[:count]
    names = demangle("\n".join(r[2] for r in rows)).splitlines()
    if len(names) == len(rows):
        for row, name in zip(rows, names):
            row[2] = name
    return rows


# ---------------------------------------------------------------- report


def rel(path):
    """A path relative to the repository, for the report."""
    root = os.path.dirname(HERE)
    path = os.path.abspath(path)
    return os.path.relpath(path, root) if path.startswith(root + os.sep) else path


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ms(us):
    return us / 1000.0


def fmt(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}"


def perf_blocks(w, p):
    w("Self time by object:\n")
    w("```\n" + "\n".join(p["by_dso"]) + "\n```\n")
    w("Self time by object and symbol:\n")
    w("```\n" + "\n".join(p["by_sym"]) + "\n```\n")
    w("Inclusive time (children included; frame-pointer call chains, so approximate):\n")
    w("```\n" + "\n".join(p["inclusive"]) + "\n```\n")


def build_report(b, elapsed_total, build_seconds):
    m = b.m
    conns = m["conns"]
    out = []
    w = out.append
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    kind = "release" if b.mode == "full" else "debug (smoke run)"
    w(f"# appwrite-bridge benchmark ({b.mode})\n")
    w(f"Run {when} on {os.uname().nodename}, {os.cpu_count()} cores, {kind} binaries from `{rel(b.bin)}`. "
      f"wrk (threads = min(connections, 2)) runs {m['duration']} s per point after a {m['warmup']} s warm-up, "
      "contenders one after another; wrk, the contender and the simulator share the same cores, "
      "and the machine is shared with other work, so figures are noisy.\n")
    w("Setup: the simulator (`retain: 1000`) serves an instant `echo` function; nginx runs "
      "`worker_processes auto` (one worker per core) with a keepalive-64 upstream; webhook runs "
      "`bench/webhook-call.sh` (sh + curl) per call; the bridge runs at the default info log level "
      "(one line per execution) with stdout redirected to a file, health checks on.\n")

    w("## Throughput and latency\n")
    w("Latency in ms as measured by wrk (not corrected for coordinated omission). `failed` = "
      "wrk's connect/read/write/timeout errors plus responses with status >= 400. `+p50`/`+p99` = "
      "added latency over `direct` at the same concurrency. CPU = utime+stime from /proc per "
      "10,000 calls of the contender's processes (nginx: master and workers; webhook: with its "
      "sh/curl children) and of the simulator.\n")
    w("| contender | conns | req/s | p50 | p99 | p99.9 | failed | +p50 | +p99 | CPU s/10k | sim CPU s/10k |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ("direct", "nginx", "webhook", "bridge"):
        for c in conns:
            r = b.results.get((name, c))
            if not r:
                continue
            d = b.results.get(("direct", c))
            add50 = ms(r["p50_us"] - d["p50_us"]) if d and name != "direct" else None
            add99 = ms(r["p99_us"] - d["p99_us"]) if d and name != "direct" else None
            own = r["cpu_per_10k"].get(name, r["cpu_per_10k"].get("simulator")) if name != "direct" else None
            w(f"| {name} | {c} | {r['rps']:.0f} | {ms(r['p50_us']):.3f} | {ms(r['p99_us']):.3f} | "
              f"{ms(r['p999_us']):.3f} | {r['failed']} | {fmt(add50, 3) if add50 is not None else '-'} | "
              f"{fmt(add99, 3) if add99 is not None else '-'} | {fmt(own) if own is not None else '-'} | "
              f"{r['cpu_per_10k']['simulator']:.2f} |")
    w("")

    tp, lat = m["judge_tp"], m["judge_lat"]
    br = b.results.get(("bridge", tp))
    ng = b.results.get(("nginx", tp))
    wh = b.results.get(("webhook", tp))
    bl = b.results.get(("bridge", lat))
    dl = b.results.get(("direct", lat))
    dtp = b.results.get(("direct", tp))
    ratio_nginx = br["rps"] / ng["rps"] if br and ng else None
    ratio_webhook = br["rps"] / wh["rps"] if br and wh else None
    add50 = ms(bl["p50_us"] - dl["p50_us"]) if bl and dl else None
    add99 = ms(bl["p99_us"] - dl["p99_us"]) if bl and dl else None

    bf = b.bridge
    ready = bf.get("ready", [])
    ready_med = statistics.median(ready) if ready else None
    reloads = bf.get("reload", {})
    big = max(reloads) if reloads else None
    big_entry = reloads.get(big, {}) if big else {}
    reload_med = statistics.median(big_entry["idle"]) if big_entry.get("idle") else None
    load = big_entry.get("load")
    failed_during = load["failed"] if load else None

    w("## Ratios\n")
    w("| figure | value |")
    w("|---|---:|")
    w(f"| upstream alone (`direct`) at {tp} connections | {dtp['rps']:.0f} req/s |" if dtp else "| upstream alone | n/a |")
    w(f"| bridge / nginx throughput at {tp} connections | {fmt(ratio_nginx)} |")
    w(f"| bridge / webhook throughput at {tp} connections | {fmt(ratio_webhook, 1)} |")
    w(f"| bridge - direct p50 at {lat} connections | {fmt(add50, 3)} ms |")
    w(f"| bridge - direct p99 at {lat} connections | {fmt(add99, 3)} ms |")
    w("")

    if b.floor:
        w("## Floor: a request that does nothing\n")
        w("Each server answers a GET itself (nginx: `return 200`; the bridge: `/healthz`; the simulator, "
          "the same Hummingbird server stack as the bridge: `/v1/health/version`), no upstream and no JSON, "
          "right after its own run above. Its CPU per call is the floor under the figures above: what "
          "accepting, parsing and answering one HTTP request costs that server on this machine.\n")
        w("| server | request | conns | req/s | failed | CPU ms per call |")
        w("|---|---|---:|---:|---:|---:|")
        for (name, c), r in sorted(b.floor.items(), key=lambda item: (["nginx", "simulator", "bridge"].index(item[0][0]), item[0][1])):
            w(f"| {name} | GET {r['path']} | {c} | {r['rps']:.0f} | {r['failed']} | {r['cpu_ms']:.3f} |")
        w("")

    w("## Bridge\n")
    w("| figure | value |")
    w("|---|---:|")
    w(f"| RSS idle (1 s after READY, before load) | {fmt(bf.get('rss_idle'), 1)} MiB |")
    w(f"| RSS peak under load (VmHWM after the {conns[-1]}-connection run) | {fmt(bf.get('rss_peak'), 1)} MiB |")
    w(f"| RSS 2 s after load | {fmt(bf.get('rss_after'), 1)} MiB |")
    for c in conns:
        r = b.results.get(("bridge", c))
        if r:
            w(f"| CPU per 10,000 calls at {plural(c, 'connection')} (bridge / simulator) | "
              f"{r['cpu_per_10k']['bridge']:.2f} s / {r['cpu_per_10k']['simulator']:.2f} s |")
    if ready:
        w(f"| exec to READY=1, `serve --offline`, {len(ready)} starts (median; min-max) | "
          f"{ready_med * 1000:.0f} ms; {min(ready) * 1000:.0f}-{max(ready) * 1000:.0f} ms |")
    if "ready_checked" in bf:
        w(f"| exec to READY=1 with the instance check on | {bf['ready_checked'] * 1000:.0f} ms |")
    for n, e in sorted(reloads.items()):
        w(f"| reload, {plural(n, 'instance')} all changed, `POST /api/reload` idle ({len(e['idle'])}x, median; max) | "
          f"{statistics.median(e['idle']) * 1000:.1f} ms; {max(e['idle']) * 1000:.1f} ms |")
    if load:
        w(f"| reload, {big} instances, `POST /api/reload` under wrk ({len(big_entry['loaded'])}x, median; max) | "
          f"{statistics.median(big_entry['loaded']) * 1000:.1f} ms; {max(big_entry['loaded']) * 1000:.1f} ms |")
        w(f"| reload, {big} instances, SIGHUP, RELOADING=1 to READY=1 under wrk | {big_entry['sighup'] * 1000:.1f} ms |")
        w(f"| wrk during those reloads ({m['load_conns']} connections, {m['load_seconds']} s) | "
          f"{load['requests']} requests, {load['failed']} failed, p99 {ms(load['p99_us']):.2f} ms |")
    w("")
    if bf.get("smaps_idle"):
        w(f"Where the idle RSS is (/proc/PID/smaps, Rss by mapping; RssAnon {bf['rss_anon_idle']:.1f} MiB): "
          + ", ".join(f"{name} {kib / 1024:.1f} MiB" for name, kib in bf["smaps_idle"]) + ".\n")
    w("| figure | value |")
    w("|---|---:|")
    for n, e in sorted(reloads.items()):
        w(f"| RSS with {plural(n, 'instance')} (after READY; after the reloads) | {e['rss']:.1f} MiB; {e['rss_after']:.1f} MiB |")
        w(f"| exec to READY=1 with {plural(n, 'instance')} (--offline) | {e['ready'] * 1000:.0f} ms |")
    w("")

    goals = []

    def goal(key, ok, detail):
        goals.append((key, None if ok is None else bool(ok), detail))

    b1 = b.results.get(("bridge", 1))
    d1 = b.results.get(("direct", 1))
    add50_1 = ms(b1["p50_us"] - d1["p50_us"]) if b1 and d1 else None
    cpu_ms = bl["cpu_per_10k"]["bridge"] / 10 if bl and "bridge" in bl["cpu_per_10k"] else None
    loaded_med = statistics.median(big_entry["loaded"]) if big_entry.get("loaded") else None
    goal("tp_nginx", ratio_nginx is not None and ratio_nginx >= 0.7, f"{fmt(ratio_nginx)} x nginx at {tp}")
    goal("tp_webhook", ratio_webhook is not None and ratio_webhook >= 20, f"{fmt(ratio_webhook, 1)} x webhook at {tp}")
    goal("lat_p50", add50 is not None and add50 <= 1.0, f"{fmt(add50, 3)} ms at {lat}")
    goal("lat_p50_1", add50_1 is not None and add50_1 <= 0.3, f"{fmt(add50_1, 3)} ms at 1")
    goal("lat_p99", add99 is not None and add99 <= 2.0, f"{fmt(add99, 3)} ms at {lat}")
    floor_bridge = b.floor.get(("bridge", lat))
    floor_nginx = b.floor.get(("nginx", lat))
    floor_note = (f" (doing nothing, GET /healthz: bridge {floor_bridge['cpu_ms']:.3f} ms, nginx {floor_nginx['cpu_ms']:.3f} ms)"
                  if floor_bridge and floor_nginx else "")
    goal("cpu", cpu_ms is not None and cpu_ms <= 0.10, f"{fmt(cpu_ms, 3)} ms per call at {lat}{floor_note}")
    goal("rss_idle", bf.get("rss_idle") is not None and bf["rss_idle"] <= 25, f"{fmt(bf.get('rss_idle'), 1)} MiB")
    goal("rss_peak", bf.get("rss_peak") is not None and bf["rss_peak"] <= 60, f"{fmt(bf.get('rss_peak'), 1)} MiB at {conns[-1]}")
    goal("ready", ready_med is not None and ready_med <= 0.150,
         f"median {fmt(ready_med * 1000 if ready_med else None, 0)} ms, max {fmt(max(ready) * 1000 if ready else None, 0)} ms")
    goal("reload", reload_med is not None and reload_med <= 0.100,
         f"{big} instances: median {fmt(reload_med * 1000 if reload_med else None, 1)} ms idle")
    goal("reload_load", loaded_med is not None and loaded_med <= 0.150 and failed_during == 0,
         f"{big} instances: median {fmt(loaded_med * 1000 if loaded_med else None, 1)} ms under wrk, "
         f"{failed_during} failed requests")

    jp_worst = json_parse.worst(b.json_parse)
    goal("json_parse", json_parse.passed(b.json_parse),
         f"worst {jp_worst['shape']} {jp_worst['ratio']:.2f}x" if jp_worst else "not measured")

    judged = b.mode == "full"
    for line in json_parse.report(b.json_parse, judged, "release" if judged else "debug"):
        w(line)
    w("## Goals\n")
    if not judged:
        w("Smoke run: debug binaries, short runs and one concurrency, so these are indicative only.\n")
    w("| goal | result | measured |")
    w("|---|---|---|")
    for key, ok, detail in goals:
        w(f"| {GOALS_TEXT[key]} | {'PASS' if ok else 'MISS'} | {detail} |")
    w("")

    if b.profile:
        p = b.profile
        w("## Profile\n")
        if p["tool"] == "callgrind":
            for note in p["notes"]:
                w(note + "\n")
            w("`valgrind --tool=callgrind` on "
              f"the release bridge (`--offline`, collection switched on after READY"
              f"{' failed, so startup is included' if p.get('from_start') else ''}), "
              f"wrk -c1 for 5 s ({p['requests']} calls, "
              f"{(p['total'] or 0) / max(p['requests'] or 1, 1):,.0f} instructions per call incl. its share of idle work).\n")
            for title, key in (("Top functions, exclusive instructions", "exclusive"),
                               ("Top functions, inclusive instructions", "inclusive")):
                w(f"{title} (callgrind_annotate, demangled):\n")
                w("| Ir | % | function | object |")
                w("|---:|---:|---|---|")
                for ir, pct, name, obj in p[key]:
                    name = name.replace("|", "\\|")
                    if len(name) > 140:
                        name = name[:137] + "..."
                    w(f"| {ir:,} | {pct:.1f} | `{name}` | {obj} |")
                w("")
        else:
            for note in p["notes"]:
                w(note + "\n")
            w(f"`perf record -e {p['event']} -g -F 999 -p <bridge>` on the release bridge (`--offline`, info log to a "
              f"file) under wrk -c{p['conns']} for {p['seconds']} s ({p['rps']:.0f} req/s while sampled). "
              "Symbols demangled.\n")
            perf_blocks(w, p)
    if b.reload_profile:
        p = b.reload_profile
        w(f"### Profile of reloads\n")
        w(f"`perf record -e {p['event']} -g` on an idle `--offline` bridge during {p['count']} `POST /api/reload` "
          f"of {p['n']} instances, every one changed (median {p['median'] * 1000:.0f} ms while sampled):\n")
        perf_blocks(w, p)

    if judged and os.path.exists(ANALYSIS):
        with open(ANALYSIS) as f:
            w(f.read().strip() + "\n")

    w("## Timing\n")
    w(f"bench/run took {elapsed_total:.0f} s in total, of which the build took {build_seconds:.0f} s.\n")
    return "\n".join(out), goals


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--bin", required=True)
    parser.add_argument("--raw", required=True, help="folder for logs, configs and wrk outputs")
    parser.add_argument("--out", required=True, help="Markdown table to write")
    parser.add_argument("--started", type=float, default=time.time(), help="epoch seconds bench/run started")
    parser.add_argument("--build-seconds", type=float, default=0)
    parser.add_argument("--profile", choices=["auto", "yes", "no"], default="auto")
    args = parser.parse_args()

    for tool in ("wrk", "nginx", "webhook", "curl"):
        if not shutil.which(tool):
            print(f"bench: {tool} is missing", file=sys.stderr)
            return 1
    b = Bench(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        log(f"mode {args.mode}, binaries in {args.bin}, ports {b.ports}, raw output in {b.raw}")
        b.start_simulator()
        b.run_direct()
        b.run_nginx()
        b.run_webhook()
        b.run_bridge()
        b.run_ready()
        b.run_reload()
        b.run_json_parse()
        b.sim.check_alive()
        _, goals = build_report(b, time.time() - args.started, args.build_seconds)
        missed = [key for key, ok, _ in goals if not ok]
        if args.profile == "yes" or (args.profile == "auto" and args.mode == "full" and missed):
            log("profiling the bridge" + (f" (goals missed: {', '.join(missed)})" if missed else ""))
            b.run_profile()
            if args.profile == "yes" or "reload" in missed:
                b.profile_reload()
    except StepFailed as error:
        print(f"\nbench: FAILED: {error}", file=sys.stderr)
        stop_all()
        return 1
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as error:
        import traceback
        traceback.print_exc()
        print(f"\nbench: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        stop_all()
        return 1
    except KeyboardInterrupt:
        stop_all()
        return 130
    finally:
        stop_all()
        shutil.rmtree(b.sockdir, ignore_errors=True)
    report, goals = build_report(b, time.time() - args.started, args.build_seconds)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(report)
    print("\n" + report)
    print(f"\nbench: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
