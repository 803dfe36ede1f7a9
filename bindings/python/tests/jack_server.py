"""Which MIDI system the port tests run against, and the JACK server they use.

``scripts/test-python.sh`` runs the suite twice: once with the default wheel (the OS's
MIDI system, ALSA on Linux; CI machines have no ALSA sequencer), and once with a wheel
built with conductor-core's ``jack`` feature and ``CONDUCTOR_TEST_MIDI=jack``. In that
second run the port tests must take their real-ports branch: :func:`ensure_jack` starts
a JACK server of the tests' own (dummy driver) and selects it through the environment,
which the module, libjack and any subprocess read.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

#: ``jack`` when the installed wheel was built with JACK and the port tests must use it.
MIDI_SYSTEM = os.environ.get("CONDUCTOR_TEST_MIDI", "")

#: The JACK server's name (``jackd -n``), so a server someone else runs is left alone.
SERVER = os.environ.get("CONDUCTOR_TEST_JACK_SERVER", "conductor-pytest")

#: How long the server may take to come up.
PATIENCE_S = 30.0


def jack_expected() -> bool:
    """Whether this run tests the JACK-built wheel (and so must see real ports)."""
    return MIDI_SYSTEM == "jack"


def _server_up() -> bool:
    try:
        result = subprocess.run(["jack_lsp"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def ensure_jack() -> None:
    """Selects the tests' JACK server for this process and its children, starting it
    (dummy driver, 48 kHz, 256-frame periods) if it is not running. A server started
    here runs until the test process exits: the module keeps one JACK client per
    process, which must not outlive its server. Fails, never skips, when JACK cannot
    run."""
    os.environ["JACK_DEFAULT_SERVER"] = SERVER
    os.environ["JACK_NO_START_SERVER"] = "1"
    if _server_up():
        return
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.fail("CONDUCTOR_TEST_MIDI=jack but jackd is not installed (Debian: jackd2; scripts/setup.sh)")
    # A file, not a pipe: nobody reads the server's output while the tests run.
    log = tempfile.NamedTemporaryFile(prefix=f"jackd-{SERVER}-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [jackd, "-n", SERVER, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "256"],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    atexit.register(_stop, server)
    deadline = time.monotonic() + PATIENCE_S
    while not _server_up():
        if server.poll() is not None:
            output = Path(log.name).read_text(errors="replace")
            pytest.fail(f"jackd exited ({server.returncode}) before it was ready:\n{output}")
        if time.monotonic() > deadline:
            pytest.fail(f"jackd -n {SERVER} did not come up within {PATIENCE_S} s")
        time.sleep(0.1)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
