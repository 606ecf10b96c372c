"""Zeroconf discovery of a bridge announcing _appwrite-bridge._tcp, with Home Assistant's flow helpers."""

from __future__ import annotations

from ipaddress import ip_address

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from yarl import URL

from custom_components.appwrite.const import DOMAIN

from .conftest import setup_entry
from .fake_bridge import FakeBridge


def announcement(bridge: FakeBridge, with_id: bool = True, host: str = "127.0.0.1") -> ZeroconfServiceInfo:
    port = URL(bridge.url).port
    properties = {"version": "0.1.0", "name": "Home server"}
    if with_id:
        properties["bridge_id"] = bridge.bridge_id
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        port=port,
        hostname="homeserver.local.",
        type="_appwrite-bridge._tcp.local.",
        name="Home server._appwrite-bridge._tcp.local.",
        properties=properties,
    )


async def test_a_discovered_bridge_is_offered_with_its_url(hass: HomeAssistant, bridge: FakeBridge) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {"url": bridge.url}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["title_placeholders"] == {"name": "Home server"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": "wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": bridge.token})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"url": bridge.url, "token": bridge.token}
    assert result["result"].unique_id == bridge.bridge_id
    await hass.async_block_till_done()


async def test_an_announcement_without_id_asks_the_bridge(hass: HomeAssistant) -> None:
    bridge = FakeBridge.with_instances("home1234", token=None)
    await bridge.start()
    try:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge, with_id=False)
        )
        assert result["step_id"] == "zeroconf_confirm"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["result"].unique_id == bridge.bridge_id
        await hass.async_block_till_done()
    finally:
        await bridge.stop()


async def test_a_configured_bridge_aborts(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_a_bridge_that_moved_gets_its_new_url(hass: HomeAssistant, bridge: FakeBridge) -> None:
    port = URL(bridge.url).port
    entry = await setup_entry(hass, bridge)
    # Configured under an old address; the announcement brings the one it answers at now.
    hass.config_entries.async_update_entry(entry, data={**entry.data, "url": f"http://localhost:{port}"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["url"] == bridge.url
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_an_address_where_the_bridge_does_not_answer_is_not_taken(
    hass: HomeAssistant, bridge: FakeBridge
) -> None:
    entry = await setup_entry(hass, bridge)
    # A bridge on loopback announces its LAN address, where nothing answers.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge, host="127.0.0.2")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["url"] == bridge.url


async def test_a_bridge_with_tokens_and_no_id_in_its_announcement(hass: HomeAssistant, bridge: FakeBridge) -> None:
    # The packaged Avahi file carries no bridge_id, and this bridge answers nothing without a token.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge, with_id=False)
    )
    assert result["step_id"] == "zeroconf_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": bridge.token})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == bridge.bridge_id
    await hass.async_block_till_done()
    # Announced again: the URL is known, nothing is offered.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=announcement(bridge, with_id=False)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
