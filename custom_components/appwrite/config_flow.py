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
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import voluptuous as vol
from yarl import URL

from .client import (
    BridgeAuthError,
    BridgeClient,
    BridgeConnectionError,
    BridgeError,
    BridgeInfo,
    BridgeUnsupportedError,
)
from .const import CONF_TOKEN, CONF_URL, DEFAULT_URL, DOMAIN

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


class AppwriteConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds one appwrite-bridge."""

    VERSION = 1
    MINOR_VERSION = 1

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
        except BridgeError:
            _LOGGER.exception("Unexpected answer from the bridge at %s", url)
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
                return self.async_create_entry(
                    title=f"appwrite-bridge {URL(url).host}:{URL(url).port}", data={CONF_URL: url, CONF_TOKEN: token}
                )
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
        """The bridge moved to another URL (or got a new token)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input.get(CONF_TOKEN)
            if token is None:
                token = entry.data.get(CONF_TOKEN) or ""
            info, errors = await self._check(user_input[CONF_URL], token)
            if info is not None:
                await self.async_set_unique_id(info.bridge_id)
                self._abort_if_unique_id_mismatch(reason="wrong_bridge")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_URL: normalise_url(user_input[CONF_URL]), CONF_TOKEN: token}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_URL): URL_SELECTOR, vol.Optional(CONF_TOKEN): TOKEN_SELECTOR}),
                {CONF_URL: (user_input or {}).get(CONF_URL, entry.data[CONF_URL])},
            ),
            errors=errors,
        )
