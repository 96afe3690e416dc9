"""The Qt-free read service: a reader's commands with the rules of reading, and its change event.

Start with :class:`ReadService` (``ReadService(store.reader_session(login, subject_id))``);
it publishes a :class:`ReadChanged` after every command (ARCHITECTURE §1.4).
"""

from recist_app.read.events import ReadChanged
from recist_app.read.service import ReadService, sbrt_course

__all__ = ["ReadChanged", "ReadService", "sbrt_course"]
