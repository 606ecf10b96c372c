"""The event stream: bus events, instance pushes, and no lost or duplicated event across reconnects."""

from __future__ import annotations

import asyncio
import json

from homeassistant.core import Event, HomeAssistant, callback
import pytest

from custom_components.appwrite import stream as stream_module
from custom_components.appwrite.client import SSEParser
from homeassistant.helpers import device_registry as dr

from custom_components.appwrite.const import DOMAIN, EVENT_EXECUTION

from .conftest import setup_entry, wait_for
from .fake_bridge import FakeBridge


EXECUTION = {
    "events": ["functions.f.executions.e.update"],
    "channels": ["executions", "functions.f", "instances.home1234"],
    "timestamp": "2026-11-25T07:00:00.000Z",
    "payload": {},
}


def test_sse_parser_framing() -> None:
    parser = SSEParser()
    lines = [": comment", "id: 7", "event: execution", 'data: {"a":', "data: 1}", "", "", "data: x", ""]
    messages = [message for line in lines for message in parser.feed_line(line + "\r\n")]
    assert messages == [("7", "execution", '{"a":\n1}'), (None, "message", "x")]


async def test_execution_events_reach_the_bus(hass: HomeAssistant, bridge: FakeBridge) -> None:
    fired: list[Event] = []
    # @callback: in the event loop, in order (a plain function would run in the executor).
    hass.bus.async_listen(EVENT_EXECUTION, callback(lambda event: fired.append(event)))
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await bridge.publish_execution("home1234", "nightly_backup", "exec42", "completed")
    await wait_for(lambda: len(fired) == 1)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, f"{bridge.bridge_id}_home1234")})
    assert fired[0].data == {
        "bridge_id": bridge.bridge_id,
        "config_entry_id": entry.entry_id,
        "device_id": device.id,
        "project_id": "home1234",
        "function_id": "nightly_backup",
        "execution_id": "exec42",
        "status": "completed",
        "response_status_code": 200,
        "duration": 0.25,
        "trigger": "http",
        "events": [
            "functions.nightly_backup.executions.exec42.update",
            "functions.nightly_backup.executions.exec42",
            "functions.*.executions.*.update",
        ],
    }


async def test_a_change_between_the_first_read_and_the_stream_is_read_when_it_opens(
    hass: HomeAssistant, bridge: FakeBridge
) -> None:
    # The bridge changes the instance right after the entry's first read and announces it
    # before the stream is open (a Realtime state settling at start): nothing replays that.
    def unreachable_after_the_first_read() -> None:
        bridge.on_instances_read = None
        bridge.instances["home1234"] = {**bridge.instances["home1234"], "state": "unreachable"}

    bridge.on_instances_read = unreachable_after_the_first_read
    await setup_entry(hass, bridge)
    assert hass.states.get("binary_sensor.home1234_connectivity").state == "on"
    await wait_for(lambda: bridge.open_streams == 1)
    await wait_for(lambda: hass.states.get("binary_sensor.home1234_connectivity").state == "off")


async def test_reconnect_neither_loses_nor_repeats_events(hass: HomeAssistant, bridge: FakeBridge) -> None:
    fired: list[str] = []
    hass.bus.async_listen(EVENT_EXECUTION, callback(lambda event: fired.append(event.data["execution_id"])))
    # This bridge replays two events the client already had: they must be dropped.
    bridge.replay_overlap = 2
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    for number in range(1, 4):
        await bridge.publish_execution("home1234", "f", f"e{number}", "completed")
    await wait_for(lambda: len(fired) == 3)

    await bridge.drop_streams()
    # Published while the client is away: the replay must bring them.
    await bridge.publish_execution("home1234", "f", "e4", "completed")
    await bridge.publish_execution("home1234", "f", "e5", "completed")
    await wait_for(lambda: bridge.open_streams == 1, timeout=10)
    await bridge.publish_execution("home1234", "f", "e6", "completed")
    await wait_for(lambda: len(fired) >= 6)
    await hass.async_block_till_done()
    assert fired == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert bridge.last_event_ids == [None, "3"]
    assert entry.runtime_data.stream.stats.duplicates == 2


