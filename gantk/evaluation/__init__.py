"""Evaluating trained runs: mode coverage on 2-D mixtures, class accuracy of conditional samples."""
