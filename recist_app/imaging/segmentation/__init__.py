"""Semi-automatic RECIST measurement (issue 17): one rough stroke across a lesion on an image gives its contour,
its long axis and the longest perpendicular short axis.

``stroke`` (the reader's stroke and the HU along it), ``contour`` (the lesion's region on the image), ``axes``
(RECIST 1.1 §3.1 diameters of a region, to a fraction of a pixel), ``measure`` (a stroke on a volume's image →
axes in patient LPS mm).
"""
