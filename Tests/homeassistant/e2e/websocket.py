"""Home Assistant's WebSocket API, for what REST does not show: bus events and action errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import threading
import time
from typing import Any

import aiohttp


async def _connect(session: aiohttp.ClientSession, url: str, token: str) -> aiohttp.ClientWebSocketResponse:
    socket = await session.ws_connect(url.replace("http://", "ws://") + "/api/websocket")
    assert (await socket.receive_json())["type"] == "auth_required"
    await socket.send_json({"type": "auth", "access_token": token})
    assert (await socket.receive_json())["type"] == "auth_ok"
    return socket


def call_service(
    url: str, token: str, domain: str, service: str, data: dict[str, Any], return_response: bool = True
) -> dict:
    """The call_service result message: success and response, or the error with its translation."""

    async def run() -> dict:
        async with aiohttp.ClientSession() as session:
            socket = await _connect(session, url, token)
            await socket.send_json(
                {
                    "id": 1,
                    "type": "call_service",
                    "domain": domain,
                    "service": service,
                    "service_data": data,
                    "return_response": return_response,
                }
            )
            while True:
                message = await socket.receive_json(timeout=60)
                if message.get("id") == 1 and message.get("type") == "result":
                    await socket.close()
                    return message

    return asyncio.run(run())


def command(url: str, token: str, message: dict[str, Any]) -> dict:
    """One WebSocket command (e.g. config/core/update) and its result message."""

    async def run() -> dict:
        async with aiohttp.ClientSession() as session:
            socket = await _connect(session, url, token)
            await socket.send_json({"id": 1, **message})
            while True:
                answer = await socket.receive_json(timeout=60)
                if answer.get("id") == 1 and answer.get("type") == "result":
                    await socket.close()
                    return answer

    return asyncio.run(run())


class EventCollector:
    """Subscribes to one bus event type in a background thread and keeps every event, with the
    time.monotonic() at which its message was read off the socket (for latency measurements)."""

    def __init__(self, url: str, token: str, event_type: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # arrivals[i]: when events[i] was read
        self._arrived = threading.Condition()
        self._subscribed = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run(url, token, event_type)), daemon=True)
        self._thread.start()
        if not self._subscribed.wait(30):
            raise AssertionError(f"could not subscribe to {event_type}")

    async def _run(self, url: str, token: str, event_type: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with aiohttp.ClientSession() as session:
            socket = await _connect(session, url, token)
            await socket.send_json({"id": 1, "type": "subscribe_events", "event_type": event_type})
            assert (await socket.receive_json())["success"]
            self._subscribed.set()
            receiver = asyncio.ensure_future(self._receive(socket))
            await self._stop.wait()
            receiver.cancel()
            await socket.close()

    async def _receive(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            received = time.monotonic()
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            document = message.json()
            if document.get("type") == "event":
                with self._arrived:
                    self.events.append(document["event"])
                    self.arrivals.append(received)
                    self._arrived.notify_all()

    def wait_for(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float, start: int = 0
    ) -> tuple[dict[str, Any], float] | None:
        """The first event from index `start` on that `matches`, and its arrival time; None if none
        arrives within `timeout` s. Blocks on the receiving thread's notification, not a poll."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for index in range(start, len(self.events)):
                    if matches(self.events[index]):
                        return self.events[index], self.arrivals[index]
                start = len(self.events)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._arrived.wait(remaining)

    def close(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
