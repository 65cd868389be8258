import numpy as np

from functions.core.adapters.chunk_store import from_npz, to_npz
from functions.core.adapters.session_objects import SessionObjects
from functions.core.config.object_keys import chunk_key
from functions.engine.telemetry import from_samples
from tests.unit.core.conftest import T0, samples


def test_npz_round_trip_keeps_every_column_bit_for_bit():
    tel = from_samples(samples(T0, 120))
    back = from_npz(to_npz(tel))
    for name, column in tel.columns().items():
        np.testing.assert_array_equal(getattr(back, name), column)


def test_chunk_key_depends_on_session_and_source_only():
    assert chunk_key("ses_a", "raw/x") == chunk_key("ses_a", "raw/x")
    assert chunk_key("ses_a", "raw/x") != chunk_key("ses_a", "raw/y")
    assert chunk_key("ses_a", "raw/x").startswith("sessions/ses_a/chunks/")


def test_same_source_twice_overwrites_and_load_merges_duplicates(world):
    sid = world.start()
    first = from_samples(samples(T0, 100))
    overlap = from_samples(samples(T0 + 1.0, 100))  # 50 samples shared with ``first``
    world.chunks.put(sid, "raw/a", first)
    world.chunks.put(sid, "raw/a", first)
    world.chunks.put(sid, "raw/b", overlap)

    assert len(world.chunks.keys(sid)) == 2
    loaded = world.chunks.load(sid)
    assert len(loaded) == 150
    assert np.all(np.diff(loaded.t) > 0)


def test_load_of_a_session_without_chunks_is_empty(world):
    assert len(world.chunks.load("ses_none")) == 0


def test_delete_session_removes_everything_under_its_prefix(world):
    sid, other = world.start(), world.start()
    world.chunks.put(sid, "raw/a", from_samples(samples(T0, 10)))
    world.chunks.put_path_image(sid, b"png")
    world.chunks.put(other, "raw/a", from_samples(samples(T0, 10)))

    assert SessionObjects(world.s3, world.bucket).delete_session(sid) == 2
    assert world.chunks.keys(sid) == []
    assert len(world.chunks.keys(other)) == 1
