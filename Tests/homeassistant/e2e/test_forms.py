"""Every action's form as Home Assistant's frontend submits it, through a real Home Assistant.

The action editor pre-fills and sends every field with a default; the user adds the required
ones. A bridge with every kind of action (execute, per-function, messaging, upload) must accept
each such form, and a time picked without an offset is Home Assistant's time zone's.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import KEY_A, Setup
from .websocket import call_service, command
from .world import Bridge, python_executable, wait_until

PROJECT = "forms01"
# What a user types into the required fields.
REQUIRED = {
    "function_id": "send_notification",
    "message": "The garage door is open",
    "title": "Garage",
    "bucket_id": "snapshots",
    "file_name": "note.txt",
}
# One of several fields a message or an upload needs (the bridge names them when none is given).
ONE_OF = {
    "send_push": {"targets": ["tablet"]},
    "send_email": {"targets": ["inbox"]},
    "send_sms": {"targets": ["phone"]},
    "upload_file": {"content_base64": base64.b64encode(b"hello").decode()},
}


@pytest.fixture(scope="module")
def forms_bridge(setup: Setup) -> Bridge:
    bridge = setup.world.start_bridge(
        "forms-bridge",
        secrets.token_urlsafe(24),
        [
            {
                "project_id": PROJECT,
                "name": "Forms",
                "url": setup.simulator_a.url,
                "key": KEY_A,
                "extra": [
                    "messaging: true",
                    "storage: true",
                    "functions:",
                    '  - "*"',
                    "  - id: slow_job",
                    "    name: Slow job",
                    "    description: Runs the slow job",
                    "    method: POST",
                ],
            }
        ],
    )
    result = setup.ha.flow(bridge.url, bridge.token or "")
    assert result["type"] == "create_entry", result
    wait_until(
        "the forms bridge's actions",
        lambda: f"upload_file_{PROJECT}" in setup.ha.appwrite_actions(),
        timeout=20,
    )
    return bridge


def form(action: str, description: dict[str, Any]) -> dict[str, Any]:
    """The data the frontend sends: every default, the required fields, one of a needed group."""
    data: dict[str, Any] = {}
    for key, field in description["fields"].items():
        if "default" in field:
            data[key] = field["default"]
        elif field.get("required"):
            data[key] = REQUIRED[key]
    for prefix, fields in ONE_OF.items():
        if action.startswith(prefix):
            data |= fields
    return data


def test_every_action_accepts_its_form(setup: Setup, forms_bridge: Bridge) -> None:
    actions = {name: description for name, description in setup.ha.appwrite_actions().items() if PROJECT in name}
    assert sorted(actions) == sorted(
        [
            f"execute_function_{PROJECT}",
            f"execute_{PROJECT}_slow_job",
            f"send_push_{PROJECT}",
            f"send_email_{PROJECT}",
            f"send_sms_{PROJECT}",
            f"upload_file_{PROJECT}",
        ]
    )
    assert actions[f"execute_{PROJECT}_slow_job"]["name"] == "Slow job on Forms"
    for action, description in actions.items():
        data = form(action, description)
        answer = call_service(setup.ha.url, setup.ha.access_token, "appwrite", action, data)
        assert answer["success"], (action, data, answer)


def test_ticking_wait_or_picking_a_time_in_the_form_works(setup: Setup, forms_bridge: Bridge) -> None:
    action = f"execute_function_{PROJECT}"
    description = setup.ha.appwrite_actions()[action]
    data = form(action, description)
    assert data["function_async"] is False and data["function_wait"] is False
    waited = call_service(
        setup.ha.url, setup.ha.access_token, "appwrite", action, data | {"function_wait": True, "function_id": "slow_job"}
    )
    assert waited["success"], waited
    assert waited["result"]["response"]["status"] == "completed"

    # A user in Berlin picks 07:30 tomorrow: Appwrite gets 07:30 Berlin time.
    answer = command(
        setup.ha.url, setup.ha.access_token, {"type": "config/core/update", "time_zone": "Europe/Berlin"}
    )
    assert answer["success"], answer
    try:
        berlin = ZoneInfo("Europe/Berlin")
        picked = (datetime.now(berlin) + timedelta(days=1)).replace(hour=7, minute=30, second=0, microsecond=0)
        scheduled = call_service(
            setup.ha.url,
            setup.ha.access_token,
            "appwrite",
            action,
            data | {"function_scheduled_at": picked.strftime("%Y-%m-%d %H:%M:%S")},
        )
        assert scheduled["success"], scheduled
        sent = [
            request
            for request in setup.simulator_a.executions_created()
            if request["path"] == "/v1/functions/send_notification/executions"
        ][-1]
        body = json.loads(sent["body"])
        assert body["scheduledAt"] == picked.isoformat()
        assert body["async"] is True
    finally:
        command(setup.ha.url, setup.ha.access_token, {"type": "config/core/update", "time_zone": "UTC"})


def test_a_wrong_type_is_refused_before_the_bridge(setup: Setup, forms_bridge: Bridge) -> None:
    before = len(setup.simulator_a.executions_created())
    answer = call_service(
        setup.ha.url,
        setup.ha.access_token,
        "appwrite",
        f"execute_function_{PROJECT}",
        {"function_id": "send_notification", "function_wait_timeout": "a minute"},
    )
    assert not answer["success"]
    assert "function_wait_timeout" in answer["error"]["message"]
    assert len(setup.simulator_a.executions_created()) == before


def test_actions_stay_while_the_bridge_is_down(setup: Setup, forms_bridge: Bridge) -> None:
    action = f"execute_function_{PROJECT}"
    entry_id = next(
        entry["entry_id"]
        for entry in setup.ha.get("/api/config/config_entries/entry").json()
        if entry["domain"] == "appwrite" and entry["title"].endswith(forms_bridge.url.rsplit(":", 1)[1])
    )
    forms_bridge.managed.stop()
    answer = setup.ha.post(f"/api/config/config_entries/entry/{entry_id}/reload")
    assert answer.status == 200, answer.body
    assert action in setup.ha.appwrite_actions()
    refused = call_service(setup.ha.url, setup.ha.access_token, "appwrite", action, {"function_id": "send_notification"})
    assert not refused["success"]
    assert refused["error"]["translation_key"] == "not_reachable"
    assert "is not reachable; the action runs again once it is" in refused["error"]["message"]

    setup.world.restart_bridge(forms_bridge)
    setup.ha.post(f"/api/config/config_entries/entry/{entry_id}/reload")
    answer = call_service(setup.ha.url, setup.ha.access_token, "appwrite", action, {"function_id": "send_notification"})
    assert answer["success"], answer


def test_actions_exist_when_home_assistant_starts_without_the_bridge(setup: Setup, forms_bridge: Bridge) -> None:
    """Last in the session: it restarts Home Assistant."""
    action = f"execute_function_{PROJECT}"
    forms_bridge.managed.stop()
    setup.world.restart_home_assistant(setup.ha, python_executable())
    wait_until("the stored actions", lambda: action in setup.ha.appwrite_actions(), timeout=60)
    refused = call_service(setup.ha.url, setup.ha.access_token, "appwrite", action, {"function_id": "send_notification"})
    assert not refused["success"]
    assert refused["error"]["translation_key"] == "not_reachable"
    # A wrong type is refused by Home Assistant itself, bridge or not.
    wrong = call_service(
        setup.ha.url, setup.ha.access_token, "appwrite", action, {"function_id": "x", "function_async": "maybe"}
    )
    assert not wrong["success"] and "function_async" in wrong["error"]["message"]

    # Once the bridge is up, Home Assistant's retry sets the entry up and the same call runs.
    setup.world.restart_bridge(forms_bridge)
    wait_until(
        "the call running once the bridge is back",
        lambda: call_service(
            setup.ha.url, setup.ha.access_token, "appwrite", action, {"function_id": "send_notification"}
        )["success"],
        timeout=90,
        interval=2,
    )
