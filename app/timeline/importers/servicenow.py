"""Placeholder: the servicenow importer is being written."""
