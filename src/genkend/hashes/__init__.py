"""Where hashes are computed and compared: digests, perceptual hashes, hash sets, triage.

``digests`` (MD5/SHA-1/SHA-256 in one pass, PDQ), ``sets`` (hash-set formats, read and
written).
"""
