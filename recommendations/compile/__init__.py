"""The compile step: pure functions from plain data to plain data. No Django imports here."""

from .core import compile_component
from .data import NEEDS_INPUT, NOT_ENOUGH, ComponentInput, ComponentResult

__all__ = ["NEEDS_INPUT", "NOT_ENOUGH", "ComponentInput", "ComponentResult", "compile_component"]
