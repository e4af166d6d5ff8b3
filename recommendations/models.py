"""Compiled draft recommendations and their success criteria (built on the evidence app)."""
