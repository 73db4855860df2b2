"""X12 EDI gateway as a pure translator: bytes in, canonical records out, and back.

No Flask and no database here: backend/edi stores, stages and serves what this package reads and
writes. Money is integer cents in every record; X12 carries decimal dollars.
"""
