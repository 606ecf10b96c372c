"""Actions: the bridge's catalogue as appwrite.* actions, responses, errors, ownership."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service import async_get_all_descriptions
import pytest

from custom_components.appwrite.const import DOMAIN

from .conftest import setup_entry, wait_for
from .fake_bridge import EXECUTE_FIELDS, FakeBridge


async def test_catalogue_becomes_described_actions(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    assert hass.services.has_service(DOMAIN, "execute_function_home1234")
    descriptions = await async_get_all_descriptions(hass)
    described = descriptions[DOMAIN]["execute_function_home1234"]
    assert described["name"] == "Execute function on home1234"
    assert described["fields"] == EXECUTE_FIELDS
    assert described["response"] == {"optional": True}


async def test_call_returns_the_service_response(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    data = {"function_id": "send_notification", "function_method": "POST", "function_body": '{"a": 1}'}
    response = await hass.services.async_call(
        DOMAIN, "execute_function_home1234", data, blocking=True, return_response=True
    )
    assert response == {
        "$id": "exec1",
        "functionId": "send_notification",
        "status": "completed",
        "responseStatusCode": 200,
    }
    # The data reaches the bridge unchanged; the response is asked for even when the caller does
    # not want it (its execution ID ties the execution's events to the call).
    assert bridge.calls == [("execute_function_home1234", data, True)]
    assert await hass.services.async_call(DOMAIN, "execute_function_home1234", data, blocking=True) is None
    assert bridge.calls[-1] == ("execute_function_home1234", data, True)


async def test_caller_mistake_is_a_validation_error_naming_the_field(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    bridge.failures["execute_function_home1234"] = (
        400,
        {
            "error": {
                "code": "invalid_payload",
                "field": "function_method",
                "message": "'FETCH' is not one of GET, POST",
            }
        },
    )
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "execute_function_home1234", {"function_id": "x", "function_method": "post"}, blocking=True
        )
    error = raised.value
    assert error.translation_domain == DOMAIN
    assert error.translation_key == "invalid_field"
    assert error.translation_placeholders["field"] == "function_method"
    assert error.code == "invalid_payload"
    assert "function_method" in str(error) and "invalid_payload" in str(error)


async def test_upstream_failure_is_a_home_assistant_error(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    bridge.failures["execute_function_home1234"] = (
        502,
        {"error": {"code": "appwrite_unreachable", "message": "Appwrite instance 'home1234': connection refused"}},
    )
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
    assert not isinstance(raised.value, ServiceValidationError)
    assert raised.value.translation_key == "call_failed"
    assert raised.value.code == "appwrite_unreachable"
    assert "appwrite_unreachable" in str(raised.value)


async def test_catalogue_event_adds_and_removes_actions(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    bridge.add_instance("garage42")
    bridge.remove_instance("home1234")
    await bridge.publish_catalogue()
    await wait_for(lambda: hass.services.has_service(DOMAIN, "execute_function_garage42"))
    assert not hass.services.has_service(DOMAIN, "execute_function_home1234")
    # Its entities follow: the new instance gets a device, the removed one loses it.
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage42_connectivity").state == "on"
    assert hass.states.get("binary_sensor.home1234_connectivity") is None


async def test_unloading_one_entry_keeps_the_other_entrys_actions(hass: HomeAssistant, bridge: FakeBridge) -> None:
    other = FakeBridge.with_instances("garage42", bridge_id="second-bridge")
    await other.start()
    try:
        first = await setup_entry(hass, bridge)
        second = await setup_entry(hass, other)
        assert hass.services.has_service(DOMAIN, "execute_function_home1234")
        assert hass.services.has_service(DOMAIN, "execute_function_garage42")
        assert await hass.config_entries.async_unload(first.entry_id)
        # An unloaded entry's actions stay, answering that the bridge is not reachable.
        assert hass.services.has_service(DOMAIN, "execute_function_home1234")
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
        assert raised.value.translation_key == "not_reachable"
        await hass.services.async_call(DOMAIN, "execute_function_garage42", {"function_id": "x"}, blocking=True)
        assert other.calls[-1][0] == "execute_function_garage42"
        # Removing an entry removes its actions, and only its own.
        assert (await hass.config_entries.async_remove(first.entry_id))["require_restart"] is False
        assert not hass.services.has_service(DOMAIN, "execute_function_home1234")
        assert hass.services.has_service(DOMAIN, "execute_function_garage42")
        await hass.config_entries.async_remove(second.entry_id)
        assert not hass.services.has_service(DOMAIN, "execute_function_garage42")
    finally:
        await other.stop()


async def test_second_bridge_with_the_same_action_is_refused_with_a_repair(
    hass: HomeAssistant, bridge: FakeBridge
) -> None:
    twin = FakeBridge.with_instances("home1234", "garage42", bridge_id="twin-bridge")
    await twin.start()
    try:
        first = await setup_entry(hass, bridge)
        second = await setup_entry(hass, twin)
        # The name stays with the first bridge; the second keeps its other actions.
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
        assert bridge.calls and not twin.calls
        assert hass.services.has_service(DOMAIN, "execute_function_garage42")
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"duplicate_actions_{second.entry_id}")
        assert issue is not None
        assert issue.translation_key == "duplicate_actions"
        assert first.title in issue.translation_placeholders["other_bridge"]
        assert second.title in issue.translation_placeholders["bridge"]
        assert issue.translation_placeholders["actions"] == "appwrite.execute_function_home1234"

        # Once the first bridge is gone, the second one gets the name and the issue goes away.
        await hass.config_entries.async_remove(first.entry_id)
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
        assert twin.calls[-1][0] == "execute_function_home1234"
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"duplicate_actions_{second.entry_id}") is None
        assert await hass.config_entries.async_unload(second.entry_id)
    finally:
        await twin.stop()


async def test_refused_token_on_a_call_starts_reauth(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    bridge.token = "rotated"
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
    assert raised.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_a_name_freed_by_a_catalogue_change_goes_to_the_waiting_bridge(
    hass: HomeAssistant, bridge: FakeBridge
) -> None:
    twin = FakeBridge.with_instances("home1234", bridge_id="twin-bridge")
    await twin.start()
    try:
        await setup_entry(hass, bridge)
        second = await setup_entry(hass, twin)
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"duplicate_actions_{second.entry_id}") is not None
        await wait_for(lambda: bridge.open_streams == 1)
        bridge.remove_instance("home1234")
        bridge.add_instance("garage42")
        await bridge.publish_catalogue()
        await wait_for(lambda: hass.services.has_service(DOMAIN, "execute_function_garage42"))
        await hass.services.async_call(DOMAIN, "execute_function_home1234", {"function_id": "x"}, blocking=True)
        assert twin.calls[-1][0] == "execute_function_home1234"
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"duplicate_actions_{second.entry_id}") is None
    finally:
        await twin.stop()


async def test_project_ids_that_are_not_valid_action_names_are_slugified(hass: HomeAssistant) -> None:
    bridge = FakeBridge.with_instances("Home-1.b")
    await bridge.start()
    try:
        await setup_entry(hass, bridge)
        assert hass.services.has_service(DOMAIN, "execute_function_home_1_b")
        await hass.services.async_call(DOMAIN, "execute_function_home_1_b", {"function_id": "x"}, blocking=True)
        # The bridge is called by its own name.
        assert bridge.calls[-1][0] == "execute_function_Home-1.b"
    finally:
        await bridge.stop()
