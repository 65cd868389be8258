"""The layers carry what the tests ran with (the versions uv.lock pins), are built without
Docker for the runtime's platform, and are cached by content; the code asset is the
``functions`` package."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from infra import lambdas
from layers import build

LAYER_NAMES = ("numpy", "powertools")
LAMBDA_MARKERS = {
    "python_version": "3.14",
    "python_full_version": "3.14.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
}
"""The environment requirement markers see on the Lambda runtime."""


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_lists_its_whole_dependency_closure(name: str) -> None:
    """pip runs with --no-deps: whatever the listed packages need (with the extras asked
    for, on the Lambda's Python) must be listed too, or ship with the runtime."""
    entries = [Requirement(entry) for entry in build.requirement_names(name)]
    listed = {build.normalize(entry.name) for entry in entries}
    for entry in entries:
        for line in metadata.requires(entry.name) or []:
            dependency = Requirement(line)
            marker = dependency.marker
            needed = marker is None or any(
                marker.evaluate(LAMBDA_MARKERS | {"extra": extra}) for extra in entry.extras or {""}
            )
            if needed:
                assert build.normalize(dependency.name) in listed | build.RUNTIME_PROVIDED, (
                    f"{entry.name} needs {dependency.name}: add it to layers/{name}"
                )


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_pins_are_the_locked_versions_the_tests_run_with(name: str) -> None:
    locked = build.locked_versions(build.LOCK_FILE)
    for pin in build.pins(name):
        distribution, pinned = pin.split("==")
        assert locked[distribution] == pinned
        assert metadata.version(distribution) == pinned, (
            f"{distribution} installed here is not the locked one: run make .venv/.installed"
        )


def test_a_package_locked_twice_is_a_clear_error(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text(
        'version = 1\n[[package]]\nname = "numpy"\nversion = "2.4.6"\n'
        '[[package]]\nname = "numpy"\nversion = "2.5.5"\n'
        '[[package]]\nname = "doorproof"\nsource = { editable = "." }\n'
    )
    with pytest.raises(RuntimeError, match=r"more than one version of numpy.*make lock"):
        build.locked_versions(lock)


def test_powertools_layer_leaves_out_what_the_runtime_ships() -> None:
    listed = {build.normalize(Requirement(e).name) for e in build.requirement_names("powertools")}
    assert not listed & build.RUNTIME_PROVIDED


def test_a_layer_package_missing_here_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "requirements.txt").write_text("# comment\nno-such-dist-for-doorproof\n")
    monkeypatch.setattr(build, "LAYERS_DIR", tmp_path)
    with pytest.raises(RuntimeError, match=r"no-such-dist-for-doorproof.*make lock"):
        build.pins("odd")


class FakePip:
    """Stands in for ``pip install``: records the command, writes one module."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.pins = ["demo==1.0"]

    def __call__(self, command: list[str], check: bool) -> None:
        self.commands.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pkg" / "tests").mkdir(parents=True)
        (target / "pkg" / "__init__.py").write_text("")


@pytest.fixture
def fake_pip(monkeypatch: pytest.MonkeyPatch) -> FakePip:
    fake = FakePip()
    monkeypatch.setattr(subprocess, "run", fake)
    monkeypatch.setattr(build, "pins", lambda name: list(fake.pins))
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
    assert "--no-deps" in command
    assert command[-1] == "demo==1.0"
    assert "docker" not in " ".join(command)
    assert (folder / "python" / "pkg" / "__init__.py").is_file()
    assert not (folder / "python" / "pkg" / "tests").exists(), "test suites are stripped"


def test_layer_build_is_cached_until_a_version_changes(fake_pip: FakePip, tmp_path: Path) -> None:
    first = build.build_layer("demo", "3.14", "aarch64", tmp_path / "out")
    assert build.build_layer("demo", "3.14", "aarch64", tmp_path / "out") == first
    assert len(fake_pip.commands) == 1
    fake_pip.pins = ["demo==2.0"]
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
