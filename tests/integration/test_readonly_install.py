"""The app boots under gunicorn from a fresh, read-only install, every time, and writes nothing into it.

A wheel is built from a copy of the source tree (as a deployment would), installed with ``pip install
--target`` into a folder that is then made read-only, and gunicorn (4 sync workers, no preload: each
worker builds its own app, as in production) is started from it ten times. The tests run as root, who
ignores permission bits, so gunicorn runs as ``nobody`` when it can, and the installed files are listed
(size, mtime, hash) before and after: any file written, touched or added there fails the test.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.gunicorn

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
STARTS = 10
BOOT_TIMEOUT_S = 30
READY = "areaclienti worker ready"
# The master imports the third-party libraries the app uses (found by a probe), so the forked workers start
# faster (2 cores, 40 boots); nothing of areaclienti is imported there: each worker still imports the app
# and runs create_app itself, as without this.
GUNICORN_CONFIG = """
import importlib, sys

for name in {libraries!r}:
    importlib.import_module(name)
assert not [name for name in sys.modules if name.startswith("areaclienti")]


def post_worker_init(worker):
    worker.log.info("{ready} (pid %s)", worker.pid)
"""
PROBE = """
import json, sys
import areaclienti.entrypoints.wsgi
print(json.dumps({"file": sys.modules["areaclienti"].__file__, "libraries": sorted(
    name for name in sys.modules if "." not in name and not name.startswith(("_", "areaclienti"))
    and name not in sys.stdlib_module_names)}))
"""


def _unprivileged_prefix() -> list[str]:
    """Run as ``nobody`` when we are root (root writes through any read-only bit), if ``nobody`` can run
    this very interpreter (not so when it lives under root's home, as with pyenv)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return []
    prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import sys, flask; print(sys.version)"],
                           capture_output=True, text=True, timeout=60, cwd="/")
    return prefix if probe.returncode == 0 and probe.stdout.strip() == sys.version else []


