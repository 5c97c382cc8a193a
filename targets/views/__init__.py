"""The targets app's pages, one module per area.

home (landing pages, the resolution), reports (lists, one report, review),
report_files (Excel round trip, evidence files), dashboards, unit_targets,
documents. What several of them share lives in `_common`; no view module
imports another.
"""
