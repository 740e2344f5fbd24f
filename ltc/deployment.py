"""What the environment says about where a deployment keeps its files (ADR 36), read by the
settings: an S3-compatible bucket when STORAGE_S3_BUCKET is set, so any web node or worker
reads what another wrote (django-storages, the `s3` extra), else the file system under
MEDIA_ROOT."""

from __future__ import annotations

import os


def file_storage() -> dict:
    """The `STORAGES["default"]` entry for uploads and generated documents."""
    bucket = os.environ.get("STORAGE_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("STORAGE_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("STORAGE_S3_REGION") or None,
            "access_key": os.environ.get("STORAGE_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("STORAGE_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("STORAGE_S3_PREFIX", ""),
            # Private objects: files are served only through the views that check access.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
