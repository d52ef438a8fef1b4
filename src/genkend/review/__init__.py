"""Where decisions are made: a search's proposals (candidates) and the blind double review
that alone turns one into an identification.

``candidates`` holds the records (a candidate, a decision, a view of them) and the rule of
what a viewer may see; ``double_review`` holds the rules of deciding and of settling a
dispute. Invariant: this package holds rules only, no SQL (that is ``store.candidates``
and ``store.reviews``) and no access checks or transactions (``services.review``).
"""
