"""The workstation's log file: the details behind every message a reader sees (issue 12, "Messages").

Dialogs say what happened and what to do, in the reader's words; the technical details (error
class, traceback) go here, and the dialog names this file. The file lives in the user log folder
(platformdirs; ``RECIST_LOG_DIR`` overrides it), rotates at 1 MB and keeps three old files.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from recist_app import APP_NAME

LOG_NAME = "workstation.log"
MAX_BYTES, BACKUPS = 1_000_000, 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    """Where the log file is (``$RECIST_LOG_DIR/workstation.log`` or the user log folder)."""
    folder = os.environ.get("RECIST_LOG_DIR")
    if folder:
        return Path(folder) / LOG_NAME
    import platformdirs

    return platformdirs.user_log_path(APP_NAME) / LOG_NAME


def start_logging(path: Path | None = None) -> Path | None:
    """Send the root logger's INFO and above to the log file (once per file); its path, or None when
    the folder cannot be written (the messages then go to standard error only)."""
    path = path or log_path()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == path.resolve():
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)  # its INFO is a line per image a PACS sends
    return path
