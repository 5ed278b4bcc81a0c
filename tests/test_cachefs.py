"""kbtool.cachefs's signature: the standard HMAC-SHA256, written without OpenSSL."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtool.cachefs import seal, sign, unseal


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=300))
def test_sign_is_hmac_sha256(key: bytes, body: bytes) -> None:
    assert sign(key, body) == hmac.new(key, body, hashlib.sha256).digest()


def test_seal_round_trips_and_refuses_a_changed_body() -> None:
    key = b"k" * 32
    blob = seal(key, b"body")
    assert unseal(key, blob) == b"body"
    assert unseal(key, b"Body" + blob[4:]) is None
    assert unseal(b"x" * 32, blob) is None


def test_only_a_secret_the_repository_cannot_supply_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty secret would sign with a key anyone knows; a link or a FIFO may lead to a
    file the repository wrote (or hang); a secret inside the root is the repository's."""
    import os

    from kbtool.cachefs import secret

    root, home = tmp_path / "kb", tmp_path / "home"
    root.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    made = secret(root)  # created on first use, then read back the same
    assert made is not None and len(made) == 32 and secret(root) == made
    path = home / "kbtool" / "cache-secret"
    path.write_bytes(b"")
    assert secret(root) is None
    path.unlink()
    (root / "key").write_bytes(b"k" * 32)
    path.symlink_to(root / "key")
    assert secret(root) is None
    path.unlink()
    os.mkfifo(path)
    assert secret(root) is None  # and it does not wait for a writer
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / ".cache"))
    assert secret(root) is None
    assert not (root / ".cache").exists()  # nor is one made there
