"""Config flow: a bridge URL and (optional) token, checked against the bridge itself.

The entry's unique ID is the bridge's own `bridge_id` (GET /api/), so the same bridge cannot be
added twice, even under another URL.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.helpers.selector import BooleanSelector, TextSelector, TextSelectorConfig, TextSelectorType
import voluptuous as vol
from yarl import URL

from .client import (
    BridgeAuthError,
    BridgeClient,
    BridgeConnectionError,
    BridgeInfo,
    BridgeUnsupportedError,
)
from .const import CONF_CLEAR_TOKEN, CONF_TOKEN, CONF_URL, DEFAULT_URL, DOMAIN

_LOGGER = logging.getLogger(__name__)

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


class InvalidURL(Exception):
    """Not an http(s) URL with a host."""


def normalise_url(url: str) -> str:
    try:
        parsed = URL(url.strip())
    except ValueError as error:
        raise InvalidURL from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidURL
    return str(parsed).rstrip("/")


def entry_title(url: str) -> str:
    parsed = URL(url)
    return f"appwrite-bridge {parsed.host}:{parsed.port}"


class AppwriteConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds one appwrite-bridge."""

    VERSION = 1
    MINOR_VERSION = 1

    _discovered_url: str

    async def _check(self, url: str, token: str) -> tuple[BridgeInfo | None, dict[str, str]]:
        """The bridge's identity, or the form errors explaining why there is none."""
        try:
            info = await BridgeClient(async_get_clientsession(self.hass), normalise_url(url), token).info()
        except InvalidURL:
            return None, {CONF_URL: "invalid_url"}
        except BridgeAuthError:
            return None, {"base": "invalid_auth"}
        except BridgeConnectionError:
            return None, {"base": "cannot_connect"}
        except BridgeUnsupportedError:
            return None, {"base": "unsupported_bridge"}
        except Exception:  # noqa: BLE001 - the form must answer, whatever went wrong
            _LOGGER.exception("Unexpected error checking the bridge at %s", url)
            return None, {"base": "unknown"}
        return info, {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input.get(CONF_TOKEN) or ""
            info, errors = await self._check(user_input[CONF_URL], token)
            if info is not None:
                await self.async_set_unique_id(info.bridge_id)
                self._abort_if_unique_id_configured()
                url = normalise_url(user_input[CONF_URL])
                return self.async_create_entry(title=entry_title(url), data={CONF_URL: url, CONF_TOKEN: token})
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_URL, default=DEFAULT_URL): URL_SELECTOR,
                        vol.Optional(CONF_TOKEN): TOKEN_SELECTOR,
                    }
                ),
                {CONF_URL: (user_input or {}).get(CONF_URL, DEFAULT_URL)},
            ),
            errors=errors,
        )

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A bridge announced itself as _appwrite-bridge._tcp (its Avahi service file)."""
        host = discovery_info.host
        url = f"http://[{host}]:{discovery_info.port}" if ":" in host else f"http://{host}:{discovery_info.port}"
        bridge_id = discovery_info.properties.get("bridge_id") or None
        if bridge_id is None:
            # The static Avahi file cannot know the ID (it is made at the bridge's first start):
            # ask the bridge; one that wants a token tells it once the user gave one.
            try:
                bridge_id = (await BridgeClient(async_get_clientsession(self.hass), url, None).info()).bridge_id
            except BridgeAuthError:
                self._async_abort_entries_match({CONF_URL: url})
            except Exception:  # noqa: BLE001 - an unreachable announcement is not worth a form
                return self.async_abort(reason="cannot_connect")
        if bridge_id is None:
            return await self._async_offer(url, discovery_info)
        await self.async_set_unique_id(bridge_id)
        existing = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, bridge_id)
        if existing is not None and existing.data.get(CONF_URL) != url:
            # The bridge moved: take the new address only if the same bridge answers there
            # (a bridge listening on loopback announces addresses it does not serve).
            try:
                info = await BridgeClient(
                    async_get_clientsession(self.hass), url, existing.data.get(CONF_TOKEN)
                ).info()
            except Exception:  # noqa: BLE001 - the configured URL stays
                info = None
            if info is not None and info.bridge_id == bridge_id:
                self._abort_if_unique_id_configured(updates={CONF_URL: url})
        self._abort_if_unique_id_configured()
        return await self._async_offer(url, discovery_info)

    async def _async_offer(self, url: str, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        self._discovered_url = url
        name = discovery_info.properties.get("name") or discovery_info.name.split(".")[0]
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        url = self._discovered_url
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input.get(CONF_TOKEN) or ""
            info, errors = await self._check(url, token)
            if info is not None:
                await self.async_set_unique_id(info.bridge_id)
                self._abort_if_unique_id_configured(updates={CONF_URL: url})
                return self.async_create_entry(title=entry_title(url), data={CONF_URL: url, CONF_TOKEN: token})
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=vol.Schema({vol.Optional(CONF_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={"url": url},
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The bridge refused the stored token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input.get(CONF_TOKEN) or ""
            info, errors = await self._check(entry.data[CONF_URL], token)
            if info is not None:
                await self.async_set_unique_id(info.bridge_id)
                self._abort_if_unique_id_mismatch(reason="wrong_bridge")
                return self.async_update_reload_and_abort(entry, data_updates={CONF_TOKEN: token})
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Optional(CONF_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={"url": entry.data[CONF_URL]},
            errors=errors,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The bridge moved to another URL, or its token changes: an empty token keeps the stored one."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.get(CONF_CLEAR_TOKEN):
                token = ""
            else:
                token = user_input.get(CONF_TOKEN) or entry.data.get(CONF_TOKEN) or ""
            info, errors = await self._check(user_input[CONF_URL], token)
            if info is not None:
                await self.async_set_unique_id(info.bridge_id)
                self._abort_if_unique_id_mismatch(reason="wrong_bridge")
                url = normalise_url(user_input[CONF_URL])
                # A title the user chose stays; the one made from the old URL follows the new one.
                title = entry_title(url) if entry.title == entry_title(entry.data[CONF_URL]) else entry.title
                return self.async_update_reload_and_abort(
                    entry, title=title, data_updates={CONF_URL: url, CONF_TOKEN: token}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_URL): URL_SELECTOR,
                        vol.Optional(CONF_TOKEN): TOKEN_SELECTOR,
                        vol.Optional(CONF_CLEAR_TOKEN, default=False): BooleanSelector(),
                    }
                ),
                {CONF_URL: (user_input or {}).get(CONF_URL, entry.data[CONF_URL])},
            ),
            description_placeholders={"url": entry.data[CONF_URL]},
            errors=errors,
        )
