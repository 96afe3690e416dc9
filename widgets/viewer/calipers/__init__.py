"""Measuring tools of the slice view: a length caliper and a bidirectional caliper (VIEWER.md "Measuring").

- :mod:`~widgets.viewer.calipers.style`: colour by role, label text, pens;
- :mod:`~widgets.viewer.calipers.rois`: the two pyqtgraph ROIs, in image-plane millimetres;
- :mod:`~widgets.viewer.calipers.layer`: the calipers of one view (:class:`MeasureLayer`) and the
  left-drag :class:`Tool`.
"""

from widgets.viewer.calipers.layer import DRAFT_KEY_PREFIX, MeasureLayer, Tool
from widgets.viewer.calipers.rois import BidirectionalCaliper, Caliper, LengthCaliper
from widgets.viewer.calipers.style import caliper_text, role_colour

__all__ = ["DRAFT_KEY_PREFIX", "BidirectionalCaliper", "Caliper", "LengthCaliper", "MeasureLayer", "Tool",
           "caliper_text", "role_colour"]
