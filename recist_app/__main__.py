"""``python -m recist_app`` runs the command line."""

from recist_app.cli import main

raise SystemExit(main())
