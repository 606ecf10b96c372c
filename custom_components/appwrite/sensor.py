"""Diagnostic sensors of each Appwrite instance: outbox, the bridge's last check, its state and reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from . import AppwriteConfigEntry
from .coordinator import AppwriteCoordinator
from .entity import AppwriteInstanceEntity, add_instance_entities

PARALLEL_UPDATES = 0

# The bridge's instance states (README "Instance states").
CHECK_STATES = ["pending", "ok", "unreachable", "invalid_key", "project_not_found", "missing_scope", "error", "unchecked"]
# A sensor's state holds at most 255 characters.
MAX_STATE_LENGTH = 255


def _outbox(document: dict[str, Any]) -> int | None:
    value = document.get("outbox_pending")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _checked_at(document: dict[str, Any]) -> datetime | None:
    value = document.get("checked_at")
    return dt_util.parse_datetime(value) if isinstance(value, str) else None


def _check_state(document: dict[str, Any]) -> str | None:
    value = document.get("state")
    return value if value in CHECK_STATES else None


def _reason(document: dict[str, Any]) -> str | None:
    value = document.get("reason")
    return value[:MAX_STATE_LENGTH] if isinstance(value, str) and value else None


@dataclass(frozen=True, kw_only=True)
class InstanceSensorDescription(SensorEntityDescription):
    value: Callable[[dict[str, Any]], Any]


SENSORS = (
    InstanceSensorDescription(
        key="outbox_pending",
        translation_key="outbox_pending",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=_outbox,
    ),
    InstanceSensorDescription(
        key="checked_at",
        translation_key="checked_at",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=_checked_at,
    ),
    InstanceSensorDescription(
        key="check_state",
        translation_key="check_state",
        device_class=SensorDeviceClass.ENUM,
        options=CHECK_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=_check_state,
    ),
    InstanceSensorDescription(
        key="check_reason",
        translation_key="check_reason",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=_reason,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AppwriteConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    def make(coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> list[Entity]:
        return [AppwriteInstanceSensor(coordinator, bridge_id, project_id, description) for description in SENSORS]

    data = entry.runtime_data
    entry.async_on_unload(add_instance_entities(data.coordinator, data.bridge_id, async_add_entities, make))


class AppwriteInstanceSensor(AppwriteInstanceEntity, SensorEntity):
    """One value of the instance's document."""

    entity_description: InstanceSensorDescription

    def __init__(
        self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str, description: InstanceSensorDescription
    ) -> None:
        super().__init__(coordinator, bridge_id, project_id, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> Any:
        document = self.document
        return self.entity_description.value(document) if document else None
