"""Where hashes are computed and compared: digests, perceptual hashes, hash sets, triage.

``digests`` (MD5/SHA-1/SHA-256 in one pass, PDQ), ``analysis`` (one file's bytes, in a
worker process: ``workers``), ``triage`` (known or new), ``recorder`` (the ingest's
single writer), ``ingest_run`` (the run loop of an ingest), ``sets`` (hash-set formats,
read and written). Nothing here checks who acts: that is ``services``.
"""
