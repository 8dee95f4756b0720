"""The eval suite: gold datasets, scorers, metrics, runs, reports, compare, gate, judge."""
