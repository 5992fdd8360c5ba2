"""Checking record-level definitions (records.yaml): the language of registers and business
rules, its kinds and clinical units, and the :class:`~qframe.ir.records.RecordProgram` it gives.

:mod:`.values` (what a checked expression is), :mod:`.expressions` (literals, names, operators,
dates and units), :mod:`.queries` (event queries and windows, ages, registrations),
:mod:`.checker` (state: parameters and fields once each, cycles), :mod:`.program` (the whole
program, rules in order); checks of the whole are one per module under :mod:`.rules`.
"""
