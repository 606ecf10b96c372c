"""Appwrite Realtime as the bridge relays it: its `realtime` and `realtime_gap` events, and the
`realtime` part of an instance document (state, subscriptions).

The bridge holds the Realtime connection and its session; nothing here ever sees a session.
"""

from __future__ import annotations

from typing import Any

from .const import DOMAIN

# The actions a subscription's event entity fires (the last segment of the event's first name).
REALTIME_ACTIONS = ("create", "update", "upsert", "delete")
# The bridge's Realtime connection states (/api/instances, `realtime.state`).
REALTIME_STATES = ["connecting", "connected", "unauthorized", "misconfigured", "backing_off", "stopped"]


def realtime_signal(entry_id: str, project_id: str, subscription: str) -> str:
    return f"{DOMAIN}_realtime_{entry_id}_{project_id}_{subscription}"


def realtime_section(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """The instance's `realtime` object; None without a `realtime:` section (or from an older bridge)."""
    section = (document or {}).get("realtime")
    return section if isinstance(section, dict) else None


def subscription_names(document: dict[str, Any] | None) -> list[str]:
    """The names of the instance's Realtime subscriptions, in the bridge's order."""
    subscriptions = (realtime_section(document) or {}).get("subscriptions")
    if not isinstance(subscriptions, list):
        return []
    names = [item.get("name") for item in subscriptions if isinstance(item, dict)]
    return [name for name in dict.fromkeys(names) if isinstance(name, str) and name]


def event_action(envelope: dict[str, Any]) -> str | None:
    """`action`, or (from a bridge that leaves it out) the last segment of the first event name."""
    action = envelope.get("action")
    if isinstance(action, str):
        return action
    events = envelope.get("events")
    if isinstance(events, list) and events and isinstance(events[0], str):
        return events[0].rsplit(".", 1)[-1]
    return None


def realtime_event_data(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The `appwrite_realtime` or `appwrite_realtime_gap` bus event's data: the bridge's event as
    it is, with `action` filled in; None when it names no instance or subscription."""
    if not isinstance(envelope.get("project_id"), str) or not isinstance(envelope.get("subscription"), str):
        return None
    data = dict(envelope)
    if "gap" not in data:
        data["action"] = event_action(envelope)
    return data


def entity_attributes(data: dict[str, Any]) -> dict[str, Any]:
    """What the subscription's event entity records: which resource, not its payload.

    The bus event has the whole payload; the entity's attributes go into the recorder with every
    state, so they stay small.
    """
    resource = data.get("resource")
    resource = resource if isinstance(resource, dict) else {}
    payload = data.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    return {
        "resource_type": resource.get("type"),
        "id": resource.get("id", payload.get("$id")),
        "database_id": resource.get("database_id", payload.get("$databaseId")),
        "collection_id": resource.get("collection_id", payload.get("$collectionId")),
        "bucket_id": resource.get("bucket_id", payload.get("$bucketId")),
        "catch_up": data.get("catch_up") is True,
    }
