"""The vectorized claims pipeline: pure numpy stages, arrays in and arrays out.

No Flask, no database session: `workers/chunks.py` fetches a chunk into `ChunkInput` and writes a
`ChunkResult` back. Money is integer cents (int64) everywhere; dates are int32 days since
1970-01-01 (`NO_DATE` when absent). See docs/pipeline.md for the rules each stage applies.
"""

from workers.pipeline.run import run_pipeline

__all__ = ["run_pipeline"]
