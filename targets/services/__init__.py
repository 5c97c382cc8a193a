"""Writes that touch several models: reports (save, submit, review, reopen, files) and proposals
(units' own targets). Views, the Excel upload, tasks and commands call these and nothing else writes."""
