"""The LTC project: settings, URLs, the Celery app, WSGI/ASGI and project-wide commands.

It sits at the top of the import order: it may import every app; nothing imports it except the
entry points (manage.py, the WSGI/ASGI servers, the Celery worker). The cross-stage core lives in
`core/`.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
