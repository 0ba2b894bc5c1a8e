"""Prometheus metrics, one registry per service.

A registry per service (not the global default) lets standalone mode run all four services in one
process without their metric names colliding.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages_consumed = Counter(
            "lb_messages_consumed_total",
            "Deliveries settled by a consumer, by outcome (acked, requeued, dead_lettered)",
            ["queue", "outcome"],
            registry=r,
        )
        self.handler_seconds = Histogram(
            "lb_handler_seconds", "Time spent in a message handler", ["queue"], registry=r
        )
        self.outbox_published = Counter(
            "lb_outbox_published_total",
            "Outbox rows published and confirmed",
            ["routing_key"],
            registry=r,
        )
        self.outbox_publish_failures = Counter(
            "lb_outbox_publish_failures_total",
            "Outbox publishes the broker refused or did not confirm (the row is kept)",
            ["routing_key"],
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "lb_outbox_backlog", "Outbox rows not yet confirmed by the broker", registry=r
        )
        self.bus_reconnects = Counter(
            "lb_bus_reconnects_total", "Broker connections re-established", registry=r
        )
        self.ack_failures = Counter(
            "lb_ack_failures_total",
            "Acks that failed because the channel was gone (the broker redelivers)",
            ["queue"],
            registry=r,
        )
        self.consumer_paused = Gauge(
            "lb_consumer_paused",
            "1 while a consumer waits for a dependency",
            ["queue"],
            registry=r,
        )
        self.dead_letters = Gauge(
            "lb_dead_letters", "Messages in a dead-letter queue", ["queue"], registry=r
        )
        self.http_requests = Counter(
            "lb_http_requests_total",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
