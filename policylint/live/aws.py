"""The AWS side of live verification: one boto3 session, read-only calls, errors as text.

Every call has a short timeout and botocore's standard retry mode; every failure (access denied,
a bucket in another account, throttling after retries, no network, expired or missing
credentials) becomes a short message naming the API error, never an exception that stops a run.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable

from policylint.errors import UsageError
from policylint.live import Settings
from policylint.model import CorsRule, LiveCors

EXTRA_HINT = "pip install boto3 (the policylint[aws] extra)"
# A boto3.Session-like factory used instead of boto3.Session (tests point it at stubs); None:
# the standard credential chain.
SESSION_FACTORY: Callable[..., Any] | None = None


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise UsageError(f"--aws needs boto3, which is not installed: {EXTRA_HINT}") from None
    return boto3


@dataclass
class Account:
    """A session on one account and region, with the identity STS reported."""

    session: Any
    config: Any
    account: str
    region: str

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region, config=self.config)


class LiveError(Exception):
    """Why the account could not be reached at all (no credentials, no network)."""


def error_text(exc: BaseException) -> str:
    """The API error of a failed call, as a user reads it: ``AccessDenied: Access Denied``."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error") or {}
        code = str(err.get("Code") or type(exc).__name__)
        message = _one_line(str(err.get("Message") or ""))
        if message.startswith("<"):  # an HTML error page (a proxy, a stand-in server)
            message = ""
        return f"{code}: {message}" if message else code
    text = _one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _one_line(text: str, limit: int = 200) -> str:
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first if len(first) <= limit else first[:limit - 1] + "…"


def connect(settings: Settings,
            session_factory: Callable[..., Any] | None = None) -> Account:
    """A session for ``settings`` (assuming ``role_arn`` when given) and the caller's account.
    Raises LiveError when no call can succeed (no credentials, no network)."""
    boto3 = _boto3()
    from botocore.config import Config as BotoConfig

    config = BotoConfig(connect_timeout=settings.connect_timeout,
                        read_timeout=settings.read_timeout,
                        retries={"mode": "standard", "max_attempts": settings.max_attempts})
    make = session_factory or SESSION_FACTORY or boto3.Session
    try:
        session = make(profile_name=settings.profile) if settings.profile else make()
        region = settings.region or session.region_name or "us-east-1"
        if settings.role_arn:
            sts = session.client("sts", region_name=region, config=config)
            creds = sts.assume_role(RoleArn=settings.role_arn,
                                    RoleSessionName="policylint")["Credentials"]
            session = make(aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
        ident = session.client("sts", region_name=region, config=config).get_caller_identity()
    except Exception as exc:  # botocore raises many types; each one is a reason to tell
        raise LiveError(error_text(exc)) from None
    return Account(session, config, str(ident.get("Account", "?")), region)


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_cors(account: Account, bucket: str, s3: Any | None = None) -> LiveCors:
    """GetBucketCors of ``bucket``: its rules, None when it has no CORS configuration, or the
    error that prevented reading it."""
    client = s3 if s3 is not None else account.client("s3")
    when = now()
    try:
        got = client.get_bucket_cors(Bucket=bucket)
    except Exception as exc:
        code = _code(exc)
        if code == "NoSuchCORSConfiguration":
            return LiveCors(bucket, account.account, account.region, when, None)
        return LiveCors(bucket, account.account, account.region, when, None,
                        error=error_text(exc))
    rules = tuple(_rule(r) for r in got.get("CORSRules") or [] if isinstance(r, dict))
    return LiveCors(bucket, account.account, account.region, when, rules)


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code") or "")
    return ""


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _rule(raw: dict[str, Any]) -> CorsRule:
    max_age = raw.get("MaxAgeSeconds")
    rid = raw.get("ID")
    return CorsRule(methods=_strings(raw.get("AllowedMethods")),
                    origins=_strings(raw.get("AllowedOrigins")),
                    allowed_headers=_strings(raw.get("AllowedHeaders")),
                    expose_headers=_strings(raw.get("ExposeHeaders")),
                    max_age=max_age if isinstance(max_age, int) else None,
                    id=rid if isinstance(rid, str) else None)
