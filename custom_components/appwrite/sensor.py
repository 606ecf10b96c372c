"""Pending outbox items of each Appwrite instance: calls the bridge still has to deliver."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity, SensorStateClass
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
        return [AppwriteOutboxPending(coordinator, bridge_id, project_id)]

    data = entry.runtime_data
    entry.async_on_unload(add_instance_entities(data.coordinator, data.bridge_id, async_add_entities, make))


class AppwriteOutboxPending(AppwriteInstanceEntity, SensorEntity):
    """How many calls to this instance wait in the bridge's outbox."""

    _attr_translation_key = "outbox_pending"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, "outbox_pending")

    @property
    def native_value(self) -> int | None:
        document = self.document
        value = document.get("outbox_pending") if document else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
