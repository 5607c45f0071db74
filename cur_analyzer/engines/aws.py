"""The one place an AWS session is built from the settings (their profile and region): the Athena engine
runs its queries with it and the doctor's AWS checks ask the services with it, so neither reaches into the
other for credentials."""

from __future__ import annotations

from typing import Any


def session_for(settings: Any) -> Any:
    """A boto3 session for the settings' ``profile`` and ``region`` (boto3's defaults where unset)."""
    import boto3

    return boto3.Session(region_name=settings.region, profile_name=settings.profile)
