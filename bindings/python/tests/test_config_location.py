"""A config error names the file, line and column of the problem, through Python's
``ConfigError`` (``path``, ``line``, ``column``) as through the CLI and C."""

from __future__ import annotations

from pathlib import Path

import pytest

import conductor_midi as conductor

# Each case: a config with one mistake, and the 1-based line and column of the token at
# fault (the same cases as examples/cli/tests/config_error_location.rs).
CASES = [
    # `200` starts in column 29 of line 4.
    (
        '[[modes]]\nname = "Default"\n[[modes.mappings]]\n'
        "trigger = { Note = { note = 200 } }\n"
        "action = { SendMidi = { bytes = [0x90, 64, 100] } }\n",
        4,
        29,
        "`note` must be 0..=127, got 200",
    ),
    # The misspelt action name starts in column 12 of line 5.
    (
        '[[modes]]\nname = "Default"\n[[modes.mappings]]\n'
        "trigger = { Note = { note = 60 } }\n"
        "action = { SendMidl = { bytes = [0x90, 64, 100] } }\n",
        5,
        12,
        "did you mean `SendMidi`?",
    ),
    # `3` in column 12 of line 3.
    ('[[modes]]\nname = "Default"\nmappings = 3\n', 3, 12, "must be an array"),
]


@pytest.mark.parametrize(("text", "line", "column", "words"), CASES)
def test_a_config_file_error_has_its_path_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, words: str
) -> None:
    config = tmp_path / "broken.toml"
    config.write_text(text)
    with pytest.raises(conductor.ConfigError) as caught:
        conductor.Engine.from_file(config)
    err = caught.value
    assert (err.path, err.line, err.column) == (config, line, column)
    assert words in err.reason
    assert f"config error at {config}:{line}:{column}: " in str(err)


@pytest.mark.parametrize(("text", "line", "column", "words"), CASES)
def test_a_config_text_error_has_its_line_and_column_and_no_path(
    text: str, line: int, column: int, words: str
) -> None:
    with pytest.raises(conductor.ConfigError) as caught:
        conductor.Engine.from_toml(text)
    err = caught.value
    assert (err.path, err.line, err.column) == (None, line, column)
    assert f"line {line}, column {column}" in str(err)
