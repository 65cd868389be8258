"""The layers carry what the tests ran with, are built without Docker for the runtime's
platform, and are cached by content; the code asset is the ``functions`` package."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from infra import lambdas
from layers import build

LAYER_NAMES = ("numpy", "powertools")


def _pins(name: str) -> dict[str, str]:
    lines = (build.LAYERS_DIR / name / "requirements.txt").read_text().splitlines()
    pins = [line.split("#")[0].strip() for line in lines]
    return dict(pin.split("==") for pin in pins if pin)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_pins_are_the_tested_versions(name: str) -> None:
    pins = _pins(name)
    assert pins
    for package, pinned in pins.items():
        assert version(package) == pinned, f"{name} layer pins {package}=={pinned}"


def test_powertools_layer_leaves_out_what_the_runtime_ships() -> None:
    assert not {"boto3", "botocore", "s3transfer", "jmespath"} & set(_pins("powertools"))


class FakePip:
    """Stands in for ``pip install``: records the command, writes one module."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], check: bool) -> None:
        self.commands.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pkg" / "tests").mkdir(parents=True)
        (target / "pkg" / "__init__.py").write_text("")


@pytest.fixture
def fake_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakePip:
    fake = FakePip()
    monkeypatch.setattr(subprocess, "run", fake)
    (tmp_path / "layers" / "demo").mkdir(parents=True)
    (tmp_path / "layers" / "demo" / "requirements.txt").write_text("demo==1.0\n")
    monkeypatch.setattr(build, "LAYERS_DIR", tmp_path / "layers")
    return fake


def test_layer_is_built_for_the_runtime_platform_wheels_only(
    fake_pip: FakePip, tmp_path: Path
) -> None:
    folder = build.build_layer("demo", "3.14", "aarch64", tmp_path / "out")
    (command,) = fake_pip.commands
    assert command[command.index("--python-version") + 1] == "3.14"
    platforms = {command[i + 1] for i, arg in enumerate(command) if arg == "--platform"}
    assert platforms == {"manylinux_2_28_aarch64", "manylinux2014_aarch64"}
    assert "--only-binary=:all:" in command
    assert "docker" not in " ".join(command)
    assert (folder / "python" / "pkg" / "__init__.py").is_file()
    assert not (folder / "python" / "pkg" / "tests").exists(), "test suites are stripped"


def test_layer_build_is_cached_until_requirements_change(fake_pip: FakePip, tmp_path: Path) -> None:
    first = build.build_layer("demo", "3.14", "aarch64", tmp_path / "out")
    assert build.build_layer("demo", "3.14", "aarch64", tmp_path / "out") == first
    assert len(fake_pip.commands) == 1
    (build.LAYERS_DIR / "demo" / "requirements.txt").write_text("demo==2.0\n")
    second = build.build_layer("demo", "3.14", "aarch64", tmp_path / "out")
    assert second != first
    assert len(fake_pip.commands) == 2
    assert build.build_layer("demo", "3.13", "aarch64", tmp_path / "out") not in {first, second}


def test_failed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    def fail(folder: Path) -> None:
        (folder / "half").write_text("written before the failure")
        raise subprocess.CalledProcessError(1, "pip")

    with pytest.raises(subprocess.CalledProcessError):
        build.cached_build(tmp_path, "broken", "k", fail)
    assert list(tmp_path.iterdir()) == []


def test_code_asset_is_the_functions_package_without_caches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "functions"
    (source / "api" / "__pycache__").mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "api" / "__init__.py").write_text("")
    (source / "api" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    monkeypatch.setattr(lambdas, "FUNCTIONS_DIR", source)
    monkeypatch.setattr(lambdas, "BUILD_ROOT", tmp_path / "build")
    staged: list[str] = []
    monkeypatch.setattr(lambdas.lambda_.Code, "from_asset", staged.append)
    lambdas.function_code()
    (root,) = map(Path, staged)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == ["functions/__init__.py", "functions/api/__init__.py"]
    (source / "api" / "new.py").write_text("x = 1\n")
    lambdas.function_code()
    assert staged[1] != staged[0], "a changed package is staged anew"
