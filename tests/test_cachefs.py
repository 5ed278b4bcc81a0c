"""kbtool.cachefs's signature: the standard HMAC-SHA256, written without OpenSSL."""

from __future__ import annotations

import hashlib
import hmac

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
