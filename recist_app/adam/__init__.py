"""ADaM (CDISC.md §9): ADSL, ADRS, ADTTE and ADTR derived from SDTM (:mod:`.writer` for the export), and the
trial-level estimates (:mod:`.statistics`)."""
