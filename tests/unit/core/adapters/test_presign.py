"""``Presigner`` on moto: the links and the photo lookup the insights view shows, and the
upload policy of the photo (the view itself is tested on fakes,
``tests/unit/core/usecases/test_insights_view_on_fakes.py``)."""

import base64
import json

from functions.core.adapters.presign import Presigner
from functions.core.config import names
from functions.core.config.object_keys import pod_photo_key


def test_the_first_jpeg_upload_is_the_photo_and_its_link_expires(world):
    presigner = Presigner(world.s3, world.bucket, ttl_s=120)
    key = pod_photo_key("ses_v")
    assert presigner.first_photo(key) is None

    world.s3.put_object(Bucket=world.bucket, Key=key, Body=b"not a jpeg")
    first = world.s3.put_object(Bucket=world.bucket, Key=key, Body=b"\xff\xd8\xffjpeg")
    world.s3.put_object(Bucket=world.bucket, Key=key, Body=b"\xff\xd8\xffsecond")
    version = presigner.first_photo(key)
    assert version == first["VersionId"]

    url = presigner.url(key, version)
    assert "pod.jpg" in url and f"versionId={version}" in url
    assert "Expires=" in url or "X-Amz-Expires=120" in url


def test_the_upload_policy_pins_type_and_size(world):
    post = Presigner(world.s3, world.bucket).upload(pod_photo_key("ses_v"))
    assert post["fields"]["key"] == "sessions/ses_v/pod.jpg"
    assert post["fields"]["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert ["content-length-range", 1, names.POD_MAX_BYTES] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
