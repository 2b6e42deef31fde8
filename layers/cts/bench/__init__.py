"""Benchmarks run by `cts bench` (`make bench`): each returns one dict of figures."""
