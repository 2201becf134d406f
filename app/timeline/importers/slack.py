"""Placeholder: the slack importer is being written."""
