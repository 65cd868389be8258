"""``LocalStack``: moto, the resources, the front door, the poller and the sweep timer, started
and stopped together.

The handlers read their configuration from the process environment (as in Lambda), so the
stack sets it — ``settings.environment_for(stage)``, ``PROCESSING_QUEUE_URL``, the moto
endpoint and fake credentials — before any handler is imported, and puts every variable back
when it stops. Hence one stack per process at a time. moto's state lives in this process
(``moto_server.MotoServer``), or with ``workers`` in a process of its own
(``MotoProcess``), and is reset when a stack starts; with ``data_dir`` it is then restored
from there and kept there (``persistence``), and the demo keys are kept in
``data_dir/keys.json`` so they stay the same across restarts.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import boto3

from doorproof.local.apigw_events import Api
from doorproof.local.dashboard import Dashboard
from doorproof.local.demo_keys import (
    DemoOrg,
    issue_demo_keys,
    kept_demo_keys,
    register_demo_projects,
)
from doorproof.local.expiry import ExpiryTimer
from doorproof.local.frontdoor import FrontDoor
from doorproof.local.lambdas import Handler, Lambdas
from doorproof.local.moto_server import MotoProcess, MotoServer
from doorproof.local.people import LocalPeople, SignInLinks, create_people
from doorproof.local.poller import QueuePoller, SweepTimer
from doorproof.local.resources import MOTO_ACCOUNT, Resources, kept_or_new_resources
from functions.core.adapters import aws
from functions.core.config import names, settings

REGION = "us-east-1"
BUCKET_ACCOUNT = "local"
"""The account part of the bucket name (a deployment uses its account id)."""
QUIET_POWERTOOLS = {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}
"""No X-Ray daemon and no CloudWatch here: tracing off, metrics not printed as EMF."""
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def _forget_cold_start_state() -> None:
    """Drop what handlers cache per container (settings, boto3 clients): they name the
    environment of the stack that was running when they were made."""
    settings.get_settings.cache_clear()
    aws.reset()


class LocalStack:
    """The whole system on one machine. ``with LocalStack(port=0) as stack: stack.url``.

    ``handlers`` maps function keys (``names.FUNCTIONS``) to callables that replace the real
    handlers; the mapping is used by reference, so tests may swap entries while it runs.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8787,
        moto_port: int = 0,
        stage: str = "local",
        sweep_interval_s: float = 30.0,
        visibility_timeout_s: int = 5,
        handlers: Mapping[str, Handler] | None = None,
        data_dir: Path | None = None,
        expiry_interval_s: float = 60.0,
        workers: int = 0,
        webhook_retry_scale: float = 1.0,
    ) -> None:
        self.host, self.port, self.moto_port = host, port, moto_port
        self.stage = stage
        self.sweep_interval_s = sweep_interval_s
        self.visibility_timeout_s = visibility_timeout_s
        self.data_dir = data_dir
        self.expiry_interval_s = expiry_interval_s
        self.workers = workers
        """API worker processes (``Lambdas.start_workers``), and moto in a process of its own;
        0: moto and every function in this process."""
        self.replayed = 0
        """Requests replayed from ``data_dir`` at start (0: nothing, or a snapshot only)."""
        self.webhook_retry_scale = webhook_retry_scale
        self.lambdas = Lambdas(stage=stage, region=REGION, account=MOTO_ACCOUNT, overrides=handlers)
        self.keys: list[DemoOrg] = []
        self._moto: MotoServer | MotoProcess | None = None
        self._saved_env: dict[str, str | None] = {}
        self._frontdoor: FrontDoor | None = None
        self._threads: list[threading.Thread] = []
        self._resources: Resources | None = None
        self._pollers: list[QueuePoller] = []
        self._sweeper: SweepTimer | None = None
        self._links: SignInLinks | None = None
        self.people: LocalPeople | None = None
        self._expiry: ExpiryTimer | None = None

    # --- where things are -------------------------------------------------------------

    @property
    def url(self) -> str:
        """The API's base URL (what a client's base URL is set to)."""
        assert self._frontdoor is not None, "stack not started"
        return self._frontdoor.url

    @property
    def moto_url(self) -> str:
        assert self._moto is not None, "stack not started"
        return self._moto.url

    @property
    def resources(self) -> Resources:
        assert self._resources is not None, "stack not started"
        return self._resources

    def signin_link(self, role: str = "admin") -> str:
        """A one-time link that signs ``role``'s user in to the dashboard (``people``)."""
        assert self._links is not None, "stack not started"
        return f"{self.url}/signin?code={self._links.issue(role)}"

    def session(self) -> boto3.Session:
        """A boto3 session on the stack's moto (the environment already points there)."""
        return boto3.Session(region_name=REGION)

    # --- lifecycle ----------------------------------------------------------------------

    def _set_env(self, values: Mapping[str, str | None]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _forget_cold_start_state()

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        # With workers, moto too gets a process of its own (moto_server.MotoProcess).
        serve_moto = MotoProcess if self.workers else MotoServer
        self._moto = serve_moto("127.0.0.1", self.moto_port, self.data_dir)
        self.replayed = self._moto.start()
        moto_url = self.moto_url
        self._set_env(
            {
                "AWS_ENDPOINT_URL": moto_url,
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_PROFILE": None,
                **FAKE_CREDENTIALS,
                **QUIET_POWERTOOLS,
                **settings.environment_for(self.stage, BUCKET_ACCOUNT),
            }
        )
        session = self.session()
        self._resources, created = kept_or_new_resources(
            session,
            stage=self.stage,
            bucket_account=BUCKET_ACCOUNT,
            visibility_timeout_s=self.visibility_timeout_s,
        )
        if created:
            self._moto.snapshot()
        self._set_env(
            {
                settings.ENV_VARS["processing_queue_url"]: self._resources.queue_url,
                settings.ENV_VARS["webhook_queue_url"]: self._resources.webhook_queue_url,
                # Sandbox keys may send webhooks to http://127.0.0.1 here (not in AWS).
                settings.ENV_VARS["webhook_sandbox_loopback"]: "true",
                settings.ENV_VARS["webhook_retry_scale"]: str(self.webhook_retry_scale),
            }
        )
        keys_table = session.resource("dynamodb").Table(names.KEYS_TABLE.physical(self.stage))
        self.keys = (
            kept_demo_keys(keys_table, self.data_dir / "keys.json")
            if self.data_dir is not None
            else issue_demo_keys(keys_table)
        )
        register_demo_projects(
            session.resource("dynamodb").Table(names.PROJECTS_TABLE.physical(self.stage))
        )
        cognito = session.client("cognito-idp")
        self.people = create_people(
            cognito, stage=self.stage, organization_id=self.keys[0].organization_id
        )
        self._set_env(
            {
                settings.ENV_VARS["user_pool_id"]: self.people.user_pool_id,
                settings.ENV_VARS["user_pool_client_id"]: self.people.client_id,
            }
        )
        self._links = SignInLinks(cognito, self.people)
        # Workers copy the environment, now complete; they are warm before the front door
        # listens, so no request waits in its backlog for a cold start.
        if self.workers:
            self.lambdas.start_workers(self.workers, dict(os.environ))

        api = Api(api_id=secrets.token_hex(5), account_id=MOTO_ACCOUNT, region=REGION)
        self._frontdoor = FrontDoor(
            (self.host, self.port), self.lambdas, api, Dashboard(self._links)
        )
        serve = threading.Thread(
            target=self._frontdoor.serve_forever, name="doorproof-frontdoor", daemon=True
        )
        sqs = session.client("sqs")
        self._pollers = [
            QueuePoller(
                sqs,
                self.lambdas,
                queue_url=self._resources.queue_url,
                queue_arn=self._resources.queue_arn,
                region=REGION,
            )
        ]
        self._pollers += [
            QueuePoller(
                sqs,
                self.lambdas,
                queue_url=self._resources.webhook_queue_url,
                queue_arn=self._resources.webhook_queue_arn,
                region=REGION,
                function="dispatcher",
                batch_size=names.DISPATCHER_BATCH_SIZE,
                name=f"doorproof-webhook-poller-{i}",
            )
            for i in range(names.FUNCTIONS["dispatcher"].local_instances)
        ]
        self._sweeper = SweepTimer(
            self.lambdas,
            interval_s=self.sweep_interval_s,
            region=REGION,
            account=MOTO_ACCOUNT,
            rule_name=f"doorproof-{self.stage}-sweep",
        )
        self._expiry = ExpiryTimer(
            session,
            stage=self.stage,
            bucket=self._resources.bucket,
            interval_s=self.expiry_interval_s,
        )
        self._threads = [serve, *self._pollers, self._sweeper, self._expiry]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop the timers, the poller, the front door, the workers and moto; restore the
        environment.
        Safe to call twice, or after a failed start."""
        for worker in (self._expiry, self._sweeper, *self._pollers):
            if worker is not None:
                worker.stop()
        if self._frontdoor is not None:
            if self._threads:  # serve_forever runs: shutdown() waits for it to return
                self._frontdoor.shutdown()
            self._frontdoor.server_close()
        self._frontdoor = None
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        self.lambdas.stop_workers()
        if self._moto is not None:
            self._moto.stop()
        self._moto = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env = {}
        _forget_cold_start_state()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
