"""Filters for the log configuration in settings.LOGGING."""

import logging


class OneLineRefusals(logging.Filter):
    """A 403 is an everyday answer (a role without the permission, a wrong scope), not an
    error: Django logs it with the traceback of the PermissionDenied it came from; keep
    the line and drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
