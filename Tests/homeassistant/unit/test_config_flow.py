"""Config flow: errors told apart, one entry per bridge identity, reauth and reconfigure."""

from __future__ import annotations

import socket

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
import voluptuous as vol
from yarl import URL

from custom_components.appwrite.client import BridgeClient
from custom_components.appwrite.const import DOMAIN

from .conftest import make_entry, setup_entry
from .fake_bridge import FakeBridge


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_flow(hass: HomeAssistant, url: str, token: str) -> dict:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"url": url, "token": token})


async def test_form_defaults_to_the_local_bridge(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    schema = result["data_schema"].schema
    url_key = next(key for key in schema if key == "url")
    assert url_key.default() == "http://127.0.0.1:8787"
    assert isinstance(next(key for key in schema if key == "token"), vol.Optional)


async def test_creates_entry_keyed_by_bridge_id(hass: HomeAssistant, bridge: FakeBridge) -> None:
    result = await start_flow(hass, bridge.url + "/", bridge.token)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"url": bridge.url, "token": bridge.token}
    assert result["result"].unique_id == bridge.bridge_id
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_empty_token_for_a_bridge_without_tokens(hass: HomeAssistant) -> None:
    bridge = FakeBridge.with_instances("home1234", token=None)
    await bridge.start()
    try:
        result = await start_flow(hass, bridge.url, "")
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"]["token"] == ""
        await hass.async_block_till_done()
    finally:
        await bridge.stop()


async def test_wrong_token_is_invalid_auth(hass: HomeAssistant, bridge: FakeBridge) -> None:
    result = await start_flow(hass, bridge.url, "not-the-token")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}


async def test_closed_port_is_cannot_connect(hass: HomeAssistant) -> None:
    result = await start_flow(hass, f"http://127.0.0.1:{closed_port()}", "")
    assert result["errors"] == {"base": "cannot_connect"}


async def test_bridge_without_identity_is_unsupported(hass: HomeAssistant) -> None:
    bridge = FakeBridge.with_instances("home1234", bridge_id="")
    await bridge.start()
    try:
        result = await start_flow(hass, bridge.url, bridge.token)
        assert result["errors"] == {"base": "unsupported_bridge"}
    finally:
        await bridge.stop()


async def test_not_a_url(hass: HomeAssistant) -> None:
    result = await start_flow(hass, "bridge.local:8787", "")
    assert result["errors"] == {"url": "invalid_url"}


async def test_same_bridge_twice_aborts(hass: HomeAssistant, bridge: FakeBridge) -> None:
    await setup_entry(hass, bridge)
    # Another URL, same bridge: the identity decides.
    result = await start_flow(hass, bridge.url.replace("127.0.0.1", "localhost"), bridge.token)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_refused_token_starts_reauth(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge, token="revoked-token")
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]

    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {"token": "still-wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {"token": bridge.token})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["token"] == bridge.token
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_to_a_new_url(hass: HomeAssistant, bridge: FakeBridge) -> None:
    entry = await setup_entry(hass, bridge)
    moved = FakeBridge.with_instances("home1234", bridge_id=bridge.bridge_id, token=bridge.token)
    other = FakeBridge.with_instances("home1234", bridge_id="another-bridge", token=bridge.token)
    await moved.start()
    await other.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": other.url})
        assert result["reason"] == "wrong_bridge"

        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": f"http://127.0.0.1:{closed_port()}"}
        )
        assert result["errors"] == {"base": "cannot_connect"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": moved.url})
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data == {"url": moved.url, "token": bridge.token}
        assert entry.state is ConfigEntryState.LOADED
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await moved.stop()
        await other.stop()


async def test_setup_retries_while_the_bridge_is_down(hass: HomeAssistant) -> None:
    bridge = FakeBridge.with_instances("home1234")
    bridge.url = f"http://127.0.0.1:{closed_port()}"
    entry = make_entry(bridge)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_reconfigure_renames_and_clears_the_token(hass: HomeAssistant) -> None:
    secured = FakeBridge.with_instances("home1234")
    await secured.start()
    entry = make_entry(secured)
    entry.add_to_hass(hass)
    # The title made from the URL, as the user step makes it.
    hass.config_entries.async_update_entry(entry, title=f"appwrite-bridge 127.0.0.1:{URL(secured.url).port}")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    open_bridge = FakeBridge.with_instances("home1234", bridge_id=secured.bridge_id, token=None)
    await open_bridge.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        assert result["description_placeholders"] == {"url": secured.url}
        # An empty token keeps the stored one.
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": secured.url})
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data["token"] == secured.token

        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": open_bridge.url, "clear_token": True}
        )
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data == {"url": open_bridge.url, "token": ""}
        assert entry.title == f"appwrite-bridge 127.0.0.1:{URL(open_bridge.url).port}"
        assert entry.state is ConfigEntryState.LOADED

        # A title the user chose stays.
        hass.config_entries.async_update_entry(entry, title="Garage server")
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": open_bridge.url + "/"})
        assert result["reason"] == "reconfigure_successful"
        assert entry.title == "Garage server"
        await hass.async_block_till_done()
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await secured.stop()
        await open_bridge.stop()


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refusal_without_json_is_invalid_auth(hass: HomeAssistant, bridge: FakeBridge, status: int) -> None:
    bridge.info_override = (status, "<html><body>Forbidden by the proxy</body></html>")
    result = await start_flow(hass, bridge.url, bridge.token)
    assert result["errors"] == {"base": "invalid_auth"}


async def test_forbidden_at_setup_asks_for_a_token_instead_of_retrying(hass: HomeAssistant, bridge: FakeBridge) -> None:
    bridge.info_override = (403, "<html>no</html>")
    entry = await setup_entry(hass, bridge)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_any_unexpected_error_is_unknown(
    hass: HomeAssistant, bridge: FakeBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: BridgeClient) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(BridgeClient, "info", broken)
    result = await start_flow(hass, bridge.url, bridge.token)
    assert result["errors"] == {"base": "unknown"}
