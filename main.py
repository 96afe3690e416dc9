"""Launcher: ``python main.py <command> …`` runs the headless CLI; ``python main.py`` the GUI.

A sub-command (first argument not starting with ``-``) goes to :mod:`recist_app.cli` without
importing Qt; ``--smoke`` / ``--screenshot`` to :mod:`widgets.smoke`; anything else starts the
viewer (:func:`widgets.app.run`).
"""

import sys

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        import gc

        from recist_app.cli import main

        status = main(args)
        gc.freeze()  # the process ends now: its teardown skips the collector's walks over every object (0.2 s)
        raise SystemExit(status)
    if any(arg == "--smoke" or arg.startswith("--screenshot") for arg in args):
        from widgets import smoke

        raise SystemExit(smoke.run(args))
    from widgets.app import run

    raise SystemExit(run(args))
