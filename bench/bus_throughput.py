"""Bus throughput: raw confirmed publishes, and the whole outbox → bus → inbox pipeline.

    uv run python bench/bus_throughput.py [--messages N] [--bus rabbitmq|inprocess|both]

For each bus it measures
1. raw publish throughput: `bus.publish` (which returns once the broker confirmed) into a bound
   queue, one publish in flight at a time, then 100 in flight (as the outbox relay does);
2. the pipeline: N messages written through the outbox (one unit of work per `--batch` messages),
   relayed by `OutboxRelay`, consumed by `MessageConsumer` + `ExactlyOnce` (inbox), each writing
   one row into `bench.effects`. Wall time runs from the first outbox write to the last effect
   committed; latency per message runs from its outbox transaction opening (the row's `created_at`)
   to its effect's commit. A second run, "drain", inserts all N outbox rows at once (one
   multi-row INSERT of what `OutboxWriter.add` writes) and then starts the relay: the clock runs
   from the relay's start to the last effect, so the writer's cost is left out;
3. correctness of both pipeline runs: N effect rows, N distinct message ids (exactly the ids
   written), N inbox rows, an empty outbox and an empty dead-letter queue. Otherwise it prints
   FAIL and exits 1.

It creates a temporary database `lb_bench_<random>` (dropped at the end) and, for RabbitMQ, its own
exchanges and queues `lb_bench_<random>.*` (deleted at the end). Writer, relay and consumer run in
this one process and event loop; the producer (writer + relay) and the consumer each have their own
connection pool, as two services would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

import aio_pika
import asyncpg
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Integer,
    MetaData,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from lb_common.contracts import ContractRegistry, IngestSyncProgressed, Message
from lb_common.db.engine import asyncpg_dsn, create_engine, create_session_factory
from lb_common.db.messaging_tables import service_metadata
from lb_common.db.uow import UnitOfWork, UnitOfWorkFactory
from lb_common.logging import configure_logging
from lb_common.messaging.bus import Bus
from lb_common.messaging.consumer import ExactlyOnce, MessageConsumer
from lb_common.messaging.envelope import OutgoingMessage, QueueSpec
from lb_common.messaging.inprocess import InProcessBus
from lb_common.messaging.outbox import OutboxRelay
from lb_common.messaging.rabbit import RabbitBus
from lb_common.metrics import ServiceMetrics

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
SCHEMA = "bench"
CONSUMER = "bench"
IN_FLIGHT = 100
TENANT = "bench-tenant"
BUSES = ("inprocess", "rabbitmq")


class BenchFailure(Exception):
    """A correctness check failed: the run's figures are not to be trusted."""


def bench_metadata() -> tuple[MetaData, Table, Table, Table]:
    metadata = service_metadata(SCHEMA)
    effects = Table(
        "effects",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        # Deliberately not unique: a duplicate effect must show up in the count, not be refused.
        Column("message_id", PgUUID(as_uuid=True), nullable=False),
        Column("sequence", Integer, nullable=False),
        Column(
            "applied_at",
            DateTime(timezone=True),
            nullable=False,
            server_default=func.clock_timestamp(),
        ),
    )
    tables = metadata.tables
    return metadata, tables[f"{SCHEMA}.outbox"], tables[f"{SCHEMA}.inbox"], effects


@dataclass
class Figures:
    publish_serial: float = 0.0
    publish_concurrent: float = 0.0
    write_rate: float = 0.0
    pipeline_rate: float = 0.0
    pipeline_wall: float = 0.0
    drain_rate: float = 0.0
    live_connections: float = 0.0
    drain_connections: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0


