"""Benchmarks that print figures beside a reference measured in the same run: speed, mode coverage, the
input pipeline, the HTTP server."""
