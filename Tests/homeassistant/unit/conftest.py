"""Unit tests of custom_components/appwrite with pytest-homeassistant-custom-component."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import time
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.appwrite.const import DOMAIN

from .fake_bridge import FakeBridge


@pytest.fixture(autouse=True)
def auto_enable(enable_custom_integrations: None, socket_enabled: None) -> None:
    """The integration under test, and loopback sockets for the fake bridge."""


@pytest.fixture
async def bridge() -> AsyncGenerator[FakeBridge]:
    fake = FakeBridge.with_instances("home1234")
    await fake.start()
    yield fake
    await fake.stop()


def make_entry(bridge: FakeBridge, token: str | None = None) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"appwrite-bridge {bridge.url}",
        unique_id=bridge.bridge_id,
        data={"url": bridge.url, "token": bridge.token if token is None else token},
    )


async def setup_entry(hass: HomeAssistant, bridge: FakeBridge, token: str | None = None) -> MockConfigEntry:
    entry = make_entry(bridge, token)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    """Polls a condition the background stream makes true, with a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)
