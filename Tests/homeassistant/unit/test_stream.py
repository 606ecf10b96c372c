"""The event stream: bus events, instance pushes, and no lost or duplicated event across reconnects."""

from __future__ import annotations

from homeassistant.core import Event, HomeAssistant, callback

from custom_components.appwrite.client import SSEParser
from custom_components.appwrite.const import EVENT_EXECUTION

from .conftest import setup_entry, wait_for
from .fake_bridge import FakeBridge


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
    assert fired[0].data == {
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
    assert state.attributes["state"] == "ok"
    assert state.attributes["capabilities"] == {"execute": {"state": "ok", "reason": None}}
    assert hass.states.get("sensor.home1234_pending_outbox_items").state == "0"

    bridge.instances["home1234"].update(
        state="unreachable",
        reason="connection refused",
        outbox_pending=3,
        capabilities={"execute": {"state": "unreachable", "reason": "connection refused"}},
    )
    await bridge.publish_instance("home1234")
    await wait_for(lambda: hass.states.get("binary_sensor.home1234_connectivity").state == "off")
    state = hass.states.get("binary_sensor.home1234_connectivity")
    assert state.attributes["reason"] == "connection refused"
    assert hass.states.get("sensor.home1234_pending_outbox_items").state == "3"
