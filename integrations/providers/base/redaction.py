"""Keeping secrets out of urllib3's log lines: one filter that every Provider subclass
feeds its ``redact_patterns`` into."""

from __future__ import annotations

import logging
import re


# -- Keeping secrets out of urllib3's log lines --------------------------------------------
class RedactSecrets(logging.Filter):
    """urllib3 logs request URLs at DEBUG, and some carry secrets (Telegram's bot token,
    Discord webhook tokens, Threads' access_token query). Settings keep urllib3 at INFO;
    this filter is the second line: it applies every provider's ``redact_patterns``."""

    def __init__(self):
        super().__init__("redact:integrations.providers")
        self.patterns: dict[str, re.Pattern] = {}

    def add(self, patterns: tuple[str, ...]) -> None:
        for pattern in patterns:
            if pattern not in self.patterns:
                self.patterns[pattern] = re.compile(pattern)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for pattern in list(self.patterns.values()):
            redacted = pattern.sub("[redacted]", redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def _install_redaction() -> RedactSecrets:
    """The one filter on urllib3's connection pool logger (installed once per process)."""
    target = logging.getLogger("urllib3.connectionpool")
    for existing in target.filters:
        if (
            isinstance(existing, logging.Filter)
            and existing.name == "redact:integrations.providers"
        ):
            return existing  # type: ignore[return-value]
    installed = RedactSecrets()
    target.addFilter(installed)
    return installed


# Every Provider subclass adds its redact_patterns here as it is defined.
_redaction = _install_redaction()
