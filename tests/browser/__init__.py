"""Browser tests: the book in JupyterLab and Voilà, driven by Debian's chromium (a package so
that its conftest does not shadow tests/conftest.py, which the engine tests import)."""
