#!/usr/bin/env python3
"""Throws the JSON shapes that once cost the bridge super-linear time at a running bridge, with
random sizes and details, and checks every answer and that the bridge keeps serving meanwhile.

Shapes: wide objects, non-ASCII keys (canonically equivalent twins such as "é" and "e\u0301"
included: they are two keys), long arrays, many small objects, long strings full of escapes and
surrogate pairs, long number literals, deep-but-allowed nesting, and random mixtures of them. Each
body is one of:

- a valid call (up to ~192 KiB): 200, and the `function_body` the echo function received is the
  one sent, member order and number text included;
- a valid body refused on its method (up to ~900 KiB): 400 `invalid_payload` on `function_method`;
- the same with one key repeated somewhere (at the top level, or at any depth of function_body,
  the repeat possibly written with escapes): 400 `duplicate_key`, `field` = the key's path;
- nesting one level too deep: 400 `json_too_deep`; a body over the 1 MiB limit: 413.

Meanwhile a second connection asks GET /healthz every 100 ms; every answer must come within 2 s.

    python3 Tests/fuzz/json_shapes.py --url http://127.0.0.1:8787 --pid 1234 --count 80 --seconds 120
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Union

KIB = 1024
MAX_DEPTH = 64            # the bridge's nesting limit
BODY_LIMIT = 1 << 20      # the bridge's default limits.max_body_bytes
ROUNDTRIP_MAX = 192 * KIB
HEALTH_DEADLINE = 2.0
ANSWER_DEADLINE = 30.0    # a linear parse of 1 MiB takes well under a second, even in a debug build
TARGET = "/api/services/appwrite/execute_function_home1234?return_response"


class Num:
    """A number kept as its text, so the check can demand the exact digits back."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Num) and other.text == self.text

    def __repr__(self) -> str:
        return f"Num({self.text})"


class Obj:
    """An object as its ordered members, repeats allowed (the only way to write one in Python)."""

    def __init__(self, members: list[tuple[str, "Value"]]) -> None:
        self.members = members

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Obj) and other.members == self.members

    def __repr__(self) -> str:
        return f"Obj({self.members!r})"


# A JSON value as this script builds it: objects as ordered members, numbers as their text.
Value = Union[None, bool, Num, str, list["Value"], Obj]  # noqa: UP007 - a string forward reference needs Union


def load_exact(data: str | bytes) -> Value:
    """Parses JSON keeping member order and number text, as the bridge promises to."""
    return json.loads(data, object_pairs_hook=lambda pairs: Obj([tuple(p) for p in pairs]),
                      parse_int=Num, parse_float=Num)


# ---------------------------------------------------------------- writing JSON, escapes at random

SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def write_string(text: str, rng: random.Random, escape_rate: float) -> str:
    if not escape_rate:
        # Only what JSON requires escaped (quotes, backslashes, controls), the rest as UTF-8.
        return json.dumps(text, ensure_ascii=False)
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in SHORT and (code >= 0x20 or rng.random() < 0.5):
            out.append(SHORT[ch])
        elif code < 0x20 or rng.random() < escape_rate:
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04X}")
            elif ch == "/" and rng.random() < 0.5:
                out.append("\\/")
            else:
                out.append(f"\\u{code:04x}" if rng.random() < 0.5 else f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def write(value: Value, rng: random.Random, escape_rate: float, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Num):
        out.append(value.text)
    elif isinstance(value, str):
        out.append(write_string(value, rng, escape_rate))
    elif isinstance(value, list):
        out.append("[")
        for i, element in enumerate(value):
            if i:
                out.append(",")
            write(element, rng, escape_rate, out)
        out.append("]")
    else:
        out.append("{")
        for i, (key, member) in enumerate(value.members):
            if i:
                out.append(",")
            out.append(write_string(key, rng, escape_rate))
            out.append(":")
            write(member, rng, escape_rate, out)
        out.append("}")


def dumps(value: Value, rng: random.Random, escape_rate: float) -> bytes:
    out = []
    write(value, rng, escape_rate, out)
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------- shapes

SCRIPTS = ["ключ", "中文", "日本語", "한국어", "ελληνικά", "عربى", "😀", "🏠💡", "e\u0301", "\u00e9", "A\u030a", "\u212b",
           "ﬁ", "ß", "\u0915\u094d\u0937", "\U0001f1eb\U0001f1f7", "\u2028", "\u00a0"]


def number_text(rng: random.Random, digits: int) -> str:
    text = rng.choice(["", "-"]) + (rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(digits - 1))
                                    if digits > 1 or rng.random() < 0.5 else "0")
    if rng.random() < 0.5:
        text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, digits)))
    if rng.random() < 0.5:
        text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 10 ** rng.randint(1, 6)))
    return text


