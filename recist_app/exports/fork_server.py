"""Imported only by an export's fork server (:mod:`recist_app.exports.pool`), as its last preload.

The server ends when the export's process closes its end of the server's pipe. Its interpreter would then tear down
the drawing libraries it imported, about half a second during which the server still holds the export's standard
output and error open, so that a reader of the export's output (a pipe, ``subprocess.run``) waits for it. The server
has nothing to flush or close: it ends at once.
"""

import atexit
import os

atexit.register(os._exit, 0)
