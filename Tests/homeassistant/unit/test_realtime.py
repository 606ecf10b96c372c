"""Appwrite Realtime through the bridge: bus events, an event entity per subscription, and the
Realtime connection's binary_sensor, following the instance document as it changes."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.appwrite.binary_sensor import AppwriteRealtimeConnectivity
from custom_components.appwrite.const import DOMAIN, EVENT_REALTIME, EVENT_REALTIME_GAP
from custom_components.appwrite.diagnostics import async_get_config_entry_diagnostics

from .conftest import setup_entry, wait_for
from .fake_bridge import FakeBridge, realtime, realtime_document_event

COMMANDS = "event.home1234_realtime_commands"
SNAPSHOTS = "event.home1234_realtime_snapshots"
CONNECTION = "binary_sensor.home1234_realtime"


def collect(hass: HomeAssistant, event_type: str) -> list[Event]:
    fired: list[Event] = []
    # @callback: in the event loop, in order.
    hass.bus.async_listen(event_type, callback(lambda event: fired.append(event)))
    return fired


async def push_realtime(bridge: FakeBridge, section: dict[str, Any] | None) -> None:
    bridge.instances["home1234"]["realtime"] = section
    await bridge.publish_instance("home1234")


async def test_realtime_events_reach_the_bus(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.instances["home1234"]["realtime"] = realtime("connected", "commands")
    fired = collect(hass, EVENT_REALTIME)
    gaps = collect(hass, EVENT_REALTIME_GAP)
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    envelope = realtime_document_event("home1234", "commands", "gate1")
    await bridge.publish_realtime(envelope)
    await wait_for(lambda: len(fired) == 1)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, f"{bridge.bridge_id}_home1234")})
    assert fired[0].data == envelope | {
        "bridge_id": bridge.bridge_id,
        "config_entry_id": entry.entry_id,
        "device_id": device.id,
    }
    assert fired[0].data["payload"]["open"] is True
    assert gaps == []
    assert entry.runtime_data.stream.stats.realtime == 1


async def test_an_event_without_action_gets_it_from_its_name(hass: HomeAssistant, bridge: FakeBridge) -> None:
    fired = collect(hass, EVENT_REALTIME)
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    envelope = realtime_document_event("home1234", "commands", "gate1", action="delete")
    del envelope["action"]
    await bridge.publish_realtime(envelope)
    # Neither instance nor subscription named: not an event the integration can place.
    await bridge.publish_realtime({"events": ["x.create"], "payload": {}})
    await bridge.publish_realtime(realtime_document_event("home1234", "commands", "gate2"))
    await wait_for(lambda: len(fired) == 2)
    assert [(event.data["action"], event.data["payload"]["$id"]) for event in fired] == [
        ("delete", "gate1"),
        ("create", "gate2"),
    ]


async def test_gap_events_reach_the_bus(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.instances["home1234"]["realtime"] = realtime("connected", "commands")
    fired = collect(hass, EVENT_REALTIME)
    gaps = collect(hass, EVENT_REALTIME_GAP)
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await bridge.publish_realtime_gap("home1234", "commands", 3)
    await bridge.publish_realtime_gap("home1234", "snapshots", None)
    await wait_for(lambda: len(gaps) == 2)
    assert gaps[0].data["project_id"] == "home1234"
    assert gaps[0].data["subscription"] == "commands"
    assert gaps[0].data["gap"] == {"from": "2026-12-02T12:00:00.000+00:00", "to": "2026-12-02T12:01:00.000+00:00"}
    assert gaps[0].data["caught_up"] == 3
    assert gaps[0].data["config_entry_id"] == entry.entry_id
    assert "action" not in gaps[0].data
    assert gaps[1].data["caught_up"] is None
    await hass.async_block_till_done()
    # A gap is no create, update or delete: the entity stays as it was.
    assert fired == []
    assert hass.states.get(COMMANDS).state == STATE_UNKNOWN
    assert entry.runtime_data.stream.stats.realtime_gaps == 2


async def test_event_entity_fires_the_action_with_the_resource(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.instances["home1234"]["realtime"] = realtime("connected", "commands", "snapshots")
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    registry = er.async_get(hass)
    entity = registry.async_get(COMMANDS)
    assert entity.unique_id == f"{bridge.bridge_id}_home1234_realtime_commands"
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, f"{bridge.bridge_id}_home1234")})
    assert entity.device_id == device.id
    state = hass.states.get(COMMANDS)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["event_types"] == ["create", "update", "upsert", "delete"]
    assert state.attributes["friendly_name"] == "Home1234 Realtime commands"

    await bridge.publish_realtime(realtime_document_event("home1234", "commands", "gate1"))
    await wait_for(lambda: hass.states.get(COMMANDS).state != STATE_UNKNOWN)
    attributes = hass.states.get(COMMANDS).attributes
    assert attributes["event_type"] == "create"
    assert attributes["resource_type"] == "document"
    assert attributes["id"] == "gate1"
    assert attributes["database_id"] == "home"
    assert attributes["collection_id"] == "commands"
    assert attributes["bucket_id"] is None
    assert attributes["catch_up"] is False
    # The payload is on the bus event only: the entity's attributes are recorded with each state.
    assert "payload" not in attributes and "open" not in attributes

    await bridge.publish_realtime(
        realtime_document_event("home1234", "commands", "gate2", action="update", catch_up=True)
    )
    await wait_for(lambda: hass.states.get(COMMANDS).attributes["event_type"] == "update")
    attributes = hass.states.get(COMMANDS).attributes
    assert attributes["id"] == "gate2" and attributes["catch_up"] is True

    # A file lands in a bucket: the other subscription's entity, with the bucket.
    file_event = {
        "project_id": "home1234",
        "subscription": "snapshots",
        "action": "create",
        "events": ["buckets.cams.files.f1.create"],
        "channels": ["files", "buckets.cams.files", "buckets.cams.files.f1"],
        "timestamp": "2026-12-02T12:00:01.000+00:00",
        "payload": {"$id": "f1", "$bucketId": "cams"},
        "resource": {"type": "file", "id": "f1", "bucket_id": "cams"},
        "catch_up": False,
        "truncated": False,
    }
    await bridge.publish_realtime(file_event)
    await wait_for(lambda: hass.states.get(SNAPSHOTS).state != STATE_UNKNOWN)
    attributes = hass.states.get(SNAPSHOTS).attributes
    assert attributes["event_type"] == "create"
    assert (attributes["resource_type"], attributes["id"], attributes["bucket_id"]) == ("file", "f1", "cams")
    assert attributes["collection_id"] is None and attributes["database_id"] is None
    # Only the subscription's own entity fired.
    assert hass.states.get(COMMANDS).attributes["id"] == "gate2"

    # An action that is none of the event types (a session's `create` is, a team's `update`
    # is too, but Appwrite also names e.g. `users.U.update.prefs`'s last segment `prefs`).
    before = hass.states.get(SNAPSHOTS).state
    other = file_event | {"action": "prefs", "resource": {"type": "other", "id": "u1"}}
    fired = collect(hass, EVENT_REALTIME)
    await bridge.publish_realtime(other)
    await wait_for(lambda: len(fired) == 1)
    await hass.async_block_till_done()
    assert hass.states.get(SNAPSHOTS).state == before


async def test_entities_follow_the_subscriptions(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    registry = er.async_get(hass)
    # No `realtime:` section: neither event entities nor the Realtime connection's sensor.
    assert hass.states.get(CONNECTION) is None
    entities = er.async_entries_for_config_entry(registry, entry.entry_id)
    assert [entity.entity_id for entity in entities if "realtime" in entity.entity_id] == []

    await push_realtime(bridge, realtime("connecting", "commands"))
    await wait_for(lambda: hass.states.get(COMMANDS) is not None)
    assert hass.states.get(CONNECTION).state == "off"
    assert hass.states.get(SNAPSHOTS) is None

    # A reload adds a subscription: its entity appears, the other one stays.
    await push_realtime(bridge, realtime("connected", "commands", "snapshots"))
    await wait_for(lambda: hass.states.get(SNAPSHOTS) is not None)
    assert hass.states.get(CONNECTION).state == "on"
    await bridge.publish_realtime(realtime_document_event("home1234", "snapshots", "s1"))
    await wait_for(lambda: hass.states.get(SNAPSHOTS).attributes.get("id") == "s1")

    # One removed: its entity leaves the registry; the other keeps working.
    await push_realtime(bridge, realtime("connected", "snapshots"))
    await wait_for(lambda: registry.async_get(COMMANDS) is None)
    await hass.async_block_till_done()
    assert hass.states.get(COMMANDS) is None
    await bridge.publish_realtime(realtime_document_event("home1234", "snapshots", "s2"))
    await wait_for(lambda: hass.states.get(SNAPSHOTS).attributes.get("id") == "s2")

    # It comes back: a new entity with the same entity ID.
    await push_realtime(bridge, realtime("connected", "snapshots", "commands"))
    await wait_for(lambda: hass.states.get(COMMANDS) is not None)
    assert registry.async_get(COMMANDS).unique_id == f"{bridge.bridge_id}_home1234_realtime_commands"

    # The `realtime:` section goes: every Realtime entity goes with it.
    await push_realtime(bridge, None)
    await wait_for(lambda: registry.async_get(CONNECTION) is None)
    await wait_for(lambda: registry.async_get(COMMANDS) is None and registry.async_get(SNAPSHOTS) is None)
    assert hass.states.get("binary_sensor.home1234_connectivity").state == "on"


async def test_connection_sensor_shows_the_realtime_state(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.instances["home1234"]["realtime"] = realtime("connected", "commands")
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    state = hass.states.get(CONNECTION)
    assert state.state == "on"
    assert state.attributes["device_class"] == "connectivity"
    assert state.attributes["friendly_name"] == "Home1234 Realtime"
    assert {key: state.attributes[key] for key in ("state", "reason", "reconnects", "retry_at")} == {
        "state": "connected",
        "reason": None,
        "reconnects": 0,
        "retry_at": None,
    }
    entity = er.async_get(hass).async_get(CONNECTION)
    assert entity.unique_id == f"{bridge.bridge_id}_home1234_realtime"
    assert entity.entity_category is None

    unauthorized = realtime(
        "unauthorized", "commands", reason="Appwrite accepted the socket as a guest: the session was refused"
    ) | {"reconnects": 4, "retry_at": "2026-12-02T12:05:00.000+00:00"}
    await push_realtime(bridge, unauthorized)
    await wait_for(lambda: hass.states.get(CONNECTION).state == "off")
    attributes = hass.states.get(CONNECTION).attributes
    assert attributes["state"] == "unauthorized"
    assert attributes["reason"].startswith("Appwrite accepted the socket as a guest")
    assert attributes["reconnects"] == 4
    assert attributes["retry_at"] == "2026-12-02T12:05:00.000+00:00"
    # The subscription's entity stays available: the bridge still has it, and catches up later.
    assert hass.states.get(COMMANDS).state != STATE_UNAVAILABLE

    misconfigured = realtime("misconfigured", "commands", reason="Appwrite closed with 1008: channel refused")
    await push_realtime(bridge, misconfigured)
    await wait_for(lambda: hass.states.get(CONNECTION).attributes["state"] == "misconfigured")
    assert hass.states.get(CONNECTION).state == "off"

    await push_realtime(bridge, realtime("connected", "commands"))
    await wait_for(lambda: hass.states.get(CONNECTION).state == "on")

    # The bridge goes away: unavailable, not "off" (nothing is known about the connection).
    bridge.token = "rotated"  # the poll cannot read the bridge any more
    await bridge.drop_streams()
    await hass.async_block_till_done()
    await wait_for(lambda: hass.states.get(CONNECTION).state == STATE_UNAVAILABLE, timeout=10)


def test_volatile_attributes_are_not_recorded() -> None:
    unrecorded = AppwriteRealtimeConnectivity._Entity__combined_unrecorded_attributes  # type: ignore[attr-defined]
    assert {"reason", "reconnects", "retry_at"} <= unrecorded
    assert "state" not in unrecorded


async def test_diagnostics_show_realtime_and_never_a_session(hass: HomeAssistant, bridge: FakeBridge) -> None:
    section = realtime("connected", "commands")
    # A bridge never sends a session; if one ever did, diagnostics would not show it.
    section["session"] = "eyJpZCI6ImhhLWJyaWRnZSIsInNlY3JldCI6InRvcC1zZWNyZXQifQ=="
    bridge.instances["home1234"]["realtime"] = section
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await bridge.publish_realtime(realtime_document_event("home1234", "commands", "gate1"))
    await wait_for(lambda: entry.runtime_data.stream.stats.realtime == 1)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    realtime_diagnostics = diagnostics["instances"]["home1234"]["realtime"]
    assert realtime_diagnostics["state"] == "connected"
    assert realtime_diagnostics["session"] == "**REDACTED**"
    assert diagnostics["event_stream"]["realtime"] == 1
    assert section["session"] not in json.dumps(diagnostics)
