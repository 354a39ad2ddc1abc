"""Processes that start together in development (gunicorn workers, the rq worker) share one secret key.

Each keys the HMAC of codes, links and sessions: two keys would make one worker refuse what another
signed. Without a key in the environment the first process writes one into the data folder; before
this was atomic, 8 processes started at once got different (or empty) keys in 8 trials of 20.
"""
from __future__ import annotations

import multiprocessing

from areaclienti.entrypoints.config import Settings

PROCESSES = 8
TRIALS = 40


def _boot(barrier, data_dir: str, keys) -> None:
    barrier.wait()
    keys.put(Settings.from_env({"AREACLIENTI_ENV": "development", "AREACLIENTI_DATA_DIR": data_dir}).secret_key)


def test_processes_started_together_read_one_and_the_same_development_key(tmp_path):
    context = multiprocessing.get_context("fork")
    for trial in range(TRIALS):
        data_dir = tmp_path / str(trial)
        barrier, keys = context.Barrier(PROCESSES), context.Queue()
        processes = [context.Process(target=_boot, args=(barrier, str(data_dir), keys)) for _ in range(PROCESSES)]
        for process in processes:
            process.start()
        seen = [keys.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        written = (data_dir / "secret_key").read_text().strip()
        assert len(written) == 64 and set(seen) == {written}, f"trial {trial}: {len(set(seen))} keys"
        assert [p.name for p in data_dir.iterdir()] == ["secret_key"]  # no drafts left behind
        assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0
