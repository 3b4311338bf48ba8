"""Review: what each stage changed (stage and character diffs, the terminal view) and the
self-contained HTML review page."""
