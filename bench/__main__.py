"""`python -m bench --scale small|city|region`: the pipeline against a pandas baseline and DuckDB's floor."""

from bench.cli import main

main()
