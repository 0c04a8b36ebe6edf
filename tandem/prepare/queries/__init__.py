"""Reads of the prepare app: always scoped to a practice; patient reads are audited."""
