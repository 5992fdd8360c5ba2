"""The spec suite: one behaviour of the expression language per test, run on every engine.

Each module is a section (its docstring gives the title and an introduction); each test states one
behaviour in its docstring and checks it with a small table of inputs and expected results. The
suite renders as docs/spec.md (``spec.render``); conftest.py lists the engines it runs on.
"""
