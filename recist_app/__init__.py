"""Application core of the tumour-response workstation (headless: never imports Qt)."""

__version__ = "0.1.0"
