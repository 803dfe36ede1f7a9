"""MIDI learn from Python: ``Learner`` fed raw bytes recognises the control touched and
returns the trigger line, which loads as a config; ``learn()`` on a port that does not
exist raises ``MidiError``."""

from __future__ import annotations

import pytest

import conductor_midi as conductor


def loads(line: str) -> None:
    """The learned line, pasted into a mapping, loads as a config."""
    text = (
        '[[modes]]\nname = "Default"\n[[modes.mappings]]\n'
        f'{line}\naction = {{ Host = {{ name = "learned" }} }}\n'
    )
    with conductor.Engine.from_toml(text):
        pass


def test_a_note_is_learned_from_its_note_on() -> None:
    learner = conductor.Learner()
    assert learner.feed(bytes([0xF8])) is None  # clock: no control
    assert learner.feed([0x80, 60, 0]) is None  # a key let go: no control
    learned = learner.feed([0x92, 36, 90])
    assert learned == {
        "toml": "trigger = { Note = { note = 36, channel = 2 } }",
        "description": "note 36 on MIDI channel 3",
        "kind": "Note",
        "channel": 2,
    }
    loads(learned["toml"])


def test_a_relative_encoder_is_recognised_by_its_values() -> None:
    learner = conductor.Learner()
    assert learner.feed([0xB0, 20, 65]) is None  # one step could be anything
    learned = learner.feed([0xB0, 20, 63])
    assert learned is None  # 65 then 63: no repeat yet
    learned = learner.feed([0xB0, 20, 65])
    assert learned is not None
    assert learned["kind"] == "EncoderTurn"
    assert 'encoding = "binary_offset"' in learned["toml"]
    loads(learned["toml"])


def test_a_button_is_decided_on_finish() -> None:
    learner = conductor.Learner()
    assert learner.feed([0xB5, 64, 127]) is None
    learned = learner.finish()
    assert learned is not None
    assert learned["toml"] == "trigger = { CC = { cc = 64, channel = 5 } }"
    assert learner.finish() is None
    loads(learned["toml"])


def test_learn_on_a_port_that_does_not_exist_fails_naming_it() -> None:
    # Without a MIDI system the error says so; with one, it names the missing port.
    with pytest.raises(conductor.MidiError):
        conductor.learn("no-such-port-anywhere", timeout=0.1)
