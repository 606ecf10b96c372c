#!/usr/bin/env python3
"""Throws random and mutated payloads at a running appwrite-bridge and checks that it stays sane.

Every answer must be JSON with a 2xx or 4xx status, the process must stay alive, and its memory
must not grow without bound. Slow requests (sent in pieces with pauses) must be answered like fast
ones; partial requests (cut off mid-head or mid-body) and connections left hanging must not stop
others from being served. Prints the figures: requests sent, statuses seen, RSS.

    python3 Tests/fuzz/fuzz_bridge.py --url http://127.0.0.1:8787 --pid 1234 --requests 10000
"""
import argparse
import collections
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

FIELDS = [
    "function_id", "function_body", "function_method", "function_path", "function_headers",
    "function_async", "function_scheduled_at",
]
VALID = {
    "function_id": "echo", "function_body": "hello", "function_method": "POST", "function_path": "/x",
    "function_headers": {"X-Test": "1"}, "function_async": False,
}

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12,
)
field_value = st.one_of(
    json_value,
    st.sampled_from(["echo", "_bad", "x" * 37, "GET", "fetch", "", "/", "2030-01-01T00:00:00Z", "true", "nosuch"]),
    st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=12), st.integers()), max_size=5),
)
payload_object = st.dictionaries(st.sampled_from(FIELDS + ["entity_id", "extra"]), field_value, max_size=8)


def mutate(data: bytes, draw_ops):
    data = bytearray(data)
    for op, position, byte in draw_ops:
        if not data:
            data = bytearray(b"{")
        position %= len(data) + 1
        if op == 0 and position < len(data):
            data[position] = byte
        elif op == 1:
            data.insert(position, byte)
        elif op == 2 and position < len(data):
            del data[position]
    return bytes(data)


mutations = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.integers(0, 255)), max_size=6)
bodies = st.one_of(
    payload_object.map(lambda o: json.dumps(o).encode()),
    st.tuples(payload_object, mutations).map(lambda t: mutate(json.dumps({**VALID, **t[0]}).encode(), t[1])),
    st.tuples(st.just(json.dumps(VALID).encode()), mutations).map(lambda t: mutate(*t)),
    st.binary(max_size=200),
    st.integers(1, 200).map(lambda depth: (b"[" * depth) + (b"]" * depth)),
    st.sampled_from([b"", b"null", b"[]", b"\"x\"", b"{\"function_id\": \"\xff\xfe\"}", b"{\"a\":1}" * 3]),
)
targets = st.sampled_from([
    "/api/services/appwrite/execute_function_home1234",
    "/api/services/appwrite/execute_function_home1234",
    "/api/services/appwrite/execute_function_home1234",
    "/api/services/appwrite/execute_function_home1234?return_response",
    "/api/services/appwrite/execute_function_home1234?return_response",
    "/api/services/appwrite/execute_function_nope",
    "/api/services/other/thing",
    "/api/",
    "/api/services",
    "/nowhere",
])
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8", None, "text/plain", "application/x-www-form-urlencoded"])


# How a raw request goes over the wire: the sizes of its pieces, the pause after each, and
# whether it is cut off (then the client closes mid-request and expects nothing).
wire_plans = st.tuples(
    st.lists(st.integers(1, 64), min_size=1, max_size=12),
    st.sampled_from([0.0, 0.0005, 0.002, 0.01]),
    st.one_of(st.none(), st.floats(0.0, 0.99)),
)


