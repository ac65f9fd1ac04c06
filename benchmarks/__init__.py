"""Benchmarks of alignsim and the naive reference implementation they compare against."""
