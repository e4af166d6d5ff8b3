"""Exports of the recommendation pack and the evidence register."""
