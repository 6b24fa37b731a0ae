"""The POSTIZ_S3_* variables turn into the bucket storage, as the README describes."""

import json
import os
import subprocess
import sys

from django.conf import settings

SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "region": getattr(storage, "region_name", None),
    "signed": getattr(storage, "querystring_auth", None),
    "url": storage.url("org/1/photo.jpg"),
}))
"""


def load(**variables):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "postiz.settings",
        # Never connected to: the script only reads settings.
        "DATABASE_URL": "postgres://postiz:x@127.0.0.1:9/postiz",
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_r2_bucket_with_a_public_domain():
    loaded = load(
        POSTIZ_S3_BUCKET="postiz-media",
        POSTIZ_S3_ENDPOINT_URL="https://acct.r2.cloudflarestorage.com",
        POSTIZ_S3_REGION="auto",
        POSTIZ_S3_ACCESS_KEY_ID="key",
        POSTIZ_S3_SECRET_ACCESS_KEY="secret",
        POSTIZ_S3_PUBLIC_URL="https://media.example.com/",
    )
    assert loaded == {
        "backend": "storages.backends.s3.S3Storage",
        "bucket": "postiz-media",
        "endpoint": "https://acct.r2.cloudflarestorage.com",
        "region": "auto",
        "signed": False,
        "url": "https://media.example.com/org/1/photo.jpg",
    }


def test_minio_path_style_public_url_keeps_its_scheme_and_path():
    loaded = load(
        POSTIZ_S3_BUCKET="postiz-media",
        POSTIZ_S3_ENDPOINT_URL="http://minio:9000",
        POSTIZ_S3_PUBLIC_URL="http://minio.lan:9000/postiz-media",
    )
    assert loaded["url"] == "http://minio.lan:9000/postiz-media/org/1/photo.jpg"


def test_without_a_bucket_files_stay_on_local_disk():
    loaded = load(POSTIZ_S3_BUCKET="")
    assert loaded["backend"] == "django.core.files.storage.FileSystemStorage"
