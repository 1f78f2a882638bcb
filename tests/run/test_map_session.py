"""A `map` session without a terminal: the answers, the order of questions, a quit, and a save that fails."""

from __future__ import annotations

import tomllib

import pytest

from halosync.config.editor import ConfigEditor
from halosync.config.load import load_config
from halosync.core.matching import Candidate
from halosync.run import map_session
from halosync.run.map_session import IGNORE, NOT_A_CHOICE, Quit, interpret
from halosync.run.mapper import Inventory, mapping_state
from tests.support.mapping import first_use_config

ACME, BOLT = Candidate(id=12, name="Acme Dental", score=95), Candidate(id=13, name="Bolt Ltd", score=40)
INVENTORY = Inventory(organizations={101: "Acme Dental PLLC", 102: "Bolt", 103: "Cobalt"},
                      clients={12: "Acme Dental", 13: "Bolt Ltd"},
                      items={1001: {"name": "Huntress Managed EDR"}})


def test_each_answer():
    shown, options = [ACME, BOLT], [(12, "Acme Dental"), (13, "Bolt Ltd")]
    assert interpret("2", shown, [ACME], options, allow_ignore=True) is BOLT
    assert interpret("  ", shown, [ACME], options, allow_ignore=True) is None
    assert interpret("3", shown, [ACME], options, allow_ignore=True) is NOT_A_CHOICE
    assert interpret("i", shown, [ACME], options, allow_ignore=True) is IGNORE
    assert interpret("i", shown, [ACME], options, allow_ignore=False) is NOT_A_CHOICE
    assert interpret("/", [], [ACME], options, allow_ignore=True) == [ACME]
    found = interpret("/bolt", shown, [ACME], options, allow_ignore=True)
    assert isinstance(found, list) and [c.id for c in found] == [13]
    with pytest.raises(Quit) as saving:
        interpret("q", shown, [], options, allow_ignore=True)
    with pytest.raises(Quit) as dropping:
        interpret("X", shown, [], options, allow_ignore=True)
    assert saving.value.save and not dropping.value.save


class Scripted:
    """Answers the organizations' questions from a list: a candidate id, "ignore", None (skip), or a Quit."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.asked: list[object] = []

    def organization(self, n, total, organization_id, name, candidates, inventory):
        self.asked.append(organization_id)
        answer = self.answers.pop(0)
        if isinstance(answer, Quit):
            raise answer
        return IGNORE if answer == "ignore" else (Candidate(id=answer, name="", score=0) if answer else None)

    def product(self, product, candidates, inventory):
        self.asked.append(product)
        return None


def session(tmp_path):
    path = first_use_config(tmp_path)
    _, cfg = load_config(path)
    editor = ConfigEditor(path)
    return path, cfg, editor, mapping_state(cfg, INVENTORY)


def test_answers_go_into_the_config_and_a_quit_that_saves_keeps_them(tmp_path):
    path, cfg, editor, state = session(tmp_path)
    questions = Scripted([12, "ignore", Quit(save=True)])
    added = map_session.ask(editor, INVENTORY, state, questions)
    assert added == [(101, 12)] and questions.asked == [101, 102, 103]  # the quit came before any product
    saved = map_session.save(editor)
    assert saved.saved
    data = tomllib.loads(path.read_text())
    assert [(o["huntress_id"], o["halo_client_id"]) for o in data["organizations"]] == [(101, 12)]
    assert data["sync"]["ignore_organizations"] == [102]


def test_a_quit_without_saving_goes_to_the_caller(tmp_path):
    _, _, editor, state = session(tmp_path)
    with pytest.raises(Quit) as stop:
        map_session.ask(editor, INVENTORY, state, Scripted([12, Quit(save=False, interrupted=True)]))
    assert stop.value.interrupted and not stop.value.save


def test_a_save_that_fails_keeps_the_choices_beside_or_as_text(tmp_path, monkeypatch):
    path, _, editor, state = session(tmp_path)
    map_session.ask(editor, INVENTORY, state, Scripted([12, None, None]))

    def refuse() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(editor, "save", refuse)
    beside = map_session.save(editor)
    assert not beside.saved and beside.reason == "No space left on device" and beside.beside is not None
    assert "Acme Dental PLLC" in beside.beside.read_text() and beside.text == ""
    monkeypatch.setattr(editor, "save_elsewhere", lambda: None)
    printed = map_session.save(editor)
    assert not printed.saved and printed.beside is None and "Acme Dental PLLC" in printed.text


def test_shared_clients_are_named_only_when_one_was_just_added(tmp_path):
    _, cfg, _, _ = session(tmp_path)
    assert map_session.newly_shared_clients(cfg, INVENTORY, [(101, 12), (102, 12)]) == {12: [101, 102]}
    assert map_session.newly_shared_clients(cfg, INVENTORY, [(101, 12)]) == {}