def _listing(folder: Path) -> dict[str, tuple]:
    """Every file and folder under ``folder``: kind, size, mtime and content hash."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            entries[str(path.relative_to(folder))] = ("dir", info.st_mtime_ns)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            entries[str(path.relative_to(folder))] = ("file", info.st_size, info.st_mtime_ns, digest)
    return entries


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _chmod_tree(folder: Path, *, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        path.chmod((mode | stat.S_IWUSR) if writable else (mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)))


@pytest.fixture(scope="module")
def readonly_install() -> Iterator[dict]:
    """A fresh (not editable) install of the package, read-only, and an environment to run it in."""
    prefix = _unprivileged_prefix()
    base = Path(tempfile.mkdtemp(prefix="areaclienti-install-"))
    base.chmod(0o755)  # nobody must be able to read the install
    source, site, data = base / "source", base / "site", base / "data"
    try:
        (source / "src").mkdir(parents=True)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        shutil.copytree(ROOT / "src" / "areaclienti", source / "src" / "areaclienti",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        built = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--target", str(site), str(source)],
            capture_output=True, text=True, timeout=180,
        )
        assert built.returncode == 0, f"pip could not build and install the package:\n{built.stdout}\n{built.stderr}"
        assert (site / "areaclienti" / "entrypoints" / "web" / "translations" / "en" / "LC_MESSAGES"
                / "messages.mo").is_file(), "the compiled catalogue is not shipped in the package"

        data.mkdir()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(site),  # the fresh install first; its dependencies come from this venv
            "HOME": str(data),
            "AREACLIENTI_ENV": "production",
            "AREACLIENTI_DATA_DIR": str(data),
            "AREACLIENTI_SECRET_KEY": "readonly-install-test-" + "k" * 32,
            # Production wants these said explicitly; nothing connects to them while booting or serving a page.
            "AREACLIENTI_REDIS_URL": "redis://127.0.0.1:6379/15",
            "AREACLIENTI_SMTP_HOST": "127.0.0.1",
            "AREACLIENTI_SMS_BACKEND": "dev_outbox",
        }
        listing = _listing(site)  # before anything of it runs
        _chmod_tree(site, writable=False)
        if prefix:
            os.chown(data, 65534, 65534)  # the data folder is the one place the app may write
        migrated = subprocess.run(
            [*prefix, sys.executable, "-c", "from areaclienti.entrypoints.cli import main; main()", "db", "upgrade"],
            env=env, cwd=data, capture_output=True, text=True, timeout=120,
        )
        assert migrated.returncode == 0, migrated.stderr
        probe = subprocess.run([*prefix, sys.executable, "-c", PROBE], env=env, cwd=data, capture_output=True,
                               text=True, timeout=120)
        assert probe.returncode == 0, probe.stderr
        found = json.loads(probe.stdout.strip().splitlines()[-1])
        assert found["file"] == str(site / "areaclienti" / "__init__.py"), "the app did not run from the fresh install"
        (data / "gunicorn.conf.py").write_text(GUNICORN_CONFIG.format(libraries=found["libraries"], ready=READY))
        yield {"site": site, "data": data, "env": env, "prefix": prefix, "listing": listing}
    finally:
        if site.exists():
            _chmod_tree(site, writable=True)
        shutil.rmtree(base, ignore_errors=True)


def _boot_and_serve(install: dict, log_path: Path) -> tuple[subprocess.Popen, str, float]:
    """Start gunicorn, wait for every worker and an Italian login page, ask it to stop.

    Returns the server, why it failed ("" when it did not) and how long it took to serve the page.
    """
    port = _free_port()
    data = install["data"]
    started = time.monotonic()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*install["prefix"], sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--config", str(data / "gunicorn.conf.py"), "--log-level", "info",
             "areaclienti.entrypoints.wsgi:app"],
            env=install["env"], cwd=data, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        while log_path.read_text().count(READY) < WORKERS:
            if server.poll() is not None:
                return server, f"gunicorn exited with {server.returncode}", 0.0
            if time.monotonic() > started + BOOT_TIMEOUT_S:
                return server, f"only {log_path.read_text().count(READY)} of {WORKERS} workers booted", 0.0
            time.sleep(0.05)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accesso", timeout=10) as response:
                status, page = response.status, response.read().decode()
        except Exception as exc:  # an HTTP error or a refused connection: that start failed
            return server, f"GET /accesso failed: {exc!r}", 0.0
        if status != 200 or "Accedi ad Area Clienti" not in page or 'lang="it"' not in page:
            return server, f"GET /accesso answered {status} without the Italian login page", 0.0
        return server, "", time.monotonic() - started
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # graceful; waited for at the end, while the next one boots


def _stop(server: subprocess.Popen) -> None:
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_gunicorn_boots_every_time_from_a_read_only_install_and_writes_nothing_there(readonly_install, tmp_path):
    site = readonly_install["site"]
    before = readonly_install["listing"]
    assert any(name.endswith("messages.mo") for name in before)

    started = time.monotonic()
    runs = []
    try:
        for n in range(STARTS):
            runs.append(_boot_and_serve(readonly_install, tmp_path / f"gunicorn-{n}.log"))
    finally:
        for server, _why, _seconds in runs:
            _stop(server)
    elapsed = time.monotonic() - started
    served = sorted(seconds for _server, why, seconds in runs if not why)
    print(f"\n{len(served)}/{STARTS} gunicorn starts of {WORKERS} sync workers served the login page, "
          f"in {served[0] if served else 0:.1f}-{served[-1] if served else 0:.1f} s each, {elapsed:.1f} s in all "
          f"(as {'nobody' if readonly_install['prefix'] else 'the current user'})")

    logs = {n: (tmp_path / f"gunicorn-{n}.log").read_text() for n in range(STARTS)}
    failed = {n: why for n, (_server, why, _seconds) in enumerate(runs) if why}
    assert not failed, "\n\n".join(f"start {n}: {why}\n{logs[n][-3000:]}" for n, why in failed.items())
    for n, log in logs.items():
        problems = re.findall(r"Worker failed to boot|Traceback|Exception|Error", log)
        assert not problems, f"start {n}: {problems}\n{log[-3000:]}"
        assert log.count(READY) == WORKERS, log

    after = _listing(site)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"the app wrote into its installed package: {changed[:20]}"