def raw_request(method: str, path: str, body: bytes, content_type: str | None, token: str | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bridge", f"Content-Length: {len(body)}", "Connection: close"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Fuzzer:
    def __init__(self, url, pid, token):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.pid = pid
        self.token = token
        self.connection = None
        self.statuses = collections.Counter()
        self.codes = collections.Counter()
        self.sent = 0
        self.failures = []
        self.rss_samples = []
        self.slow = 0
        self.partial = 0

    def request(self, method, path, body, content_type):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.getheader("Content-Type"), response.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def check(self, method, path, body, content_type):
        status, answer_type, answer = self.request(method, path, body, content_type)
        self.judge(method, path, body, content_type, status, answer_type, answer)

    def wire(self, raw: bytes, pieces: list[int], pause: float, cut: float | None):
        """Sends `raw` in pieces with pauses; cut off at fraction `cut` (then only closes).
        Returns (status, content type, body), or None for a cut-off request."""
        with socket.create_connection((self.host, self.port), timeout=30) as connection:
            end = len(raw) if cut is None else int(len(raw) * cut)
            offset = 0
            # At most len(pieces) pauses, then the rest at once: bounded to ~0.1 s a request.
            for size in pieces + [end]:
                if offset >= end:
                    break
                connection.sendall(raw[offset:min(offset + size, end)])
                offset += size
                if pause:
                    time.sleep(pause)
            if cut is not None:
                return None
            response = http.client.HTTPResponse(connection)
            response.begin()
            return response.status, response.getheader("Content-Type"), response.read()

    def check_wire(self, method, path, body, content_type, plan):
        pieces, pause, cut = plan
        raw = raw_request(method, path, body or b"", content_type, self.token)
        answer = self.wire(raw, pieces, pause, cut)
        if answer is None:
            self.partial += 1
            return
        self.slow += 1
        self.judge(method, path, body, content_type, *answer)

    def hold_partial_connections(self, count: int) -> float:
        """Opens `count` connections that stop mid-head or mid-body and stay open, then times a
        normal request: the bridge must keep serving while they hang."""
        held = []
        try:
            for index in range(count):
                connection = socket.create_connection((self.host, self.port), timeout=30)
                raw = raw_request("POST", "/api/services/appwrite/execute_function_home1234", json.dumps(VALID).encode(),
                                  "application/json", self.token)
                connection.sendall(raw[: len(raw) // 3 if index % 2 else len(raw) - 5])
                held.append(connection)
            started = time.monotonic()
            self.check("GET", "/api/", None, None)
            return time.monotonic() - started
        finally:
            for connection in held:
                connection.close()

    def judge(self, method, path, body, content_type, status, answer_type, answer):
        self.sent += 1
        self.statuses[status] += 1
        problem = None
        if not (200 <= status < 300 or 400 <= status < 500):
            problem = f"status {status}"
        elif answer_type is None or not answer_type.startswith("application/json"):
            problem = f"content type {answer_type!r}"
        else:
            try:
                document = json.loads(answer)
                if status >= 400:
                    self.codes[document["error"]["code"]] += 1
            except (ValueError, KeyError, TypeError) as error:
                problem = f"not the JSON error envelope ({error})"
        if problem:
            self.failures.append(f"{method} {path} {body[:80]!r} ({content_type}) -> {problem}: {answer[:200]!r}")
        if self.pid and self.sent % 500 == 0:
            self.rss_samples.append(rss_kib(self.pid))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, help="bridge process id, for RSS figures")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--token")
    parser.add_argument("--max-growth-mib", type=float, default=32.0)
    parser.add_argument("--wire-requests", type=int, default=300,
                        help="requests sent slowly in pieces or cut off (each bounded to well under a second)")
    parser.add_argument("--held-connections", type=int, default=64,
                        help="partial requests left hanging while a normal request must still be answered")
    arguments = parser.parse_args()
    fuzzer = Fuzzer(arguments.url, arguments.pid, arguments.token)
    started = time.monotonic()

    @settings(max_examples=arguments.requests, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)
    @given(target=targets, body=bodies, content_type=content_types, method=st.sampled_from(["POST", "POST", "POST", "GET"]))
    def fuzz(target, body, content_type, method):
        fuzzer.check(method, target, body if method == "POST" else None, content_type)

    fuzz()
    # Hypothesis may stop early when it runs out of new inputs; top up with valid calls.
    while fuzzer.sent < arguments.requests:
        fuzzer.check("POST", "/api/services/appwrite/execute_function_home1234", json.dumps(VALID).encode(), "application/json")
    # Slow and partial requests over raw sockets.
    if arguments.wire_requests:
        @settings(max_examples=arguments.wire_requests, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=False)
        @given(target=targets, body=bodies, content_type=content_types, plan=wire_plans)
        def fuzz_wire(target, body, content_type, plan):
            fuzzer.check_wire("POST", target, body, content_type, plan)

        fuzz_wire()
    held_wait = fuzzer.hold_partial_connections(arguments.held_connections) if arguments.held_connections else 0.0
    if held_wait > 2.0:
        fuzzer.failures.append(f"a request waited {held_wait:.1f} s behind {arguments.held_connections} partial requests")
    # Oversized bodies: refused with 413, never read whole.
    for size in (2 << 20, 8 << 20):
        fuzzer.check("POST", "/api/services/appwrite/execute_function_home1234", b"{\"function_body\": \"" + b"a" * size + b"\"}", "application/json")
    elapsed = time.monotonic() - started

    alive = arguments.pid is None or os.path.exists(f"/proc/{arguments.pid}")
    print(f"fuzz: {fuzzer.sent} requests in {elapsed:.1f} s ({fuzzer.sent / elapsed:.0f}/s)")
    print("fuzz: statuses " + ", ".join(f"{status}: {count}" for status, count in sorted(fuzzer.statuses.items())))
    print(f"fuzz: {fuzzer.slow} slow requests answered, {fuzzer.partial} cut off, "
          f"{arguments.held_connections} left hanging (a request behind them took {held_wait * 1000:.0f} ms)")
    print("fuzz: error codes " + ", ".join(f"{code}: {count}" for code, count in fuzzer.codes.most_common()))
    ok = alive and not fuzzer.failures and fuzzer.sent >= arguments.requests
    if fuzzer.rss_samples:
        first, peak, last = fuzzer.rss_samples[0], max(fuzzer.rss_samples), fuzzer.rss_samples[-1]
        growth = (last - first) / 1024
        print(f"fuzz: RSS first {first / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, last {last / 1024:.1f} MiB, growth {growth:.1f} MiB")
        if growth > arguments.max_growth_mib:
            print(f"fuzz: FAIL memory grew by {growth:.1f} MiB (limit {arguments.max_growth_mib} MiB)")
            ok = False
    if not alive:
        print("fuzz: FAIL the bridge process died")
    for failure in fuzzer.failures[:20]:
        print("fuzz: FAIL " + failure)
    print(f"fuzz: {'passed' if ok else 'failed'} ({len(fuzzer.failures)} bad answers)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
