"""Action schemas from the catalogue: Home Assistant refuses a wrong field before any request."""

from __future__ import annotations

from datetime import date, datetime

from homeassistant.core import HomeAssistant
import pytest
import voluptuous as vol

from custom_components.appwrite.const import DOMAIN
from custom_components.appwrite.schema import action_schema, with_time_zone

from .conftest import setup_entry
from .fake_bridge import FakeBridge


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"function_id": 12}, "function_id"),
        ({"function_id": "x", "function_wait_timeout": "soon"}, "function_wait_timeout"),
        ({"function_id": "x", "function_wait_timeout": 901}, "function_wait_timeout"),
        ({"function_id": "x", "function_async": "yes"}, "function_async"),
        ({"function_id": "x", "function_method": "FETCH"}, "function_method"),
        ({"function_id": "x", "function_scheduled_at": "tomorrow"}, "function_scheduled_at"),
        ({"function_id": "x", "function_bdoy": "typo"}, "function_bdoy"),
        ({"function_method": "POST"}, "function_id"),
    ],
)
async def test_a_wrong_field_is_refused_before_any_request(
    hass: HomeAssistant, bridge: FakeBridge, data: dict, field: str
) -> None:
    await setup_entry(hass, bridge)
    with pytest.raises(vol.Invalid) as raised:
        await hass.services.async_call(DOMAIN, "execute_function_home1234", data, blocking=True)
    assert field in str(raised.value)
    assert bridge.calls == []


async def test_what_the_bridge_accepts_passes_unchanged(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    data = {
        "function_id": "x",
        "function_method": "post",
        "function_async": "1",
        "function_body": {"room": "kitchen"},
        "function_headers": '{"X-Source": "ha"}',
        "function_wait_timeout": 30.5,
        "function_scheduled_at": None,
    }
    await hass.services.async_call(DOMAIN, "execute_function_home1234", data, blocking=True)
    assert bridge.calls == [("execute_function_home1234", data, True)]


async def test_a_picked_time_is_home_assistants_time(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await hass.config.async_set_time_zone("Europe/Berlin")
    await setup_entry(hass, bridge)
    call = {"function_id": "x", "function_async": False, "function_scheduled_at": "2030-01-01 07:30:00"}
    await hass.services.async_call(DOMAIN, "execute_function_home1234", call, blocking=True)
    assert bridge.calls[-1][1]["function_scheduled_at"] == "2030-01-01T07:30:00+01:00"
    # Summer time, and a time that carries its own offset.
    await hass.services.async_call(
        DOMAIN, "execute_function_home1234", {**call, "function_scheduled_at": "2030-07-01 07:30:00"}, blocking=True
    )
    assert bridge.calls[-1][1]["function_scheduled_at"] == "2030-07-01T07:30:00+02:00"
    await hass.services.async_call(
        DOMAIN, "execute_function_home1234", {**call, "function_scheduled_at": "2030-07-01T07:30:00Z"}, blocking=True
    )
    assert bridge.calls[-1][1]["function_scheduled_at"] == "2030-07-01T07:30:00Z"


def test_with_time_zone() -> None:
    assert with_time_zone("2030-01-01 07:30:00", "America/New_York") == "2030-01-01T07:30:00-05:00"
    assert with_time_zone("2030-01-01T07:30:00+09:00", "UTC") == "2030-01-01T07:30:00+09:00"
    assert with_time_zone("not a time", "UTC") == "not a time"


def test_validators_by_selector() -> None:
    schema = action_schema(
        {
            "count": {"selector": {"number": {"min": 1, "max": 5}}, "required": True},
            "when": {"selector": {"datetime": {}}},
            "free": {"selector": {"object": {}}},
            "odd": {"selector": {"text": {}, "number": {}}},
            "broken": "not a field",
            "kind": {"selector": {"select": {"options": [{"value": "high", "label": "High"}, "normal"]}}},
        }
    )
    assert schema({"count": 1, "when": datetime(2030, 1, 1, 7, 30), "free": [1], "odd": {"x": 1}, "kind": "HIGH"})
    for wrong, field in (
        ({"count": 0}, "count"),
        ({"count": True}, "count"),
        ({"count": 2, "when": 20300101}, "when"),
        ({"count": 2, "kind": "low"}, "kind"),
        ({"count": 2, "broken": 1}, "broken"),
    ):
        with pytest.raises(vol.Invalid) as raised:
            schema(wrong)
        assert field in str(raised.value)


def test_with_time_zone_of_date_and_datetime_objects() -> None:
    assert with_time_zone(datetime(2030, 1, 1, 7, 30), "Europe/Berlin") == "2030-01-01T07:30:00+01:00"
    assert with_time_zone(date(2030, 7, 1), "Europe/Berlin") == "2030-07-01T00:00:00+02:00"
    assert with_time_zone(12, "UTC") == 12
