"""One world for the end-to-end tests: two simulators, two bridges and a real Home Assistant.

The tests in test_end_to_end.py run in file order against it, as a user's session would.
"""

from __future__ import annotations

from collections.abc import Generator
import os
from pathlib import Path
import secrets

import pytest

from .world import Bridge, HomeAssistant, Simulator, World, python_executable

KEY_A = "e2e-key-a-0123456789abcdef"
KEY_B = "e2e-key-b-0123456789abcdef"

SIMULATOR_A = f"""
version: 1.9.6
sync_timeout_seconds: 30
projects:
  - id: "1234560"
    keys:
      - secret: {KEY_A}
        scopes: [executions.write, executions.read]
    functions:
      - id: send_notification
      - id: slow_job
        sleep_seconds: 2
  - id: "0987654"
    keys:
      - secret: {KEY_A}
        scopes: [executions.write, executions.read]
    functions:
      - id: process_image
  - id: forms01
    keys:
      - secret: {KEY_A}
        scopes: [executions.write, executions.read, messages.write, files.write, files.read]
    functions:
      - id: send_notification
      - id: slow_job
        sleep_seconds: 1
    targets:
      - id: tablet
        type: push
      - id: inbox
        type: email
      - id: phone
        type: sms
    buckets:
      - id: snapshots
  - id: other77
    keys:
      - secret: {KEY_A}
        scopes: [executions.write, executions.read]
    functions:
      - id: send_notification
"""

SIMULATOR_B = f"""
version: 1.9.6
projects:
  - id: garage42
    keys:
      - secret: {KEY_B}
        scopes: [executions.write, executions.read]
    functions:
      - id: open_gate
"""

CONFIGURATION = """
homeassistant:
  name: Appwrite end-to-end
  time_zone: UTC
http:
  server_host: 127.0.0.1
  server_port: @PORT@
logger:
  default: info
  logs:
    custom_components.appwrite: debug
diagnostics:
input_text:
  appwrite_last_execution:
    name: Last Appwrite execution
    max: 255
  appwrite_last_command:
    name: Last Appwrite command
    max: 255
automation:
  - id: appwrite_execution_finished
    alias: Appwrite execution finished
    triggers:
      - trigger: event
        event_type: appwrite_execution
        event_data:
          status: completed
    actions:
      - action: input_text.set_value
        target:
          entity_id: input_text.appwrite_last_execution
        data:
          value: "{{ trigger.event.data.execution_id }} {{ trigger.event.data.function_id }} {{ trigger.event.data.status }}"
  # README "Realtime": a document an app writes into `commands` makes the home act.
  - id: appwrite_command_created
    alias: Appwrite command created
    triggers:
      - trigger: event
        event_type: appwrite_realtime
        event_data:
          subscription: commands
          action: create
    actions:
      - action: input_text.set_value
        target:
          entity_id: input_text.appwrite_last_command
        data:
          value: "{{ trigger.event.data.payload['$id'] }} {{ trigger.event.data.payload.command }} {{ trigger.event.data.catch_up }}"
"""


class Setup:
    def __init__(
        self,
        world: World,
        simulator_a: Simulator,
        simulator_b: Simulator,
        bridge: Bridge,
        second: Bridge,
        ha: HomeAssistant,
    ) -> None:
        self.world = world
        self.simulator_a = simulator_a
        self.simulator_b = simulator_b
        self.bridge = bridge
        self.second = second
        self.ha = ha
        self.entries: dict[str, str] = {}

    def instances(self, with_garage: bool = False) -> list[dict[str, str]]:
        instances = [
            {"project_id": "1234560", "name": "Motion", "url": self.simulator_a.url, "key": KEY_A},
            {"project_id": "0987654", "name": "Images", "url": self.simulator_a.url, "key": KEY_A},
        ]
        if with_garage:
            instances.append({"project_id": "garage42", "name": "Garage", "url": self.simulator_b.url, "key": KEY_B})
        return instances


@pytest.fixture(scope="session")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Generator[Setup]:
    bin_path = Path(os.environ["APPWRITE_BRIDGE_BIN_PATH"])
    for binary in ("appwrite-bridge", "appwrite-simulator"):
        assert (bin_path / binary).exists(), f"{bin_path / binary} is missing: build first (swift build)"
    world = World(bin_path, tmp_path_factory.mktemp("world"))
    try:
        simulator_a = world.start_simulator("simulator-a", SIMULATOR_A)
        simulator_b = world.start_simulator("simulator-b", SIMULATOR_B)
        placeholder = Setup(world, simulator_a, simulator_b, None, None, None)  # type: ignore[arg-type]
        bridge = world.start_bridge("bridge", secrets.token_urlsafe(24), placeholder.instances())
        second = world.start_bridge(
            "second-bridge", None, [{"project_id": "other77", "name": "Other", "url": simulator_a.url, "key": KEY_A}]
        )
        ha = world.start_home_assistant(python_executable(), CONFIGURATION)
        print(f"\nHome Assistant answered after {ha.start_seconds:.1f} s")
        yield Setup(world, simulator_a, simulator_b, bridge, second, ha)
    finally:
        world.stop_all()
        if os.environ.get("APPWRITE_BRIDGE_KEEP_LOGS"):
            print(f"logs kept in {world.root}")
