"""Operations: consistent backups of the whole installation and their restore."""
