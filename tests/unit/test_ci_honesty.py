"""Under CI=true a skipped end-to-end test fails the run (tests/e2e/conftest.py); the
system-dependency script fails loudly when it cannot install what the e2e tests need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPING_TESTS = '''
import pytest

def test_runs():
    pass

@pytest.mark.skipif(True, reason="chromium missing")
def test_marked():
    pass

@pytest.fixture
def database():
    pytest.skip("postgresql missing")

def test_fixture(database):
    pass

def test_in_body():
    pytest.skip("nginx missing")

@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure():
    assert False
'''


def run_e2e_copy(tmp_path: Path, ci: str | None, *args: str, append: bool = False,
                 files: tuple[str, ...] = ("test_skips.py",)) -> subprocess.CompletedProcess[str]:
    """pytest on a folder with the real e2e conftest and tests that skip."""
    folder = tmp_path / "tests" / "e2e"
    if not folder.exists():
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "tests" / "e2e" / "conftest.py", folder / "conftest.py")
        (tmp_path / "pytest.ini").write_text("[pytest]\n")
    for name in files:
        (folder / name).write_text(SKIPPING_TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "E2E_SKIPPED_APPEND")}
    if ci is not None:
        env["CI"] = ci
    if append:
        env["E2E_SKIPPED_APPEND"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args,
                           *(f"tests/e2e/{name}" for name in files)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def listed_reasons(tmp_path: Path) -> list[str]:
    return sorted(line.split(": ", 1)[1] for line in (tmp_path / "build" / "e2e-skipped.txt").read_text().splitlines())


def test_under_ci_a_skipped_e2e_test_fails_the_run_with_its_reason(tmp_path: Path) -> None:
    done = run_e2e_copy(tmp_path, "true")
    assert done.returncode != 0, done.stdout
    for reason in ("chromium missing", "postgresql missing", "nginx missing"):
        assert f"skipped under CI=true, where every end-to-end test must run: {reason}" in done.stdout
    assert "1 passed" in done.stdout and "1 xfailed" in done.stdout, done.stdout


def test_outside_ci_skips_pass_but_are_listed_for_make_test(tmp_path: Path) -> None:
    done = run_e2e_copy(tmp_path, None)
    assert done.returncode == 0, done.stdout
    listed = (tmp_path / "build" / "e2e-skipped.txt").read_text().splitlines()
    assert [line.split(": ", 1)[1] for line in listed] == ["chromium missing", "postgresql missing", "nginx missing"]


def test_parallel_workers_and_a_second_session_all_add_to_the_list(tmp_path: Path) -> None:
    # `make e2e`: one session on two xdist workers, then the timing-sensitive modules alone
    done = run_e2e_copy(tmp_path, None, "-n", "2", "--dist", "loadfile", files=("test_a.py", "test_b.py"))
    assert done.returncode == 0 and "6 skipped" in done.stdout, done.stdout
    done = run_e2e_copy(tmp_path, None, append=True, files=("test_c.py",))
    assert done.returncode == 0, done.stdout
    assert listed_reasons(tmp_path) == sorted(["chromium missing", "postgresql missing", "nginx missing"] * 3)
    # ...and the next `make e2e` starts a new list
    done = run_e2e_copy(tmp_path, None, files=("test_d.py",))
    assert len(listed_reasons(tmp_path)) == 3


def test_a_run_without_skips_leaves_no_list(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "e2e-skipped.txt").write_text("stale\n")
    folder = tmp_path / "tests" / "e2e"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "e2e" / "conftest.py", folder / "conftest.py")
    (folder / "test_ok.py").write_text("def test_ok():\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e"],
                          cwd=tmp_path, env=dict(os.environ, CI="true"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not (tmp_path / "build" / "e2e-skipped.txt").exists()


def fake_path(tmp_path: Path, *tools: str) -> str:
    """A PATH with only bash, coreutils and the named tools (no apt-get unless named)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "env", "id", "cat", "echo", *tools):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.mark.parametrize(("ci", "code"), [("true", 1), (None, 0)])
def test_system_deps_fail_loudly_under_ci_when_they_cannot_be_installed(tmp_path: Path, ci: str | None,
                                                                         code: int) -> None:
    env = {"PATH": fake_path(tmp_path), "SYSTEM_DEPS_ROOT": str(tmp_path / "empty")}
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run(["bash", str(ROOT / "scripts" / "install-system-deps.sh")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stdout + done.stderr
    message = done.stdout + done.stderr
    assert "no apt-get" in message and "chromium" in message
    if ci:
        assert "CI" in done.stderr
