from tests.integration.messaging.conftest import kit_db  # noqa: F401
from tests.integration.services.conftest import (  # noqa: F401 - shared fixtures
    clean_queues,
    clean_services,
    clean_services_for_module,
    fresh_queues,
    migrated_database,
)
