"""A small appwrite-bridge stand-in for unit tests: the contract's shapes, on a real socket.

It speaks GET /api/, /api/services, /api/instances, POST /api/services/appwrite/<action> and the
/api/events SSE stream with event IDs, kinds and Last-Event-ID replay, as EVENTS-CONTRACT.md
describes, and lets a test drop streams and script answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web

EXECUTE_FIELDS = {
    "function_id": {
        "name": "Function ID",
        "description": "ID of the Appwrite Function to run.",
        "required": True,
        "example": "send_report",
        "selector": {"text": {}},
    },
    "function_method": {
        "name": "Method",
        "description": "HTTP method the function sees.",
        "required": False,
        "example": "POST",
        "selector": {"select": {"options": ["GET", "POST"]}},
        "default": "GET",
    },
    "function_body": {
        "name": "Body",
        "description": "Request body: a string, or any JSON value.",
        "required": False,
        "example": '{"room": "kitchen"}',
        "selector": {"text": {"multiline": True}},
    },
    "function_headers": {
        "name": "Headers",
        "description": "Headers the function sees.",
        "required": False,
        "example": '{"X-Source": "home-assistant"}',
        "selector": {"object": {}},
    },
    "function_async": {
        "name": "Asynchronous",
        "description": "Queue the execution.",
        "required": False,
        "example": "false",
        "selector": {"boolean": {}},
        "default": False,
    },
    "function_scheduled_at": {
        "name": "Scheduled at",
        "description": "Date and time to run at.",
        "required": False,
        "example": "2030-01-01T07:30:00Z",
        "selector": {"datetime": {}},
    },
    "function_wait_timeout": {
        "name": "Wait timeout",
        "description": "Seconds to wait.",
        "required": False,
        "example": "60",
        "selector": {"number": {"min": 1, "max": 900}},
        "default": 60,
    },
}


def execute_service(project_id: str) -> dict[str, Any]:
    return {
        "name": f"Execute function on {project_id}",
        "description": f"Runs an Appwrite Function of project {project_id}.",
        "fields": EXECUTE_FIELDS,
        "response": {"optional": True},
    }


def realtime(state: str = "connected", *subscriptions: str, reason: str | None = None) -> dict[str, Any]:
    """An instance document's `realtime` object (realtime-contract.md)."""
    return {
        "state": state,
        "reason": reason,
        "retry_at": None,
        "connected_since": "2026-12-02T12:00:00.000+00:00" if state == "connected" else None,
        "last_event_at": None,
        "reconnects": 0,
        "user_id": "ha-bridge",
        "subscriptions": [
            {
                "name": name,
                "channels": [f"databases.home.collections.{name}.documents"],
                "catch_up": True,
                "events": 0,
                "last_event_at": None,
            }
            for name in subscriptions
        ],
    }


def realtime_document_event(
    project_id: str, subscription: str, document_id: str, action: str = "create", catch_up: bool = False
) -> dict[str, Any]:
    """A `realtime` event of a document in database `home`, collection = the subscription's name."""
    base = f"databases.home.collections.{subscription}.documents"
    return {
        "project_id": project_id,
        "subscription": subscription,
        "action": action,
        "events": [f"{base}.{document_id}.{action}", f"databases.*.collections.*.documents.*.{action}"],
        "channels": ["documents", base, f"{base}.{document_id}", f"{base}.{action}"],
        "timestamp": "2026-12-02T12:00:00.000+00:00",
        "payload": {
            "$id": document_id,
            "$collectionId": subscription,
            "$databaseId": "home",
            "$updatedAt": "2026-12-02T12:00:00.000+00:00",
            "open": True,
        },
        "resource": {"type": "document", "id": document_id, "database_id": "home", "collection_id": subscription},
        "catch_up": catch_up,
        "truncated": False,
    }


def instance(project_id: str, state: str = "ok", pending: int = 0) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "name": project_id.capitalize(),
        "url": f"http://appwrite.{project_id}.test/v1",
        "action": f"appwrite.execute_function_{project_id}",
        "state": state,
        "reason": None if state == "ok" else "connection refused",
        "checked_at": "2026-11-25T07:00:00.000Z",
        "capabilities": {"execute": {"state": state, "reason": None}},
        "outbox_pending": pending,
        # No `realtime:` section in bridge.yaml.
        "realtime": None,
    }


