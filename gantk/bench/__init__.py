"""Benchmarks that print figures with a reference measured in the same run."""
