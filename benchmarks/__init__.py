"""Benchmarks: `make bench` (python -m benchmarks) prints one table and writes results.md."""
