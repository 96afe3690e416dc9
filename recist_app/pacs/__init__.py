"""The workstation and a PACS together (issue 15): what needs the trial database and the SR writer besides
query and retrieve (:mod:`recist_app.imaging.sources`): sending the signed reads' reports back (:mod:`.send`)."""
