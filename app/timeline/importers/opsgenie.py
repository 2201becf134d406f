"""Placeholder: the opsgenie importer is being written."""
