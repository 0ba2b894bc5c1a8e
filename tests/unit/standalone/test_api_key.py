from __future__ import annotations

import stat
from pathlib import Path

from ledgerbridge.standalone import API_KEY_FILE, StandaloneOptions, _api_key


class TestDemoApiKey:
    def test_a_generated_key_is_kept_private_and_reused(self, tmp_path: Path) -> None:
        options = StandaloneOptions(data_dir=tmp_path / "data")
        first, generated = _api_key(options)
        assert generated and len(first) >= 32
        kept = tmp_path / "data" / API_KEY_FILE
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert _api_key(options) == (first, True)

    def test_a_given_key_wins_and_is_not_written(self, tmp_path: Path) -> None:
        options = StandaloneOptions(data_dir=tmp_path / "data", api_key="given-key")
        assert _api_key(options) == ("given-key", False)
        assert not (tmp_path / "data").exists()
