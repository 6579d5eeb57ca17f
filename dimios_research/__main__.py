"""``python -m dimios_research``: the ``dimios-research`` command line.

The guard matters: report worker processes are started with ``spawn``, which imports the
parent's main module again (as ``__mp_main__``); it must not run the command a second time.
"""

if __name__ == "__main__":
    from .cli import main

    main()
