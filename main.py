"""Launcher: ``python main.py <command> …`` runs the headless CLI; ``python main.py`` the GUI.

A sub-command (first argument not starting with ``-``) goes to :mod:`recist_app.cli` without
importing Qt; anything else (no argument, ``--smoke``, ``--screenshot``) starts the viewer.
"""

import sys

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        from recist_app.cli import main

        raise SystemExit(main(args))
    from widgets.launch import run

    raise SystemExit(run(args))
