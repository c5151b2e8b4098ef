"""policylint: finds S3 buckets that feed human labeling without the CORS rule AWS requires."""
from __future__ import annotations

__version__ = "0.1.0"
