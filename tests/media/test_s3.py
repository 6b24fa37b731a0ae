"""S3-compatible storage (AWS S3, MinIO, R2) against a local moto server: uploads land in
the bucket, read back, have public URLs, and deletion frees the bytes."""

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from media.services import media_as_item, media_delete, media_upload
from tests.media import files

BUCKET = "postiz-media"
KEYS = {"access_key": "testing", "secret_key": "testing"}


@pytest.fixture(scope="module")
def moto_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_server, settings):
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    # The same options postiz/settings.py builds from the POSTIZ_S3_* variables.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_server,
                "region_name": "us-east-1",
                **KEYS,
                "querystring_auth": False,
                "custom_domain": None,
                "url_protocol": "https:",
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_upload_goes_to_the_bucket_and_reads_back(
    org, editor, bucket, moto_server, django_capture_on_commit_callbacks
):
    media = media_upload(
        organization=org, actor=editor, file=files.jpeg(gps=True), filename="a.jpg"
    )
    assert keys(bucket) == sorted([media.file.name, media.thumbnail.name])
    assert media.file.name.startswith(f"org/{org.pk}/")
    stored = bucket.get_object(Bucket=BUCKET, Key=media.file.name)["Body"].read()
    assert media.size == len(stored)
    item = media_as_item(media)
    assert item.read() == stored
    # An absolute bucket URL: public when the bucket is readable by anyone (README).
    assert item.public_url == f"{moto_server}/{BUCKET}/{media.file.name}"

    with django_capture_on_commit_callbacks(execute=True):
        media_delete(media_file=media, actor=editor)
    assert keys(bucket) == []


def test_signed_urls_let_networks_fetch_from_a_private_bucket(org, editor, bucket, settings):
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "querystring_auth": True},
        },
    }
    media = media_upload(organization=org, actor=editor, file=files.png(), filename="p.png")
    unsigned = f"{options['endpoint_url']}/{BUCKET}/{media.file.name}"
    assert requests.get(unsigned, timeout=5).status_code == 403
    url = media_as_item(media).public_url
    assert "X-Amz-Signature=" in url
    fetched = requests.get(url, timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == media_as_item(media).read()


def test_a_large_video_reaches_the_bucket_whole(org, editor, bucket):
    video = files.video(padding=6 * 1024 * 1024)  # past boto3's multipart threshold
    media = media_upload(organization=org, actor=editor, file=video, filename="long.mp4")
    assert bucket.head_object(Bucket=BUCKET, Key=media.file.name)["ContentLength"] == len(video)
    assert media.mime_type == "video/mp4"


def test_public_domain_names_the_files_address(org, editor, bucket, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "custom_domain": "media.example.org/postiz",
            },
        },
    }
    media = media_upload(organization=org, actor=editor, file=files.png(), filename="p.png")
    assert media_as_item(media).public_url == f"https://media.example.org/postiz/{media.file.name}"


def test_a_video_in_the_bucket_is_handed_to_providers_in_ranges_and_chunks(org, editor, bucket):
    video = files.video(1, padding=300 * 1024)
    media = media_upload(organization=org, actor=editor, file=video, filename="clip.mp4")
    item = media_as_item(media)
    assert (item.duration, item.codec) == (1.0, "h264")
    assert item.read_range(1000, 4096) == video[1000:5096]
    pieces = list(item.chunks(64 * 1024))
    assert all(len(piece) <= 64 * 1024 for _, piece in pieces)
    assert b"".join(piece for _, piece in pieces) == video
