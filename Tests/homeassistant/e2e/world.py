"""Processes for the end-to-end tests: Appwrite simulators, bridges and a real Home Assistant.

Everything listens on 127.0.0.1; every wait polls a condition over HTTP with a deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

REPO = Path(os.environ.get("APPWRITE_BRIDGE_REPO", Path(__file__).resolve().parents[3]))


class WaitTimeout(AssertionError):
    pass


def wait_until(what: str, condition: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """Polls `condition` until it returns something truthy; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except (OSError, ValueError, KeyError, urllib.error.URLError) as error:
            last_error = error
        if time.monotonic() > deadline:
            raise WaitTimeout(
                f"{what}: not within {timeout} s" + (f" (last error: {last_error})" if last_error else "")
            )
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class HTTPAnswer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    timeout: float = 60,
) -> HTTPAnswer:
    data: bytes | None = None
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HTTPAnswer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return HTTPAnswer(error.code, error.read(), dict(error.headers))


@dataclass
class Managed:
    """One child process, its log file, and how to stop it."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Simulator:
    managed: Managed
    url: str  # http://127.0.0.1:N/v1

    def requests(self) -> list[dict[str, Any]]:
        return http("GET", self.url.removesuffix("/v1") + "/_simulator/requests").json()

    def executions_created(self) -> list[dict[str, Any]]:
        # Not the bridge's own scope probe (a POST to a function ID Appwrite refuses), which the
        # periodic instance check may send at any moment of a test.
        return [
            request
            for request in self.requests()
            if request["method"] == "POST"
            and re.fullmatch(r"/v1/functions/[^/]+/executions", request["path"])
            and not request["path"].startswith("/v1/functions/_bridge_scope_probe/")
        ]


@dataclass
class Bridge:
    managed: Managed
    url: str
    config: Path
    token: str | None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str) -> HTTPAnswer:
        return http("GET", self.url + path, headers=self.headers())

    def event_listeners(self) -> int:
        """appwrite_bridge_event_listeners from /metrics: how many /api/events streams are open."""
        metrics = http("GET", self.url + "/metrics", timeout=5).body.decode()
        match = re.search(r"^appwrite_bridge_event_listeners(?:\{[^}]*\})? (\d+)", metrics, re.MULTILINE)
        return int(match.group(1)) if match else 0

    def reload(self) -> dict[str, Any]:
        answer = http("POST", self.url + "/api/reload", headers=self.headers())
        assert answer.status == 200, answer.body
        return answer.json()


@dataclass
class World:
    bin_path: Path
    root: Path
    processes: list[Managed] = field(default_factory=list)

    def _start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Managed:
        log = self.root / f"{name}.log"
        handle = log.open("wb")
        process = subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        handle.close()
        managed = Managed(name, process, log)
        self.processes.append(managed)
        return managed

    def stop_all(self) -> None:
        for managed in reversed(self.processes):
            managed.stop()

    def start_simulator(self, name: str, config: str) -> Simulator:
        path = self.root / f"{name}.yaml"
        path.write_text(config)
        managed = self._start(name, [str(self.bin_path / "appwrite-simulator"), "--config", str(path), "--port", "0"])
        match = wait_until(
            f"{name} listening",
            lambda: (
                managed.process.poll() is None
                and re.search(r"listening on (http://127\.0\.0\.1:\d+/v1)", managed.log_text())
            ),
            timeout=30,
        )
        return Simulator(managed, match.group(1))

    def write_bridge_config(self, path: Path, port: int, token: str | None, instances: list[dict[str, Any]]) -> None:
        lines = [f"listen: 127.0.0.1:{port}", f"state_dir: {path.parent / (path.stem + '-state')}"]
        if token:
            token_file = path.parent / f"{path.stem}.token"
            token_file.write_text(token + "\n")
            lines += ["auth:", "  tokens:", "    - name: home-assistant", f"      token_file: {token_file}"]
        lines.append("instances:")
        for instance in instances:
            key_file = path.parent / f"{path.stem}-{instance['project_id']}.key"
            key_file.write_text(instance["key"] + "\n")
            lines += [
                f'  - project_id: "{instance["project_id"]}"',
                f"    name: {instance['name']}",
                f"    url: {instance['url']}",
                f"    api_key_file: {key_file}",
                "    timeout_seconds: 10",
            ]
            lines += [f"    {line}" for line in instance.get("extra", [])]
        path.write_text("\n".join(lines) + "\n")

    def start_bridge(self, name: str, token: str | None, instances: list[dict[str, Any]]) -> Bridge:
        port = free_port()
        config = self.root / f"{name}.yaml"
        self.write_bridge_config(config, port, token, instances)
        return self._serve(name, config, f"http://127.0.0.1:{port}", token)

    def restart_bridge(self, bridge: Bridge) -> None:
        """Stops the bridge and starts it again on the same configuration, port and state_dir."""
        bridge.managed.stop()
        bridge.managed = self._serve(
            bridge.managed.name + "-restarted", bridge.config, bridge.url, bridge.token
        ).managed

    def _serve(self, name: str, config: Path, url: str, token: str | None) -> Bridge:
        # Healthy instances are re-checked every second, so a stopped Appwrite shows at once.
        managed = self._start(
            name, [str(self.bin_path / "appwrite-bridge"), "serve", "--config", str(config), "--recheck-seconds", "1"]
        )
        bridge = Bridge(managed, url, config, token)
        wait_until(
            f"{name} ready",
            lambda: managed.process.poll() is None and http("GET", bridge.url + "/healthz", timeout=2).status == 200,
            timeout=30,
        )
        return bridge

    def start_home_assistant(self, python: Path, configuration: str) -> HomeAssistant:
        config_dir = self.root / "ha-config"
        (config_dir / "custom_components").mkdir(parents=True)
        shutil.copytree(REPO / "custom_components" / "appwrite", config_dir / "custom_components" / "appwrite")
        port = free_port()
        (config_dir / "configuration.yaml").write_text(configuration.replace("@PORT@", str(port)))
        hass_script = python.parent / "hass"
        started = time.monotonic()
        managed = self._start("hass", [str(hass_script), "-c", str(config_dir), "--skip-pip"])
        ha = HomeAssistant(managed, f"http://127.0.0.1:{port}", config_dir)
        wait_until(
            "Home Assistant answering /api/onboarding",
            lambda: managed.process.poll() is None and http("GET", ha.url + "/api/onboarding", timeout=2).status == 200,
            timeout=120,
            interval=0.25,
        )
        ha.start_seconds = time.monotonic() - started
        ha.onboard()
        return ha

    def restart_home_assistant(self, ha: HomeAssistant, python: Path) -> None:
        """Stops Home Assistant and starts it again on the same configuration (the user and token stay)."""
        ha.managed.stop()
        hass_script = python.parent / "hass"
        ha.managed = self._start("hass-restarted", [str(hass_script), "-c", str(ha.config_dir), "--skip-pip"])
        wait_until(
            "Home Assistant answering /api/ again",
            lambda: ha.managed.process.poll() is None and ha.get("/api/").status == 200,
            timeout=120,
            interval=0.25,
        )


@dataclass
class HomeAssistant:
    managed: Managed
    url: str
    config_dir: Path
    access_token: str = ""
    start_seconds: float = 0

    def onboard(self) -> None:
        client_id = self.url + "/"
        answer = http(
            "POST",
            self.url + "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": "Test",
                "username": "test",
                "password": "test-password-1",
                "language": "en",
            },
        )
        assert answer.status == 200, answer.body
        code = answer.json()["auth_code"]
        answer = http(
            "POST",
            self.url + "/auth/token",
            form={"grant_type": "authorization_code", "code": code, "client_id": client_id},
        )
        assert answer.status == 200, answer.body
        self.access_token = answer.json()["access_token"]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def get(self, path: str) -> HTTPAnswer:
        return http("GET", self.url + path, headers=self.headers())

    def post(self, path: str, body: Any = None) -> HTTPAnswer:
        return http("POST", self.url + path, body if body is not None else {}, headers=self.headers())

    def delete(self, path: str) -> HTTPAnswer:
        return http("DELETE", self.url + path, headers=self.headers())

    def appwrite_actions(self) -> dict[str, Any]:
        for domain in self.get("/api/services").json():
            if domain["domain"] == "appwrite":
                return domain["services"]
        return {}

    def state(self, entity_id: str) -> dict[str, Any] | None:
        answer = self.get(f"/api/states/{entity_id}")
        return answer.json() if answer.status == 200 else None

    def states(self) -> list[dict[str, Any]]:
        return self.get("/api/states").json()

    def flow(self, url: str, token: str) -> dict[str, Any]:
        """A config flow through Home Assistant's REST API, as the frontend runs it."""
        answer = self.post("/api/config/config_entries/flow", {"handler": "appwrite", "show_advanced_options": False})
        assert answer.status == 200, answer.body
        form = answer.json()
        assert form["type"] == "form" and form["step_id"] == "user", form
        answer = self.post(f"/api/config/config_entries/flow/{form['flow_id']}", {"url": url, "token": token})
        assert answer.status == 200, answer.body
        result = answer.json()
        if result["type"] == "form":
            self.delete(f"/api/config/config_entries/flow/{form['flow_id']}")
        return result


def python_executable() -> Path:
    return Path(sys.executable)
