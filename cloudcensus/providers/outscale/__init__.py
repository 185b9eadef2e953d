"""3DS OUTSCALE, through its OSC API (osc-sdk-python) and OOS (S3-compatible, boto3)."""

from cloudcensus.providers.outscale.provider import OutscaleProvider

__all__ = ["OutscaleProvider"]
