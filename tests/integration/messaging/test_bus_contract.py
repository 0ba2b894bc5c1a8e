"""One contract, two buses: every test here runs against RabbitMQ 3.10 and the in-process bus.

If the in-process bus (standalone mode) behaved differently from RabbitMQ in any of these, a
standalone demo would hide a bug production has, or the other way round.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

import pytest

from lb_common.errors import (
    DependencyUnavailableError,
    PermanentError,
    UnroutableMessageError,
)
from lb_common.messaging.consumer import ExactlyOnce, MessageConsumer
from lb_common.messaging.envelope import Delivery, OutgoingMessage
from lb_common.messaging.outbox import CrashPoint, OutboxRelay
from lb_common.metrics import ServiceMetrics
from tests.integration.messaging.conftest import TrackingBus
from tests.integration.messaging.kit import (
    REGISTRY,
    KitDatabase,
    Ping,
    Pong,
    eventually,
    queue_spec,
)

pytestmark = pytest.mark.postgres


def ping(n: int = 1, routing_key: str | None = None) -> OutgoingMessage:
    message = OutgoingMessage.from_contract(Ping(tenant_id="t1", n=n))
    if routing_key is None:
        return message
    return OutgoingMessage(message.message_id, routing_key, message.body, message.headers)


class Recorder:
    """A delivery callback that settles each delivery as the test's script says."""

    def __init__(self, settle: str = "ack") -> None:
        self.settle = settle
        self.seen: list[tuple[str, str, int]] = []

    async def __call__(self, delivery: Delivery) -> None:
        self.seen.append((delivery.message_id, delivery.routing_key, delivery.delivery_count))
        if self.settle == "ack":
            await delivery.ack()
        elif self.settle == "requeue":
            await delivery.requeue()
        elif self.settle == "hold":
            pass  # never settled: as if the consumer died mid-message


class TestRouting:
    async def test_routes_by_topic_pattern_to_every_bound_queue(self, bus: TrackingBus) -> None:
        exact = queue_spec("kit.ping.sent.v1")
        wildcard = queue_spec("kit.*.sent.v1")
        other = queue_spec("kit.pong.#")
        recorders = {spec.name: Recorder() for spec in (exact, wildcard, other)}
        for spec in (exact, wildcard, other):
            await bus.declare(spec)
            await bus.subscribe(spec, recorders[spec.name])
        message = ping()
        await bus.publish(message)
        await eventually(
            lambda: (
                len(recorders[exact.name].seen) == 1 and len(recorders[wildcard.name].seen) == 1
            ),
            what="both deliveries",
        )
        await asyncio.sleep(0.1)
        assert recorders[other.name].seen == []
        assert recorders[exact.name].seen[0][:2] == (message.message_id, "kit.ping.sent.v1")

    async def test_unroutable_publish_raises_instead_of_vanishing(self, bus: TrackingBus) -> None:
        await bus.declare(queue_spec("kit.ping.sent.v1"))
        with pytest.raises(UnroutableMessageError, match="kit.nobody.listens.v1"):
            await bus.publish(ping(routing_key="kit.nobody.listens.v1"))


class TestRedelivery:
    async def test_a_requeued_message_comes_back_with_its_attempt_counted(
        self, bus: TrackingBus
    ) -> None:
        spec = queue_spec(limit=5)
        await bus.declare(spec)
        attempts: list[int] = []

        async def fail_twice(delivery: Delivery) -> None:
            attempts.append(delivery.delivery_count)
            if len(attempts) < 3:
                await delivery.requeue()
            else:
                await delivery.ack()

        await bus.subscribe(spec, fail_twice)
        await bus.publish(ping())
        await eventually(lambda: len(attempts) == 3, what="three deliveries")
        await asyncio.sleep(0.2)
        assert attempts == [0, 1, 2]
        assert await bus.queue_depth(spec) == 0

    async def test_unsettled_deliveries_return_when_the_consumer_goes_away(
        self, bus: TrackingBus
    ) -> None:
        spec = queue_spec(limit=5)
        await bus.declare(spec)
        holder = Recorder(settle="hold")
        subscription = await bus.subscribe(spec, holder)
        sent = [ping(n) for n in range(3)]
        for message in sent:
            await bus.publish(message)
        await eventually(lambda: len(holder.seen) == 3, what="three held deliveries")
        await subscription.cancel()
        taker = Recorder()
        await bus.subscribe(spec, taker)
        await eventually(lambda: len(taker.seen) == 3, what="redelivery to the next consumer")
        assert sorted(m for m, _, _ in taker.seen) == sorted(m.message_id for m in sent)
        assert all(count == 1 for _, _, count in taker.seen)


