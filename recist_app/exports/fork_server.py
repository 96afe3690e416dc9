"""Imported by an export's fork server (:mod:`recist_app.exports.pool`), as its last preload.

The server ends when the export's process closes its end of the server's pipe. Its interpreter would then tear down
the drawing libraries it imported, about half a second during which the server still holds the export's standard
output and error open, so that a reader of the export's output (a pipe, ``subprocess.run``) waits for it. The server
has nothing to flush or close: it ends at once. Imported anywhere else, this module changes nothing.
"""

import atexit
import os
import sys
from multiprocessing import forkserver
from types import FrameType


def _in_the_fork_server() -> bool:
    """Whether this import runs inside the fork server's ``main`` (which imports its preloads)."""
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_code is forkserver.main.__code__:
            return True
        frame = frame.f_back
    return False


#: True in the fork server, and in the workers it forks (they start as copies of it).
IN_FORK_SERVER = _in_the_fork_server()
if IN_FORK_SERVER:
    atexit.register(os._exit, 0)
