"""Clinic sessions' rules: pure Python, no Django (tests/clinics/test_rules_*.py)."""
