"""Application core of the tumour-response workstation (headless: never imports Qt)."""

__version__ = "0.1.0"
#: The name of the workstation's folders in the user's data, cache and log directories (platformdirs).
APP_NAME = "recist-workstation"
