"""A real Home Assistant, a real bridge and the Appwrite simulator, driven over HTTP as a user would.

The tests run in file order and share one world (conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
import re
import time
from typing import Any

import pytest

from .conftest import Setup
from .websocket import EventCollector, call_service
from .world import free_port, wait_until

# The two example payloads of Home Assistant's Appwrite integration docs ("Example Payload For
# Action", home-assistant.io source/_integrations/appwrite.markdown of the never-merged
# integration), whose actions are appwrite.execute_function_<project_id>.
DOCS_BASIC = (
    "execute_function_1234560",
    {
        "function_id": "send_notification",
        "function_method": "POST",
        "function_body": '{"message": "Motion detected in garage"}',
    },
)
DOCS_ADVANCED = (
    "execute_function_0987654",
    {
        "function_id": "process_image",
        "function_body": '{"image_url": "https://example.com/image.jpg"}',
        "function_path": "?format=jpg",
        "function_headers": {"X-Custom-Header": "value"},
        "function_scheduled_at": "2025-02-15T06:38:00.000Z",
        "function_async": True,
        "function_method": "POST",
    },
)

CREATE_EXECUTION_KEYS = ["body", "async", "path", "method", "headers"]


@pytest.fixture(scope="module")
def events(setup: Setup) -> Any:
    collector = EventCollector(setup.ha.url, setup.ha.access_token, "appwrite_execution")
    yield collector
    collector.close()


def last_execution_request(setup: Setup, function_id: str) -> dict[str, Any]:
    created = [
        r for r in setup.simulator_a.executions_created() if r["path"] == f"/v1/functions/{function_id}/executions"
    ]
    assert created, f"the simulator received no createExecution for {function_id}"
    return created[-1]


def test_wrong_token_is_invalid_auth(setup: Setup) -> None:
    result = setup.ha.flow(setup.bridge.url, "not-the-token")
    assert result["type"] == "form"
    assert result["errors"] == {"base": "invalid_auth"}


def test_closed_port_is_cannot_connect(setup: Setup) -> None:
    result = setup.ha.flow(f"http://127.0.0.1:{free_port()}", "")
    assert result["errors"] == {"base": "cannot_connect"}


def test_entry_created_through_the_rest_flow(setup: Setup, events: EventCollector) -> None:
    result = setup.ha.flow(setup.bridge.url, setup.bridge.token)
    assert result["type"] == "create_entry", result
    entry = result["result"]
    assert entry["state"] == "loaded", entry
    assert entry["supports_reconfigure"] is True
    setup.entries["bridge"] = entry["entry_id"]
    actions = wait_until("the bridge's actions in Home Assistant", setup.ha.appwrite_actions, timeout=10)
    assert {"execute_function_1234560", "execute_function_0987654"} <= actions.keys()
    described = actions["execute_function_1234560"]
    assert described["fields"]["function_id"]["required"] is True
    assert described["fields"]["function_method"]["default"] == "GET"
    assert described["fields"]["function_async"]["selector"] == {"boolean": {}}
    assert described["response"] == {"optional": True}
    # The same bridge cannot be added twice.
    again = setup.ha.flow(setup.bridge.url, setup.bridge.token)
    assert again == again | {"type": "abort", "reason": "already_configured"}


def test_docs_basic_example(setup: Setup) -> None:
    action, data = DOCS_BASIC
    answer = setup.ha.post(f"/api/services/appwrite/{action}?return_response", data)
    assert answer.status == 200, answer.body
    execution = answer.json()["service_response"]
    assert execution["status"] == "completed"
    assert execution["functionId"] == "send_notification"
    request = last_execution_request(setup, "send_notification")
    assert request["headers"]["x-appwrite-project"] == "1234560"
    body = json.loads(request["body"])
    assert list(body) == CREATE_EXECUTION_KEYS
    assert body == {
        "body": '{"message": "Motion detected in garage"}',
        "async": False,
        "path": "/",
        "method": "POST",
        "headers": {},
    }


def test_docs_advanced_example(setup: Setup) -> None:
    action, data = DOCS_ADVANCED
    before = len(setup.simulator_a.executions_created())
    # Verbatim, its schedule (February 2025) has passed: the caller's mistake, named by field.
    refused = call_service(setup.ha.url, setup.ha.access_token, "appwrite", action, data)
    assert refused["success"] is False
    error = refused["error"]
    assert error["code"] == "service_validation_error"
    assert error["translation_domain"] == "appwrite"
    assert error["translation_key"] == "invalid_field"
    assert error["translation_placeholders"]["field"] == "function_scheduled_at"
    assert error["translation_placeholders"]["code"] == "invalid_payload"
    assert "function_scheduled_at" in error["message"]
    assert len(setup.simulator_a.executions_created()) == before

    # The same payload with the schedule moved into the future, in the docs' format.
    minute = (datetime.now(UTC) + timedelta(minutes=10)).replace(second=0, microsecond=0)
    scheduled = minute.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    answer = setup.ha.post(
        f"/api/services/appwrite/{action}?return_response", data | {"function_scheduled_at": scheduled}
    )
    assert answer.status == 200, answer.body
    execution = answer.json()["service_response"]
    assert execution["status"] == "scheduled"
    request = last_execution_request(setup, "process_image")
    assert request["headers"]["x-appwrite-project"] == "0987654"
    body = json.loads(request["body"])
    assert list(body) == [*CREATE_EXECUTION_KEYS, "scheduledAt"]
    # A fire-and-forget execution carries the bridge's marker, which the outbox looks for before
    # it resends one whose answer was lost.
    marker = body["headers"].pop("agent", "")
    assert re.fullmatch(r"appwrite-bridge/[0-9a-f]{20}", marker), marker
    assert body == {
        "body": '{"image_url": "https://example.com/image.jpg"}',
        "async": True,
        "path": "?format=jpg",
        "method": "POST",
        "headers": {"X-Custom-Header": "value"},
        "scheduledAt": scheduled,
    }


def test_automation_runs_when_an_async_function_completes(setup: Setup, events: EventCollector) -> None:
    answer = setup.ha.post(
        "/api/services/appwrite/execute_function_1234560?return_response",
        {"function_id": "slow_job", "function_async": True},
    )
    assert answer.status == 200, answer.body
    created = answer.json()["service_response"]
    assert created["status"] in ("waiting", "processing")
    execution_id = created["$id"]
    wait_until(
        "the automation triggered by appwrite_execution",
        lambda: (
            (setup.ha.state("input_text.appwrite_last_execution") or {}).get("state")
            == f"{execution_id} slow_job completed"
        ),
        timeout=30,
    )
    final = [
        e["data"]
        for e in events.events
        if e["data"]["execution_id"] == execution_id and e["data"]["status"] == "completed"
    ]
    assert len(final) == 1, events.events
    event = final[0]
    assert event["project_id"] == "1234560"
    assert event["function_id"] == "slow_job"
    assert event["response_status_code"] == 200
    assert event["trigger"] == "http"
    assert event["duration"] > 0
    assert f"functions.slow_job.executions.{execution_id}.update" in event["events"]


def test_entities_per_instance(setup: Setup) -> None:
    state = wait_until(
        "binary_sensor.motion_connectivity", lambda: setup.ha.state("binary_sensor.motion_connectivity"), timeout=10
    )
    assert state["state"] == "on"
    assert state["attributes"]["device_class"] == "connectivity"
    # The check's details are diagnostic entities of their own, not attributes of this one.
    assert "state" not in state["attributes"] and "checked_at" not in state["attributes"]
    assert setup.ha.state("sensor.motion_check_result")["state"] == "ok"
    assert setup.ha.state("binary_sensor.motion_executions_readable")["state"] == "on"
    assert setup.ha.state("sensor.motion_pending_outbox_items")["state"] == "0"
    assert setup.ha.state("event.motion_execution") is not None


def test_bridge_reload_adds_its_action_and_entities(setup: Setup) -> None:
    setup.world.write_bridge_config(
        setup.bridge.config,
        int(setup.bridge.url.rsplit(":", 1)[1]),
        setup.bridge.token,
        setup.instances(with_garage=True),
    )
    started = time.monotonic()
    outcome = setup.bridge.reload()
    assert outcome["reloaded"] is True and outcome["added"] == ["garage42"], outcome
    wait_until(
        "appwrite.execute_function_garage42 in Home Assistant",
        lambda: "execute_function_garage42" in setup.ha.appwrite_actions(),
        timeout=5,
    )
    print(f"\naction added {time.monotonic() - started:.2f} s after the reload")
    answer = setup.ha.post(
        "/api/services/appwrite/execute_function_garage42?return_response", {"function_id": "open_gate"}
    )
    assert answer.status == 200, answer.body
    assert answer.json()["service_response"]["status"] == "completed"
    wait_until(
        "binary_sensor.garage_connectivity on",
        lambda: (setup.ha.state("binary_sensor.garage_connectivity") or {}).get("state") == "on",
        timeout=15,
    )


def test_connectivity_turns_off_when_appwrite_stops(setup: Setup) -> None:
    setup.simulator_b.managed.stop()
    wait_until(
        "binary_sensor.garage_connectivity off",
        lambda: (setup.ha.state("binary_sensor.garage_connectivity") or {}).get("state") == "off",
        timeout=20,
    )
    assert setup.ha.state("sensor.garage_check_result")["state"] == "unreachable"
    # The other instances of the same bridge are not affected.
    assert setup.ha.state("binary_sensor.motion_connectivity")["state"] == "on"


def run_async_job_until_the_automation_ran(setup: Setup) -> str:
    answer = setup.ha.post(
        "/api/services/appwrite/execute_function_1234560?return_response",
        {"function_id": "slow_job", "function_async": True},
    )
    assert answer.status == 200, answer.body
    created = answer.json()["service_response"]
    assert created["status"] in ("waiting", "processing")
    execution_id = created["$id"]
    wait_until(
        "the automation triggered by appwrite_execution",
        lambda: (
            (setup.ha.state("input_text.appwrite_last_execution") or {}).get("state")
            == f"{execution_id} slow_job completed"
        ),
        timeout=30,
    )
    return execution_id


def test_events_resume_after_a_bridge_restart(setup: Setup, events: EventCollector) -> None:
    before = setup.bridge.get("/api/").json()["bridge_id"]
    setup.world.restart_bridge(setup.bridge)
    # The same state_dir: the same bridge, so the entry stays (no wrong_bridge).
    assert setup.bridge.get("/api/").json()["bridge_id"] == before
    # The integration reconnects by itself (backoff), told to resync because its last event ID
    # belongs to the previous process; then events flow again, each exactly once. (The bridge
    # follows an asynchronous execution only while someone listens: wait for the listener.)
    wait_until(
        "Home Assistant listening to the restarted bridge", lambda: setup.bridge.event_listeners() >= 1, timeout=20
    )
    execution_id = run_async_job_until_the_automation_ran(setup)
    completed = [
        event
        for event in events.events
        if event["data"]["execution_id"] == execution_id and event["data"]["status"] == "completed"
    ]
    assert len(completed) == 1, completed
    assert "execute_function_garage42" in setup.ha.appwrite_actions()


def test_no_token_in_diagnostics_log_or_events(setup: Setup, events: EventCollector) -> None:
    token = setup.bridge.token
    answer = setup.ha.get(f"/api/diagnostics/config_entry/{setup.entries['bridge']}")
    assert answer.status == 200, answer.body
    diagnostics = answer.json()
    assert diagnostics["data"]["entry"]["data"]["token"] == "**REDACTED**"
    # The entry is keyed by the bridge's identity.
    assert diagnostics["data"]["entry"]["unique_id"] == setup.bridge.get("/api/").json()["bridge_id"]
    assert token not in answer.body.decode()
    assert events.events, "no appwrite_execution event was seen"
    assert token not in json.dumps(events.events)
    assert token not in setup.ha.managed.log_text()
    log_file = setup.ha.config_dir / "home-assistant.log"
    assert token not in (log_file.read_text(errors="replace") if log_file.exists() else "")


def test_unloading_one_entry_keeps_the_others_actions(setup: Setup) -> None:
    result = setup.ha.flow(setup.second.url, "")
    assert result["type"] == "create_entry", result
    wait_until(
        "the second bridge's action", lambda: "execute_function_other77" in setup.ha.appwrite_actions(), timeout=10
    )

    answer = setup.ha.delete(f"/api/config/config_entries/entry/{setup.entries['bridge']}")
    assert answer.status == 200, answer.body

    def without_first_bridge() -> dict[str, Any] | None:
        actions = setup.ha.appwrite_actions()
        return actions if "execute_function_1234560" not in actions else None

    actions = wait_until("the first bridge's actions removed", without_first_bridge, timeout=10)
    assert "execute_function_0987654" not in actions and "execute_function_garage42" not in actions
    assert "execute_function_other77" in actions
    answer = setup.ha.post(
        "/api/services/appwrite/execute_function_other77?return_response", {"function_id": "send_notification"}
    )
    assert answer.status == 200, answer.body
    assert answer.json()["service_response"]["status"] == "completed"