async def test_unknown_position_resyncs(hass: HomeAssistant, bridge: FakeBridge) -> None:
    fired: list[str] = []
    hass.bus.async_listen(EVENT_EXECUTION, callback(lambda event: fired.append(event.data["execution_id"])))
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await bridge.publish_execution("home1234", "f", "e1", "completed")
    await wait_for(lambda: len(fired) == 1)
    # The bridge restarted: its buffer no longer knows event 1, and it lists a new instance.
    bridge.events.clear()
    bridge.add_instance("garage42")
    await bridge.drop_streams()
    await wait_for(lambda: entry.runtime_data.stream.stats.resyncs == 1, timeout=10)
    await wait_for(lambda: hass.services.has_service("appwrite", "execute_function_garage42"))
    await bridge.publish_execution("home1234", "f", "e2", "completed")
    await wait_for(lambda: len(fired) == 2)
    assert fired == ["e1", "e2"]


async def test_instance_events_push_entity_state(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    state = hass.states.get("binary_sensor.home1234_connectivity")
    assert state.state == "on"
    assert state.attributes["device_class"] == "connectivity"
    # Volatile details are entities of their own, not recorded attributes.
    assert set(state.attributes) == {"device_class", "friendly_name"}
    assert hass.states.get("sensor.home1234_check_result").state == "ok"
    assert hass.states.get("sensor.home1234_pending_outbox_items").state == "0"

    bridge.instances["home1234"].update(
        state="unreachable",
        reason="connection refused",
        outbox_pending=3,
        capabilities={"execute": {"state": "unreachable", "reason": "connection refused"}},
    )
    await bridge.publish_instance("home1234")
    await wait_for(lambda: hass.states.get("binary_sensor.home1234_connectivity").state == "off")
    assert hass.states.get("sensor.home1234_check_result").state == "unreachable"
    assert hass.states.get("sensor.home1234_pending_outbox_items").state == "3"


async def test_no_event_ends_the_stream(
    hass: HomeAssistant, bridge: FakeBridge, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    fired: list[str] = []
    hass.bus.async_listen(EVENT_EXECUTION, callback(lambda event: fired.append(event.data["execution_id"])))
    entry = await setup_entry(hass, bridge)
    stream = entry.runtime_data.stream
    await wait_for(lambda: bridge.open_streams == 1)

    # "²" passes str.isdigit() but not int(); "events": 5 is not a list.
    await bridge.publish_raw("²", "execution", json.dumps(EXECUTION | {"payload": {"$id": "e1"}}))
    await bridge.publish_raw("0", "execution", json.dumps(EXECUTION | {"events": 5, "payload": {"$id": "e2"}}))
    await wait_for(lambda: fired == ["e1", "e2"])
    assert stream.last_event_id == 0 and stream.stats.connections == 1

    # Whatever else fails while handling an event: logged once with its traceback, then reconnected.
    original = stream_module.execution_event_data
    calls = 0

    def failing_once(envelope: dict) -> dict | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("something nobody expected")
        return original(envelope)

    monkeypatch.setattr(stream_module, "execution_event_data", failing_once)
    await bridge.publish_execution("home1234", "f", "e3", "completed")
    await wait_for(lambda: stream.stats.connections == 2, timeout=10)
    await bridge.publish_execution("home1234", "f", "e4", "completed")
    await wait_for(lambda: "e4" in fired)
    assert stream.stats.failures == 1
    errors = [record for record in caplog.records if record.name == stream_module.__name__ and record.exc_info]
    assert len(errors) == 1 and "something nobody expected" in caplog.text


async def test_a_stream_closed_at_once_backs_off(hass: HomeAssistant, bridge: FakeBridge, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(stream_module.random, "uniform", lambda low, high: 1.0)

    async def recorded(self: stream_module.EventStream, seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0.01)

    monkeypatch.setattr(stream_module.EventStream, "_wait", recorded)
    bridge.close_streams_at_once = True
    await setup_entry(hass, bridge)
    await wait_for(lambda: len(waits) >= 5)
    assert waits[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]


async def test_a_refused_token_on_the_stream_starts_reauth(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    bridge.token = "rotated"
    await bridge.drop_streams()
    await wait_for(lambda: entry.runtime_data.stream.stats.last_error == "the bridge refused the token", timeout=10)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert "reauth" in [flow["context"]["source"] for flow in flows]


async def test_events_that_are_not_json_or_objects_are_skipped(hass: HomeAssistant, bridge: FakeBridge) -> None:
    fired: list[str] = []
    hass.bus.async_listen(EVENT_EXECUTION, callback(lambda event: fired.append(event.data["execution_id"])))
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await bridge.publish_raw("a", "execution", "{not json")
    await bridge.publish_raw("b", "execution", "[1, 2]")
    await bridge.publish_execution("home1234", "f", "e1", "completed")
    await wait_for(lambda: fired == ["e1"])
