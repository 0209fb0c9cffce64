"""Start and stop a real ``streamlit run`` server for live tests and benchmarks.

The server runs from the repository root, so it reads the repository's ``.streamlit/config.toml`` exactly as
``scripts/run-app`` does, on a free loopback port, against the database given (default: a fresh SQLite file
in a temporary folder). It is our own child process in its own process group, stopped by its pid.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.live.stclient import fetch_health

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``with LiveServer() as srv: srv.url, srv.database_url, srv.pid``."""

    def __init__(
        self,
        app: str | Path = "app.py",
        database_url: str | None = None,
        options: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ):
        self.app = Path(app) if Path(app).is_absolute() else REPO / app
        self._tmp = tempfile.TemporaryDirectory(prefix="mesolearn-live-")
        self.database_url = database_url or f"sqlite:///{self._tmp.name}/live.db"
        self.options = dict(options or {})
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(self._tmp.name) / "server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> LiveServer:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
        ]
        for key, value in self.options.items():
            cmd += [f"--{key}", value]
        env = {k: v for k, v in os.environ.items() if k != "MESOLEARN_CONTENT_DIR"}  # the repository's course
        env.update(MESOLEARN_DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1", **self.extra_env)
        with open(self.log_path, "w") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                cmd,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if fetch_health(self.url)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer /_stcore/health in {self.startup_timeout:g} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
