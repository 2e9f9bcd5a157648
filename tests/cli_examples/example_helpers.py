"""Imported by functions.py: the CLI puts a file's folder on sys.path."""
SCALE = 2.0
