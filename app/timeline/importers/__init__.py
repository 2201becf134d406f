"""Timeline importers: one pure parser per source format, registered by name.

Importing this package registers every built-in importer.
"""

from . import (  # noqa: F401 - imported for their @register side effect
    discord,
    generic,
    github,
    irc,
    jira,
    mattermost,
    oncall,
    opsgenie,
    pagerduty,
    servicenow,
    slack,
    teams,
)
from .base import (
    Attachment,
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
    UnknownFormatError,
)
from .registry import all_importers, detect, get, register

__all__ = [
    "Attachment",
    "ImportFormatError",
    "ImportOptions",
    "NormalizedEvent",
    "ParseReport",
    "Source",
    "UnknownFormatError",
    "all_importers",
    "detect",
    "get",
    "register",
]
