"""``doorproof loadtest``: many phones at once against a local stack it runs and kills.

Each phone is the SDK emulation (``DeviceClient``: on-disk queue, retries, discards on 4xx)
recording a delivery in real time: 50 Hz samples, one 250-sample batch every 5 s, a share of
uploads sent twice (an answer lost after the server stored the batch), and one network outage
each. Phones start their trips spread over one batch interval, as a fleet's phones do (all at
the same instant, every batch of every phone would arrive in one burst). Midway the stack is
killed with SIGKILL and started again on the same data directory. Then every session is
checked: samples recorded = accepted = stored, insights ready. Figures: telemetry latency
(p50/p95/max, as the phone measured it, failures and outages excluded), requests shed (503),
time from the last stop to the last ready insights, the stack's memory, the CPU the stack's
processes used per telemetry call answered (the figure that does not depend on what else the
machine runs; wall-clock latency does), the CPU this process used to play the phones, and the
machine's load average.

    doorproof loadtest --phones 64 --minutes 3 --kill-at 90

Bounded on purpose: 127.0.0.1 only, a fixed number of phones, a fixed duration.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doorproof.client import BackendClient, DeviceClient
from doorproof.client.backoff import RetryPolicy
from doorproof.client.faults import FaultyTransport
from doorproof.client.transport import HttpRequest, HttpResponse, Transport, UrllibTransport

BATCH_SAMPLES = 250
SAMPLE_HZ = 50.0
TARGET_P95_S = 3.0
TARGET_INSIGHTS_S = 180.0
"""Issue 12's target for 64 phones: telemetry p95 and insights after the last stop."""


