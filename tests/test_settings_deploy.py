"""`manage.py check --deploy` passes with the production settings .env.example documents."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def production_environment(data_dir: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        # Only what the interpreter needs; no developer setting leaks in.
        if name in {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR"}
    }
    environment.update(
        {
            "DEBUG": "off",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "jifen.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://jifen.example.com",
            "DATABASE_URL": "postgres://jifen:secret@127.0.0.1:5432/jifen",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "USE_X_FORWARDED_PROTO": "on",
            "JIFEN_DATA_DIR": str(data_dir),
            "STATIC_ROOT": str(data_dir / "static"),
        }
    )
    return environment


def test_deploy_check_finds_no_issue_in_the_production_settings(tmp_path: Path) -> None:
    # given the documented production variables, and nothing else
    environment = production_environment(tmp_path)

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in result.stdout, output
    assert "WARNING" not in output
