"""README.md's examples as tests: every fenced block is run, loaded or parsed, in order, against the
demo the README itself starts, and each answer the README shows is compared with the real one.

  python3 Tests/readme/readme_examples.py --bin-path DIR [--readme README.md]

What each kind of block gets (a block's kind is its fence's language):

- ```sh: run with bash, in order, from a scratch copy of the checkout (README.md, bridge.yaml,
  examples/, and .build/debug pointing at DIR), so ./state, clip.mp4 and .build/demo start empty.
  Variables a block exports reach the later blocks, as they would in one terminal. Every command
  must succeed (a failure the README expects is written `cmd || echo "exit status $?"`), and every
  curl must get a 2xx answer unless the answer block shows another status. Until a block puts
  `appwrite-bridge` on PATH, the name fails: the README must say where the binary is.
- ```python: run the same way, with the python3 that earlier blocks put on PATH.
- ```json, ```text or ``` right after a run block (no heading or other block between) is that
  block's answer. A first line `HTTP/1.1 404 Not Found` is the status of the block's last curl.
  JSON is compared with the last JSON document the block printed: the members shown must be
  there with the values shown; `…` as a value matches anything, as a member or element allows
  more, and inside a string it matches any text (IDs, times). Text is compared line by line: each
  line shown must match an output line, in order, `…` matching any text.
- ```yaml whose top-level keys are bridge.yaml's: written to a scratch folder (with an instance
  added when it has none, stand-ins for the *_file secrets it names and its *_env variables set)
  and loaded with `appwrite-bridge check --offline`, which must exit 0. Other YAML (Home
  Assistant's) must parse, `!secret` included. examples/*.yaml get the same.

A marker comment on the line before a block changes what happens to it:
  <!-- readme-test: background HOST:PORT -->  run it in the background (a server, an event stream),
      wait until HOST:PORT accepts connections, stop it (its process group) at the end, and then
      compare what it printed with its answer block, if it has one;
  <!-- readme-test: skip (why) -->  not run; at most MAX_SKIPPED blocks may say so.
Tests/systemd/run's own `<!-- systemd-install -->` marker and Tests/systemd/run-package's
`<!-- package-… -->` markers count as skips here (those suites run the blocks).

Prints one line per block and a summary; exits 1 when any block failed.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_SKIPPED = 8
BRIDGE_KEYS = {"listen", "auth", "limits", "state_dir", "outbox", "callbacks", "instances", "fetch"}
RUNNABLE = {"sh", "bash", "python"}
ANSWERS = {"json", "text", ""}
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
MARKER = re.compile(r"<!--\s*readme-test:\s*(skip|background)\b\s*(.*?)\s*-->")
HTTP_STATUS = re.compile(r"^\n?__README_HTTP__ (\d{3})\n", re.M)
ELLIPSIS = "…"


@dataclass
class Block:
    line: int
    lang: str
    text: str
    section: str
    marker: str | None = None  # "skip", "background", "systemd-install"
    marker_arg: str = ""
    answer: "Block | None" = None
    is_answer: bool = False


@dataclass
class Result:
    block: Block
    ok: bool
    what: str
    detail: list[str] = field(default_factory=list)


def parse_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.split("\n")
    section = ""
    heading_since_fence = True
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
            heading_since_fence = True
        fence = FENCE.match(line)
        if not fence:
            i += 1
            continue
        indent, lang = fence.group(1), fence.group(2)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        block = Block(line=i + 1, lang=lang, text="\n".join(body) + "\n", section=section)
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 0:
            marker = MARKER.search(lines[k])
            if marker:
                block.marker, block.marker_arg = marker.group(1), marker.group(2)
            elif "<!-- systemd-install" in lines[k] or "<!-- package-" in lines[k]:
                # Run by Tests/systemd/run and Tests/systemd/run-package, on a real systemd.
                block.marker = "systemd-install"
        previous = blocks[-1] if blocks else None
        if (
            lang in ANSWERS
            and previous is not None
            and previous.lang in RUNNABLE
            and previous.marker not in ("skip", "systemd-install")
            and previous.answer is None
            and not heading_since_fence
        ):
            previous.answer = block
            block.is_answer = True
        blocks.append(block)
        heading_since_fence = False
        i = j + 1
    return blocks


# --- Answers with "…" ------------------------------------------------------------------------


ANY = object()  # `…` standing for any value


class ExpectedParser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def fail(self, message: str):
        raise ValueError(f"{message} at offset {self.pos} of the README's JSON: {self.text[self.pos:self.pos + 40]!r}")

    def skip(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def value(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            self.fail("unexpected end")
        ch = self.text[self.pos]
        if ch == ELLIPSIS:
            self.pos += 1
            return ANY
        if ch == "{":
            return self.container("}", self.member)
        if ch == "[":
            return self.container("]", self.value)
        if ch == '"':
            value, self.pos = json.decoder.scanstring(self.text, self.pos + 1)
            return value
        number = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null").match(self.text, self.pos)
        if not number:
            self.fail("not a JSON value")
        self.pos = number.end()
        return json.loads(number.group(0))

    def member(self):
        key = self.value()
        if not isinstance(key, str):
            self.fail("an object key must be a string")
        self.skip()
        if self.text[self.pos : self.pos + 1] != ":":
            self.fail("expected ':'")
        self.pos += 1
        return (key, self.value())

    def container(self, close: str, item):
        self.pos += 1
        items: list[Any] = []
        is_open = False
        while True:
            self.skip()
            if self.text[self.pos : self.pos + 1] == close:
                self.pos += 1
                break
            if self.text[self.pos : self.pos + 1] == ELLIPSIS:
                # `…` where a member or an element would be: there may be more of them.
                self.pos += 1
                is_open = True
                self.skip()
                if self.text[self.pos : self.pos + 1] == ",":
                    self.pos += 1
                continue
            items.append(item())
            self.skip()
            if self.text[self.pos : self.pos + 1] == ",":
                self.pos += 1
        if close == "}":
            return ("object", dict(items), is_open)
        return ("array", items, is_open)

    def parse(self) -> Any:
        result = self.value()
        self.skip()
        if self.pos != len(self.text):
            self.fail("text after the JSON value")
        return result


def glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split(ELLIPSIS)), re.S)


def match(expected: Any, actual: Any, path: str = "$") -> list[str]:
    if expected is ANY:
        return []
    if isinstance(expected, tuple) and expected[0] == "object":
        _, members, is_open = expected
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {json.dumps(actual)[:120]}"]
        problems = []
        for key, value in members.items():
            if key not in actual:
                problems.append(f"{path}: member {key!r} missing (has {sorted(actual)})")
            else:
                problems += match(value, actual[key], f"{path}.{key}")
        if not is_open and set(actual) - set(members):
            problems.append(f"{path}: members not shown in the README: {sorted(set(actual) - set(members))}")
        return problems
    if isinstance(expected, tuple) and expected[0] == "array":
        _, elements, is_open = expected
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {json.dumps(actual)[:120]}"]
        if not is_open:
            if len(elements) != len(actual):
                return [f"{path}: expected {len(elements)} elements, got {len(actual)}"]
            problems = []
            for index, (want, got) in enumerate(zip(elements, actual)):
                problems += match(want, got, f"{path}[{index}]")
            return problems
        rest = iter(enumerate(actual))
        for want in elements:
            if not any(not match(want, got) for _, got in rest):
                return [f"{path}: no element matches {want!r} (in order)"]
        return []
    if isinstance(expected, str):
        if isinstance(actual, str) and (glob(expected).fullmatch(actual) if ELLIPSIS in expected else expected == actual):
            return []
        return [f"{path}: expected {expected!r}, got {json.dumps(actual)[:300]}"]
    if type(expected) is not type(actual) and not (isinstance(expected, (int, float)) and isinstance(actual, (int, float))):
        return [f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:120]}"]
    if isinstance(expected, bool) != isinstance(actual, bool) or expected != actual:
        return [f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:120]}"]
    return []


def last_json(output: str) -> Any:
    decoder = json.JSONDecoder()
    found, pos = None, 0
    while pos < len(output):
        start = min((i for i in (output.find("{", pos), output.find("[", pos)) if i >= 0), default=-1)
        if start < 0:
            break
        try:
            found, pos = decoder.raw_decode(output, start)
        except ValueError:
            pos = start + 1
    return found


def split_status(answer: str) -> tuple[int | None, str]:
    first, _, rest = answer.partition("\n")
    status = re.match(r"HTTP/[\d.]+ (\d{3})\b", first)
    return (int(status.group(1)), rest) if status else (None, answer)


def compare_answer(answer: Block, output: str) -> list[str]:
    _, text = split_status(answer.text)
    if answer.lang == "json":
        try:
            expected = ExpectedParser(text.strip()).parse()
        except ValueError as error:
            return [str(error)]
        actual = last_json(output)
        if actual is None:
            return ["the block printed no JSON"]
        return match(expected, actual)
    lines = output.splitlines()
    index = 0
    for want in (line.rstrip() for line in text.strip("\n").splitlines()):
        pattern = glob(want)
        while index < len(lines) and not pattern.fullmatch(lines[index].rstrip()):
            index += 1
        if index == len(lines):
            return [f"no output line (in order) matches {want!r}"]
        index += 1
    return []


# --- Running ---------------------------------------------------------------------------------

PREAMBLE = r"""
set -E
[ -f "$README_ENV" ] && . "$README_ENV"
trap 'echo "$? $BASH_COMMAND" >>"$README_FAILED"' ERR
curl() { command curl -w '%{stderr}\n__README_HTTP__ %{http_code}\n' "$@"; }
"""
EPILOGUE = '\nexport -p >"$README_ENV"\n'


class Runner:
    def __init__(self, readme: str, bin_path: str, work: str):
        self.readme = readme
        self.bin_path = bin_path
        self.work = work
        self.env_file = os.path.join(work, ".readme-env")
        self.failed_file = os.path.join(work, ".readme-failed")
        self.background: list[tuple[Block, subprocess.Popen, str]] = []
        shim = os.path.join(work, ".readme-shim")
        os.makedirs(shim)
        for name in ("appwrite-bridge", "appwrite-simulator"):
            path = os.path.join(shim, name)
            with open(path, "w") as file:
                file.write(f"#!/bin/sh\necho '{name}: not on PATH (README.md must say where it is)' >&2\nexit 127\n")
            os.chmod(path, 0o755)
        self.env = {key: value for key, value in os.environ.items() if key not in ("JOURNAL_STREAM", "NOTIFY_SOCKET")}
        self.env.update(
            PATH=f"{shim}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            APPWRITE_BRIDGE_BIN_PATH=bin_path,
            README_ENV=self.env_file,
            README_FAILED=self.failed_file,
        )

    def script(self, block: Block) -> str:
        body = block.text
        if block.lang == "python":
            body = f"python3 - <<'__README_PY__'\n{body}__README_PY__\n"
        return PREAMBLE + body + EPILOGUE

    def run(self, block: Block) -> Result:
        what = f"{block.lang} block"
        if os.path.exists(self.failed_file):
            os.remove(self.failed_file)
        try:
            completed = subprocess.run(
                ["bash", "-c", self.script(block)],
                cwd=self.work,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            raw = completed.stdout
        except subprocess.TimeoutExpired as error:
            return Result(block, False, what, ["did not finish within 300 s", str(error.stdout or "")[-2000:]])
        statuses = [int(status) for status in HTTP_STATUS.findall(raw)]
        output = HTTP_STATUS.sub("\n", raw)
        problems = []
        if os.path.exists(self.failed_file):
            with open(self.failed_file) as file:
                problems += [f"command failed (status, command): {line}" for line in file.read().splitlines()]
        expected_status = split_status(block.answer.text)[0] if block.answer else None
        for index, status in enumerate(statuses):
            is_last = index == len(statuses) - 1
            if is_last and expected_status is not None:
                if status != expected_status:
                    problems.append(f"the last curl got HTTP {status}, the README shows {expected_status}")
            elif not 200 <= status < 300:
                problems.append(f"curl #{index + 1} got HTTP {status}")
        if block.answer:
            what += f" with its answer (line {block.answer.line})"
            problems += compare_answer(block.answer, output)
        if problems:
            problems.append("output:\n" + output[-3000:])
        return Result(block, not problems, what, problems)

    def start_background(self, block: Block) -> Result:
        log = os.path.join(self.work, f".readme-background-{block.line}.log")
        process = subprocess.Popen(
            ["bash", "-c", self.script(block)],
            cwd=self.work,
            env=self.env,
            stdout=open(log, "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.background.append((block, process, log))
        address = block.marker_arg.split()[0] if block.marker_arg else ""
        if not address:
            return Result(block, True, f"{block.lang} block started in the background")
        host, _, port = address.rpartition(":")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return Result(block, False, "background block", [f"exited with {process.returncode}", tail(log)])
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                return Result(block, True, f"{block.lang} block started in the background, {address} answers")
            except OSError:
                time.sleep(0.2)
        return Result(block, False, "background block", [f"{address} did not answer within 180 s", tail(log)])

    def stop_background(self) -> list[Result]:
        """Stops what the background blocks started, then compares what each printed meanwhile
        with its answer block, if it has one (an event stream's events)."""
        results = []
        for block, process, log in reversed(self.background):
            alive = process.poll() is None
            if alive:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            else:
                results.append(Result(block, False, "background block", [f"ended early with {process.returncode}", tail(log)]))
            if block.answer:
                with open(log, errors="replace") as file:
                    output = HTTP_STATUS.sub("\n", file.read())
                problems = compare_answer(block.answer, output)
                results.append(
                    Result(block, not problems, f"background block's output, with its answer (line {block.answer.line})", problems + ([tail(log)] if problems else []))
                )
            try:
                os.killpg(process.pid, signal.SIGKILL)  # anything the block left behind in its group
            except ProcessLookupError:
                pass
        return results

    def check_yaml(self, block: Block, index: int) -> Result:
        try:
            document = yaml.load(block.text, Loader=SecretTolerantLoader)
        except yaml.YAMLError as error:
            return Result(block, False, "YAML", [f"does not parse: {error}"])
        if not (isinstance(document, dict) and set(document) & BRIDGE_KEYS):
            return Result(block, True, "YAML (not bridge.yaml: parsed)")
        folder = os.path.join(self.work, f".readme-yaml-{index}")
        os.makedirs(folder)
        text = block.text
        if "instances" not in document:
            text += "\ninstances:\n  - project_id: readme\n    url: http://127.0.0.1:8080/v1\n    api_key_env: README_TEST_KEY\n"
        env = dict(self.env, README_TEST_KEY="readme-test-secret-0123456789", CREDENTIALS_DIRECTORY=folder)
        problems = []
        # Each stand-in secret differs: two tokens may not share one.
        for number, (key, value) in enumerate(walk(yaml.safe_load(text))):
            secret = f"readme-test-secret-{number}-0123456789"
            if key in ("session_file", "session_env"):
                # A Realtime session names its user: base64 of {"id","secret"}, as Appwrite makes it.
                secret = base64.b64encode(json.dumps({"id": "readme-user", "secret": secret}).encode()).decode()
            if key.endswith("_env") and isinstance(value, str):
                env[value] = secret
            elif key.endswith("_file") and isinstance(value, str):
                if os.path.isabs(value):
                    if not os.path.exists(value):
                        problems.append(f"{key}: {value} does not exist here; use a path next to bridge.yaml or a credential name")
                    continue
                path = os.path.join(folder, value)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as file:
                    file.write("Authorization: Bearer readme-test\n" if key == "headers_file" else secret + "\n")
        path = os.path.join(folder, "bridge.yaml")
        with open(path, "w") as file:
            file.write(text)
        checked = subprocess.run(
            [os.path.join(self.bin_path, "appwrite-bridge"), "check", "--offline", "--config", path],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )
        if checked.returncode != 0:
            problems.append(f"appwrite-bridge check --offline exited {checked.returncode}:\n{checked.stdout}")
        return Result(block, not problems, "bridge.yaml snippet, loaded by appwrite-bridge check --offline", problems)


class SecretTolerantLoader(yaml.SafeLoader):
    """Home Assistant's YAML: `!secret name`, `!include file` and friends are plain tags to us."""


SecretTolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)


