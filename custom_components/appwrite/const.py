"""Constants of the Appwrite bridge integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "appwrite"

CONF_URL: Final = "url"
CONF_TOKEN: Final = "token"
CONF_CLEAR_TOKEN: Final = "clear_token"

DEFAULT_URL: Final = "http://127.0.0.1:8787"

# The bus event fired for every execution event the bridge streams.
EVENT_EXECUTION: Final = "appwrite_execution"
# Fired for every Appwrite Realtime event the bridge relays, and for each gap it could not replay.
EVENT_REALTIME: Final = "appwrite_realtime"
EVENT_REALTIME_GAP: Final = "appwrite_realtime_gap"

# The event stream pushes changes; this poll only catches what a broken stream missed.
POLL_INTERVAL: Final = timedelta(seconds=60)

# The bridge sends a keep-alive comment every 15 s of silence: three missed ones mean a dead link.
STREAM_READ_TIMEOUT: Final = 45.0
RECONNECT_INITIAL_DELAY: Final = 1.0
RECONNECT_MAX_DELAY: Final = 60.0
# The reconnect delay starts over only after a connection stayed up this long (or delivered an
# event): a bridge or proxy that accepts and closes at once is retried with growing delays.
STREAM_STABLE_AFTER: Final = 30.0

REQUEST_TIMEOUT: Final = 10.0
# execute_function may wait for a synchronous function (Appwrite stops them at 30 s) or, with
# function_wait, for up to 900 s.
CALL_TIMEOUT: Final = 960.0


def device_identifier(bridge_id: str, project_id: str) -> tuple[str, str]:
    """The device of one Appwrite instance behind one bridge."""
    return (DOMAIN, f"{bridge_id}_{project_id}")


def hub_identifier(bridge_id: str) -> tuple[str, str]:
    """The bridge's own (hub) device."""
    return (DOMAIN, bridge_id)
