"""Database plumbing: engine, per-service schema, outbox/inbox tables, unit of work, migrations."""
