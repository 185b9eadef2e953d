"""`cloudcensus registry` reaching its database: a URL from a secret file, and failures
that name the database without ever showing its password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PASSWORD = "S3cret-Db-Pw-do-not-echo"


def _registry(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from cloudcensus.scanner.cli import main; main()",
            "registry",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )


def test_the_database_url_can_come_from_a_secret_file(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "registry.db"
    database.parent.mkdir()
    secret = tmp_path / "database_url"
    secret.write_text(f"sqlite:///{database}\n")
    done = _registry(tmp_path, "--database-url-file", str(secret), "institution", "add", "mof")
    assert done.returncode == 0, done.stderr
    assert database.exists()  # the file's database, not the state directory's
    assert not (tmp_path / ".local").exists()


def test_a_missing_or_empty_secret_file_is_named(tmp_path: Path) -> None:
    done = _registry(tmp_path, "--database-url-file", "nope", "migrate")
    assert done.returncode == 2
    assert "--database-url-file" in done.stderr
    assert "nope" in done.stderr
    empty = tmp_path / "empty"
    empty.write_text("\n")
    done = _registry(tmp_path, "--database-url-file", str(empty), "migrate")
    assert done.returncode == 2
    assert "is empty" in done.stderr


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://cc:{PASSWORD}@127.0.0.1:1/registry"
    done = _registry(tmp_path, "--database-url", url, "migrate")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "postgresql+psycopg://cc:***@127.0.0.1:1/registry" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_an_unparsable_url_is_not_echoed(tmp_path: Path) -> None:
    done = _registry(tmp_path, "--database-url", f"cc:{PASSWORD}@db", "migrate")
    assert done.returncode == 1
    assert "not a SQLAlchemy URL" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_url_and_file_together_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("sqlite:///x.db\n")
    done = _registry(
        tmp_path, "--database-url", "sqlite:///y.db", "--database-url-file", str(secret), "migrate"
    )
    assert done.returncode == 2
    assert "not both" in done.stderr