class TestDeadLetters:
    async def test_after_the_delivery_limit_a_message_is_dead_lettered_and_replayable(
        self, bus: TrackingBus
    ) -> None:
        spec = queue_spec(limit=2)
        await bus.declare(spec)
        refuser = Recorder(settle="requeue")
        subscription = await bus.subscribe(spec, refuser)
        message = ping()
        await bus.publish(message)
        await eventually(lambda: len(refuser.seen) == 3, what="limit + 1 deliveries")

        async def dead() -> bool:
            return len(await bus.dead_letters(spec)) == 1

        await eventually(dead, what="the dead letter")
        await asyncio.sleep(0.2)
        assert [count for _, _, count in refuser.seen] == [0, 1, 2]
        (letter,) = await bus.dead_letters(spec)
        assert letter.message_id == message.message_id
        assert letter.routing_key == "kit.ping.sent.v1"
        assert letter.reason == "delivery_limit"
        assert json.loads(letter.body)["n"] == 1
        # Listing does not consume: it is still there.
        assert len(await bus.dead_letters(spec)) == 1

        await subscription.cancel()
        taker = Recorder()
        await bus.subscribe(spec, taker)
        assert await bus.replay_dead_letter(spec, message.message_id) is True
        await eventually(lambda: len(taker.seen) == 1, what="the replayed delivery")
        assert taker.seen[0][:2] == (message.message_id, "kit.ping.sent.v1")
        assert await bus.dead_letters(spec) == []
        assert await bus.replay_dead_letter(spec, message.message_id) is False

    async def test_replay_goes_only_to_the_queue_that_failed(self, bus: TrackingBus) -> None:
        failing, healthy = queue_spec(limit=0), queue_spec()
        await bus.declare(failing)
        await bus.declare(healthy)
        refuser, healthy_recorder = Recorder("requeue"), Recorder()
        refusing = await bus.subscribe(failing, refuser)
        await bus.subscribe(healthy, healthy_recorder)
        message = ping()
        await bus.publish(message)

        async def dead() -> bool:
            return len(await bus.dead_letters(failing)) == 1

        await eventually(dead, what="the dead letter")
        await refusing.cancel()
        await bus.subscribe(failing, Recorder())
        assert await bus.replay_dead_letter(failing, message.message_id)
        await asyncio.sleep(0.3)
        assert len(healthy_recorder.seen) == 1

    async def test_an_explicit_dead_letter_keeps_its_reason(self, bus: TrackingBus) -> None:
        spec = queue_spec()
        await bus.declare(spec)

        async def refuse(delivery: Delivery) -> None:
            await delivery.dead_letter("invalid_message: n must be positive")

        await bus.subscribe(spec, refuse)
        await bus.publish(ping())

        async def dead() -> bool:
            return len(await bus.dead_letters(spec)) == 1

        await eventually(dead, what="the dead letter")
        (letter,) = await bus.dead_letters(spec)
        assert letter.reason == "invalid_message: n must be positive"
        assert letter.routing_key == "kit.ping.sent.v1"


