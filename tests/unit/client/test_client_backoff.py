import random

from doorproof.client.backoff import RetryPolicy


def test_delay_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=30.0, rng=random.Random(7))
    for failures, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (20, 30.0)]:
        delays = [policy.delay(failures) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), failures
        assert max(delays) - min(delays) > ceiling / 10  # jittered, not constant


def test_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.gives_up(2)
    assert policy.gives_up(3)
