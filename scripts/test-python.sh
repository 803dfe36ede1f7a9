#!/usr/bin/env bash
# Builds the Python module and tests it: the pytest suite in bindings/python/tests
# (including a clean-virtualenv install of the wheel), `mypy --strict` on the Python
# examples, tests and timing script, and stubtest (the .pyi stubs against the module).
#
# Usage: scripts/test-python.sh [extra pytest args, e.g. -k engine]
#
# Everything is installed into a virtualenv at target/py-venv (created if missing), so
# the system Python is left alone. The extension is built once, in release mode, as a
# wheel in target/wheels, and that same wheel is what the tests import.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/py-venv
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "== Creating the test virtualenv in $venv" >&2
    "$python" -m venv "$venv"
fi
# pip does not go to the network for requirements that are already satisfied.
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "maturin>=1.9.4,<2" "pytest>=7" "mypy>=1.10" "mido>=1.3"

scripts/build-plugins.sh >/dev/null

echo "== Building the conductor wheel" >&2
wheels=target/wheels
rm -f "$wheels"/conductor_midi-*.whl
# A plain `linux` wheel for this machine: the module links the system's libasound
# (ALSA, for MIDI ports), as a build from source does.
"$venv/bin/maturin" build --release --quiet --compatibility linux \
    --manifest-path bindings/python/Cargo.toml \
    --interpreter "$venv/bin/python" --out "$wheels"
wheel="$(ls "$wheels"/conductor_midi-*.whl)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --force-reinstall --no-deps "$wheel"

echo "== Python tests" >&2
# -rs: every skipped test says why.
CONDUCTOR_WHEEL="$wheel" "$venv/bin/python" -m pytest -rs bindings/python/tests "$@"

echo "== mypy --strict on the Python examples, tests and timing script" >&2
"$venv/bin/mypy" --strict examples/python bindings/python/tests bindings/python/bench

echo "== The stubs match the compiled module (stubtest)" >&2
"$venv/bin/python" -m mypy.stubtest conductor_midi \
    --allowlist bindings/python/stubtest-allowlist.txt

echo "== MIDI ports through a JACK server (a wheel built with JACK)" >&2
# The port tests need real ports, which a CI machine only has through JACK. The same
# build plus conductor-core's `jack` feature, which adds no dependency: only
# conductor-core and the module are rebuilt, wasmtime is shared with the build above.
jack_wheels=target/wheels-jack
rm -f "$jack_wheels"/conductor_midi-*.whl
"$venv/bin/maturin" build --release --quiet --compatibility linux \
    --manifest-path bindings/python/Cargo.toml --features conductor-core/jack \
    --interpreter "$venv/bin/python" --out "$jack_wheels"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --force-reinstall --no-deps "$jack_wheels"/conductor_midi-*.whl
# The tests start their own JACK server (dummy driver) and fail if they cannot.
status=0
CONDUCTOR_TEST_MIDI=jack "$venv/bin/python" -m pytest -rs \
    bindings/python/tests/test_ports.py bindings/python/tests/test_examples.py || status=$?
# Leave the default wheel installed.
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --force-reinstall --no-deps "$wheel"
exit "$status"
