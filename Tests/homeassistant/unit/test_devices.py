"""Devices and entities as core models them: a hub per bridge, instances via it, diagnostics, events."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest

from custom_components.appwrite.const import DOMAIN, EVENT_EXECUTION
from custom_components.appwrite.entity import console_url

from .conftest import setup_entry, wait_for
from .fake_bridge import FakeBridge


async def test_hub_device_and_instances_via_it(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    devices = dr.async_get(hass)
    hub = devices.async_get_device(identifiers={(DOMAIN, bridge.bridge_id)})
    assert hub is not None
    assert hub.sw_version == "0.1.0"
    assert hub.configuration_url == bridge.url
    assert hub.name == entry.title
    instance = devices.async_get_device(identifiers={(DOMAIN, f"{bridge.bridge_id}_home1234")})
    assert instance.via_device_id == hub.id
    assert instance.configuration_url == "http://appwrite.home1234.test/console/project-home1234"


def test_console_url() -> None:
    assert console_url("https://cloud.appwrite.io/v1", "p1") == "https://cloud.appwrite.io/console/project-p1"
    assert console_url("http://10.0.0.2:8080/appwrite/v1/", "p1") == "http://10.0.0.2:8080/appwrite/console/project-p1"
    assert console_url("http://10.0.0.2/api", "p1") == "http://10.0.0.2/api"
    assert console_url(None, "p1") is None


async def test_diagnostic_entities(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    entities = er.async_get(hass)
    outbox = entities.async_get("sensor.home1234_pending_outbox_items")
    assert outbox.entity_category is EntityCategory.DIAGNOSTIC
    assert outbox.disabled_by is None
    state = entities.async_get("sensor.home1234_check_result")
    assert state.entity_category is EntityCategory.DIAGNOSTIC
    for volatile in ("sensor.home1234_last_check", "sensor.home1234_check_reason"):
        entry = entities.async_get(volatile)
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(volatile) is None
    connectivity = entities.async_get("binary_sensor.home1234_connectivity")
    assert connectivity.entity_category is None


async def test_event_entity_and_context_of_the_call(hass: HomeAssistant, bridge: FakeBridge) -> None:
    fired: list[Event] = []
    hass.bus.async_listen(EVENT_EXECUTION, callback(lambda event: fired.append(event)))
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    context = Context()
    await hass.services.async_call(
        DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True, context=context
    )
    # The fake bridge answers every call with execution "exec1".
    await bridge.publish_execution("home1234", "x", "exec1", "completed")
    await wait_for(lambda: len(fired) == 1)
    assert fired[0].context.parent_id == context.id
    await hass.async_block_till_done()
    state = hass.states.get("event.home1234_execution")
    assert state.attributes["event_type"] == "completed"
    assert state.attributes["execution_id"] == "exec1"
    assert state.attributes["function_id"] == "x"
    # An execution no call started has no parent; one still running fires no entity event.
    await bridge.publish_execution("home1234", "y", "exec2", "processing")
    await wait_for(lambda: len(fired) == 2)
    assert fired[1].context.parent_id is None
    await hass.async_block_till_done()
    assert hass.states.get("event.home1234_execution").attributes["execution_id"] == "exec1"


async def test_missing_scope_raises_a_repair(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.instances["home1234"]["capabilities"]["read"] = {
        "state": "missing_scope",
        "reason": "the key lacks executions.read",
    }
    entry = await setup_entry(hass, bridge)
    issue_id = f"missing_scope_{entry.entry_id}_home1234_read"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"instance": "Home1234", "project_id": "home1234", "scope": "executions.read"}
    assert hass.states.get("binary_sensor.home1234_executions_readable").state == "off"

    await wait_for(lambda: bridge.open_streams == 1)
    bridge.instances["home1234"]["capabilities"]["read"] = {"state": "ok", "reason": None}
    await bridge.publish_instance("home1234")
    await wait_for(lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None)


async def test_entities_unavailable_as_soon_as_stream_and_bridge_are_gone(
    hass: HomeAssistant, bridge: FakeBridge
) -> None:
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await bridge.stop()
    await wait_for(lambda: hass.states.get("binary_sensor.home1234_connectivity").state == STATE_UNAVAILABLE)


async def test_a_poll_keeps_an_instance_pushed_while_it_ran(
    hass: HomeAssistant, bridge: FakeBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = await setup_entry(hass, bridge)
    coordinator = entry.runtime_data.coordinator
    client = coordinator.client
    original = client.instances
    release = asyncio.Event()

    async def slow_instances() -> dict[str, dict[str, Any]]:
        answer = await original()  # read before the push: older than it
        await release.wait()
        return answer

    monkeypatch.setattr(client, "instances", slow_instances)
    poll = hass.async_create_task(coordinator.async_refresh())
    await asyncio.sleep(0.1)
    coordinator.async_set_instance({**bridge.instances["home1234"], "state": "unreachable"})
    release.set()
    await poll
    assert coordinator.data.instances["home1234"]["state"] == "unreachable"
    assert hass.states.get("binary_sensor.home1234_connectivity").state == "off"


async def test_stale_devices_go_after_a_full_read_only(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.add_instance("garage42")
    entry = await setup_entry(hass, bridge)
    devices = dr.async_get(hass)
    garage = (DOMAIN, f"{bridge.bridge_id}_garage42")
    assert devices.async_get_device(identifiers={garage}) is not None
    # A pushed document names one instance: nothing is removed.
    entry.runtime_data.coordinator.async_set_instance(bridge.instances["home1234"])
    assert devices.async_get_device(identifiers={garage}) is not None
    bridge.remove_instance("garage42")
    await entry.runtime_data.coordinator.async_refresh()
    assert devices.async_get_device(identifiers={garage}) is None
    assert devices.async_get_device(identifiers={(DOMAIN, bridge.bridge_id)}) is not None


async def test_last_check_when_enabled(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    registry = er.async_get(hass)
    for entity_id in ("sensor.home1234_last_check", "sensor.home1234_check_reason"):
        registry.async_update_entity(entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home1234_last_check").state == "2026-11-25T07:00:00+00:00"
    assert hass.states.get("sensor.home1234_check_reason").state == "unknown"
    await wait_for(lambda: entry.runtime_data.stream.stats.connected)
    bridge.instances["home1234"].update(state="unreachable", reason="connection refused " + "x" * 300)
    await bridge.publish_instance("home1234")
    await wait_for(lambda: hass.states.get("sensor.home1234_check_reason").state.startswith("connection refused"))
    assert len(hass.states.get("sensor.home1234_check_reason").state) == 255
