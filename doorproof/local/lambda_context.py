"""The ``context`` object Lambda hands to a handler, for handlers called in-process.

Powertools reads ``function_name``, ``memory_limit_in_mb``, ``invoked_function_arn`` and
``aws_request_id`` for its structured logs; the processor may read the remaining time to stop
early. Lambda's time limit itself is not enforced (a thread cannot be killed): the remaining
time merely counts down, possibly below zero.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from functions.core.config import names


@dataclass(frozen=True)
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_s - (time.monotonic() - self.started)) * 1000)


def context_for(
    function: names.Function, *, stage: str, region: str, account: str
) -> LambdaContext:
    """A fresh context (new request id, full time budget) for one invocation of ``function``."""
    name = names.function_name(stage, function.key)
    return LambdaContext(
        function_name=name,
        memory_limit_in_mb=function.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:{name}",
        timeout_s=function.timeout_s,
    )
