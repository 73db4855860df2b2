"""The risk model's reasons as a reviewer reads them."""

from backend.risk.labels import FEATURE_LABELS, reason_text
from workers.pipeline.risk_features import FEATURES


def test_every_feature_has_a_label_for_reviewers():
    assert set(FEATURES) <= set(FEATURE_LABELS)


def test_a_reason_reads_as_its_label_the_value_and_the_typical_value():
    assert reason_text("bundled_pair", 1.0, 0.0) == (
        "both codes of a bundled pair on the claim (1 yes, 0 no): 1 (typical 0)"
    )
    assert reason_text("not_yet_labelled", 2.345, 0.5) == "not_yet_labelled: 2.35 (typical 0.5)"
