"""Placeholder: the discord importer is being written."""
