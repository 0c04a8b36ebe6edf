"""Shaping prepare data for templates."""
