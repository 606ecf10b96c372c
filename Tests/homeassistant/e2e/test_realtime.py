"""Appwrite Realtime into a real Home Assistant: a document written in the simulator reaches the
bridge over its Realtime WebSocket, goes out on /api/events, fires `appwrite_realtime`, and an
automation runs; the Realtime connection's state (connected, unauthorized, misconfigured) shows in
Home Assistant; no session secret shows anywhere.

The bridge holds a session of a dedicated Appwrite user (minted here as `appwrite-bridge
realtime-session` does: POST /v1/users/{userId}/sessions with a key holding sessions.write).
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
import json
from pathlib import Path
import secrets
import time
from typing import Any

import pytest

from .conftest import Setup
from .websocket import EventCollector
from .world import Bridge, Simulator, WaitTimeout, World, http, wait_until

KEY = "e2e-key-realtime-0123456789abcdef"
USER = "ha-bridge"

SIMULATOR = f"""
version: 1.9.6
# /_simulator/realtime/drop and /refuse, to cut the bridge's Realtime connection.
test_controls: true
projects:
  - id: gate0001
    keys:
      - secret: {KEY}
        scopes: [executions.write, executions.read, documents.read, documents.write, sessions.write]
    functions: []
    users:
      - id: {USER}
        name: Home Assistant bridge
        labels: [bridge]
    databases:
      - id: home
        collections:
          - id: commands
            permissions: ['read("label:bridge")']
          # The bridge's user may not read this one.
          - id: secrets
            permissions: ['read("label:admin")']
  - id: wrong001
    keys:
      - secret: {KEY}
        scopes: [executions.write, executions.read, sessions.write]
    functions: []
    users:
      - id: {USER}
        name: Home Assistant bridge
        labels: [bridge]
"""

COMMANDS_CHANNEL = "databases.home.collections.commands.documents"


@dataclass
class RealtimeWorld:
    simulator: Simulator
    bridge: Bridge
    session: str
    forged_session: str
    entry_id: str
    events: EventCollector

    def create_document(self, collection: str, data: dict[str, Any]) -> dict[str, Any]:
        answer = http(
            "POST",
            f"{self.simulator.url}/databases/home/collections/{collection}/documents",
            {"documentId": "unique()", "data": data},
            headers={"X-Appwrite-Project": "gate0001", "X-Appwrite-Key": KEY},
        )
        assert answer.status == 201, answer.body
        return answer.json()

    def control(self, path: str) -> dict[str, Any]:
        answer = http("POST", self.simulator.url.removesuffix("/v1") + "/_simulator/realtime/" + path)
        assert answer.status == 200, answer.body
        return answer.json()

    def await_event(self, subscription: str, document_id: str) -> None:
        """Waits until the document's appwrite_realtime has been read off this process's WebSocket:
        the automation's state can show over REST before that subscription delivers the event."""
        seen = self.events.wait_for(
            lambda event: event["data"].get("subscription") == subscription
            and event["data"].get("payload", {}).get("$id") == document_id,
            timeout=30,
        )
        assert seen is not None, f"no appwrite_realtime for {document_id} on {subscription} within 30 s"

    def realtime_events(self, subscription: str | None = None) -> list[dict[str, Any]]:
        return [
            event
            for event in self.events.events
            if subscription is None or event["data"].get("subscription") == subscription
        ]


def mint_session(simulator: Simulator, project_id: str) -> str:
    """The session secret for X-Appwrite-Session, as `appwrite-bridge realtime-session` gets it."""
    answer = http(
        "POST",
        f"{simulator.url}/users/{USER}/sessions",
        {},
        headers={"X-Appwrite-Project": project_id, "X-Appwrite-Key": KEY},
    )
    assert answer.status == 201, answer.body
    secret = answer.json()["secret"]
    assert secret, "the simulator answered a session without its secret"
    return secret


def secret_file(path: Path, value: str) -> Path:
    path.write_text(value + "\n")
    path.chmod(0o600)
    return path


