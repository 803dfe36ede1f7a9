"""generate_key, sign and verify, and signatures checked at load."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

import conductor_midi as conductor

Wasm = Callable[[str], Path]


@pytest.fixture
def signed(tmp_path: Path, wasm: Wasm) -> tuple[Path, conductor.KeyPair]:
    """A copy of http-request-plugin signed with a new key."""
    plugin = tmp_path / "http_request_plugin.wasm"
    shutil.copy(wasm("http-request-plugin"), plugin)
    key = conductor.generate_key(tmp_path / "keys" / "my-key")
    conductor.sign(plugin, key.private_path, name="Your Name", email="you@example.com")
    return plugin, key


def test_generate_key_writes_a_private_and_a_public_key(tmp_path: Path) -> None:
    key = conductor.generate_key(tmp_path / "my-key")
    assert key.private_path == tmp_path / "my-key"
    assert key.public_path == tmp_path / "my-key.pub"
    assert len(key.public_key) == 64
    assert key.public_path.read_text().strip() == key.public_key
    assert stat.S_IMODE(key.private_path.stat().st_mode) == 0o600


def test_generate_key_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    first = conductor.generate_key(tmp_path / "k")
    with pytest.raises(OSError, match="already exists"):
        conductor.generate_key(tmp_path / "k")
    second = conductor.generate_key(tmp_path / "k", force=True)
    assert second.public_key != first.public_key


def test_sign_then_verify_reports_the_signer_and_capabilities(signed: tuple[Path, conductor.KeyPair]) -> None:
    plugin, key = signed
    assert plugin.with_name(plugin.name + ".sig").exists()
    sig = conductor.verify(plugin)
    assert (sig.developer_name, sig.developer_email) == ("Your Name", "you@example.com")
    assert sig.capabilities == ["Network"]
    assert sig.public_key == key.public_key
    assert sig.wasm == plugin
    assert sig.wasm_size == plugin.stat().st_size
    assert sig.signed_at.endswith("Z")


def test_a_modified_plugin_fails_verification(signed: tuple[Path, conductor.KeyPair]) -> None:
    plugin, _ = signed
    plugin.write_bytes(plugin.read_bytes() + b"\0")
    with pytest.raises(conductor.SignatureError) as caught:
        conductor.verify(plugin)
    assert caught.value.plugin == str(plugin)


def test_an_unsigned_plugin_fails_verification(wasm: Wasm) -> None:
    with pytest.raises(conductor.SignatureError, match="not signed"):
        conductor.verify(wasm("noop-plugin"))


def test_a_tampered_plugin_never_loads(signed: tuple[Path, conductor.KeyPair]) -> None:
    plugin, _ = signed
    conductor.Plugin(plugin, signature_policy="allow").close()
    # Still valid WebAssembly: an extra custom section named "evil".
    plugin.write_bytes(plugin.read_bytes() + b"\x00\x05\x04evil")
    with pytest.raises(conductor.SignatureError):
        conductor.Plugin(plugin, signature_policy="allow")


def test_require_loads_plugins_signed_by_a_trusted_key(signed: tuple[Path, conductor.KeyPair], tmp_path: Path) -> None:
    plugin, key = signed
    trust = tmp_path / "trusted_keys.toml"
    with pytest.raises(conductor.SignatureError):
        conductor.Plugin(plugin, signature_policy="require", trust_store=trust)
    trust.write_text(f'[[keys]]\nname = "Your Name"\npublic_key = "{key.public_key}"\n')
    with conductor.Plugin(plugin, signature_policy="require", trust_store=trust) as loaded:
        assert loaded.capabilities == ["Network"]