@dataclass
class Tracker:
    """Per message id: when its outbox transaction opened and when its effect committed."""

    expected: int
    written: dict[UUID, float] = field(default_factory=dict)
    applied: dict[UUID, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def mark_applied(self, message_id: UUID) -> None:
        if message_id not in self.applied:
            self.applied[message_id] = time.perf_counter()
            if len(self.applied) >= self.expected:
                self.done.set()


@dataclass
class Resources:
    """Names this run creates, so cleanup removes exactly those."""

    token: str
    exchanges: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)

    def spec(self, phase: str) -> QueueSpec:
        spec = QueueSpec(
            name=f"{self.token}.{phase}",
            service=self.token,
            bindings=(IngestSyncProgressed.routing_key,),
        )
        for name in (spec.name, spec.dead_letter_queue):
            if name not in self.queues:
                self.queues.append(name)
        if spec.dead_letter_exchange not in self.exchanges:
            self.exchanges.append(spec.dead_letter_exchange)
        return spec

    def exchange(self, phase: str) -> str:
        name = f"{self.token}.{phase}"
        if name not in self.exchanges:
            self.exchanges.append(name)
        return name


def make_message(run_id: UUID, sequence: int) -> IngestSyncProgressed:
    return IngestSyncProgressed(
        tenant_id=TENANT, run_id=run_id, sequence=sequence, stage="bench", processed=sequence
    )


def make_bus(kind: str, exchange: str, amqp_url: str) -> Bus:
    if kind == "rabbitmq":
        return RabbitBus(
            amqp_url,
            exchange=exchange,
            connection_name="lb-bench",
            metrics=ServiceMetrics("bench"),
        )
    return InProcessBus(exchange=exchange)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def bench_publish(
    kind: str, resources: Resources, amqp_url: str, n: int
) -> tuple[float, float]:
    """msgs/s with one confirmed publish in flight, then with IN_FLIGHT in flight."""
    bus = make_bus(kind, resources.exchange("raw"), amqp_url)
    await bus.start()
    try:
        spec = resources.spec("raw")
        await bus.declare(spec)
        run_id = uuid.uuid4()
        serial = [OutgoingMessage.from_contract(make_message(run_id, i)) for i in range(n)]
        concurrent = [OutgoingMessage.from_contract(make_message(run_id, i)) for i in range(n)]

        started = time.perf_counter()
        for message in serial:
            await bus.publish(message)
        serial_rate = n / (time.perf_counter() - started)

        started = time.perf_counter()
        for offset in range(0, n, IN_FLIGHT):
            await asyncio.gather(*(bus.publish(m) for m in concurrent[offset : offset + IN_FLIGHT]))
        concurrent_rate = n / (time.perf_counter() - started)

        depth = await bus.queue_depth(spec)
        if depth != 2 * n:
            raise BenchFailure(f"{kind}: raw queue holds {depth} messages, expected {2 * n}")
        return serial_rate, concurrent_rate
    finally:
        await bus.close()


