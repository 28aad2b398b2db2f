"""Summary tables and figures of runs."""
