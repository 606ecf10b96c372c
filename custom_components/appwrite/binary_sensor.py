"""Connectivity of each Appwrite instance, and each capability its key has, as the bridge's check sees them;
and, for an instance with Realtime, the state of the bridge's Realtime connection."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from collections.abc import Callable
from functools import partial
from typing import Any

from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AppwriteConfigEntry
from .coordinator import AppwriteCoordinator
from .entity import AppwriteInstanceEntity, add_instance_entities, track_instance_entities
from .realtime import realtime_section

PARALLEL_UPDATES = 0

# The capabilities beside `execute` (which the connectivity sensor shows) the bridge may report.
CAPABILITIES = ("read", "messaging", "storage")


async def async_setup_entry(
    hass: HomeAssistant, entry: AppwriteConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    def make(coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> list[Entity]:
        entities: list[Entity] = [AppwriteConnectivity(coordinator, bridge_id, project_id)]
        document = coordinator.data.instances.get(project_id) if coordinator.data else None
        capabilities = (document or {}).get("capabilities")
        for capability in CAPABILITIES:
            if isinstance(capabilities, dict) and capability in capabilities:
                entities.append(AppwriteCapability(coordinator, bridge_id, project_id, capability))
        return entities

    data = entry.runtime_data
    entry.async_on_unload(add_instance_entities(data.coordinator, data.bridge_id, async_add_entities, make))

    def realtime(project_id: str, document: dict[str, Any]) -> dict[str, Callable[[], AppwriteInstanceEntity]]:
        if realtime_section(document) is None:
            return {}
        return {"realtime": partial(AppwriteRealtimeConnectivity, data.coordinator, data.bridge_id, project_id)}

    entry.async_on_unload(
        track_instance_entities(data.coordinator, Platform.BINARY_SENSOR, async_add_entities, realtime)
    )


class AppwriteConnectivity(AppwriteInstanceEntity, BinarySensorEntity):
    """On when the instance's state is `ok`."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, "connectivity")

    @property
    def is_on(self) -> bool | None:
        document = self.document
        return document.get("state") == "ok" if document else None


class AppwriteCapability(AppwriteInstanceEntity, BinarySensorEntity):
    """On when the instance's key has what one capability needs (executions.read, messages.write, files)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str, capability: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, f"capability_{capability}")
        self.capability = capability
        self._attr_translation_key = f"capability_{capability}"

    @property
    def is_on(self) -> bool | None:
        capabilities = (self.document or {}).get("capabilities")
        entry = capabilities.get(self.capability) if isinstance(capabilities, dict) else None
        return entry.get("state") == "ok" if isinstance(entry, dict) else None


class AppwriteRealtimeConnectivity(AppwriteInstanceEntity, BinarySensorEntity):
    """On while the bridge's Realtime connection of the instance is `connected` (and its session
    accepted); the state (unauthorized, misconfigured, backing_off, …), the reason, the reconnect
    count and the next attempt's time as attributes."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_translation_key = "realtime"
    # They change at every reconnect (or say why in a sentence): not worth a row per change.
    _unrecorded_attributes = frozenset({"reason", "reconnects", "retry_at"})

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, "realtime")

    @property
    def section(self) -> dict[str, Any] | None:
        return realtime_section(self.document)

    @property
    def available(self) -> bool:
        return super().available and self.section is not None

    @property
    def is_on(self) -> bool | None:
        section = self.section
        return section.get("state") == "connected" if section else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        section = self.section
        if section is None:
            return None
        return {key: section.get(key) for key in ("state", "reason", "reconnects", "retry_at")}