async def reset_tables(engine: AsyncEngine, tables: Iterable[Table]) -> None:
    names = ", ".join(f'"{t.schema}"."{t.name}"' for t in tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while True:
        if await predicate():
            return
        if time.perf_counter() > deadline:
            raise BenchFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Pipeline:
    write_rate: float
    wall: float
    latencies_ms: list[float]
    connections_opened: int


async def sessions_opened(engine: AsyncEngine) -> int:
    """PostgreSQL's count of sessions ever opened on this database (pool churn shows here)."""
    async with engine.connect() as connection:
        count = await connection.scalar(
            text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        )
    return int(count or 0)


async def bench_pipeline(
    kind: str,
    resources: Resources,
    amqp_url: str,
    dsn: str,
    n: int,
    batch: int,
    *,
    prefill: bool,
    pool_size: int,
) -> Pipeline:
    """Outbox → relay → bus → consumer (inbox + effect), verified.

    Live (`prefill=False`): relay and consumer run while the writer writes; the clock runs from the
    first write to the last effect. Drain (`prefill=True`): all N rows are written first, then the
    relay starts; the clock runs from the relay's start to the last effect.
    """
    phase = "drain" if prefill else "e2e"
    _metadata, outbox, inbox, effects = bench_metadata()
    # Two services, as in production (lb_common.service.runtime): the producer's one engine serves
    # its writes and its relay; the consumer's serves its handlers.
    producer_engine = create_engine(dsn, application_name="lb-bench-producer", pool_size=pool_size)
    consumer_engine = create_engine(dsn, application_name="lb-bench-consumer", pool_size=pool_size)
    engines = (producer_engine, consumer_engine)
    await reset_tables(producer_engine, (outbox, inbox, effects))

    writer_uow = UnitOfWorkFactory(
        create_session_factory(producer_engine), outbox=outbox, inbox=inbox
    )
    consumer_uow = UnitOfWorkFactory(
        create_session_factory(consumer_engine), outbox=outbox, inbox=inbox
    )
    tracker = Tracker(expected=n)

    async def apply(message: IngestSyncProgressed, uow: UnitOfWork) -> None:
        await uow.session.execute(
            insert(effects).values(message_id=message.message_id, sequence=message.sequence)
        )

    exactly_once = ExactlyOnce(
        consumer=CONSUMER,
        uow_factory=consumer_uow,
        message_type=IngestSyncProgressed,
        effect=apply,
    )

    async def handler(message: Message) -> None:
        await exactly_once(message)  # returns once the inbox row and the effect have committed
        tracker.mark_applied(message.message_id)

    async def write_all() -> float:
        """Writes N messages, `batch` per unit of work; returns msgs/s."""
        run_id = uuid.uuid4()
        started = time.perf_counter()
        for offset in range(0, n, batch):
            opened = time.perf_counter()  # the rows' created_at is now() of this transaction
            async with writer_uow() as uow:
                for sequence in range(offset, min(n, offset + batch)):
                    message = make_message(run_id, sequence)
                    tracker.written[message.message_id] = opened
                    await uow.outbox.add(message)
                await uow.commit()
        return n / (time.perf_counter() - started)

    async def prefill_outbox() -> float:
        """The rows `OutboxWriter.add` writes, in one multi-row INSERT: only the drain is timed."""
        run_id = uuid.uuid4()
        started = time.perf_counter()
        rows = []
        for sequence in range(n):
            message = make_message(run_id, sequence)
            outgoing = OutgoingMessage.from_contract(message)
            tracker.written[message.message_id] = started
            rows.append(
                {
                    "id": message.message_id,
                    "routing_key": outgoing.routing_key,
                    "body": outgoing.body,
                    "headers": {**outgoing.headers, "correlation_id": outgoing.correlation_id},
                }
            )
        async with producer_engine.begin() as connection:
            await connection.execute(insert(outbox), rows)
        return n / (time.perf_counter() - started)

    metrics = ServiceMetrics("bench")
    bus = make_bus(kind, resources.exchange(phase), amqp_url)
    spec = resources.spec(phase)
    consumer = MessageConsumer(
        bus=bus,
        spec=spec,
        handler=handler,
        registry=ContractRegistry([IngestSyncProgressed]),
        metrics=metrics,
    )
    relay = OutboxRelay(
        engine=producer_engine,
        table=outbox,
        bus=bus,
        listen_dsn=asyncpg_dsn(dsn),
        metrics=metrics,
    )
    await bus.start()
    try:
        await consumer.start()
        sessions_before = await sessions_opened(producer_engine)
        if prefill:
            write_rate = await prefill_outbox()
            started = time.perf_counter()
            relay.start()
        else:
            relay.start()
            await asyncio.sleep(0.2)  # let the relay LISTEN before the first commit
            started = time.perf_counter()
            write_rate = await write_all()

        try:
            await asyncio.wait_for(tracker.done.wait(), timeout=max(60.0, n / 20))
        except TimeoutError:
            raise BenchFailure(
                f"{kind} {phase}: only {len(tracker.applied)} of {n} effects after the timeout"
            ) from None
        last = max(tracker.applied.values())

        async def outbox_empty() -> bool:
            return await relay.backlog() == 0

        # The relay deletes a row after its confirm, which can land after the effect committed.
        await wait_until(outbox_empty, 30, "the outbox to drain")
        await asyncio.sleep(0.3)  # give a duplicate delivery, if any, time to show up
        await consumer.stop()
        await relay.stop()
        connections = await sessions_opened(producer_engine) - sessions_before

        await verify(f"{kind} {phase}", producer_engine, outbox, inbox, effects, tracker, n)
        dead = await bus.dead_letters(spec, limit=10)
        if dead:
            raise BenchFailure(
                f"{kind} {phase}: {len(dead)} dead letter(s), first: {dead[0].reason}"
            )
        latencies = sorted(
            (tracker.applied[mid] - opened_at) * 1000 for mid, opened_at in tracker.written.items()
        )
        return Pipeline(
            write_rate=write_rate,
            wall=last - started,
            latencies_ms=latencies,
            connections_opened=connections,
        )
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
        with contextlib.suppress(Exception):
            await relay.stop()
        await bus.close()
        for engine in engines:
            await engine.dispose()


async def verify(
    kind: str,
    engine: AsyncEngine,
    outbox: Table,
    inbox: Table,
    effects: Table,
    tracker: Tracker,
    n: int,
) -> None:
    async with engine.connect() as connection:
        effect_count = await connection.scalar(select(func.count()).select_from(effects))
        effect_ids = set((await connection.scalars(select(effects.c.message_id))).all())
        inbox_count = await connection.scalar(select(func.count()).select_from(inbox))
        outbox_count = await connection.scalar(select(func.count()).select_from(outbox))
    problems = []
    if effect_count != n:
        problems.append(f"effects: {effect_count} rows, expected {n}")
    if len(effect_ids) != n:
        problems.append(f"effects: {len(effect_ids)} distinct message ids, expected {n}")
    if effect_ids != set(tracker.written):
        missing = len(set(tracker.written) - effect_ids)
        extra = len(effect_ids - set(tracker.written))
        problems.append(f"effects: {missing} written ids missing, {extra} unknown ids")
    if inbox_count != n:
        problems.append(f"inbox: {inbox_count} rows, expected {n}")
    if outbox_count != 0:
        problems.append(f"outbox: {outbox_count} rows left, expected 0")
    if problems:
        raise BenchFailure(f"{kind}: " + "; ".join(problems))


async def create_database(admin_dsn: str, name: str) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def create_schema(dsn: str) -> None:
    metadata, *_tables = bench_metadata()
    engine = create_engine(dsn, application_name="lb-bench-setup")
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
            await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


async def delete_broker_objects(amqp_url: str, resources: Resources) -> None:
    """Delete the queues and exchanges this run declared (work queues, dead-letter queues, DLX)."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for queue in resources.queues:
            if channel.is_closed:
                channel = await connection.channel()
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.queue_delete(queue)
        for exchange in resources.exchanges:
            if channel.is_closed:
                channel = await connection.channel()
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.exchange_delete(exchange)
    finally:
        await connection.close()


async def cleanup(
    amqp_url: str, admin_dsn: str, token: str, resources: Resources, *, rabbit: bool
) -> None:
    """Drop the database and delete the broker objects; say so, rather than raise, on failure."""
    try:
        await drop_database(admin_dsn, token)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"warning: could not drop database {token}: {exc}")
    if rabbit:
        try:
            await delete_broker_objects(amqp_url, resources)
        except (OSError, aio_pika.exceptions.AMQPError) as exc:
            print(f"warning: could not delete RabbitMQ objects {token}.*: {exc}")


def print_table(results: dict[str, Figures], n: int, batch: int) -> None:
    rows: list[tuple[str, Callable[[Figures], float], str]] = [
        ("publish, 1 in flight", lambda f: f.publish_serial, "msg/s"),
        (f"publish, {IN_FLIGHT} in flight", lambda f: f.publish_concurrent, "msg/s"),
        (f"outbox write ({batch}/txn)", lambda f: f.write_rate, "msg/s"),
        ("pipeline throughput, live", lambda f: f.pipeline_rate, "msg/s"),
        ("pipeline wall time", lambda f: f.pipeline_wall, "s"),
        ("pipeline drain (prefilled)", lambda f: f.drain_rate, "msg/s"),
        ("end-to-end latency p50", lambda f: f.p50_ms, "ms"),
        ("end-to-end latency p95", lambda f: f.p95_ms, "ms"),
        ("end-to-end latency max", lambda f: f.max_ms, "ms"),
        ("db connections opened, live", lambda f: f.live_connections, "conn"),
        ("db connections opened, drain", lambda f: f.drain_connections, "conn"),
    ]
    if not any(f.drain_rate for f in results.values()):
        rows = [row for row in rows if "drain" not in row[0]]
    kinds = [k for k in BUSES if k in results]
    both = len(kinds) == 2
    header = f"{'N = ' + str(n):<31}{'unit':<7}" + "".join(f"{k:>12}" for k in kinds)
    header += f"{'rabbit/inproc':>15}" if both else ""
    print()
    print(header)
    print("-" * len(header))
    for label, value, unit in rows:
        line = f"{label:<31}{unit:<7}"
        line += "".join(f"{_fmt(value(results[k]), unit):>12}" for k in kinds)
        if both:
            inproc = value(results["inprocess"])
            ratio = value(results["rabbitmq"]) / inproc if inproc else float("nan")
            line += f"{ratio:>15.3g}"
        print(line)
    print()


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f}"
    if unit == "ms":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def progress(kind: str, phase: str, since: float) -> float:
    now = time.perf_counter()
    print(f"[{kind}] {phase}: done in {now - since:.1f} s", flush=True)
    return now


async def run(args: argparse.Namespace) -> int:
    token = f"lb_bench_{uuid.uuid4().hex[:10]}"
    url = make_url(args.pg)
    admin_dsn = asyncpg_dsn(args.pg)
    dsn = url.set(database=token).render_as_string(hide_password=False)
    kinds = BUSES if args.bus == "both" else (args.bus,)
    resources = Resources(token)
    results: dict[str, Figures] = {}
    failed: str | None = None
    print(f"bench run {token}: {args.messages} messages, buses: {', '.join(kinds)}", flush=True)
    try:
        await create_database(admin_dsn, token)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"FAIL: cannot create the bench database through {admin_dsn}: {exc}")
        return 1
    try:
        await create_schema(dsn)
        for kind in kinds:
            figures = Figures()
            clock = time.perf_counter()
            figures.publish_serial, figures.publish_concurrent = await bench_publish(
                kind, resources, args.amqp, args.messages
            )
            clock = progress(kind, "raw publish", clock)
            live = await bench_pipeline(
                kind,
                resources,
                args.amqp,
                dsn,
                args.messages,
                args.batch,
                prefill=False,
                pool_size=args.pool_size,
            )
            clock = progress(kind, "pipeline, live (verified)", clock)
            figures.write_rate = live.write_rate
            figures.pipeline_wall = live.wall
            figures.pipeline_rate = args.messages / live.wall
            figures.p50_ms = statistics.median(live.latencies_ms)
            figures.p95_ms = percentile(live.latencies_ms, 0.95)
            figures.max_ms = live.latencies_ms[-1]
            figures.live_connections = live.connections_opened
            if args.drain:
                drain = await bench_pipeline(
                    kind,
                    resources,
                    args.amqp,
                    dsn,
                    args.messages,
                    args.batch,
                    prefill=True,
                    pool_size=args.pool_size,
                )
                progress(kind, "pipeline, drain (verified)", clock)
                figures.drain_rate = args.messages / drain.wall
                figures.drain_connections = drain.connections_opened
            results[kind] = figures
    except BenchFailure as exc:
        failed = str(exc)
    except (OSError, asyncpg.PostgresError, aio_pika.exceptions.AMQPError) as exc:
        failed = f"infrastructure: {type(exc).__name__}: {exc}"
    finally:
        await cleanup(args.amqp, admin_dsn, token, resources, rabbit="rabbitmq" in kinds)
    if results:
        print_table(results, args.messages, args.batch)
    if failed is not None:
        print(f"FAIL: {failed}")
        return 1
    print("PASS")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000, help="messages per phase (2000)")
    parser.add_argument("--bus", choices=("rabbitmq", "inprocess", "both"), default="both")
    parser.add_argument("--batch", type=int, default=100, help="outbox writes per transaction")
    parser.add_argument(
        "--drain",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time draining a prefilled outbox (on by default)",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=5,
        help="SQLAlchemy pool size per service, overflow as many again (5: the services' default)",
    )
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"admin DSN ({DEFAULT_PG})")
    parser.add_argument("--amqp", default=DEFAULT_AMQP, help=f"RabbitMQ URL ({DEFAULT_AMQP})")
    args = parser.parse_args()
    if args.messages < 1 or args.batch < 1 or args.pool_size < 1:
        parser.error("--messages, --batch and --pool-size must be positive")
    configure_logging(json=False, level="WARNING")
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
