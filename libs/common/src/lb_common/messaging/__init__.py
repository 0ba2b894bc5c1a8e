"""The bus: one contract, two implementations (RabbitMQ for services, in-process for standalone).

Outbox, inbox, relay and consumer sit on top and are the same whichever bus is underneath.
"""
