"""Reproducible performance measurements (not pass/fail tests); see README.md."""
