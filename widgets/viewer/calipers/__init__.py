"""Measuring tools of the slice view: a length caliper and a bidirectional caliper (VIEWER.md "Measuring"),
and the view-only elliptical ROI with HU statistics.

- :mod:`~widgets.viewer.calipers.keyed`: items of one view by key with one selection (what both layers share);
- :mod:`~widgets.viewer.calipers.style`: colour by role, label text, pens;
- :mod:`~widgets.viewer.calipers.rois`: the two pyqtgraph ROIs, in image-plane millimetres;
- :mod:`~widgets.viewer.calipers.layer`: the calipers of one view (:class:`MeasureLayer`) and the
  left-drag :class:`Tool`;
- :mod:`~widgets.viewer.calipers.ellipse`: elliptical ROIs (:class:`EllipseLayer`), never part of the read.
"""

from widgets.viewer.calipers.ellipse import ROI_KEY_PREFIX, EllipseLayer, EllipseRoi
from widgets.viewer.calipers.layer import DRAFT_KEY_PREFIX, MeasureLayer, Tool
from widgets.viewer.calipers.rois import BidirectionalCaliper, Caliper, LengthCaliper
from widgets.viewer.calipers.style import caliper_text, roi_text, role_colour

__all__ = ["DRAFT_KEY_PREFIX", "ROI_KEY_PREFIX", "BidirectionalCaliper", "Caliper", "EllipseLayer", "EllipseRoi",
           "LengthCaliper", "MeasureLayer", "Tool", "caliper_text", "roi_text", "role_colour"]
