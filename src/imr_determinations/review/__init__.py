"""Annotation review loop: export tasks, import corrections, diff, and a built-in review page."""
