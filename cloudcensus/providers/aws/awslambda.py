"""Lambda functions: runtime, execution role, and whether anyone can call them.

`public` means a function URL with `AuthType: NONE`: callable by anyone on the Internet
without AWS credentials. A function's environment variables often hold secrets, so the
payload never carries them: `fetch_functions` drops `Environment` before yielding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_functions", "normalise_function"]

#: Configuration fields that may contain secrets; never part of a payload.
_SECRET_FIELDS = ("Environment",)


def _url_config(lam: Any, name: str, qualifier: str | None) -> dict[str, Any] | None:
    params = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
    try:
        config: dict[str, Any] = lam.get_function_url_config(**params)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None  # no URL on this function or alias
        raise
    config.pop("ResponseMetadata", None)
    return config


def _details(lam: Any, function: dict[str, Any]) -> dict[str, Any]:
    """URLs of the function and of each alias (an alias can carry its own URL)."""
    arn, name = function["FunctionArn"], function["FunctionName"]
    aliases = [
        alias["Name"]
        for page in lam.get_paginator("list_aliases").paginate(FunctionName=name)
        for alias in page["Aliases"]
    ]
    urls = [
        url
        for qualifier in [None, *aliases]
        if (url := _url_config(lam, name, qualifier)) is not None
    ]
    tags = lam.list_tags(Resource=arn).get("Tags") or {}
    clean = {k: v for k, v in function.items() if k not in _SECRET_FIELDS}
    return {"Function": clean, "UrlConfigs": urls, "Tags": tags}


def fetch_functions(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload per function: Function (without Environment), UrlConfigs, Tags."""
    lam = client_factory("lambda", ctx.region)
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            try:
                payload = _details(lam, function)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    continue  # deleted since ListFunctions
                raise
            yield payload


def normalise_function(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """A `compute.function`; `runtime` is None for container-image functions."""
    function = raw["Function"]
    urls: list[dict[str, Any]] = raw.get("UrlConfigs") or []
    return Resource(
        provider="aws",
        account=ctx.account,
        region=ctx.region,
        type="compute.function",
        native_type="AWS::Lambda::Function",
        id=function["FunctionArn"],
        name=function.get("FunctionName"),
        tags={str(k): str(v) for k, v in (raw.get("Tags") or {}).items()},
        location=ctx.location(),
        jurisdiction=ctx.jurisdiction,
        properties={
            "runtime": function.get("Runtime") or None,
            "public": any(url.get("AuthType") == "NONE" for url in urls),
            "role": function.get("Role") or None,
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="lambda.functions",
        fetch=fetch_functions,
        normalise=normalise_function,
        native_types=("AWS::Lambda::Function",),
    ),
)
