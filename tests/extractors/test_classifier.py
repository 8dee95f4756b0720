"""The offline classifier: what it reads from a call and how it turns scores into labels."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from callhandoff.exceptions import ConfigError
from callhandoff.extractors.classifier.features import featurize, preference_weights
from callhandoff.extractors.classifier.files import classifier_files
from callhandoff.extractors.classifier.model import ClassifierModel
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend
from tests.extractors.helpers import call

RETURN_CALL = call(
    "A: Harbor and Home, how can I help?",
    "C: Hi, the kettle I bought stopped heating after a week.",
    "A: I'm sorry. Instead of a repair, would you like a full refund?",
    "C: Yes please, money back.",
    "A: Okay, so that's a full refund to your card.",
)


def test_the_agents_words_are_read_as_context_but_never_quoted() -> None:
    doc = featurize(RETURN_CALL)
    agent = [s for s in doc.sentences if s.from_agent]
    caller = [s for s in doc.sentences if not s.from_agent]
    assert {s.turn for s in agent} == {0, 2, 4}
    assert {s.turn for s in caller} == {1, 3}
    for sentence, features in zip(doc.sentences, doc.sentence_features, strict=True):
        if sentence.from_agent:
            assert features and all(f.startswith(("A:", "AL:")) for f in features)
    handoff = OfflineBackend(Settings()).extract(RETURN_CALL)
    quoted = [handoff.request.intent, handoff.exception.refund_expectation, handoff.urgency]
    for value in quoted:
        assert value is not None
        assert RETURN_CALL.turns[value.evidence.turn].speaker.value == "customer"


def test_only_the_caller_can_change_their_mind() -> None:
    doc = featurize(RETURN_CALL)
    # "Instead of a repair" is the agent's: it must not discount what the caller said before.
    assert all(weight == 1.0 for weight in preference_weights(doc, 0.35))
    changed = featurize(
        call(
            "C: I'd like a replacement kettle.",
            "A: Sure.",
            "C: Actually, just refund me instead.",
        )
    )
    weights = preference_weights(changed, 0.35)
    assert weights[0] == 0.35 and weights[-1] == 1.0


def test_the_callers_opening_turn_is_marked_and_later_turns_are_not() -> None:
    doc = featurize(RETURN_CALL)
    opening, later = doc.sentence_features[1], doc.sentence_features[-1]
    assert "F:kettle" in opening and "F:stopped" in opening
    assert not any(f.startswith("F:") for f in later)


def _one_head_model(none_threshold: float | None) -> ClassifierModel:
    """A model whose only head gives P(none)=0.45, P(damaged)=0.35, P(defective)=0.20."""
    bias = np.log(np.array([0.45, 0.35, 0.20], dtype=np.float32))
    spec = {
        "labels": ["none", "damaged", "defective"],
        "offset": 0,
        "temperature": 1.0,
        "preference": False,
        "threshold": 0.5,
        "none_threshold": none_threshold,
    }
    return ClassifierModel.from_arrays(
        vocabulary=["kettle"],
        weights=np.zeros((1, 3), dtype=np.float32),
        bias=bias,
        heads={"return_reason": spec},
        info={},
        correction_discount=0.35,
    )


@pytest.mark.parametrize(("threshold", "label"), [(None, "none"), (0.5, "damaged"), (0.4, "none")])
def test_an_optional_field_is_left_empty_only_when_none_is_likely_enough(
    threshold: float | None, label: str
) -> None:
    prediction = _one_head_model(threshold).score(featurize(RETURN_CALL))["return_reason"]
    assert prediction.label == label
    expected = {"none": 0.45, "damaged": 0.35}[label]
    assert math.isclose(prediction.probability, expected, rel_tol=1e-4)


def test_the_shipped_model_knows_its_abstention_thresholds() -> None:
    model = ClassifierModel.load()
    assert model.heads["return_reason"].none_threshold is not None
    distributions = model.probabilities(featurize(RETURN_CALL))
    assert math.isclose(sum(distributions["return_reason"]), 1.0, rel_tol=1e-5)
    assert len(distributions["risk:safety_hazard"]) == 2


@pytest.mark.parametrize(
    ("meta", "weights", "problem"),
    [
        (None, None, "no trained classifier in .* needs meta.json and weights.npz"),
        ('{"vocabulary": [', b"", "cannot be read: meta.json: Expecting value"),
        ("{}", b"not an archive", "cannot be read: weights.npz is not a weights archive"),
        ("{}", None, "cannot be read: meta.json does not match its weights .*vocabulary"),
        ('{"vocabulary": {}, "heads": null}', None, "meta.json does not match its weights"),
    ],
)
def test_a_classifier_folder_that_cannot_be_loaded_says_which_file_and_why(
    tmp_path: Path, meta: str | None, weights: bytes | None, problem: str
) -> None:
    folder = tmp_path / "classifier"
    folder.mkdir()
    if meta is not None:
        (folder / "meta.json").write_text(meta, encoding="utf-8")
    if weights is not None:
        (folder / "weights.npz").write_bytes(weights)
    elif meta is not None:
        shutil.copy(classifier_files()[1], folder / "weights.npz")
    with pytest.raises(ConfigError, match=problem):
        ClassifierModel.load(folder)


@pytest.mark.parametrize("damage", ["cut short", "empty", "one array, not an archive"])
def test_a_damaged_weights_file_is_named_whatever_the_damage(tmp_path: Path, damage: str) -> None:
    meta, weights = classifier_files()
    folder = tmp_path / "classifier"
    folder.mkdir()
    shutil.copy(meta, folder / "meta.json")
    data = weights.read_bytes()
    with (folder / "weights.npz").open("wb") as target:
        if damage == "cut short":  # an interrupted copy
            target.write(data[: len(data) // 2])
        elif damage == "one array, not an archive":
            np.save(target, np.zeros(3, dtype=np.float32))
    with pytest.raises(ConfigError, match=r"cannot be read: weights\.npz is not a weights archive"):
        ClassifierModel.load(folder)