def gate_instance(world: World, simulator: Simulator, session: str, *more_subscriptions: str) -> dict[str, Any]:
    """The gate0001 instance on `simulator`, its session in a file, subscribed to `commands` and
    then to `more_subscriptions` (bridge.yaml lines)."""
    return {
        "project_id": "gate0001",
        "name": "Gate",
        "url": simulator.url,
        "key": KEY,
        "extra": [
            "realtime:",
            f"  session_file: {secret_file(world.root / 'gate0001.session', session)}",
            "  subscriptions:",
            "    - name: commands",
            f"      channels: [{COMMANDS_CHANNEL}]",
            *more_subscriptions,
        ],
    }


def start_realtime_bridge(setup: Setup, instances: list[dict[str, Any]]) -> Bridge:
    """The bridge, or a skip when this build of it has no Realtime yet (issue 23's Swift side)."""
    name = "realtime-bridge"
    try:
        bridge = setup.world.start_bridge(name, secrets.token_urlsafe(24), instances)
    except WaitTimeout:
        log = (setup.world.root / f"{name}.log").read_text(errors="replace")
        if "unknown key 'realtime'" in log:
            pytest.skip("this appwrite-bridge has no Realtime: bridge.yaml's `realtime:` is an unknown key")
        raise
    documents = bridge.get("/api/instances").json()
    if any("realtime" not in document for document in documents):
        pytest.skip("this appwrite-bridge has no Realtime: its instance documents have no `realtime` key")
    return bridge


@pytest.fixture(scope="module")
def realtime(setup: Setup) -> Generator[RealtimeWorld]:
    world = setup.world
    simulator = world.start_simulator("simulator-realtime", SIMULATOR)
    session = mint_session(simulator, "gate0001")
    # A session of the right shape for a user that exists, with a secret Appwrite never issued:
    # Appwrite connects it as a guest, silently.
    forged = base64.b64encode(json.dumps({"id": USER, "secret": "0" * 64}).encode()).decode()
    mint_session(simulator, "wrong001")  # the user has a session; just not this one
    instances = [
        gate_instance(
            world,
            simulator,
            session,
            # Every document channel of the project: the bridge user still receives only what
            # it may read.
            "    - name: all_documents",
            "      channels: [documents]",
        ),
        {
            "project_id": "wrong001",
            "name": "Wrong session",
            "url": simulator.url,
            "key": KEY,
            "extra": [
                "realtime:",
                f"  session_file: {secret_file(world.root / 'wrong001.session', forged)}",
                "  subscriptions:",
                "    - name: commands",
                f"      channels: [{COMMANDS_CHANNEL}]",
            ],
        },
        {
            # A project this Appwrite does not have: Realtime closes with 1008.
            "project_id": "missing01",
            "name": "Nowhere",
            "url": simulator.url,
            "key": KEY,
            "extra": [
                "realtime:",
                "  guest: true",
                "  subscriptions:",
                "    - name: commands",
                f"      channels: [{COMMANDS_CHANNEL}]",
            ],
        },
    ]
    bridge = start_realtime_bridge(setup, instances)
    events = EventCollector(setup.ha.url, setup.ha.access_token, "appwrite_realtime")
    try:
        result = setup.ha.flow(bridge.url, bridge.token)
        assert result["type"] == "create_entry", result
        yield RealtimeWorld(simulator, bridge, session, forged, result["result"]["entry_id"], events)
    finally:
        events.close()


def state_of(setup: Setup, entity_id: str) -> dict[str, Any]:
    return setup.ha.state(entity_id) or {"state": None, "attributes": {}}


def test_realtime_entities_in_home_assistant(setup: Setup, realtime: RealtimeWorld) -> None:
    connected = wait_until(
        "binary_sensor.gate_realtime on",
        lambda: (state := state_of(setup, "binary_sensor.gate_realtime"))["state"] == "on" and state,
        timeout=30,
    )
    assert connected["attributes"]["device_class"] == "connectivity"
    assert connected["attributes"]["state"] == "connected"
    assert connected["attributes"]["reason"] is None
    for subscription in ("commands", "all_documents"):
        entity = state_of(setup, f"event.gate_realtime_{subscription}")
        assert entity["state"] == "unknown", entity
        assert entity["attributes"]["event_types"] == ["create", "update", "upsert", "delete"]


