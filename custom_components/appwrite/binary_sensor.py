"""Connectivity of each Appwrite instance, as the bridge's instance check sees it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AppwriteConfigEntry
from .coordinator import AppwriteCoordinator
from .entity import AppwriteInstanceEntity, add_instance_entities

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: AppwriteConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    def make(coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> list[Entity]:
        return [AppwriteConnectivity(coordinator, bridge_id, project_id)]

    data = entry.runtime_data
    entry.async_on_unload(add_instance_entities(data.coordinator, data.bridge_id, async_add_entities, make))


class AppwriteConnectivity(AppwriteInstanceEntity, BinarySensorEntity):
    """On when the instance's state is `ok`."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, "connectivity")

    @property
    def is_on(self) -> bool | None:
        document = self.document
        return document.get("state") == "ok" if document else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        document = self.document
        if not document:
            return None
        return {
            "state": document.get("state"),
            "reason": document.get("reason"),
            "capabilities": document.get("capabilities"),
            "checked_at": document.get("checked_at"),
            "project_id": self.project_id,
        }
