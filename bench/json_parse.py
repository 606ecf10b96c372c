#!/usr/bin/env python3
"""The JSON parse table of bench/run: hostile body shapes at two sizes, timed on a running bridge.

Each shape is sent as `function_body` of an execute_function call whose `function_method` is
invalid, so the bridge reads the whole body, parses it, serialises `function_body` for Appwrite
(as a real call would) and then refuses the call with 400 before anything goes upstream. What is
timed is the bridge's own CPU (utime + stime of its process from /proc/PID/stat, all threads) over
many identical requests on one keep-alive connection, divided by their count: the cost a caller can
make the bridge pay per body, from outside the release binary, without any hook inside it. The
client's own work (building and sending the body) is not in that figure.

A linear parser costs about 4x the time for 4x the size (a little less: each request also has a
fixed cost); the goal (issue 12) is at most 5x for every shape.

Run alone (starts its own `serve --offline` bridge; nothing listens upstream, nothing is sent):
    python3 bench/json_parse.py --bin .build/release
    python3 bench/json_parse.py --bin .build/debug --sizes 32768,131072 --shapes wide_object,non_ascii_keys
bench/run imports it and adds the table to its report.
"""

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

# A measured point (requests, cpu, cpu_ms, wall_ms, bytes) and a table row (shape, what, points,
# ratio, size_ratio).
Point = dict[str, Any]
Row = dict[str, Any]

CLK_TCK = os.sysconf("SC_CLK_TCK")
GOAL_RATIO = 5.0
KIB = 1024

# The bridge must accept the largest body: 2 MiB leaves room above 512 KiB.
MAX_BODY_BYTES = 2 * 1024 * 1024

# Per mode: the two sizes (whole request body, bytes) and how long to measure each point. A point
# stops when it has used `min_cpu` seconds of the bridge's CPU and `min_requests` requests, or after
# `max_seconds` of wall time (ticks are 10 ms). In full mode the two sizes take turns for `rounds`
# rounds of 0.8 s each and each size keeps its median round: single long points of one size
# measured the same shape 3.8x and 5.1x minutes apart, as the shared machine's speed drifted.
MODES = {
    "full": {"sizes": (128 * KIB, 512 * KIB), "min_cpu": 0.8, "min_requests": 5, "max_seconds": 12.0, "rounds": 3},
    "smoke": {"sizes": (4 * KIB, 16 * KIB), "min_cpu": 0.0, "min_requests": 3, "max_seconds": 2.0, "rounds": 1},
}

PREFIX = b'{"function_id":"echo","function_method":"NOT-A-METHOD","function_body":'
SUFFIX = b"}"


def _fill(budget: int, head: bytes, unit: Callable[[int], bytes], separator: bytes, tail: bytes) -> bytes:
    """head + unit(0) + separator + unit(1) ... + tail, as many units as fit in `budget` bytes."""
    parts = [head]
    used = len(head) + len(tail)
    i = 0
    while True:
        item = unit(i)
        cost = len(item) + (len(separator) if i else 0)
        if used + cost > budget and i:
            break
        if i:
            parts.append(separator)
        parts.append(item)
        used += cost
        i += 1
    parts.append(tail)
    return b"".join(parts)


def wide_object(budget: int) -> bytes:
    return _fill(budget, b"{", lambda i: b'"k%07d":%d' % (i, i % 10), b",", b"}")


def non_ascii_keys(budget: int) -> bytes:
    # Cyrillic, a decomposed e + U+0301 (needs normalisation for canonical equivalence), CJK and
    # an emoji: every key is non-ASCII and none is in NFC's fast path.
    return _fill(budget, b"{", lambda i: f'"ключ_e\u0301_中文_😀_{i}":{i % 10}'.encode(), b",", b"}")


def long_array(budget: int) -> bytes:
    return _fill(budget, b"[", lambda i: b"%d" % (i % 10), b",", b"]")


def many_small_objects(budget: int) -> bytes:
    return _fill(budget, b"[", lambda i: b'{"id":%d,"on":true}' % (i % 100), b",", b"]")


def long_string(budget: int) -> bytes:
    return b'"' + b"a" * max(budget - 2, 0) + b'"'


