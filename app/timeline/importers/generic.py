"""Placeholder: the generic importer is being written."""
