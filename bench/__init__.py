"""Benchmark of the whole pipeline at regional scale, against a pandas baseline and DuckDB's floor.

`python -m bench --scale small|city|region`; see BENCHMARKS.md."""
