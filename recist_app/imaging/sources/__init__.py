"""Where a series' images come from (issue 15): a folder, or a PACS over DICOMweb or DIMSE.

:mod:`.servers` parses a PACS address, :mod:`.dicomweb` queries and retrieves over DICOMweb
(QIDO-RS, WADO-RS), :mod:`.multipart` streams a WADO-RS answer into files, and :mod:`.cache`
keeps retrieved series in the user's cache folder, so that the folder loader
(:mod:`recist_app.imaging.load`) reads them unchanged: same plan, geometry and findings.
"""
