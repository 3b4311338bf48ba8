"""scrape2doc: rebuild the original document from a scraped Chinese document-sharing page.

The tree reads like the pipeline (README "Where things live"): ``stages/`` holds ingest, clean,
restore and structure, each a pure function from one ``model.Document`` to the next, listed in
``stages.STAGES``; ``render/`` the writers (``render.WRITERS``); ``review/`` the stage diffs and
the review page; ``run/`` one input's conversion and the batch, cluster and rerun drivers;
``rules/`` the rule loader beside the rule files it reads.
"""
__version__ = "0.1.0"
