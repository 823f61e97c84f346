"""Draft a protocol template from a trial-registry record (``scheduler draft``): a grammar for
the oncology notation (:mod:`.reader`), a drafter that invents nothing (:mod:`.drafter`) and a
YAML writer with each value's provenance (:mod:`.writer`)."""