class LocalProcess:
    """``doorproof local --data DIR`` as a child process (so that it can be killed), in a
    session of its own: where the kernel shares CPU between sessions (Linux's autogroup), the
    phones this process plays then take nothing from the stack they measure, as phones on
    their own hardware would."""

    def __init__(
        self, data: Path, port: int, *, sweep_interval_s: float = 5, visibility_timeout_s: int = 5
    ) -> None:
        self.data, self.port = data, port
        self.options = ["--sweep-interval", str(sweep_interval_s)]
        self.options += ["--visibility-timeout", str(visibility_timeout_s)]
        self.proc: subprocess.Popen[str] | None = None
        self.url = f"http://127.0.0.1:{port}"
        self.output: list[str] = []
        """What the last start printed, up to "Ctrl-C to stop"."""
        self.peak_rss_kb = 0
        self._cpu_s: dict[int, float] = {}
        """CPU seconds of every process of the stack seen so far (killed ones included)."""

    def start(self, timeout_s: float = 300.0) -> float:
        """Start and wait until it serves; returns how long that took."""
        began = time.monotonic()
        command = [sys.executable, "-m", "doorproof", "local", "--port", str(self.port)]
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            [*command, "--data", str(self.data), *self.options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        lines = self.output = []
        while time.monotonic() - began < timeout_s:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Ctrl-C"):
                threading.Thread(target=self._drain, daemon=True).start()
                return time.monotonic() - began
        self.kill()
        raise RuntimeError("doorproof local did not start:\n" + "".join(lines))

    def _drain(self) -> None:
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        for _ in proc.stdout:
            pass

    def sample(self) -> int:
        """Sample the stack and its worker processes: their CPU time so far (read back as
        ``cpu_s``) and their resident memory together (the peak seen kept in
        ``peak_rss_kb``); returns the resident memory now, in kB."""
        if self.proc is None:
            return 0
        tree = _process_tree(self.proc.pid)
        for pid in tree:
            self._cpu_s[pid] = max(self._cpu_s.get(pid, 0.0), _cpu_s(pid))
        rss = sum(_rss_kb(pid) for pid in tree)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        return rss

    @property
    def cpu_s(self) -> float:
        """CPU seconds used by every process the stack ran, as last sampled by ``sample``."""
        return sum(self._cpu_s.values())

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.sample()
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM (a clean stop: it snapshots); returns the exit status."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.sample()
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=120)
        return int(self.proc.returncode)


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``; just ``pid`` elsewhere)."""
    tree, index = [pid], 0
    while index < len(tree):
        for task in Path(f"/proc/{tree[index]}/task").glob("*/children"):
            try:
                tree += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
        index += 1
    return tree


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )


class TimedTransport:
    """Records how long each answered telemetry upload took (and when it was sent), and the
    503s."""

    def __init__(
        self, inner: Transport, latencies: list[float], shed: list[int], sent: list[float]
    ) -> None:
        self.inner, self._latencies, self._shed, self._sent = inner, latencies, shed, sent

    def send(self, request: HttpRequest) -> HttpResponse:
        began = time.monotonic()
        response = self.inner.send(request)
        if request.path == "/v1/telemetry":
            if response.status == 503:
                self._shed.append(1)
            elif response.status < 300:
                self._sent.append(began)
                self._latencies.append(time.monotonic() - began)
        return response


@dataclass
class Phone:
    index: int
    session_id: str | None = None
    recorded: int = 0
    discarded: int = 0
    error: str | None = None
    stopped_at: float | None = None


@dataclass
class Run:
    phones: list[Phone]
    latencies: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    """When each call of ``latencies`` was sent (``time.monotonic``), in the same order."""
    shed: list[int] = field(default_factory=list)
    duplicates: int = 0
    outages: int = 0


def samples(start: float, n: int, index: int) -> list[dict[str, Any]]:
    return [
        {
            "ts": round(start + i / SAMPLE_HZ, 4),
            "imu": {"accel": [0.1, 0.2, 9.8], "gyro": [0.0, 0.0, 0.01]},
            "position": {"lat": 52.52 + index * 1e-3, "lng": 13.40 + i * 1e-7, "accuracyM": 5.0},
        }
        for i in range(n)
    ]


def drive(
    phone: Phone,
    run: Run,
    url: str,
    key: str,
    queues: Path,
    *,
    seconds: float,
    outage: tuple[float, float],
    duplicate: float,
    phase_s: float = 0.0,
) -> None:
    time.sleep(phase_s)  # this phone's trip starts a moment after the first one's
    faulty = FaultyTransport(
        TimedTransport(UrllibTransport(url, timeout=30.0), run.latencies, run.shed, run.sent),
        duplicate=duplicate,
        seed=phone.index,
    )
    client = DeviceClient(
        faulty,
        key,
        queue_path=queues / f"phone-{phone.index}.db",
        retry=RetryPolicy(base_s=1.0, cap_s=10.0),
    )
    try:
        while phone.session_id is None:  # the app retries a start that found no server
            try:
                request = {"deliveryId": f"load-{phone.index}", "sessionType": "drop"}
                phone.session_id = client.start_session(request).sessionId
            except Exception:
                time.sleep(1.0)
        began = time.monotonic()
        t0 = time.time()
        batches = int(seconds * SAMPLE_HZ / BATCH_SAMPLES)
        for n in range(batches):
            time.sleep(max(0.0, began + (n + 1) * BATCH_SAMPLES / SAMPLE_HZ - time.monotonic()))
            elapsed = time.monotonic() - began
            down = outage[0] <= elapsed < outage[1]
            if down and not faulty.down:
                run.outages += 1
            faulty.set_down(down)
            client.record(samples(t0 + n * BATCH_SAMPLES / SAMPLE_HZ, BATCH_SAMPLES, phone.index))
            phone.recorded += BATCH_SAMPLES
        faulty.set_down(False)
        client.stop_session(wait_s=None)
        phone.stopped_at = time.monotonic()
        if not client.flush(timeout_s=300.0):
            phone.error = f"queue not drained: {client.pending()}"
    except Exception as exc:  # reported, never raised: one phone must not end the run
        phone.error = f"{type(exc).__name__}: {exc}"
    finally:
        phone.discarded = client.stats.discarded_samples
        run.duplicates += faulty.duplicates
        client.close(flush_timeout_s=0)


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


INSIGHTS_POLL_S = 5.0
"""How often the check asks each session still processing for its insights (every second,
64 sessions' reads took the CPU the processor needed to compute them)."""


def _p95_by_window(run: Run, window_s: float) -> list[float]:
    """Telemetry p95 of the calls sent in each ``window_s`` of the run, in order (where in
    the run the slow answers were)."""
    if not run.sent:
        return []
    first = min(run.sent)
    windows: dict[int, list[float]] = {}
    for sent, latency in zip(run.sent, run.latencies, strict=True):
        windows.setdefault(int((sent - first) // window_s), []).append(latency)
    return [round(percentile(windows.get(i, []), 95), 2) for i in range(max(windows) + 1)]


def _around_the_kill(run: Run, killed_at: float) -> dict[str, float]:
    """Telemetry p95 of the calls sent before the kill, and of those sent after it (the
    phones' backlog from the outage the kill made is among them)."""
    before = [t for sent, t in zip(run.sent, run.latencies, strict=True) if sent < killed_at]
    after = [t for sent, t in zip(run.sent, run.latencies, strict=True) if sent >= killed_at]
    return {
        "telemetryP95BeforeKillS": round(percentile(before, 95), 3),
        "telemetryP95AfterKillS": round(percentile(after, 95), 3),
    }


def check(
    run: Run, url: str, secret: str, *, timeout_s: float, killed_at: float | None = None
) -> dict[str, Any]:
    """Wait for every session's insights; compare counts. Returns the report (``killed_at``:
    when the stack was killed, ``time.monotonic``)."""
    backend = BackendClient(url, secret)
    last_stop = max((p.stopped_at or 0.0) for p in run.phones)
    pending = {p.session_id for p in run.phones if p.session_id}
    deadline = time.monotonic() + timeout_s
    ready_at = time.monotonic()
    while pending and time.monotonic() < deadline:
        round_began = time.monotonic()
        for session_id in list(pending):
            if backend.get_insights(session_id).status == "ready":
                pending.discard(session_id)
                ready_at = time.monotonic()
        time.sleep(max(0.0, round_began + INSIGHTS_POLL_S - time.monotonic()))
    insights_after_s = ready_at - last_stop
    wrong = []
    for phone in run.phones:
        if phone.session_id is None:
            wrong.append(f"phone {phone.index}: no session")
            continue
        session = backend.get_session(phone.session_id)
        counts = (phone.recorded, session.acceptedSamplesTotal, session.storedSamplesTotal)
        if len(set(counts)) != 1 or phone.discarded or phone.error:
            wrong.append(
                f"phone {phone.index}: recorded/accepted/stored {counts}, "
                f"discarded {phone.discarded}, {phone.error or 'ok'}"
            )
    return {
        "phones": len(run.phones),
        "samplesRecorded": sum(p.recorded for p in run.phones),
        "telemetryCalls": len(run.latencies),
        "duplicatesSent": run.duplicates,
        "outages": run.outages,
        "shed503": len(run.shed),
        "telemetryP50s": round(percentile(run.latencies, 50), 3),
        "telemetryP95s": round(percentile(run.latencies, 95), 3),
        "telemetryMaxS": round(max(run.latencies, default=float("nan")), 3),
        **({} if killed_at is None else _around_the_kill(run, killed_at)),
        "telemetryP95By30s": _p95_by_window(run, 30.0),
        "insightsNotReady": sorted(pending),
        "insightsReadyAfterLastStopS": round(insights_after_s, 1),
        "wrong": wrong,
    }


def _load_average() -> float:
    return round(os.getloadavg()[0], 1)


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _progress(run: Run, elapsed: float, stack: LocalProcess) -> None:
    p95 = percentile(run.latencies, 95) if len(run.latencies) > 1 else float("nan")
    print(
        f"{elapsed:4.0f} s: {len(run.latencies)} telemetry calls answered (p95 {p95:.2f} s), "
        f"{sum(p.stopped_at is not None for p in run.phones)}/{len(run.phones)} phones stopped, "
        f"stack {stack.sample() / 1024:.0f} MB, load average {_load_average()}",
        file=sys.stderr,
    )


def loadtest(
    *,
    phones: int,
    seconds: float,
    kill_at: float | None,
    duplicate: float,
    outage_s: float,
    port: int,
    data: Path,
    insights_timeout_s: float,
) -> dict[str, Any]:
    """Run it; the report's figures are described in this module's docstring. The stack's
    CPU is counted from the first phone's start to the last one's stop (its restart and
    everything the processor did meanwhile included), per telemetry call answered."""
    load = {"beforeStart": _load_average()}
    stack = LocalProcess(data, port)
    try:
        startup_s = stack.start()
        start_rss_mb = stack.sample() / 1024
        print(f"doorproof local started in {startup_s:.1f} s; {phones} phones", file=sys.stderr)
        report = _drive_and_check(
            stack,
            data,
            load,
            phones=phones,
            seconds=seconds,
            kill_at=kill_at,
            duplicate=duplicate,
            outage_s=outage_s,
            insights_timeout_s=insights_timeout_s,
        )
        stack.sample()
    finally:
        stack.stop()
    load["end"] = _load_average()
    kept = sum(f.stat().st_size for f in data.iterdir() if f.is_file())
    return report | {
        "startupS": round(startup_s, 1),
        "startRssMb": round(start_rss_mb, 1),
        "peakRssMb": round(stack.peak_rss_kb / 1024, 1),
        "dataKeptMb": round(kept / 2**20, 1),
    }


def _drive_and_check(
    stack: LocalProcess,
    data: Path,
    load: dict[str, float],
    *,
    phones: int,
    seconds: float,
    kill_at: float | None,
    duplicate: float,
    outage_s: float,
    insights_timeout_s: float,
) -> dict[str, Any]:
    keys = json.loads((data / "keys.json").read_text())["orgs"][0]
    run = Run([Phone(i) for i in range(phones)])
    interval_s = BATCH_SAMPLES / SAMPLE_HZ
    with tempfile.TemporaryDirectory(prefix="loadtest-queues-") as queues:
        threads = []
        stack.sample()
        cpu_before_s, own_before_s = stack.cpu_s, _own_cpu_s()
        for phone in run.phones:
            start = (phone.index * 7.3) % max(seconds - outage_s - 10.0, 1.0) + 5.0
            thread = threading.Thread(
                target=drive,
                args=(phone, run, stack.url, keys["publishableKey"], Path(queues)),
                kwargs={
                    "seconds": seconds,
                    "outage": (start, start + outage_s),
                    "duplicate": duplicate,
                    "phase_s": phone.index * interval_s / phones,
                },
                daemon=True,
            )
            threads.append(thread)
            thread.start()
        began = time.monotonic()
        killed_at = restart_s = None
        next_progress = began + 30.0
        while any(t.is_alive() for t in threads):
            stack.sample()
            if kill_at is not None and killed_at is None and time.monotonic() - began >= kill_at:
                load["atKill"] = _load_average()
                print(f"kill -9 of doorproof local at {kill_at:.0f} s", file=sys.stderr)
                killed_at = time.monotonic()
                stack.kill()
                restart_s = stack.start()
                replayed = next((line for line in stack.output if "replayed" in line), "")
                print(f"restarted in {restart_s:.1f} s: {replayed.strip()}", file=sys.stderr)
            if time.monotonic() >= next_progress:
                _progress(run, time.monotonic() - began, stack)
                next_progress += 30.0
            time.sleep(1.0)
        stack.sample()
        cpu_s, own_s = stack.cpu_s - cpu_before_s, _own_cpu_s() - own_before_s
        load["lastStop"] = _load_average()
        print("every phone stopped; waiting for every session's insights", file=sys.stderr)
        report = check(
            run, stack.url, keys["secretKey"], timeout_s=insights_timeout_s, killed_at=killed_at
        )
    return report | {
        "restartS": restart_s and round(restart_s, 1),
        "stackCpuS": round(cpu_s, 1),
        "stackCpuMsPerTelemetryCall": round(1000 * cpu_s / max(len(run.latencies), 1), 1),
        "phonesCpuS": round(own_s, 1),
        "cpus": os.cpu_count(),
        "loadAverage1m": load,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--phones", type=int, default=64, help="phones at once (default: 64)")
    parser.add_argument("--minutes", type=float, default=3.0, help="each phone's trip")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=90.0,
        metavar="S",
        help="kill -9 the stack after S seconds, then restart it (negative: never)",
    )
    parser.add_argument(
        "--duplicates", type=float, default=0.10, help="share of uploads sent twice"
    )
    parser.add_argument(
        "--outage", type=float, default=15.0, metavar="S", help="each phone's outage"
    )
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument(
        "--data", type=Path, help="the stack's data directory (default: a temporary one)"
    )
    parser.add_argument("--insights-timeout", type=float, default=180.0, metavar="S")


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="loadtest-data-") as tmp:
        report = loadtest(
            phones=args.phones,
            seconds=args.minutes * 60.0,
            kill_at=args.kill_at if args.kill_at >= 0 else None,
            duplicate=args.duplicates,
            outage_s=args.outage,
            port=args.port,
            data=args.data or Path(tmp),
            insights_timeout_s=args.insights_timeout,
        )
    report["target"] = verdict(report)
    print(json.dumps(report, indent=2))
    ok = not report["wrong"] and not report["insightsNotReady"]
    return 0 if ok else 1


def verdict(report: dict[str, Any]) -> dict[str, bool]:
    """What of issue 12's target (every count exact and nothing dropped, every insights
    ready within 180 s of the last stop, telemetry p95 <= 3 s) the report shows."""
    return {
        "nothingDroppedCountsExact": not report["wrong"],
        "insightsReadyWithin180s": not report["insightsNotReady"]
        and report["insightsReadyAfterLastStopS"] <= TARGET_INSIGHTS_S,
        "telemetryP95Within3s": report["telemetryP95s"] <= TARGET_P95_S,
    }
