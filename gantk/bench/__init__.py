"""Benchmarks: they may use every layer of gantk below them."""
