"""The LTC project: settings, URLs, the Celery app and the cross-stage core.

The core is what every stage of the value stream shares: the review-gate engine, the audit
trail, notifications, the access policy, state-machine helpers and the error vocabulary.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
