"""Appwrite through appwrite-bridge: the bridge's actions, instance health and execution events."""

from __future__ import annotations

from dataclasses import dataclass
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .actions import ActionRegistry, EntryActions
from .client import BridgeAuthError, BridgeClient, BridgeError, BridgeUnsupportedError
from .const import CONF_TOKEN, CONF_URL, DOMAIN, hub_identifier
from .coordinator import AppwriteCoordinator
from .repairs_scopes import missing_scope_reporter
from .stream import EventStream

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

DATA_ACTIONS: HassKey[ActionRegistry] = HassKey(DOMAIN)


@dataclass(slots=True)
class AppwriteData:
    """What a loaded entry holds (entry.runtime_data)."""

    client: BridgeClient
    bridge_id: str
    bridge_version: str | None
    coordinator: AppwriteCoordinator
    actions: EntryActions
    stream: EventStream


type AppwriteConfigEntry = ConfigEntry[AppwriteData]


def action_registry(hass: HomeAssistant) -> ActionRegistry:
    """The one registry of appwrite.* actions, shared by every entry."""
    registry = hass.data.get(DATA_ACTIONS)
    if registry is None:
        registry = hass.data[DATA_ACTIONS] = ActionRegistry(hass)
    return registry


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Every entry's actions, from its stored catalogue, before any bridge is contacted."""
    registry = action_registry(hass)
    # Not for entries the user disabled or a discovery they ignored: those never load.
    for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False, include_disabled=False):
        await registry.async_restore(entry)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AppwriteConfigEntry) -> bool:
    # Before the first contact: a bridge that is down leaves the actions in place, answering
    # "not reachable" until the retry succeeds.
    actions = await action_registry(hass).async_restore(entry)
    client = BridgeClient(async_get_clientsession(hass), entry.data[CONF_URL], entry.data.get(CONF_TOKEN))
    try:
        info = await client.info()
    except BridgeAuthError as error:
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth_entry") from error
    except BridgeUnsupportedError as error:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="unsupported_bridge",
            translation_placeholders={"url": client.url},
        ) from error
    except BridgeError as error:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="cannot_connect", translation_placeholders={"url": client.url}
        ) from error
    if entry.unique_id is not None and info.bridge_id != entry.unique_id:
        # Another bridge now answers at this URL (or this one lost its state_dir): its devices
        # and actions are not this entry's.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="wrong_bridge",
            translation_placeholders={"url": client.url, "expected": entry.unique_id, "found": info.bridge_id},
        )

    # The hub device: the bridge itself, which each instance's device is linked to.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={hub_identifier(info.bridge_id)},
        name=entry.title,
        manufacturer="appwrite-bridge",
        model="appwrite-bridge",
        sw_version=info.version,
        configuration_url=client.url,
    )
    coordinator = AppwriteCoordinator(hass, entry, client, actions, info.bridge_id)
    stream = EventStream(hass, entry, client, coordinator)
    entry.runtime_data = AppwriteData(client, info.bridge_id, info.version, coordinator, actions, stream)
    await coordinator.async_config_entry_first_refresh()

    entry.async_on_unload(coordinator.async_add_listener(missing_scope_reporter(hass, coordinator)))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_create_background_task(hass, stream.run(), f"{DOMAIN} event stream of {entry.title}")
    return True


async def async_unload_entry(hass: HomeAssistant, entry: AppwriteConfigEntry) -> bool:
    # The actions stay: while the entry is not loaded they answer "not reachable".
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: AppwriteConfigEntry) -> None:
    await action_registry(hass).async_remove(entry.entry_id)
    issues = ir.async_get(hass).issues
    for domain, issue_id in list(issues):
        if domain == DOMAIN and issue_id.startswith(f"missing_scope_{entry.entry_id}_"):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
