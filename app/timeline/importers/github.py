"""Placeholder: the github importer is being written."""
