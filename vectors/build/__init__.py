"""Recipes for the golden vector files (docs/vector-format.md); run build_vectors.py."""