def ascii_key(rng: random.Random, i: int) -> str:
    return f"k{i}_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_-./[]") for _ in range(rng.randint(0, 12)))


def non_ascii_key(rng: random.Random, i: int) -> str:
    return "".join(rng.choice(SCRIPTS) for _ in range(rng.randint(1, 4))) + str(i)


def wide_object(rng: random.Random, budget: int, key: Callable[[random.Random, int], str]) -> Obj:
    members, used, i = [], 2, 0
    while used < budget:
        k = key(rng, i)
        v = rng.choice([Num(str(i)), True, None, "v"])
        members.append((k, v))
        used += len(k.encode()) + 8
        i += 1
    if key is non_ascii_key and rng.random() < 0.7:
        # Canonically equivalent to an existing key, but other bytes: a second member, not a repeat.
        members.append(("caf\u00e9", Num("1")))
        members.append(("cafe\u0301", Num("2")))
    return Obj(members)


def long_array(rng: random.Random, budget: int) -> list[Value]:
    start = rng.randrange(10)
    return [Num(str((start + i) % 10)) for i in range(max(budget // 2, 1))]


def many_small_objects(rng: random.Random, budget: int) -> list[Value]:
    count = max(budget // 34, 1)
    return [Obj([("id", Num(str(i))), ("on", i % 2 == 0), ("name", "x")]) for i in range(count)]


def long_string(rng: random.Random, budget: int) -> str:
    pieces = []
    used = 0
    while used < budget:
        piece = rng.choice(["a" * rng.randint(1, 200), "é", "中", "😀", "\"", "\\", "/", "\n", "\u0001", "\u001f", "\u2028",
                            "\U0010ffff", "\ufeff"])
        pieces.append(piece)
        used += len(piece.encode()) * 2
    return "".join(pieces)


def long_numbers(rng: random.Random, budget: int) -> Value:
    if rng.random() < 0.5:
        return Num(number_text(rng, max(budget // 3, 1)))
    return [Num(number_text(rng, rng.randint(1, 400))) for _ in range(max(budget // 600, 1))]


def deep(rng: random.Random, budget: int, depth_left: int) -> list[Value]:
    """Side-by-side chains that reach exactly `depth_left` levels of arrays and objects."""
    def chain(levels: int) -> Value:
        value = Num("1")
        for level in range(levels):
            value = [value] if level % 2 else Obj([("a", value)])
        return value

    count = max(budget // (depth_left * 7), 1)
    # The outer array is one level; each chain adds depth_left - 1.
    return [chain(depth_left - 1) for _ in range(count)]


def mixture(rng: random.Random, budget: int, depth: int = 0) -> Value:
    if budget < 40 or depth > 20:
        return rng.choice([Num(number_text(rng, rng.randint(1, 30))), "s" * rng.randint(0, 20), True, None])
    kind = rng.randrange(3)
    parts = rng.randint(2, 8)
    if kind == 0:
        return [mixture(rng, budget // parts, depth + 1) for _ in range(parts)]
    if kind == 1:
        keys = set()
        members = []
        for i in range(parts):
            k = rng.choice([ascii_key, non_ascii_key])(rng, i)
            if k in keys:
                continue
            keys.add(k)
            members.append((k, mixture(rng, budget // parts, depth + 1)))
        return Obj(members)
    return long_string(rng, budget // 2)


def shape(rng: random.Random, name: str, budget: int) -> Value:
    if name == "wide_object":
        return wide_object(rng, budget, ascii_key)
    if name == "non_ascii_keys":
        return wide_object(rng, budget, non_ascii_key)
    if name == "long_array":
        return long_array(rng, budget)
    if name == "many_small_objects":
        return many_small_objects(rng, budget)
    if name == "long_string":
        return long_string(rng, budget)
    if name == "long_numbers":
        return long_numbers(rng, budget)
    if name == "deep_nesting":
        # Under the payload object (1) as function_body (2): 62 more levels is the most allowed.
        return deep(rng, budget, MAX_DEPTH - 1)
    return mixture(rng, budget)


SHAPES = ["wide_object", "non_ascii_keys", "long_array", "many_small_objects", "long_string", "long_numbers",
          "deep_nesting", "mixture"]


# ---------------------------------------------------------------- repeats and their paths


def component(key: str) -> str:
    """How the bridge shows a member name in a path: as written, cut after 64 code points."""
    return key if len(key) <= 64 else key[:64] + "…"


def join_path(parts: list[str | int]) -> str:
    """The bridge's path: names joined with '.', indexes as [i] with no dot before them."""
    path = ""
    for part in reversed(parts):
        shown = f"[{part}]" if isinstance(part, int) else component(part)
        path = shown if not path else shown + ("" if path.startswith("[") else ".") + path
    return path


def objects_in(value: Value, path: list[str | int], found: list[tuple[list[str | int], Obj]]) -> None:
    if isinstance(value, Obj):
        if value.members:
            found.append((path, value))
        for key, member in value.members:
            objects_in(member, path + [key], found)
    elif isinstance(value, list):
        for i, element in enumerate(value):
            objects_in(element, path + [i], found)


def with_repeat(rng: random.Random, payload: Obj) -> str:
    """Repeats one key of one object (the payload itself included); returns the expected path."""
    found = []
    objects_in(payload, [], found)
    path, target = rng.choice(found[:1] * 3 + found)  # the top level now and then, any object otherwise
    index = rng.randrange(len(target.members))
    key = target.members[index][0]
    # The repeat goes after the original, so it is the one the bridge trips on.
    target.members.insert(rng.randint(index + 1, len(target.members)), (key, rng.choice([Num("0"), "again", None])))
    return join_path(path + [key])


# ---------------------------------------------------------------- talking to the bridge


class HealthWatch(threading.Thread):
    """Asks /healthz every 100 ms on its own connection; remembers the slowest answer and failures."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.stop = threading.Event()
        self.slowest = 0.0
        self.count = 0
        self.failures = []

    def run(self) -> None:
        connection = None
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=HEALTH_DEADLINE + 3)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                elapsed = time.monotonic() - started
                self.count += 1
                self.slowest = max(self.slowest, elapsed)
                if response.status != 200:
                    self.failures.append(f"/healthz answered {response.status}")
                elif elapsed > HEALTH_DEADLINE:
                    self.failures.append(f"/healthz took {elapsed:.2f} s")
            except (http.client.HTTPException, OSError) as error:
                self.failures.append(f"/healthz failed after {time.monotonic() - started:.2f} s: {error}")
                if connection:
                    connection.close()
                connection = None
            self.stop.wait(0.1)
        if connection:
            connection.close()


class Client:
    def __init__(self, host: str, port: int, token: str | None) -> None:
        self.host, self.port, self.token = host, port, token
        self.connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=ANSWER_DEADLINE)
            try:
                self.connection.request("POST", TARGET, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, data
            except (http.client.HTTPException, OSError):
                # A 413 may close the connection before the whole body is sent; ask again once.
                if self.connection:
                    self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


def error_of(data: bytes) -> tuple[str | None, str | None]:
    try:
        error = json.loads(data)["error"]
        return error.get("code"), error.get("field")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, None


def run_case(client: Client, rng: random.Random, number: int) -> tuple[str, str | None]:
    """One body; returns (kind, problem or None)."""
    name = rng.choice(SHAPES)
    kind = rng.choices(["roundtrip", "refused", "repeat", "too_deep", "too_large"], weights=[3, 3, 4, 1, 1])[0]
    escape_rate = rng.choice([0.0, 0.0, 0.05, 0.5])
    budget = {"roundtrip": rng.randint(1, ROUNDTRIP_MAX // KIB) * KIB,
              "refused": rng.randint(1, 900) * KIB, "repeat": rng.randint(1, 900) * KIB,
              "too_deep": rng.randint(1, 64) * KIB, "too_large": BODY_LIMIT + rng.randint(1, 512) * KIB}[kind]
    # Escapes can make the text up to six times the value's size: budget for the written form.
    value_budget = budget // (4 if escape_rate else 2) if kind != "too_large" else 2 * budget
    if kind == "too_large":
        function_body = "a" * value_budget  # refused on its size before any parsing: the shape does not matter
    elif kind == "too_deep":
        function_body = deep(rng, value_budget, MAX_DEPTH)
    else:
        function_body = shape(rng, name, value_budget)
    members = [("function_id", "echo"), ("function_body", function_body)]
    if kind != "roundtrip":
        members.append(("function_method", "NOT-A-METHOD"))
    rng.shuffle(members)
    payload = Obj(members)
    expected_path = with_repeat(rng, payload) if kind == "repeat" else None
    body = dumps(payload, rng, escape_rate)
    if (len(body) > BODY_LIMIT) != (kind == "too_large"):
        return "skipped", None  # the written form missed the size this case is about
    status, data = client.post(body)
    code, field = error_of(data)
    label = f"#{number} {kind} {name} {len(body)} bytes (escape rate {escape_rate})"
    if kind == "roundtrip":
        if status != 200:
            return kind, f"{label}: expected 200, got {status} {data[:300]!r}"
        try:
            execution = json.loads(data)["service_response"]
            received = json.loads(execution["responseBody"])["body"]
        except (ValueError, KeyError, TypeError) as error:
            return kind, f"{label}: no echoed body ({error}): {data[:300]!r}"
        # A string function_body is sent as it is; anything else as compact JSON.
        if (received if isinstance(function_body, str) else load_exact(received)) != function_body:
            return kind, f"{label}: Appwrite received another function_body: {received[:300]!r}"
        return kind, None
    expected = {"refused": (400, "invalid_payload", "function_method"),
                "repeat": (400, "duplicate_key", expected_path),
                "too_deep": (400, "json_too_deep", None),
                "too_large": (413, "payload_too_large", None)}[kind]
    if (status, code, field) != expected:
        return kind, f"{label}: expected {expected}, got {(status, code, field)}: {data[:300]!r}"
    return kind, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, help="bridge process id: it must still run at the end")
    parser.add_argument("--count", type=int, default=80, help="bodies to send (at most)")
    parser.add_argument("--seconds", type=float, default=120, help="stop sending after this long")
    parser.add_argument("--seed", type=int, help="random seed (default: random, printed)")
    parser.add_argument("--token")
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    parsed = urllib.parse.urlparse(arguments.url)
    client = Client(parsed.hostname, parsed.port, arguments.token)
    watch = HealthWatch(parsed.hostname, parsed.port)
    watch.start()
    started = time.monotonic()
    sent, skipped, failures, kinds = 0, 0, [], {}
    try:
        while sent + skipped < arguments.count and time.monotonic() - started < arguments.seconds:
            try:
                kind, problem = run_case(client, rng, sent + skipped)
            except (http.client.HTTPException, OSError) as error:
                # No answer at all (a timeout is what super-linear parsing looks like from here).
                kind, problem = "no_answer", f"#{sent + skipped}: no answer: {error!r}"
            if kind == "skipped":
                skipped += 1
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            sent += 1
            if problem:
                failures.append(problem)
    finally:
        watch.stop.set()
        watch.join(HEALTH_DEADLINE + 5)
    elapsed = time.monotonic() - started
    alive = arguments.pid is None or os.path.exists(f"/proc/{arguments.pid}")
    print(f"json shapes: seed {seed}, {sent} bodies ({skipped} skipped) in {elapsed:.1f} s: "
          + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
    print(f"json shapes: /healthz answered {watch.count} times meanwhile, slowest {watch.slowest * 1000:.0f} ms")
    if not alive:
        failures.append("the bridge process died")
    failures += watch.failures
    if sent == 0:
        failures.append("no body was sent")
    for failure in failures[:20]:
        print("json shapes: FAIL " + failure)
    print(f"json shapes: {'passed' if not failures else 'failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