def escapes(budget: int) -> bytes:
    # \uXXXX, a surrogate pair, short escapes: every few bytes decode to something else.
    unit = rb"\u00e9\ud83d\ude00\n\"\\\/\u4e2d"
    return b'"' + unit * max((budget - 2) // len(unit), 1) + b'"'


def long_number(budget: int) -> bytes:
    digits = max((budget - 4) // 3, 1)
    return b"-" + b"1" * digits + b"." + b"2" * digits + b"e+" + b"3" * (budget - 4 - 2 * digits)


def deep_nesting(budget: int) -> bytes:
    # 60 levels under function_body (62 in all, the bridge allows 64), repeated side by side.
    chunk = b'{"a":[' * 30 + b"1" + b"]}" * 30
    return _fill(budget, b"[", lambda i: chunk, b",", b"]")


SHAPES = [
    ("wide_object", "one object, ~40,000 keys at 512 KiB", wide_object),
    ("non_ascii_keys", "one object with non-ASCII keys (Cyrillic, e+U+0301, CJK, emoji)", non_ascii_keys),
    ("long_array", "one array of one-digit numbers", long_array),
    ("many_small_objects", "an array of small objects", many_small_objects),
    ("long_string", "one string without escapes", long_string),
    ("escapes", r"one string of \uXXXX, surrogate pairs and short escapes", escapes),
    ("long_number", "one number literal (integer, fraction and exponent digits)", long_number),
    ("deep_nesting", "60-deep objects and arrays, side by side", deep_nesting),
]


def body(shape: str, size: int) -> bytes:
    """The whole request body for `shape`, at most `size` bytes (a few below it)."""
    generate = {name: gen for name, _, gen in SHAPES}[shape]
    return PREFIX + generate(size - len(PREFIX) - len(SUFFIX)) + SUFFIX


def bridge_yaml(port: int, upstream_url: str, project: str, key_env: str) -> str:
    return (
        "# Written by bench/json_parse.py: the bodies go up to 512 KiB.\n"
        f"listen: 127.0.0.1:{port}\n"
        f"limits:\n  max_body_bytes: {MAX_BODY_BYTES}\n"
        f"instances:\n  - project_id: {project}\n    url: {upstream_url}\n    api_key_env: {key_env}\n"
    )


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


class Refused(Exception):
    pass


def _post(conn: http.client.HTTPConnection, path: str, data: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def measure(port: int, pid: int, project: str, data: bytes, min_cpu: float, min_requests: int, max_seconds: float) -> Point:
    """Bridge CPU seconds per request and client-side wall ms (median) for one body."""
    path = f"/api/services/appwrite/execute_function_{project}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        # The first request warms up and checks: parsed and serialised, then refused on the method.
        # Anything else means the table would not measure what it says (e.g. refused as too large,
        # or sent upstream).
        status, answer = _post(conn, path, data)
        if status != 400 or b'"field":"function_method"' not in answer:
            raise Refused(f"expected 400 on function_method, got {status}: {answer[:300]!r}")
        walls = []
        start_ticks = cpu_ticks(pid)
        started = time.monotonic()
        while True:
            t0 = time.perf_counter()
            status, answer = _post(conn, path, data)
            walls.append(time.perf_counter() - t0)
            if status != 400:
                raise Refused(f"answered {status}: {answer[:300]!r}")
            spent = (cpu_ticks(pid) - start_ticks) / CLK_TCK
            if len(walls) >= min_requests and (spent >= min_cpu or time.monotonic() - started >= max_seconds):
                break
        return {"requests": len(walls), "cpu": spent, "cpu_ms": spent / len(walls) * 1000,
                "wall_ms": statistics.median(walls) * 1000}
    finally:
        conn.close()


def measure_all(port: int, pid: int, project: str, mode: str, log: Callable[[str], None] = print,
                shapes: list[str] | None = None, sizes: list[int] | None = None) -> list[Row]:
    """The table's rows: one per shape, with both sizes and the ratio of their CPU per request."""
    m = MODES[mode]
    sizes = tuple(sizes or m["sizes"])
    rows = []
    for name, what, _ in SHAPES:
        if shapes and name not in shapes:
            continue
        # The sizes take turns for a few rounds and each keeps its median round: a shared VM's
        # slow minute then moves both sizes, not the ratio.
        rounds: list[list[Point]] = [[] for _ in sizes]
        for _ in range(m["rounds"]):
            for index, size in enumerate(sizes):
                data = body(name, size)
                point = measure(port, pid, project, data, m["min_cpu"], m["min_requests"], m["max_seconds"])
                point["bytes"] = len(data)
                rounds[index].append(point)
        points = []
        for measured in rounds:
            point = sorted(measured, key=lambda p: p["cpu_ms"])[len(measured) // 2]
            point = dict(point, requests=sum(p["requests"] for p in measured))
            points.append(point)
            log(f"json {name:18s} {point['bytes'] / KIB:6.0f} KiB  {point['cpu_ms']:9.3f} ms CPU/request  "
                f"{point['wall_ms']:9.3f} ms wall (median)  {point['requests']} requests, median of {len(measured)} rounds")
        small, large = points[0], points[-1]
        ratio = large["cpu_ms"] / small["cpu_ms"] if small["cpu_ms"] > 0 else None
        rows.append({"shape": name, "what": what, "points": points, "ratio": ratio,
                     "size_ratio": large["bytes"] / small["bytes"]})
    return rows


def passed(rows: list[Row]) -> bool:
    return bool(rows) and all(r["ratio"] is not None and r["ratio"] <= GOAL_RATIO for r in rows)


def worst(rows: list[Row]) -> Row | None:
    judged = [r for r in rows if r["ratio"] is not None]
    return max(judged, key=lambda r: r["ratio"]) if judged else None


def report(rows: list[Row], judged: bool, kind: str) -> list[str]:
    """Markdown lines for the table."""
    if not rows:
        return []
    sizes = [p["bytes"] for p in rows[0]["points"]]
    label = [f"{s / KIB:.0f} KiB" for s in sizes]
    out = [
        "## JSON parse\n",
        f"Each shape is the `function_body` of an execute_function call with an invalid `function_method`: the "
        f"{kind} bridge reads the body, parses it, serialises `function_body` and refuses the call (400) before "
        "anything goes upstream. `CPU` is the bridge process's utime+stime from /proc per request (many "
        "identical requests on one keep-alive connection; the two sizes take turns for a few rounds and each "
        "shows its median round); `wall` is the client's median round trip. "
        f"Result: PASS when {rows[0]['size_ratio']:.1f}x the size costs at most {GOAL_RATIO:.0f}x the CPU."
        + ("" if judged else " Smoke run: tiny sizes, 10 ms CPU ticks, so the ratios mean nothing.")
        + "\n",
        f"| shape | body | CPU {label[0]} | CPU {label[-1]} | ratio | wall {label[0]} | wall {label[-1]} | requests | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        small, large = r["points"][0], r["points"][-1]
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        ok = r["ratio"] is not None and r["ratio"] <= GOAL_RATIO
        out.append(
            f"| {r['shape']} | {r['what']} | {small['cpu_ms']:.3f} ms | {large['cpu_ms']:.3f} ms | {ratio} | "
            f"{small['wall_ms']:.3f} ms | {large['wall_ms']:.3f} ms | {small['requests']} / {large['requests']} | "
            f"{('PASS' if ok else 'MISS') if judged else '-'} |"
        )
    out.append("")
    return out


# ---------------------------------------------------------------- standalone


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, logpath: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(logpath, errors="replace") as f:
                raise SystemExit(f"json_parse: the bridge exited ({proc.returncode}):\n{f.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"json_parse: the bridge did not listen on {port} within {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="folder with appwrite-bridge")
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--sizes", help="two body sizes in bytes, comma-separated (default: the mode's)")
    parser.add_argument("--shapes", help="comma-separated shape names (default: all): "
                        + ", ".join(name for name, _, _ in SHAPES))
    parser.add_argument("--min-cpu", type=float, help="CPU seconds per point (default: the mode's)")
    parser.add_argument("--max-seconds", type=float, help="wall seconds per point (default: the mode's)")
    parser.add_argument("--min-requests", type=int, help="requests per point (default: the mode's)")
    args = parser.parse_args()
    for key in ("min_cpu", "max_seconds", "min_requests"):
        if getattr(args, key) is not None:
            MODES[args.mode][key] = getattr(args, key)

    folder = tempfile.mkdtemp(prefix="json-parse-")
    port = _free_port()
    config = os.path.join(folder, "bridge.yaml")
    with open(config, "w") as f:
        # Nothing listens upstream: `serve --offline` does not check, and every call is refused first.
        f.write(bridge_yaml(port, f"http://127.0.0.1:{_free_port()}/v1", "bench1", "BENCH_KEY"))
    logpath = os.path.join(folder, "bridge.log")
    with open(logpath, "wb") as out:
        proc = subprocess.Popen(
            [os.path.join(args.bin, "appwrite-bridge"), "serve", "--config", config, "--offline"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(os.environ, BENCH_KEY="bench-key-0123456789abcdef"), start_new_session=True,
        )
    try:
        _wait_port(port, proc, logpath)
        rows = measure_all(
            port, proc.pid, "bench1", args.mode,
            shapes=args.shapes.split(",") if args.shapes else None,
            sizes=[int(s) for s in args.sizes.split(",")] if args.sizes else None,
        )
        kind = os.path.basename(os.path.normpath(args.bin))
        print("\n" + "\n".join(report(rows, judged=args.mode == "full", kind=kind)))
        return 0 if args.mode != "full" or passed(rows) else 1
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


if __name__ == "__main__":
    sys.exit(main())
