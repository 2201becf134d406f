"""Placeholder: the oncall importer is being written."""
