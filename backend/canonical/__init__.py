"""The canonical claim and the one list of edits, shared by every channel and the pipeline.

Pure standard library: the protocol adapters (`edi`, the FHIR package) and the numpy pipeline
import this package and nothing else of `backend`, so they stay free of Flask and the database.
"""
