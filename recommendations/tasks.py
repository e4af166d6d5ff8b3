"""Celery tasks of the recommendations app."""
