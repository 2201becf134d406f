"""Placeholder: the irc importer is being written."""
