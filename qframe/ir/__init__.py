"""The typed intermediate representation, engine-neutral: kinds of value (:mod:`.kinds`),
function signatures as data (:mod:`.signature`), frozen typed nodes with their places
(:mod:`.nodes`) and a checked framework as a :class:`~.program.Program`. An engine lowers it."""
