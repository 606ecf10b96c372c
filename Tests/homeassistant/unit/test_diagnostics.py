"""Diagnostics carry what helps (instances, actions, stream) and never the token."""

from __future__ import annotations

import json
import logging

from homeassistant.core import HomeAssistant
import pytest

from custom_components.appwrite.diagnostics import async_get_config_entry_diagnostics

from .conftest import setup_entry, wait_for
from .fake_bridge import FakeBridge


async def test_diagnostics_redact_the_token(
    hass: HomeAssistant, bridge: FakeBridge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = await setup_entry(hass, bridge)
    await wait_for(lambda: bridge.open_streams == 1)
    await hass.services.async_call("appwrite", "execute_function_home1234", {"function_id": "x"}, blocking=True)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"] == {"url": bridge.url, "token": "**REDACTED**"}
    assert diagnostics["bridge"]["bridge_id"] == bridge.bridge_id
    assert diagnostics["actions"]["owned"] == ["execute_function_home1234"]
    assert "home1234" in diagnostics["instances"]
    assert bridge.token not in json.dumps(diagnostics)
    assert bridge.token not in caplog.text
