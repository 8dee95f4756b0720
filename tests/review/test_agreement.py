"""The agreement page's figures: correction rates by confidence and the 5 % threshold."""

from __future__ import annotations

from callhandoff.review.agreement import summarise
from callhandoff.store.review_log import BucketCount, bucket_of


def test_the_threshold_is_the_lowest_confidence_above_which_few_values_were_corrected() -> None:
    counts = [
        BucketCount("intent", bucket_of(0.35), 20, 10),  # half corrected at 0.35
        BucketCount("intent", bucket_of(0.62), 20, 4),  # 20 % at 0.62
        BucketCount("intent", bucket_of(0.91), 40, 0),  # none at 0.91
        BucketCount("intent", None, 3, 3),  # reviewers added an intent 3 times
    ]
    (row,) = summarise(counts, target=0.05, min_values=20)
    assert (row.values, row.changed, row.added) == (80, 14, 3)
    # from 0.35 up: 14 of 80 changed; from 0.40: 4 of 60 (6.7 %); from 0.65: 0 of 40
    assert row.threshold == 0.65 and row.threshold_values == 40 and row.threshold_rate == 0.0
    curve = {round(b.low, 1): b.rate for b in row.curve if b.values}
    assert curve == {0.3: 0.5, 0.6: 0.2, 0.9: 0.0}


def test_no_threshold_without_enough_reviewed_values() -> None:
    (row,) = summarise([BucketCount("order_id", bucket_of(0.99), 5, 0)], min_values=20)
    assert row.threshold is None and row.rate == 0.0
