"""What the integration knows about one bridge: its instances and its catalogue.

The event stream pushes instance changes into it and asks for a refresh when the catalogue
changes; the 60 s poll only catches what a broken stream missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .actions import EntryActions
from .client import BridgeAuthError, BridgeClient, BridgeError
from .const import DOMAIN, POLL_INTERVAL, device_identifier, hub_identifier

if TYPE_CHECKING:
    from . import AppwriteConfigEntry

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class BridgeSnapshot:
    """Instance documents by project ID, and the catalogue by action name."""

    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)


class AppwriteCoordinator(DataUpdateCoordinator[BridgeSnapshot]):
    """Reads /api/instances and /api/services, and keeps the entry's actions in step."""

    config_entry: AppwriteConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: AppwriteConfigEntry,
        client: BridgeClient,
        actions: EntryActions,
        bridge_id: str,
    ) -> None:
        super().__init__(
            hass, _LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title}", update_interval=POLL_INTERVAL
        )
        self.client = client
        self.actions = actions
        self.bridge_id = bridge_id
        # Every pushed instance document gets the next number; a poll keeps a document pushed
        # after it started, which is newer than what the poll read.
        self._pushes = 0
        self._pushed_at: dict[str, int] = {}

    async def _async_update_data(self) -> BridgeSnapshot:
        started = self._pushes
        try:
            services = await self.client.services()
            instances = await self.client.instances()
        except BridgeAuthError as error:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth_entry") from error
        except BridgeError as error:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(error)},
            ) from error
        current = self.data.instances if self.data else {}
        # Not cleared here: another refresh may be running beside this one (the stream asks for
        # one when it opens) and still needs to know what was pushed after it started.
        for project_id, number in self._pushed_at.items():
            if number > started and project_id in instances and project_id in current:
                instances[project_id] = current[project_id]
        self.actions.async_update(services)
        self._remove_stale_devices(instances)
        return BridgeSnapshot(instances=instances, services=services)

    def async_set_instance(self, document: dict[str, Any]) -> None:
        """An `instance` event: that instance's document, exactly as in /api/instances."""
        project_id = document.get("project_id")
        if not isinstance(project_id, str):
            return
        self._pushes += 1
        self._pushed_at[project_id] = self._pushes
        current = self.data or BridgeSnapshot()
        instances = dict(current.instances)
        instances[project_id] = document
        self.async_set_updated_data(BridgeSnapshot(instances=instances, services=current.services))

    def _remove_stale_devices(self, instances: dict[str, dict[str, Any]]) -> None:
        """After a full read: instances a bridge reload removed lose their device and entities.

        Only here, not on every pushed event: a push names one instance, never the whole list.
        """
        live = {device_identifier(self.bridge_id, project_id) for project_id in instances} | {
            hub_identifier(self.bridge_id)
        }
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            if device.identifiers and not device.identifiers & live:
                registry.async_update_device(device.id, remove_config_entry_id=self.config_entry.entry_id)
