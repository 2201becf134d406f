"""Placeholder: the jira importer is being written."""
