"""FunctionQueue's callback path (first attempt without a task) and the channel's timeouts."""

from __future__ import annotations

import asyncio
import logging

import pytest
from messenger_emulators.functions_host.channel import EventChannel
from messenger_emulators.functions_host.delivery import DeliveryPolicy, FunctionQueue, Stats
from messenger_emulators.functions_host.manifest import FunctionSpec
from messenger_emulators.functions_host.triggers import CloudEvent

SPEC = FunctionSpec("f", "f")


def _event(ref: str, n: int) -> CloudEvent:
    return CloudEvent(f"id{n}", {}, b"{}", ref)


class FakeWorker:
    """send() answers later with the scripted statuses; post() likewise, as the retry path."""

    def __init__(self, statuses: dict[str, list[int]] | None = None) -> None:
        self.statuses = statuses or {}
        self.sent: list[str] = []
        self.posted: list[str] = []
        self.open: list = []  # answers not given yet
        self.in_flight = self.max_in_flight = 0

    def _status(self, event: CloudEvent) -> int:
        script = self.statuses.get(event.id)
        return script.pop(0) if script else 200

    def send(self, spec, event, on_reply) -> bool:
        self.sent.append(event.id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.open.append((event, on_reply))
        return True

    def answer_all(self) -> None:
        open_, self.open = self.open, []
        for event, on_reply in open_:
            self.in_flight -= 1
            on_reply(self._status(event), None)

    async def post(self, spec, event) -> int:
        self.posted.append(event.id)
        return self._status(event)


async def _settle(worker: FakeWorker, queue: FunctionQueue) -> None:
    for _ in range(200):
        worker.answer_all()
        await asyncio.sleep(0.001)
        if queue.pending == 0:
            return
    raise AssertionError("the queue did not drain")


def test_lanes_keep_order_and_the_concurrency_bound() -> None:
    async def scenario() -> tuple[FakeWorker, Stats]:
        worker, stats = FakeWorker(), Stats()
        queue = FunctionQueue(SPEC, worker.post, DeliveryPolicy(concurrency=3), stats,
                              worker.send)
        queue.start()
        for n in range(20):
            queue.put(_event(f"r{n % 5}", n))
        await _settle(worker, queue)
        return worker, stats

    worker, stats = asyncio.run(scenario())
    assert stats.delivered == 20 and not worker.posted
    assert worker.max_in_flight == 3
    for lane in range(5):  # each path's events in commit order
        order = [int(i[2:]) for i in worker.sent if int(i[2:]) % 5 == lane]
        assert order == sorted(order)


def test_a_failed_first_attempt_is_retried_in_order_and_a_4xx_dropped(caplog) -> None:
    caplog.set_level(logging.WARNING)

    async def scenario() -> tuple[FakeWorker, Stats]:
        worker = FakeWorker({"id0": [500, 503, 200], "id2": [404]})
        stats = Stats()
        policy = DeliveryPolicy(first_delay=0.001, max_delay=0.002)
        queue = FunctionQueue(SPEC, worker.post, policy, stats, worker.send)
        queue.start()
        for n in range(3):
            queue.put(_event("same", n))
        await _settle(worker, queue)
        return worker, stats

    worker, stats = asyncio.run(scenario())
    assert worker.sent == ["id0", "id1", "id2"]  # id1 waited for id0's retries
    assert worker.posted == ["id0", "id0"]
    assert stats.delivered == 2 and stats.retried == 2 and stats.dropped == 1
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert "attempt 1/6: HTTP 500" in retries[0] and "attempt 2/6: HTTP 503" in retries[1]


def test_an_unsendable_event_goes_through_post() -> None:
    async def scenario() -> tuple[FakeWorker, Stats]:
        worker, stats = FakeWorker(), Stats()
        queue = FunctionQueue(SPEC, worker.post, DeliveryPolicy(), stats,
                              lambda spec, event, on_reply: False)
        queue.start()
        queue.put(_event("a", 0))
        await _settle(worker, queue)
        return worker, stats

    worker, stats = asyncio.run(scenario())
    assert worker.posted == ["id0"] and stats.delivered == 1


def test_a_call_without_an_answer_times_out() -> None:
    async def scenario() -> list:
        async def silent(reader, writer) -> None:
            await reader.read()  # never answers

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        channel = EventChannel()
        try:
            await channel._connected(port)
            outcomes: list = []
            done = asyncio.get_running_loop().create_future()

            def on_reply(status, error) -> None:
                outcomes.append((status, type(error)))
                if len(outcomes) == 2:
                    done.set_result(None)

            channel.send("f", {}, b"", on_reply, timeout=0.05)
            channel.send("f", {}, b"", on_reply, timeout=0.1)
            await asyncio.wait_for(done, 5)
            assert channel.in_flight == 0
            return outcomes
        finally:
            await channel.close()
            server.close()

    assert asyncio.run(scenario()) == [(0, TimeoutError), (0, TimeoutError)]


@pytest.mark.parametrize("max_attempts", [1, 2])
def test_max_attempts_counts_the_first_attempt(max_attempts: int) -> None:
    async def scenario() -> tuple[FakeWorker, Stats]:
        worker, stats = FakeWorker({"id0": [500, 500, 500]}), Stats()
        policy = DeliveryPolicy(max_attempts=max_attempts, first_delay=0.001)
        queue = FunctionQueue(SPEC, worker.post, policy, stats, worker.send)
        queue.start()
        queue.put(_event("a", 0))
        await _settle(worker, queue)
        return worker, stats

    worker, stats = asyncio.run(scenario())
    assert len(worker.sent) + len(worker.posted) == max_attempts
    assert stats.dropped == 1 and stats.retried == max_attempts - 1