def walk(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def tail(path: str) -> str:
    with open(path, errors="replace") as file:
        return "log:\n" + file.read()[-3000:]


def scratch_checkout(root: str, bin_path: str) -> str:
    work = tempfile.mkdtemp(prefix="appwrite-bridge-readme.")
    for name in ("README.md", "bridge.yaml"):
        shutil.copy(os.path.join(root, name), work)
    shutil.copytree(os.path.join(root, "examples"), os.path.join(work, "examples"))
    os.makedirs(os.path.join(work, ".build"))
    os.symlink(os.path.abspath(bin_path), os.path.join(work, ".build", "debug"))
    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-path", required=True)
    parser.add_argument("--readme", default="README.md")
    arguments = parser.parse_args()
    root = os.path.dirname(os.path.abspath(arguments.readme))
    with open(arguments.readme) as file:
        blocks = parse_blocks(file.read())

    work = scratch_checkout(root, arguments.bin_path)
    runner = Runner(arguments.readme, arguments.bin_path, work)
    results: list[Result] = []
    skipped: list[Block] = []
    try:
        for index, block in enumerate(blocks):
            if block.is_answer:
                continue
            if block.marker in ("skip", "systemd-install"):
                skipped.append(block)
                continue
            if block.lang in RUNNABLE:
                result = runner.start_background(block) if block.marker == "background" else runner.run(block)
            elif block.lang == "yaml":
                result = runner.check_yaml(block, index)
            else:
                continue  # illustrations: the CLI synopsis, the source tree, a sample event
            results.append(result)
            print(f"{'ok  ' if result.ok else 'FAIL'} README.md:{block.line} ({block.section}): {result.what}", flush=True)
            for line in result.detail:
                print("      " + line.replace("\n", "\n      "))
        # The example files the README links to are checked the same way: bridge.*.yaml loaded by
        # check, the simulator's and Home Assistant's parsed.
        for name in sorted(os.listdir(os.path.join(root, "examples"))):
            if not name.endswith(".yaml"):
                continue
            with open(os.path.join(root, "examples", name)) as file:
                block = Block(line=0, lang="yaml", text=file.read(), section=f"examples/{name}")
            result = runner.check_yaml(block, len(blocks) + len(results))
            results.append(result)
            print(f"{'ok  ' if result.ok else 'FAIL'} examples/{name}: {result.what}", flush=True)
            for line in result.detail:
                print("      " + line.replace("\n", "\n      "))
    finally:
        for result in runner.stop_background():
            results.append(result)
            print(f"{'ok  ' if result.ok else 'FAIL'} README.md:{result.block.line} ({result.block.section}): {result.what}")
            for line in result.detail:
                print("      " + line.replace("\n", "\n      "))
        shutil.rmtree(work, ignore_errors=True)

    for block in skipped:
        reason = block.marker_arg or "Tests/systemd/run runs it"
        print(f"skip README.md:{block.line} ({block.section}): {reason}")
    failed = [result for result in results if not result.ok]
    run = len({id(result.block) for result in results if result.block.lang in RUNNABLE})
    answers = len({id(result.block) for result in results if result.block.answer is not None})
    yamls = sum(1 for result in results if result.block.lang == "yaml" and result.block.line)
    files = sum(1 for result in results if not result.block.line)
    bridge_yamls = sum(1 for result in results if result.block.lang == "yaml" and result.block.line and "check" in result.what)
    background = sum(1 for block in blocks if block.marker == "background")
    print(
        f"README examples: {run} blocks run ({background} in the background), {answers} answers compared, "
        f"{yamls} YAML blocks checked ({bridge_yamls} bridge.yaml snippets loaded by appwrite-bridge check, "
        f"the others parsed), {files} example files checked, {len(skipped)} marked skip; {len(results) - len(failed)} passed, {len(failed)} failed"
    )
    if len(skipped) > MAX_SKIPPED:
        print(f"FAIL: {len(skipped)} blocks are marked skip, more than {MAX_SKIPPED}: make them run against the demo")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
