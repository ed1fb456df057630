"""Scoring and reporting helpers shared by the project's measurement commands."""
