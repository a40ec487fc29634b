"""Static publication of an event (PROTOCOL.md §18): tlog-tiles, family shards, the
directory a static host or CDN serves, and its upload to object storage.

    tiles   the log as C2SP tlog-tiles: incremental writer, verifying reader
    shards  family shards (§18.3): address, key, AES-256-GCM
    writer  `publish_event`, called after each checkpoint
    s3      upload of a publication to an S3-compatible store (extra `publish-s3`)
"""

from .shards import FamilyReceipt, Shard, ShardError, open_shard, seal, shard_address, shard_path
from .tiles import TileConflictError, TileError, TileReader
from .writer import (
    PublishError,
    PublishReport,
    RootKind,
    init_root,
    publish_event,
    published_checkpoint,
    root_kind,
)

__all__ = [
    "FamilyReceipt",
    "PublishError",
    "PublishReport",
    "RootKind",
    "Shard",
    "ShardError",
    "TileConflictError",
    "TileError",
    "TileReader",
    "init_root",
    "open_shard",
    "publish_event",
    "published_checkpoint",
    "root_kind",
    "seal",
    "shard_address",
    "shard_path",
]
