"""Checks of record-level definitions as a whole, one rule per module: registers and indicators
that name nothing (:mod:`.registers`), rules that can never be reached (:mod:`.unreachable`),
clusters, fields and parameters never used (:mod:`.unused`)."""
