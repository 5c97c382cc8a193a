"""Tooling shipped with the app but not part of it: the demo data and the benchmark.

Only management commands (`loaddemo`, `bench`) and tests import from here;
no view, task or service does.
"""
