"""Opt-in live verification (``--aws``, ``policylint aws-audit``): read what AWS has deployed.

Nothing here runs unless the user asks for it; boto3 is imported only by :mod:`.aws`, which is
imported only from here, so the static path never loads it. Live results describe an account,
not a file, so they never enter the cache: they are added to the linked Project after reading.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Where to read from: the standard credential chain, narrowed by these when given."""

    profile: str | None = None
    region: str | None = None
    role_arn: str | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3  # botocore's "standard" retry mode, per call
