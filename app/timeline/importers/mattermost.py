"""Placeholder: the mattermost importer is being written."""
