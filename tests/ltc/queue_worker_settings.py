"""Settings of the worker processes of tests/ltc/test_queues.py: the test settings, with every
Redis key of the broker under this test's own prefix, so the real queue names (`imports`,
`interactive`) are used without meeting the messages of anything else on the same Redis."""

import os

from ltc.settings_test import *  # noqa: F403
from ltc.settings_test import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": os.environ["LTC_TEST_BROKER_PREFIX"],
}