def test_automation_runs_when_a_document_is_created(setup: Setup, realtime: RealtimeWorld) -> None:
    wait_until(
        "binary_sensor.gate_realtime on",
        lambda: state_of(setup, "binary_sensor.gate_realtime")["state"] == "on",
        timeout=30,
    )
    created_at = time.time()
    document = realtime.create_document("commands", {"command": "open_gate"})
    document_id = document["$id"]
    wait_until(
        "the automation triggered by appwrite_realtime",
        lambda: state_of(setup, "input_text.appwrite_last_command")["state"] == f"{document_id} open_gate False",
        timeout=30,
    )
    realtime.await_event("commands", document_id)
    fired = [
        event["data"]
        for event in realtime.realtime_events("commands")
        if event["data"].get("payload", {}).get("$id") == document_id
    ]
    assert len(fired) == 1, fired
    event = fired[0]
    assert event["project_id"] == "gate0001"
    assert event["action"] == "create"
    assert event["catch_up"] is False and event["truncated"] is False
    assert event["events"][0] == f"databases.home.collections.commands.documents.{document_id}.create"
    assert COMMANDS_CHANNEL in event["channels"]
    assert event["payload"]["command"] == "open_gate"
    assert event["payload"]["$collectionId"] == "commands" and event["payload"]["$databaseId"] == "home"
    assert event["resource"] == {
        "type": "document",
        "id": document_id,
        "database_id": "home",
        "collection_id": "commands",
    }
    assert event["config_entry_id"] == realtime.entry_id
    assert event["device_id"]
    time_fired = [
        datetime.fromisoformat(e["time_fired"]).timestamp()
        for e in realtime.realtime_events("commands")
        if e["data"]["payload"].get("$id") == document_id
    ][0]
    print(f"\ndocument create to appwrite_realtime in Home Assistant: {(time_fired - created_at) * 1000:.0f} ms")

    entity = state_of(setup, "event.gate_realtime_commands")
    assert entity["attributes"]["event_type"] == "create"
    assert entity["attributes"]["id"] == document_id
    assert entity["attributes"]["collection_id"] == "commands"
    assert entity["attributes"]["database_id"] == "home"
    assert entity["attributes"]["catch_up"] is False


def test_a_document_the_bridge_user_may_not_read_never_arrives(setup: Setup, realtime: RealtimeWorld) -> None:
    hidden = realtime.create_document("secrets", {"pin": "1234"})
    # One socket delivers in order: once the document written after it is in, the hidden one
    # would have been too.
    marker = realtime.create_document("commands", {"command": "marker"})
    wait_until(
        "the marker document on all_documents",
        lambda: any(
            event["data"]["payload"].get("$id") == marker["$id"] for event in realtime.realtime_events("all_documents")
        ),
        timeout=30,
    )
    assert not [event for event in realtime.realtime_events() if event["data"]["payload"].get("$id") == hidden["$id"]]
    assert state_of(setup, "event.gate_realtime_all_documents")["attributes"]["id"] == marker["$id"]


def test_a_wrong_session_and_a_1008_show_in_home_assistant(setup: Setup, realtime: RealtimeWorld) -> None:
    refused = wait_until(
        "binary_sensor.wrong_session_realtime says unauthorized",
        lambda: (state := state_of(setup, "binary_sensor.wrong_session_realtime"))["attributes"].get("state")
        == "unauthorized"
        and state,
        timeout=30,
    )
    assert refused["state"] == "off"
    assert refused["attributes"]["reason"]
    misconfigured = wait_until(
        "binary_sensor.nowhere_realtime says misconfigured",
        lambda: (state := state_of(setup, "binary_sensor.nowhere_realtime"))["attributes"].get("state")
        == "misconfigured"
        and state,
        timeout=30,
    )
    assert misconfigured["state"] == "off"
    assert misconfigured["attributes"]["reason"]
    # The other instance of the same bridge keeps its connection.
    assert state_of(setup, "binary_sensor.gate_realtime")["state"] == "on"


