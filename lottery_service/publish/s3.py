"""Upload of a publication to an S3-compatible object store (extra `publish-s3`, boto3).

The same files as the directory (PROTOCOL.md §18.1), each object with the
Content-Type and Cache-Control of `headers.headers_for`, entry bundles
gzip-compressed with `Content-Encoding: gzip` (tlog-tiles allows it without
negotiation), everything else first and `checkpoint` last, so a reader of the
bucket (or of a CDN in front of it) never gets a checkpoint whose tiles are
missing. `configure_bucket` sets CORS (any origin may GET) and a policy that
lets anyone read objects but not list them: shard addresses must not be
enumerable (§18.3). See docs/PUBLISHING.md.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .headers import headers_for
from .writer import KIND_FILE, PublishError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class UploadReport:
    objects: int
    bytes: int


def make_client(endpoint_url: str | None = None, region: str | None = None) -> S3Client:
    """An S3 client (credentials from the usual AWS variables or files); `endpoint_url`
    for any S3-compatible store (MinIO, Ceph, Alibaba OSS, Tencent COS, ...)."""
    try:
        import boto3
    except ImportError:
        raise PublishError("对象存储上传需要 boto3：pip install 'sunshine-draw[publish-s3]'；"
                           "the S3 upload needs the publish-s3 extra") from None
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


def configure_bucket(client: S3Client, bucket: str) -> None:
    """CORS for browsers on any origin (GET, HEAD) and anonymous read without listing."""
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag", "Content-Length"], "MaxAgeSeconds": 3600}]})
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicReadNoList", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))


def _walk(base: Path) -> Iterator[str]:
    """Files under `base` relative to it, hidden ones skipped, the bundle link followed."""
    for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = os.path.relpath(dirpath, base)
        for name in sorted(filenames):
            if not name.startswith("."):
                yield name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")


def upload_event(client: S3Client, bucket: str, root: Path, event_id: str, *,
                 paths: Iterable[str] | None = None, prefix: str = "") -> UploadReport:
    """Upload `<root>/<event_id>/` (or only `paths` under it, e.g. a PublishReport's),
    the checkpoint last; keys are `<prefix><event_id>/<path>`."""
    base = root / event_id
    if not (base / "checkpoint").is_file():
        raise PublishError(f"{base} has no checkpoint: publish before uploading")
    chosen = list(_walk(base) if paths is None else paths)
    ordered = [p for p in chosen if p != "checkpoint"] + ["checkpoint"]
    total = objects = 0
    if paths is None and (root / KIND_FILE).is_file():
        total += _put(client, bucket, f"{prefix}{KIND_FILE}", root / KIND_FILE, KIND_FILE)
        objects += 1
    for rel in ordered:
        key = f"{event_id}/{rel}"
        total += _put(client, bucket, prefix + key, base / rel, key)
        objects += 1
    return UploadReport(objects, total)


def _put(client: S3Client, bucket: str, key: str, path: Path, rel: str) -> int:
    headers = headers_for(rel)
    body = path.read_bytes()
    if headers.compress:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=headers.content_type,
                          CacheControl=headers.cache_control, ContentEncoding="gzip")
    else:
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=headers.content_type,
                          CacheControl=headers.cache_control)
    return len(body)
