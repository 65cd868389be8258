import gzip

from functions.core.adapters.raw_objects import RawObjects
from tests.unit.core.conftest import T0, samples


def test_gzipped_firehose_objects_are_read_like_plain_ones(world):
    sid = world.start()
    records = world.accept(sid, samples(T0, 30))
    world.s3.put_object(Bucket=world.bucket, Key="raw/gz", Body=gzip.compress(b"".join(records)))
    world.s3.put_object(Bucket=world.bucket, Key="raw/plain", Body=b"".join(records))

    objects = RawObjects(world.s3)
    assert objects.read(world.bucket, "raw/gz") == b"".join(records)
    assert objects.read(world.bucket, "raw/plain") == b"".join(records)
