"""Repair issues for an instance whose Appwrite key lacks a scope a capability needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import AppwriteCoordinator

# Capability -> (the scope the key needs, the translation key of what breaks without it).
SCOPES = {
    "read": "executions.read",
    "messaging": "messages.write",
    "storage": "files.write",
}


def issue_id(entry_id: str, project_id: str, capability: str) -> str:
    return f"missing_scope_{entry_id}_{project_id}_{capability}"


def missing_scope_reporter(hass: HomeAssistant, coordinator: AppwriteCoordinator) -> Callable[[], None]:
    """A coordinator listener keeping one issue per instance and capability whose scope is missing."""
    entry = coordinator.config_entry
    raised: set[str] = set()

    @callback
    def report() -> None:
        wanted: dict[str, dict[str, str]] = {}
        for project_id, document in (coordinator.data.instances if coordinator.data else {}).items():
            capabilities = document.get("capabilities")
            if not isinstance(capabilities, dict):
                continue
            for capability, scope in SCOPES.items():
                state = capabilities.get(capability)
                if isinstance(state, dict) and state.get("state") == "missing_scope":
                    wanted[issue_id(entry.entry_id, project_id, capability)] = {
                        "instance": str(document.get("name") or project_id),
                        "project_id": project_id,
                        "scope": scope,
                        "capability": capability,
                    }
        for gone in raised - wanted.keys():
            ir.async_delete_issue(hass, DOMAIN, gone)
        for new_id, placeholders in wanted.items():
            if new_id not in raised:
                capability = placeholders.pop("capability")
                ir.async_create_issue(
                    hass,
                    DOMAIN,
                    new_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=f"missing_scope_{capability}",
                    translation_placeholders=placeholders,
                )
        raised.clear()
        raised.update(wanted)

    report()
    return report
