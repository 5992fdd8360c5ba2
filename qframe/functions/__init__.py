"""The built-in functions of the language: their typed signatures, documentation and worked
examples (:mod:`.registry`). A new function is declared there, checked by a family in
:mod:`qframe.check.builtins`, and implemented by each engine (numpy:
:mod:`qframe.engines.numpy.functions`)."""
