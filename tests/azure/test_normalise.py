"""Pure pieces of the Azure provider: NSG rules, guardrails, locations, settings, errors."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from pydantic import ValidationError

from cloudcensus.providers.azure.clients import parse_resets_after
from cloudcensus.providers.azure.errors import ArmError, classify_error
from cloudcensus.providers.azure.network import ingress_rules
from cloudcensus.providers.azure.resource import AzureContext
from cloudcensus.providers.azure.settings import ALLOWED_LOCATIONS_DEFINITION, AzureSettings
from cloudcensus.providers.azure.storage import normalise_account
from cloudcensus.providers.azure.subscription import region_guardrail
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.scanner.coverage import ErrorKind

SUB = "11111111-aaaa-4bbb-8ccc-000000000001"
_STORAGE = "Microsoft.Storage/storageAccounts"


def _rule(priority: int, access: str, **props: Any) -> dict[str, Any]:
    return {
        "properties": {
            "priority": priority,
            "access": access,
            "direction": "Inbound",
            "protocol": "Tcp",
            **props,
        }
    }


def test_nsg_rules_become_one_ingress_entry_per_port_range_and_source() -> None:
    rules = [
        _rule(
            100,
            "Allow",
            destinationPortRanges=["22", "8000-8080"],
            sourceAddressPrefixes=["Internet", "10.0.0.0/8"],
        ),
        _rule(110, "Allow", protocol="*", destinationPortRange="*", sourceAddressPrefix="*"),
        _rule(
            120,
            "Allow",
            protocol="Udp",
            destinationPortRange="53",
            sourceAddressPrefix="VirtualNetwork",
        ),
    ]
    assert ingress_rules(rules, "Inbound") == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "10.0.0.0/8"},
        {"protocol": "tcp", "from_port": 8000, "to_port": 8080, "source": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 8000, "to_port": 8080, "source": "10.0.0.0/8"},
        {"protocol": "all", "from_port": None, "to_port": None, "source": "0.0.0.0/0"},
        {"protocol": "udp", "from_port": 53, "to_port": 53, "source": "VirtualNetwork"},
    ]


def test_an_allow_behind_a_covering_deny_never_takes_effect() -> None:
    rules = [
        _rule(300, "Allow", destinationPortRange="22", sourceAddressPrefix="*"),
        _rule(100, "Deny", protocol="*", destinationPortRange="0-65535", sourceAddressPrefix="*"),
        _rule(200, "Allow", destinationPortRange="443", sourceAddressPrefix="Internet"),
        _rule(50, "Deny", destinationPortRange="3389", sourceAddressPrefix="10.0.0.0/8"),
        _rule(60, "Allow", destinationPortRange="3389", sourceAddressPrefix="*"),  # partly denied
    ]
    assert ingress_rules(rules, "Inbound") == [
        {"protocol": "tcp", "from_port": 3389, "to_port": 3389, "source": "0.0.0.0/0"},
    ]


def _assignment(**props: Any) -> dict[str, Any]:
    base = {
        "policyDefinitionId": ALLOWED_LOCATIONS_DEFINITION,
        "scope": f"/subscriptions/{SUB}",
        "parameters": {"listOfAllowedLocations": {"value": ["westeurope", "belgiumcentral"]}},
        "enforcementMode": "Default",
    }
    return {"id": f"a-{len(props)}", "properties": {**base, **props}}


@pytest.mark.parametrize(
    "props",
    [
        {"enforcementMode": "DoNotEnforce"},
        {
            "parameters": {
                "listOfAllowedLocations": {"value": ["westeurope"]},
                "effect": {"value": "Audit"},
            }
        },
        {"scope": f"/subscriptions/{SUB}/resourceGroups/rg"},
        {"notScopes": [f"/subscriptions/{SUB}"]},
        {"policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/other"},
    ],
)
def test_assignments_that_do_not_deny_here_are_no_guardrail(props: dict[str, Any]) -> None:
    assert region_guardrail([_assignment(**props)], SUB, (ALLOWED_LOCATIONS_DEFINITION,)) is None


def test_stacked_guardrails_allow_only_what_every_one_allows() -> None:
    narrow = _assignment(
        scope="/providers/Microsoft.Management/managementGroups/eu",
        parameters={
            "listOfAllowedLocations": {"value": ["BelgiumCentral", "francecentral"]},
            "effect": {"value": "Deny"},
        },
    )
    guardrail = region_guardrail([_assignment(), narrow], SUB, (ALLOWED_LOCATIONS_DEFINITION,))
    assert guardrail == {"allowed_regions": ["belgiumcentral"], "policy_ids": ["a-0", "a-2"]}


def _ctx() -> AzureContext:
    return AzureContext(
        subscription=SUB,
        offering="azure",
        catalogue=load_catalogue("cloudcensus.providers.azure"),
        paired={"westeurope": "northeurope"},
        names={"west europe": "westeurope"},
    )


def test_logical_and_unknown_locations_are_unknown_never_compliant() -> None:
    ctx = _ctx()
    assert ctx.location(ctx.region("Belgium Central")).country == "BE"
    assert ctx.location(ctx.region("West Europe")).country == "NL"
    for logical in ("global", "europe", None, "mars-north"):
        location = ctx.location(ctx.region(logical))
        assert (location.country, location.eu, location.eea) == (None, None, None)


def test_storage_public_is_unknown_when_its_containers_could_not_be_read() -> None:
    row = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/{_STORAGE}/s",
        "name": "s",
        "type": "microsoft.storage/storageaccounts",
        "location": "westeurope",
        "sku": {"name": "Standard_RAGRS"},
        "properties": {"encryption": {"keySource": "Microsoft.Storage"}},
        "cloudcensus": {"containers": None, "errors": {"containers": "AuthorizationFailed"}},
    }
    props = normalise_account(row, _ctx()).properties
    assert (props["public"], props["public_access_blocked"]) == (None, False)
    assert props["key_management"] == "provider"
    assert [(r["region"], r["country"]) for r in props["replicas"]] == [("northeurope", "IE")]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"subscriptions": ["not-a-guid"]}, "subscriptions"),
        ({"cloud": "custom", "arm_endpoint": "https://arm.example.eu"}, "authority_host"),
        ({"cloud": "germany"}, "cloud"),
        ({"arm_endpoint": "http://arm.example.eu"}, "arm_endpoint"),
        ({"page_size": 5000}, "page_size"),
        (
            {
                "cloud": "custom",
                "authority_host": "login.example.eu",
                "arm_endpoint": "https://arm.example.eu",
                "offering": "acme",
            },
            "offering",
        ),
        ({"client_secret": "x"}, "client_secret"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        AzureSettings.model_validate(settings)
    assert field in str(refused.value)


def test_named_and_partner_clouds_are_configuration() -> None:
    gov = AzureSettings(cloud="usgov").resolved_cloud()
    assert (gov.arm_endpoint, gov.offering) == (
        "https://management.usgovcloudapi.net",
        "azure-us-gov",
    )
    bleu = AzureSettings.model_validate(
        {
            "cloud": "custom",
            "offering": "bleu",
            "authority_host": "login.bleu.example",
            "arm_endpoint": "https://arm.bleu.example/",
        }
    )
    resolved = bleu.resolved_cloud()
    assert resolved.credential_scope == "https://arm.bleu.example/.default"
    jurisdiction = load_catalogue("cloudcensus.providers.azure").jurisdiction(resolved.offering)
    assert (jurisdiction.legal_seat, jurisdiction.non_eu_law) == ("FR", False)


def test_errors_are_classified_and_never_carry_tokens() -> None:
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2ln"
    denied = ArmError(403, "AuthorizationFailed", f"no access; header Bearer {token}", "read")
    kind, message = classify_error(denied)
    assert kind is ErrorKind.ACCESS_DENIED
    assert token not in message
    assert "eyJ" not in message
    assert classify_error(ArmError(429, None, "slow down", "x"))[0] is ErrorKind.THROTTLED
    assert (
        classify_error(ArmError(404, "SubscriptionNotFound", "x", "x"))[0]
        is ErrorKind.ACCESS_DENIED
    )
    auth = ClientAuthenticationError("chain failed\n\tEnvironmentCredential: AADSTS700016: bad app")
    assert classify_error(auth) == (
        ErrorKind.ACCESS_DENIED,
        "authentication failed: chain failed EnvironmentCredential: AADSTS700016: bad app",
    )


def test_quota_reset_headers_are_read_as_seconds() -> None:
    assert parse_resets_after("00:00:03") == 3
    assert parse_resets_after("00:01:30") == 90
    assert parse_resets_after("soon") is None
