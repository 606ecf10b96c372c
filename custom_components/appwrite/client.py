"""A small client for the bridge's Home Assistant-shaped JSON API, over Home Assistant's session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
import json
from typing import Any

import aiohttp
from homeassistant.helpers.json import json_bytes

from .const import CALL_TIMEOUT, REQUEST_TIMEOUT, STREAM_READ_TIMEOUT


class BridgeError(Exception):
    """Base of every failure talking to the bridge. Never carries the token."""


class BridgeConnectionError(BridgeError):
    """The bridge could not be reached, or answered something that is not its API."""


class BridgeUnsupportedError(BridgeError):
    """An appwrite-bridge older than this integration: GET /api/ has no bridge_id."""


class BridgeAuthError(BridgeError):
    """The bridge refused the token (401)."""


class BridgeResponseError(BridgeError):
    """The bridge answered an error document: status, stable code, field at fault, message."""

    def __init__(self, status: int, code: str, message: str, field: str | None) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class BridgeInfo:
    """GET /api/: the bridge's stable identity and version."""

    bridge_id: str
    version: str | None


class BridgeClient:
    """Calls one bridge. The token only ever goes into the Authorization header."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str | None) -> None:
        self._session = session
        self.url = url.rstrip("/")
        self._token = token or None

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if extra:
            headers.update(extra)
        return headers

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        timeout: float = REQUEST_TIMEOUT,
        forbidden_is_auth: bool = True,
    ) -> Any:
        headers = self._headers({"Content-Type": "application/json"} if body is not None else None)
        try:
            async with self._session.request(
                method,
                f"{self.url}{path}",
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            # The class name only: some aiohttp errors repeat the request, never the headers,
            # but nothing of the request belongs in a log line.
            raise BridgeConnectionError(f"cannot reach the bridge at {self.url}: {type(error).__name__}") from None
        # Before the body is read as JSON: a proxy in front of the bridge may refuse the token
        # with an HTML page. A 403 on the bridge's own reads means the token may not use them,
        # which no retry fixes; on an action it refuses that one call.
        if status == 401 or (status == 403 and forbidden_is_auth):
            raise BridgeAuthError("the bridge refused the token")
        try:
            document = json.loads(text) if text else None
        except ValueError:
            raise BridgeConnectionError(
                f"{self.url} answered HTTP {status} without JSON: not an appwrite-bridge"
            ) from None
        if status >= 400:
            error = document.get("error", document) if isinstance(document, dict) else {}
            if not isinstance(error, dict):
                error = {}
            raise BridgeResponseError(
                status,
                str(error.get("code") or f"http_{status}"),
                str(error.get("message") or f"HTTP {status}"),
                error.get("field") if isinstance(error.get("field"), str) else None,
            )
        return document

    async def info(self) -> BridgeInfo:
        """The bridge's identity. Raises BridgeConnectionError for anything that is not a bridge."""
        document = await self._request("GET", "/api/")
        if not isinstance(document, dict) or document.get("message") != "API running.":
            raise BridgeConnectionError(f"{self.url} does not answer like an appwrite-bridge")
        bridge_id = document.get("bridge_id")
        if not isinstance(bridge_id, str) or not bridge_id:
            raise BridgeUnsupportedError(f"{self.url} has no bridge_id: the bridge is older than this integration")
        version = document.get("version")
        return BridgeInfo(bridge_id, version if isinstance(version, str) else None)

    async def services(self) -> dict[str, dict[str, Any]]:
        """The catalogue: action name -> description (name, description, fields, response)."""
        document = await self._request("GET", "/api/services")
        services: dict[str, dict[str, Any]] = {}
        for domain in document if isinstance(document, list) else []:
            if isinstance(domain, dict) and domain.get("domain") == "appwrite":
                for name, description in (domain.get("services") or {}).items():
                    if isinstance(description, dict):
                        services[name] = description
        return services

    async def instances(self) -> dict[str, dict[str, Any]]:
        """Instance documents by project ID."""
        document = await self._request("GET", "/api/instances")
        documents = document if isinstance(document, list) else []
        return {
            instance["project_id"]: instance
            for instance in documents
            if isinstance(instance, dict) and isinstance(instance.get("project_id"), str)
        }

    async def call_service(self, action: str, data: Mapping[str, Any], return_response: bool) -> Any:
        """POST /api/services/appwrite/<action>: the bridge's answer ([] or {service_response})."""
        path = f"/api/services/appwrite/{action}" + ("?return_response" if return_response else "")
        return await self._request(
            "POST", path, body=json_bytes(dict(data)), timeout=CALL_TIMEOUT, forbidden_is_auth=False
        )

    async def events(self, last_event_id: str | None) -> AsyncIterator[tuple[str | None, str, str]]:
        """Lines of /api/events as SSE messages (id, event kind, data), until the stream ends."""
        headers = self._headers({"Accept": "text/event-stream"})
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        try:
            async with self._session.get(
                f"{self.url}/api/events",
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=REQUEST_TIMEOUT, sock_read=STREAM_READ_TIMEOUT),
            ) as response:
                if response.status in (401, 403):
                    raise BridgeAuthError("the bridge refused the token")
                if response.status != 200:
                    raise BridgeConnectionError(f"the event stream answered HTTP {response.status}")
                yield (None, "_opened", "")
                # Chunks, not readline(): an Execution with a large responseBody makes a line
                # longer than aiohttp's line limit.
                parser = SSEParser()
                pending = b""
                async for chunk in response.content.iter_any():
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        for message in parser.feed_line(line.decode("utf-8", errors="replace")):
                            yield message
        except (aiohttp.ClientError, TimeoutError) as error:
            raise BridgeConnectionError(f"event stream from {self.url} lost: {type(error).__name__}") from None


class SSEParser:
    """Server-Sent Events framing: fields accumulate until a blank line ends a message."""

    def __init__(self) -> None:
        self._id: str | None = None
        self._event = ""
        self._data: list[str] = []

    def feed_line(self, line: str) -> list[tuple[str | None, str, str]]:
        line = line.rstrip("\r\n")
        if line == "":
            if not self._data:
                self._id, self._event = None, ""
                return []
            message = (self._id, self._event or "message", "\n".join(self._data))
            self._id, self._event, self._data = None, "", []
            return [message]
        if line.startswith(":"):
            return []
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            self._id = value
        elif name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return []
