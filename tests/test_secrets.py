from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import GatewayError
from gateway.secrets import SecretBox, load_or_create_key


def test_secret_box_roundtrip_and_wrong_key() -> None:
    box = SecretBox("a passphrase")
    token = box.encrypt("hunter2")
    assert "hunter2" not in token
    assert box.decrypt(token) == "hunter2"
    with pytest.raises(GatewayError):
        SecretBox("another passphrase").decrypt(token)


def test_key_generated_beside_sqlite_file_once(tmp_path: Path) -> None:
    db = tmp_path / "gw.db"
    key = load_or_create_key(None, db)
    key_file = tmp_path / "gw.db.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(None, db) == key
    assert load_or_create_key("explicit", db) == "explicit"
    with pytest.raises(GatewayError):
        load_or_create_key(None, None)
