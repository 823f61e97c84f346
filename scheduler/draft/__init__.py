"""Draft a protocol template from a trial-registry record (``scheduler draft``): a grammar for
the oncology notation and a reader of records (:mod:`.reader`), the drugs of one description
(:mod:`.clauses`), a drafter that invents nothing (:mod:`.drafter`), the country's calendar
(:mod:`.countries`) and a YAML writer with each value's provenance (:mod:`.writer`)."""
