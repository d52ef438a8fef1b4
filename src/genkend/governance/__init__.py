"""Governance: who may do what, and the record that proves it.

``cases`` (the unit of an investigation and its evidence sources), ``access``
(accounts, roles, case membership, the gate's checks), ``audit`` (the
hash-chained log), ``authorisations`` (records that allow gallery searches),
``retention`` (erasure on schedule and on request), ``oversight`` (the checks an
auditor runs over searches and the usage figures). No module here decides for a shell:
``services`` calls them.
"""
