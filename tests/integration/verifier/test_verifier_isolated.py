"""The verifier runs in a fresh virtual environment holding only cryptography
(with cffi, pycparser) and rfc8785: no service code, no web framework."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.bundle_builder import build_lottery_event
from tests.paths import ROOT

ALLOWED = ("cryptography", "cffi", "pycparser", "rfc8785", "_cffi_backend")


def _copy_allowed(site: Path, dest: Path) -> None:
    for item in site.iterdir():
        base = item.name.split("-")[0].split(".")[0]
        if base not in ALLOWED:
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, dest / item.name)


@pytest.mark.slow
def test_verifier_in_isolated_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    libs = tmp_path / "libs"
    libs.mkdir()
    _copy_allowed(Path(sysconfig.get_paths()["purelib"]), libs)
    shutil.copytree(ROOT / "verifier", libs / "verifier",
                    ignore=shutil.ignore_patterns("__pycache__"))
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    Path(site.stdout.strip(), "isolated.pth").write_text(str(libs) + "\n")
    bundle = build_lottery_event(tmp_path / "demo-2026")
    key = tmp_path / "log.vkey"
    key.write_text(bundle.log_vkey() + "\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"}
    probe = ("import importlib.util as u, verifier.cli;"
             "bad=[m for m in ('lottery_service','fastapi','sqlmodel','pytest','hypothesis')"
             " if u.find_spec(m)]; assert not bad, bad; print('isolated')")
    out = subprocess.run([str(py), "-c", probe], cwd=tmp_path, env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    helped = subprocess.run([str(py), "-m", "verifier", "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert helped.returncode == 0 and "--openings" in helped.stdout
    run = subprocess.run([str(py), "-m", "verifier", str(tmp_path / "demo-2026"), "--key",
                          str(key)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "RESULT: every check that ran passed; 4 not checked" in run.stdout
    # py_ecc is not there: the venv holds only the verifier's required packages.
    assert "✗" not in run.stdout
