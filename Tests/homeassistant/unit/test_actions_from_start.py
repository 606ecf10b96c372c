"""Actions exist from Home Assistant's start: kept per entry, registered before the bridge answers."""

from __future__ import annotations

from datetime import timedelta
import socket
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.appwrite import actions as actions_module
from custom_components.appwrite.const import DOMAIN

from .conftest import setup_entry, wait_for
from .fake_bridge import FakeBridge, execute_service


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stored(entry_id: str, services: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    key = f"{DOMAIN}.{entry_id}.actions"
    return key, {"version": 1, "minor_version": 1, "key": key, "data": {"services": services}}


async def test_actions_exist_while_the_bridge_is_down_at_start(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    port = free_port()
    bridge = FakeBridge.with_instances("home1234")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="appwrite-bridge 127.0.0.1",
        unique_id=bridge.bridge_id,
        data={"url": f"http://127.0.0.1:{port}", "token": bridge.token},
    )
    entry.add_to_hass(hass)
    key, document = stored(entry.entry_id, bridge.services)
    hass_storage[key] = document

    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert hass.services.has_service(DOMAIN, "execute_function_home1234")
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
    assert raised.value.translation_key == "not_reachable"
    assert str(raised.value) == (
        f"appwrite.execute_function_home1234: the bridge at http://127.0.0.1:{port} is not reachable; "
        "the action runs again once it is"
    )

    await bridge.start(port)
    try:
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
        assert bridge.calls[-1][0] == "execute_function_home1234"
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await bridge.stop()


async def test_the_catalogue_is_kept_for_the_next_start(
    hass: HomeAssistant, bridge: FakeBridge, hass_storage: dict[str, Any]
) -> None:
    entry = await setup_entry(hass, bridge)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{entry.entry_id}.actions"
    assert hass_storage[key]["data"]["services"] == bridge.services

    # Removing the entry forgets it.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert not hass.services.has_service(DOMAIN, "execute_function_home1234")


async def test_an_instance_the_bridge_dropped_loses_its_stored_action(
    hass: HomeAssistant, bridge: FakeBridge, hass_storage: dict[str, Any]
) -> None:
    bridge.add_instance("garage42")
    entry = MockConfigEntry(
        domain=DOMAIN, title="bridge", unique_id=bridge.bridge_id, data={"url": bridge.url, "token": bridge.token}
    )
    entry.add_to_hass(hass)
    # The last catalogue still had an instance that a bridge reload removed since.
    key, document = stored(entry.entry_id, {**bridge.services, "execute_function_old77": execute_service("old77")})
    hass_storage[key] = document
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not hass.services.has_service(DOMAIN, "execute_function_old77")
    assert hass.services.has_service(DOMAIN, "execute_function_garage42")


async def test_reauth_and_reload_keep_the_actions(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    removed: list[str] = []
    hass.bus.async_listen("service_removed", lambda event: removed.append(event.data["service"]))
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert removed == []
    assert hass.services.has_service(DOMAIN, "execute_function_home1234")


async def test_only_changed_actions_are_described_again(
    hass: HomeAssistant, bridge: FakeBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    described: list[str] = []
    original = actions_module.async_set_service_schema

    def counting(hass: HomeAssistant, domain: str, service: str, schema: dict[str, Any]) -> None:
        described.append(service)
        original(hass, domain, service, schema)

    monkeypatch.setattr(actions_module, "async_set_service_schema", counting)
    entry = await setup_entry(hass, bridge)
    assert described == ["execute_function_home1234"]
    await entry.runtime_data.coordinator.async_refresh()
    assert described == ["execute_function_home1234"]
    bridge.add_instance("garage42")
    await entry.runtime_data.coordinator.async_refresh()
    assert described == ["execute_function_home1234", "execute_function_garage42"]


async def test_names_that_slugify_alike_raise_a_repair_naming_both(hass: HomeAssistant) -> None:
    bridge = FakeBridge.with_instances("Home-1", "home_1")
    await bridge.start()
    try:
        entry = await setup_entry(hass, bridge)
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"colliding_actions_{entry.entry_id}")
        assert issue is not None and issue.translation_key == "colliding_actions"
        actions = issue.translation_placeholders["actions"]
        assert "execute_function_Home-1" in actions and "execute_function_home_1" in actions
        await hass.services.async_call(DOMAIN, "execute_function_home_1", {"function_id": "x"}, blocking=True)
        assert bridge.calls[-1][0] == "execute_function_Home-1"

        # Once the bridge no longer offers both, the issue goes.
        await wait_for(lambda: bridge.open_streams == 1)
        bridge.remove_instance("Home-1")
        await bridge.publish_catalogue()
        await wait_for(
            lambda: ir.async_get(hass).async_get_issue(DOMAIN, f"colliding_actions_{entry.entry_id}") is None
        )
    finally:
        await bridge.stop()
