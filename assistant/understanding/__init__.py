"""Understanding: a question (and the previous turn) -> a Plan. Normalise, read it with the question model
trained on questions generated from the records (``generate``, ``model``), link the slots against the
records' own values (``slots``). Entry point: ``plan.understand``."""
