"""The benchmark: `make bench` (or `python -m bench`) prints medians, 95th percentiles and
ratios measured in the same run, on SQLite and, where installed, PostgreSQL.

Each scenario runs in its own process (`python -m bench.<scenario> --db sqlite|postgres`)
against a fresh database, so Django's settings are clean per database; the parent
(`bench/__main__.py`) starts the servers, collects each child's JSON and prints the table.
Figures and the machine they were taken on: docs/PERFORMANCE.md.
"""
