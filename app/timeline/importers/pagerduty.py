"""Placeholder: the pagerduty importer is being written."""
