"""Views of the leads' area, one module per feature."""
