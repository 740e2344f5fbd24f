"""Settings of the worker processes of the killed-worker drill: the test settings, with a
message a dead worker held redelivered after 2 seconds instead of an hour (checked every
second), so the drill stays short. Production keeps the hour (ltc/settings.py)."""

from ltc.settings_test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
}