@dataclass
class FakeBridge:
    token: str | None = "s3cret-token-value"
    bridge_id: str = "0b5e7c52-8d7a-4f7e-9a57-1f3c1d6a2b90"
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (id, kind, envelope) in order; the replay buffer.
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)
    # action -> (status, document) answered instead of a service response.
    failures: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    last_event_ids: list[str | None] = field(default_factory=list)
    # Replay this many already-delivered events again after a reconnect (a sloppy bridge), to
    # prove the client drops duplicates.
    replay_overlap: int = 0
    # (status, text/html body) answered to GET /api/ instead, as a proxy in front might.
    info_override: tuple[int, str] | None = None
    # Accept an event stream and end it at once, as a misconfigured proxy might.
    close_streams_at_once: bool = False
    # Called after each GET /api/instances is answered: a change the bridge makes right after a read.
    on_instances_read: Callable[[], None] | None = None
    url: str = ""

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._streams: dict[web.StreamResponse, asyncio.Task[Any]] = {}
        self._runner: web.AppRunner | None = None
        self.next_id = 1

    @classmethod
    def with_instances(cls, *project_ids: str, **kwargs: Any) -> FakeBridge:
        bridge = cls(**kwargs)
        for project_id in project_ids:
            bridge.add_instance(project_id)
        return bridge

    def add_instance(self, project_id: str) -> None:
        self.instances[project_id] = instance(project_id)
        self.services[f"execute_function_{project_id}"] = execute_service(project_id)

    def remove_instance(self, project_id: str) -> None:
        self.instances.pop(project_id, None)
        self.services.pop(f"execute_function_{project_id}", None)

    async def publish_raw(self, event_id: str, kind: str, data: str) -> None:
        """An event exactly as given: an ID or data a correct bridge would never send."""
        self.events.append((event_id, kind, data))  # type: ignore[arg-type]
        async with self._changed:
            self._changed.notify_all()

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_get("/api/", self._info)
        app.router.add_get("/api/services", self._services)
        app.router.add_get("/api/instances", self._instances)
        app.router.add_post("/api/services/appwrite/{action}", self._call)
        app.router.add_get("/api/events", self._events)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        await self.drop_streams()
        if self._runner:
            await self._runner.cleanup()

    async def publish(self, kind: str, envelope: dict[str, Any]) -> int:
        event_id = self.next_id
        self.next_id += 1
        self.events.append((event_id, kind, envelope))
        async with self._changed:
            self._changed.notify_all()
        return event_id

    async def publish_execution(self, project_id: str, function_id: str, execution_id: str, status: str) -> int:
        return await self.publish(
            "execution",
            {
                "events": [
                    f"functions.{function_id}.executions.{execution_id}.update",
                    f"functions.{function_id}.executions.{execution_id}",
                    "functions.*.executions.*.update",
                ],
                "channels": [
                    "executions",
                    f"executions.{execution_id}",
                    f"functions.{function_id}",
                    f"instances.{project_id}",
                ],
                "timestamp": "2026-11-25T07:00:00.000Z",
                "payload": {
                    "$id": execution_id,
                    "functionId": function_id,
                    "status": status,
                    "responseStatusCode": 200 if status == "completed" else 0,
                    "duration": 0.25,
                    "trigger": "http",
                },
            },
        )

    async def publish_instance(self, project_id: str) -> int:
        return await self.publish(
            "instance",
            {
                "events": [f"instances.{project_id}.update"],
                "channels": ["instances", f"instances.{project_id}"],
                "timestamp": "2026-11-25T07:00:00.000Z",
                "payload": self.instances[project_id],
            },
        )

    async def publish_realtime(self, envelope: dict[str, Any]) -> int:
        return await self.publish("realtime", envelope)

    async def publish_realtime_gap(self, project_id: str, subscription: str, caught_up: int | None) -> int:
        return await self.publish(
            "realtime_gap",
            {
                "project_id": project_id,
                "subscription": subscription,
                "events": [f"realtime.{project_id}.{subscription}.gap"],
                "channels": ["realtime", f"realtime.{project_id}"],
                "timestamp": "2026-12-02T12:01:00.000+00:00",
                "payload": {},
                "gap": {"from": "2026-12-02T12:00:00.000+00:00", "to": "2026-12-02T12:01:00.000+00:00"},
                "caught_up": caught_up,
            },
        )

    async def publish_catalogue(self) -> int:
        return await self.publish(
            "catalogue",
            {
                "events": ["bridge.catalogue.update"],
                "channels": ["bridge"],
                "timestamp": "",
                "payload": {"generation": 2},
            },
        )

    async def drop_streams(self) -> None:
        """Cuts every open event stream, as a network blip or a bridge restart would."""
        for task in list(self._streams.values()):
            task.cancel()
        self._streams.clear()

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def _authorised(self, request: web.Request) -> bool:
        return self.token is None or request.headers.get("Authorization") == f"Bearer {self.token}"

    def _unauthorised(self) -> web.Response:
        return web.json_response(
            {"error": {"code": "unauthorized", "message": "the bridge token is not valid"}}, status=401
        )

    async def _info(self, request: web.Request) -> web.Response:
        if self.info_override is not None:
            status, text = self.info_override
            return web.Response(status=status, text=text, content_type="text/html")
        if not self._authorised(request):
            return self._unauthorised()
        if not self.bridge_id:
            # A bridge from before bridge identities.
            return web.json_response({"message": "API running."})
        return web.json_response({"message": "API running.", "bridge_id": self.bridge_id, "version": "0.1.0"})

    async def _services(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        return web.json_response([{"domain": "appwrite", "services": self.services}])

    async def _instances(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        response = web.json_response(list(self.instances.values()))
        if self.on_instances_read is not None:
            self.on_instances_read()
        return response

    async def _call(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        action = request.match_info["action"]
        data = await request.json()
        return_response = "return_response" in request.query
        self.calls.append((action, data, return_response))
        if action not in self.services:
            return web.json_response(
                {"error": {"code": "unknown_action", "message": f"no action {action}"}}, status=404
            )
        if action in self.failures:
            status, document = self.failures[action]
            return web.json_response(document, status=status)
        execution = {
            "$id": "exec1",
            "functionId": data.get("function_id"),
            "status": "completed",
            "responseStatusCode": 200,
        }
        return web.json_response({"changed_states": [], "service_response": execution} if return_response else [])

    async def _events(self, request: web.Request) -> web.StreamResponse:
        if not self._authorised(request):
            return self._unauthorised()
        last = request.headers.get("Last-Event-ID")
        self.last_event_ids.append(last)
        # The position is fixed before the first await, so nothing published meanwhile is skipped.
        position = len(self.events)
        resync: tuple[int, dict[str, Any]] | None = None
        if last is not None:
            known = [index for index, (event_id, _, _) in enumerate(self.events) if str(event_id) == last]
            if known:
                position = max(known[0] + 1 - self.replay_overlap, 0)
            else:
                resync = (
                    self.next_id,
                    {
                        "events": ["bridge.resync"],
                        "channels": ["bridge"],
                        "timestamp": "",
                        "payload": {"reason": "unknown"},
                    },
                )
                self.next_id += 1
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        task = asyncio.current_task()
        assert task is not None
        self._streams[response] = task
        await response.write(b": appwrite-bridge events\n\n")
        if self.close_streams_at_once:
            self._streams.pop(response, None)
            return response
        if resync is not None:
            await response.write(f"id: {resync[0]}\nevent: resync\ndata: {json.dumps(resync[1])}\n\n".encode())
        try:
            while True:
                while position < len(self.events):
                    event_id, kind, envelope = self.events[position]
                    position += 1
                    data = envelope if isinstance(envelope, str) else json.dumps(envelope)
                    await response.write(f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n".encode())
                async with self._changed:
                    await self._changed.wait_for(lambda: position < len(self.events))  # noqa: B023 - called at once
        finally:
            self._streams.pop(response, None)
