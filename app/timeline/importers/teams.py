"""Placeholder: the teams importer is being written."""
