"""Finding a lesion again at follow-up (issue 16): a coarse rigid alignment of two series, then a local
refinement around each point (docs/ARCHITECTURE.md §1.1, imaging)."""
