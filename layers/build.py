"""Build Lambda layers without Docker, and cache every build by content.

Each layer is a folder here holding a ``requirements.txt``. ``build_layer`` asks pip for
wheels made for the Lambda runtime rather than for this machine (``--platform``,
``--python-version``, ``--implementation cp``, ``--only-binary=:all:``), so a laptop or CI
without Docker builds an arm64 layer for a newer Python than it runs itself. numpy >= 2.3
ships only ``manylinux_2_28`` wheels for aarch64, while pydantic-core still ships
``manylinux2014`` ones and pip does not widen a ``--platform`` to older glibc tags: both tags
are passed (Lambda's Amazon Linux 2023 satisfies either).

A layer's ``requirements.txt`` names distributions without versions: each is installed at
the version ``uv.lock`` pins, the same lock ``make`` installs the test environment from, so a
Lambda always runs what the tests ran with, and a dependency upgrade (``make lock``) needs no
second edit. The lock holds one version per package for every supported Python
(``fork-strategy = "fewest"`` in pyproject.toml), so the runtime's newer Python gets the
version the tests ran with on theirs. The list must be the whole dependency closure (pip runs
with ``--no-deps`` to keep out what the Lambda runtime already ships); tests/infra checks that
it is.

Builds land in ``build/`` (gitignored) under a name derived from everything that shapes
them, so a repeated ``cdk synth`` reuses the folder and a changed version builds a new one.
A build is written to a temporary folder and renamed into place: two synths running at the
same time never see a half-written layer.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

LAYERS_DIR = Path(__file__).resolve().parent
LOCK_FILE = LAYERS_DIR.parent / "uv.lock"
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
"""Distributions the Lambda Python runtime ships: never put into a layer."""
BUILD_FORMAT = "4"
"""Bump when the build procedure changes, so cached builds made the old way are not reused."""


def manylinux_platforms(machine: str) -> tuple[str, ...]:
    """The wheel platform tags accepted for a Lambda architecture (``aarch64``, ``x86_64``)."""
    return (f"manylinux_2_28_{machine}", f"manylinux2014_{machine}")


def cached_build(out_root: Path, name: str, key: str, fill: Callable[[Path], None]) -> Path:
    """``out_root/<name>-<key>``, made by ``fill`` unless it already exists.

    ``fill`` writes into an empty temporary folder that is then renamed into place, so the
    result is either complete or absent.
    """
    dest = out_root / f"{name}-{key}"
    if dest.is_dir():
        return dest
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_root))
    try:
        fill(tmp)
        tmp.rename(dest)
    except OSError:
        if not dest.is_dir():  # not a lost race with another build of the same key
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def requirement_names(name: str) -> list[str]:
    """The entries of ``layers/<name>/requirements.txt`` (``dist`` or ``dist[extras]``)."""
    lines = (LAYERS_DIR / name / "requirements.txt").read_text().splitlines()
    return [entry for line in lines if (entry := line.split("#", 1)[0].strip())]


def normalize(distribution: str) -> str:
    """A distribution's name as the lock file spells it (PEP 503: ``Typing_Extensions`` ->
    ``typing-extensions``)."""
    return distribution.lower().replace("_", "-").replace(".", "-")


def locked_versions(lock_file: Path) -> dict[str, str]:
    """Each package's version in ``uv.lock``, by normalized name.

    A package locked at two versions (one per Python range) has no single version for a layer
    to carry: that is an error naming it, not a silent pick.
    """
    versions: dict[str, set[str]] = {}
    for package in tomllib.loads(lock_file.read_text())["package"]:
        if "version" in package:  # the project itself may be locked without one
            versions.setdefault(normalize(package["name"]), set()).add(package["version"])
    forked = sorted(name for name, found in versions.items() if len(found) > 1)
    if forked:
        raise RuntimeError(
            f"{lock_file.name} pins more than one version of {', '.join(forked)}: keep "
            'fork-strategy = "fewest" in pyproject.toml [tool.uv] and run `make lock`'
        )
    return {name: found.pop() for name, found in versions.items()}


def pins(name: str) -> list[str]:
    """``dist==version`` for each distribution of the layer, at the version uv.lock pins."""
    locked = locked_versions(LOCK_FILE)
    pinned = []
    for entry in requirement_names(name):
        distribution = normalize(entry.split("[", 1)[0].strip())
        if distribution not in locked:
            raise RuntimeError(
                f"layer {name} needs {distribution}, which uv.lock does not pin: add it to "
                "pyproject.toml's dependencies and run `make lock`"
            )
        pinned.append(f"{distribution}=={locked[distribution]}")
    return pinned


def build_layer(name: str, python_version: str, machine: str, out_root: Path) -> Path:
    """Build (or reuse) the layer ``layers/<name>``: a folder holding ``python/``.

    ``python_version`` is the runtime's (``"3.14"``), ``machine`` its CPU (``"aarch64"``).
    """
    pinned = pins(name)
    platforms = manylinux_platforms(machine)
    digest = hashlib.sha256()
    for part in (BUILD_FORMAT, python_version, *platforms, *pinned):
        digest.update(part.encode() + b"\0")

    def fill(folder: Path) -> None:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--no-compile", "--only-binary=:all:", "--implementation", "cp"]
        command += ["--python-version", python_version]
        for platform in platforms:
            command += ["--platform", platform]
        command += ["--target", str(folder / "python"), *pinned]
        subprocess.run(command, check=True)  # noqa: S603 - fixed argv, no shell
        # Console scripts and the packages' own test suites are dead weight in a layer
        # (numpy's tests are a fifth of its size); a layer counts against the 250 MB limit.
        shutil.rmtree(folder / "python" / "bin", ignore_errors=True)
        for tests in list((folder / "python").glob("*/**/tests")):
            shutil.rmtree(tests, ignore_errors=True)

    return cached_build(out_root, f"layer-{name}", digest.hexdigest()[:16], fill)