def test_a_document_written_while_disconnected_arrives_once_marked_catch_up(
    setup: Setup, realtime: RealtimeWorld
) -> None:
    wait_until(
        "binary_sensor.gate_realtime on",
        lambda: state_of(setup, "binary_sensor.gate_realtime")["state"] == "on",
        timeout=30,
    )
    reconnects = state_of(setup, "binary_sensor.gate_realtime")["attributes"]["reconnects"]
    gaps = EventCollector(setup.ha.url, setup.ha.access_token, "appwrite_realtime_gap")
    try:
        # Appwrite goes away for a moment: the connections close and reconnects are refused
        # for 2 s, so this document is written while the bridge has no socket.
        realtime.control("refuse?seconds=2")
        assert realtime.control("drop")["dropped"] >= 1
        document = realtime.create_document("commands", {"command": "open_gate"})
        document_id = document["$id"]
        wait_until(
            "the automation, for the document caught up after the reconnect",
            lambda: state_of(setup, "input_text.appwrite_last_command")["state"] == f"{document_id} open_gate True",
            timeout=60,
        )
        wait_until(
            "an appwrite_realtime_gap per subscription of the instance",
            lambda: {event["data"]["subscription"] for event in gaps.events} >= {"commands", "all_documents"},
            timeout=30,
        )
    finally:
        gaps.close()
    realtime.await_event("commands", document_id)
    fired = [
        event["data"]
        for event in realtime.realtime_events("commands")
        if event["data"]["payload"].get("$id") == document_id
    ]
    assert len(fired) == 1, fired
    assert fired[0]["catch_up"] is True and fired[0]["action"] == "create"
    by_subscription = {event["data"]["subscription"]: event["data"] for event in gaps.events}
    # `commands` is one collection's documents: caught up. `documents` spans every collection:
    # only the gap is known.
    assert by_subscription["commands"]["caught_up"] >= 1
    assert by_subscription["all_documents"]["caught_up"] is None
    gap = by_subscription["commands"]["gap"]
    assert gap["from"] <= gap["to"]
    assert by_subscription["commands"]["config_entry_id"] == realtime.entry_id
    entity = state_of(setup, "event.gate_realtime_commands")
    assert entity["attributes"]["id"] == document_id and entity["attributes"]["catch_up"] is True
    sensor = wait_until(
        "binary_sensor.gate_realtime on again",
        lambda: (state := state_of(setup, "binary_sensor.gate_realtime"))["state"] == "on" and state,
        timeout=30,
    )
    assert sensor["attributes"]["reconnects"] > reconnects


def test_no_session_secret_in_diagnostics_states_events_or_logs(setup: Setup, realtime: RealtimeWorld) -> None:
    # The session value, and the secret inside it.
    leaks = [realtime.session, json.loads(base64.b64decode(realtime.session))["secret"], realtime.forged_session]
    answer = setup.ha.get(f"/api/diagnostics/config_entry/{realtime.entry_id}")
    assert answer.status == 200, answer.body
    assert answer.json()["data"]["instances"]["gate0001"]["realtime"]["state"] == "connected"
    places = {
        "diagnostics": answer.body.decode(),
        "states": json.dumps(setup.ha.states()),
        "appwrite_realtime events": json.dumps(realtime.events.events),
        "/api/instances": realtime.bridge.get("/api/instances").body.decode(),
        "Home Assistant's log": setup.ha.managed.log_text(),
        "the bridge's log": realtime.bridge.managed.log_text(),
    }
    log_file = setup.ha.config_dir / "home-assistant.log"
    places["home-assistant.log"] = log_file.read_text(errors="replace") if log_file.exists() else ""
    for where, text in places.items():
        for leak in leaks:
            assert leak not in text, f"a session secret in {where}"