class TestConsumer:
    async def test_a_poison_body_is_dead_lettered_at_once_with_what_is_wrong(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        spec = queue_spec(limit=5)
        handled: list[object] = []

        async def handler(message: object) -> None:
            handled.append(message)

        consumer = MessageConsumer(
            bus=bus, spec=spec, handler=handler, registry=REGISTRY, metrics=ServiceMetrics("tests")
        )
        await consumer.start()
        bad = OutgoingMessage(str(uuid.uuid4()), Ping.routing_key, b'{"tenant_id": "t1"}')
        await bus.publish(bad)

        async def dead() -> bool:
            return len(await bus.dead_letters(spec)) == 1

        await eventually(dead, what="the poison message in the DLQ")
        (letter,) = await bus.dead_letters(spec)
        assert "n: Field required" in letter.reason
        assert handled == []
        await consumer.stop()

    async def test_a_failing_handler_is_retried_then_dead_lettered_then_replayed_once(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        spec = queue_spec(limit=2)
        broken = True
        calls = Counter[str]()

        async def effect(message: Ping, uow: object) -> None:
            calls[str(message.message_id)] += 1
            if broken:
                raise RuntimeError("QBO said something we did not expect")
            await kit_db.record_effect(message, uow)  # type: ignore[arg-type]

        consumer = MessageConsumer(
            bus=bus,
            spec=spec,
            registry=REGISTRY,
            metrics=ServiceMetrics("tests"),
            handler=ExactlyOnce(
                consumer="kit", uow_factory=kit_db.uow, message_type=Ping, effect=effect
            ),
            retry_base=0.01,
            retry_cap=0.05,
        )
        await consumer.start()
        message = Ping(tenant_id="t1", n=7)
        await bus.publish(OutgoingMessage.from_contract(message))

        async def dead() -> bool:
            return len(await bus.dead_letters(spec)) == 1

        await eventually(dead, what="the dead letter")
        assert calls[str(message.message_id)] == 3
        (letter,) = await bus.dead_letters(spec)
        assert letter.reason == "delivery_limit"

        broken = False
        assert await bus.replay_dead_letter(spec, str(message.message_id))

        async def done() -> bool:
            return await kit_db.effect_count() == (1, 1)

        await eventually(done, what="the effect after replay")
        # Replaying again (a duplicate) changes nothing: the inbox remembers the message.
        await bus.publish(OutgoingMessage.from_contract(message))
        await asyncio.sleep(0.3)
        assert await kit_db.effect_count() == (1, 1)
        await consumer.stop()

    async def test_pauses_while_a_dependency_is_down_and_resumes_without_burning_attempts(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        spec = queue_spec(limit=1)
        qbo_up = False
        attempts: list[int] = []

        async def effect(message: Ping, uow: object) -> None:
            attempts.append(message.n)
            if not qbo_up:
                raise DependencyUnavailableError("QBO answered 503", dependency="qbo")
            await kit_db.record_effect(message, uow)  # type: ignore[arg-type]

        async def qbo_probe() -> bool:
            return qbo_up

        consumer = MessageConsumer(
            bus=bus,
            spec=spec,
            registry=REGISTRY,
            metrics=ServiceMetrics("tests"),
            handler=ExactlyOnce(
                consumer="kit", uow_factory=kit_db.uow, message_type=Ping, effect=effect
            ),
            health_probes=(qbo_probe,),
            probe_interval=0.05,
        )
        await consumer.start()
        await bus.publish(OutgoingMessage.from_contract(Ping(tenant_id="t1", n=1)))
        await eventually(lambda: not consumer.consuming, what="the consumer to pause")
        await asyncio.sleep(0.4)  # several probe intervals: still paused, no new attempts
        assert attempts == [1]
        assert not consumer.consuming
        qbo_up = True
        await eventually(lambda: consumer.consuming, what="the consumer to resume")

        async def done() -> bool:
            return await kit_db.effect_count() == (1, 1)

        await eventually(done, what="the effect after resuming")
        assert await bus.dead_letters(spec) == []
        await consumer.stop()

    async def test_a_permanent_error_dead_letters_without_retrying(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        spec = queue_spec(limit=5)
        calls: list[int] = []

        async def handler(message: object) -> None:
            calls.append(1)
            raise PermanentError("account 'Amazon Sales' does not exist in QBO")

        consumer = MessageConsumer(
            bus=bus, spec=spec, handler=handler, registry=REGISTRY, metrics=ServiceMetrics("tests")
        )
        await consumer.start()
        await bus.publish(OutgoingMessage.from_contract(Ping(tenant_id="t1", n=1)))

        async def dead() -> bool:
            return len(await bus.dead_letters(spec)) == 1

        await eventually(dead, what="the dead letter")
        assert calls == [1]
        assert "Amazon Sales" in (await bus.dead_letters(spec))[0].reason
        await consumer.stop()


class SimulatedCrash(BaseException):
    """Stands for SIGKILL inside one process: nothing after the crash point runs."""


class CrashOnce(CrashPoint):
    def __init__(self, name: str) -> None:
        super().__init__(None)
        self.name = name
        self.fired = False

    def __call__(self, name: str) -> None:
        if name == self.name and not self.fired:
            self.fired = True
            raise SimulatedCrash(name)


class TestOutboxRelay:
    async def test_no_loss_and_one_effect_when_the_relay_dies_between_publish_and_delete(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        spec = queue_spec(Ping.routing_key, Pong.routing_key, limit=5)
        consumer = MessageConsumer(
            bus=bus,
            spec=spec,
            registry=REGISTRY,
            metrics=ServiceMetrics("tests"),
            handler=ExactlyOnce(
                consumer="kit",
                uow_factory=kit_db.uow,
                message_type=Ping,
                effect=kit_db.record_effect,
            ),
        )
        await consumer.start()
        deliveries = Counter[str]()
        watcher = queue_spec(Ping.routing_key)
        await bus.declare(watcher)
        await bus.subscribe(watcher, _counting(deliveries))

        message = Ping(tenant_id="t1", n=1)
        async with kit_db.uow() as uow:
            await uow.outbox.add(message)
            await uow.commit()

        def relay(crash: CrashPoint | None = None) -> OutboxRelay:
            return OutboxRelay(
                engine=kit_db.engine,
                table=kit_db.outbox,
                bus=bus,
                listen_dsn=None,
                metrics=ServiceMetrics("tests"),
                lease=_seconds(0.3),
                crash_point=crash,
            )

        with pytest.raises(SimulatedCrash):
            await relay(CrashOnce("relay_after_publish_before_delete")).relay_once()
        await eventually(lambda: deliveries[str(message.message_id)] == 1, what="first publish")
        assert await kit_db.outbox_rows() == 1  # published, but not deleted

        survivor = relay()
        assert await survivor.relay_once() == 0  # the dead relay's lease still holds the row
        await asyncio.sleep(0.35)
        assert await survivor.relay_once() == 1  # lease expired: published again
        await eventually(lambda: deliveries[str(message.message_id)] == 2, what="republish")

        async def one_effect() -> bool:
            return await kit_db.effect_count() == (1, 1)

        await eventually(one_effect, what="exactly one effect")
        assert await kit_db.outbox_rows() == 0
        await consumer.stop()

    async def test_two_relays_never_publish_the_same_row_at_once(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        watcher = queue_spec(Ping.routing_key, limit=5, prefetch=200)
        await bus.declare(watcher)
        deliveries = Counter[str]()
        await bus.subscribe(watcher, _counting(deliveries))
        async with kit_db.uow() as uow:
            for n in range(200):
                await uow.outbox.add(Ping(tenant_id="t1", n=n))
            await uow.commit()
        relays = [
            OutboxRelay(
                engine=kit_db.engine,
                table=kit_db.outbox,
                bus=bus,
                listen_dsn=None,
                metrics=ServiceMetrics("tests"),
                batch_size=20,
            )
            for _ in range(2)
        ]

        async def drain(relay: OutboxRelay) -> int:
            published = 0
            while (n := await relay.relay_once()) > 0:
                published += n
            return published

        counts = await asyncio.gather(*(drain(r) for r in relays))
        assert sum(counts) == 200
        await eventually(lambda: sum(deliveries.values()) == 200, what="200 deliveries")
        assert set(deliveries.values()) == {1}
        assert await kit_db.outbox_rows() == 0

    async def test_an_unroutable_row_stays_in_the_outbox_with_the_reason(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        async with kit_db.uow() as uow:
            await uow.outbox.add(Pong(tenant_id="t1", n=1))  # nobody is bound to pongs
            await uow.commit()
        relay = OutboxRelay(
            engine=kit_db.engine,
            table=kit_db.outbox,
            bus=bus,
            listen_dsn=None,
            metrics=ServiceMetrics("tests"),
        )
        await bus.declare(queue_spec(Ping.routing_key))
        assert await relay.relay_once() == 0
        async with kit_db.engine.connect() as connection:
            row = (await connection.execute(kit_db.outbox.select())).one()
        assert row.last_error is not None and "no queue is bound" in row.last_error
        assert row.attempts == 1

    async def test_notify_wakes_the_relay_even_while_it_is_busy(
        self, bus: TrackingBus, kit_db: KitDatabase, test_database: str
    ) -> None:
        watcher = queue_spec(Ping.routing_key, prefetch=100)
        await bus.declare(watcher)
        deliveries = Counter[str]()
        await bus.subscribe(watcher, _counting(deliveries))
        # Polling is too slow to pass: only LISTEN/NOTIFY can deliver these in time.
        relay = OutboxRelay(
            engine=kit_db.engine,
            table=kit_db.outbox,
            bus=bus,
            listen_dsn=test_database,
            metrics=ServiceMetrics("tests"),
            poll_interval=60,
        )
        relay.start()
        try:
            await asyncio.sleep(0.3)  # the listener is up
            for n in range(30):
                async with kit_db.uow() as uow:
                    await uow.outbox.add(Ping(tenant_id="t1", n=n))
                    await uow.commit()
                await asyncio.sleep(0.002)
            await eventually(
                lambda: sum(deliveries.values()) == 30,
                timeout=5,
                what="every message without waiting for a poll",
            )
        finally:
            await relay.stop()

    async def test_a_rolled_back_change_publishes_nothing(
        self, bus: TrackingBus, kit_db: KitDatabase
    ) -> None:
        async with kit_db.uow() as uow:
            await uow.outbox.add(Ping(tenant_id="t1", n=1))
            # no commit: the unit of work rolls back on exit
        assert await kit_db.outbox_rows() == 0


def _counting(counter: Counter[str]):  # type: ignore[no-untyped-def]
    async def count(delivery: Delivery) -> None:
        counter[delivery.message_id] += 1
        await delivery.ack()

    return count


def _seconds(value: float):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(seconds=value)
