"""The wheel installs into a clean virtualenv and works with nothing else installed."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import conductor_midi as conductor

from conftest import REPO, wasm_path


def built_wheel(out: Path) -> Path:
    """The wheel scripts/test-python.sh built, or one built now with maturin."""
    given = os.environ.get("CONDUCTOR_WHEEL")
    if given:
        return Path(given)
    maturin = Path(sys.executable).with_name("maturin")
    if not maturin.exists():
        pytest.skip("maturin is not installed next to this Python; run scripts/test-python.sh")
    subprocess.run(
        [str(maturin), "build", "--release", "--quiet", "--compatibility", "linux", "--manifest-path",
         str(REPO / "bindings" / "python" / "Cargo.toml"), "--interpreter", sys.executable, "--out", str(out)],
        check=True,
    )
    [wheel] = out.glob("conductor_midi-*.whl")
    return wheel


def test_the_wheel_installs_into_a_clean_virtualenv_and_runs_a_plugin(tmp_path: Path) -> None:
    wheel = built_wheel(tmp_path / "wheels")
    assert "abi3" in wheel.name
    env_dir = tmp_path / "clean"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # No index: the wheel must need nothing else.
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--disable-pip-version-check", str(wheel)],
        check=True,
    )
    script = (
        "import conductor_midi as conductor, sys\n"
        "lines = []\n"
        "with conductor.Plugin(sys.argv[1], on_output=lines.append, signature_policy='allow') as p:\n"
        "    p.execute({'message': 'from a clean venv'})\n"
        "print(conductor.__version__)\n"
        "print(conductor.__file__)\n"
        "print(lines[1])\n"
    )
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [str(python), "-c", script, str(wasm_path("my-midi-plugin"))],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env,
    )
    version, location, line = result.stdout.splitlines()
    assert version == conductor.__version__
    assert Path(location).is_relative_to(env_dir)
    assert line == "Received message: from a clean venv"
    # Nothing but the wheel (and the venv's own pip/setuptools) was installed.
    installed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert {name.split("==")[0].lower() for name in installed} <= {"conductor-midi", "pip", "setuptools"}
