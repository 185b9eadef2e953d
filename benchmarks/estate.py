"""The synthetic estate of the engine benchmark (`benchmarks/engine.py`).

`synthetic_inventory(count, accounts)` builds `count` resources over `accounts` scopes,
shaped like a real AWS estate rather than a few repeated shapes (see the benchmark's
README for what varies and how).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource

__all__ = ["TYPES", "synthetic_inventory"]

TYPES = {
    "storage.bucket": "AWS::S3::Bucket",
    "storage.volume": "AWS::EC2::Volume",
    "storage.snapshot": "AWS::EC2::Snapshot",
    "compute.instance": "AWS::EC2::Instance",
    "database.instance": "AWS::RDS::DBInstance",
    "database.table": "AWS::DynamoDB::Table",
    "network.security_group": "AWS::EC2::SecurityGroup",
    "identity.user": "AWS::IAM::User",
    "security.key": "AWS::KMS::Key",
    "logging.audit_trail": "AWS::CloudTrail::Trail",
}
# (region, country, EU, EEA, weight): most of the estate in the EU, some in London and
# the US (CDN origins, US customers), a little in Singapore.
_REGIONS = [
    ("eu-west-1", "IE", True, True, 30),
    ("eu-central-1", "DE", True, True, 25),
    ("eu-west-3", "FR", True, True, 10),
    ("eu-north-1", "SE", True, True, 5),
    ("eu-south-1", "IT", True, True, 3),
    ("eu-west-2", "GB", False, False, 7),
    ("us-east-1", "US", False, False, 14),
    ("us-west-2", "US", False, False, 4),
    ("ap-southeast-1", "SG", False, False, 2),
]
_REGION_WEIGHTS = [r[4] for r in _REGIONS]
_AWS = Jurisdiction(
    offering="aws",
    operator="Amazon Web Services, Inc.",
    legal_seat="US",
    parent="Amazon.com, Inc.",
    parent_country="US",
    non_eu_law=True,
)
_EUSC = Jurisdiction(
    offering="aws-eusc",
    operator="AWS European Sovereign Cloud GmbH",
    legal_seat="DE",
    parent="Amazon.com, Inc.",
    parent_country="US",
    non_eu_law=False,
)
_TEAMS = [
    f"team-{name}"
    for name in (
        "payments",
        "identity",
        "search",
        "data",
        "platform",
        "web",
        "mobile",
        "ml",
        "infra",
        "sec",
        "billing",
        "hr",
        "finance",
        "crm",
        "erp",
        "portal",
        "api",
        "edge",
        "dwh",
        "bi",
        "ops",
        "sre",
        "qa",
        "docs",
        "legal",
        "archive",
        "geo",
        "iot",
        "media",
        "mail",
        "chat",
        "notify",
        "audit",
        "backup",
        "network",
        "dns",
        "pki",
        "vault",
        "cms",
        "shop",
    )
]
# Values of `data-classification` as found in real estates: mostly the vocabulary, some
# case or spelling drift, now and then a legal marking, sometimes empty.
_LEVELS = (
    ["public"] * 20
    + ["internal"] * 40
    + ["sensitive"] * 20
    + ["restricted"] * 8
    + [
        "Internal",
        "confidential",
        "",
        "CONFIDENTIEL",
        "VERTROUWELIJK",
        "RESTREINT",
        "Secret",
        "tlp:amber",
        "pii",
        "n/a",
        "TRES SECRET",
        "NATO RESTRICTED",
    ]
)
_ENVS = ["prod", "staging", "dev", "test", "sandbox"]
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _when(rng: random.Random, days: int = 1500) -> datetime:
    return _EPOCH - timedelta(seconds=rng.randrange(days * 86400))


def _hex(rng: random.Random, size: int = 17) -> str:
    return f"{rng.getrandbits(size * 4):0{size}x}"


def _encryption(rng: random.Random, region: str, account: str) -> dict[str, Any]:
    encrypted = rng.random() < 0.85
    managed = rng.choice(["customer", "provider", "provider"]) if encrypted else None
    key = f"arn:aws:kms:{region}:{account}:key/{_hex(rng, 32)}" if managed else None
    return {"encrypted": encrypted, "key_id": key, "key_management": managed}


def _replicas(rng: random.Random, share: float) -> list[dict[str, Any]]:
    if rng.random() >= share:
        return []
    region, country, eu, eea, _ = rng.choices(_REGIONS, _REGION_WEIGHTS)[0]
    arn = f"arn:aws:replica:{region}:{_hex(rng, 12)}"
    return [{"id": arn, "region": region, "country": country, "eu": eu, "eea": eea}]


def _ingress(rng: random.Random) -> list[dict[str, Any]]:
    rules = []
    for _ in range(rng.randint(0, 6)):
        protocol = rng.choice(["tcp", "tcp", "tcp", "udp", "all", "icmp"])
        port = rng.choice(
            [443, 443, 80, 8080, 22, 3389, 5432, 3306, 6379, 9000 + rng.randrange(999)]
        )
        ports = (port, port) if protocol in ("tcp", "udp") else (None, None)
        source = (
            rng.choice(["0.0.0.0/0", "::/0"])
            if rng.random() < 0.15
            else (f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/{rng.choice([16, 20, 24, 28])}")
        )
        rules.append(
            {"protocol": protocol, "from_port": ports[0], "to_port": ports[1], "source": source}
        )
    return rules


def _access_keys(rng: random.Random) -> list[dict[str, Any]]:
    keys = []
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
        created = _when(rng, 1000)
        used = created + timedelta(days=rng.randrange(30)) if rng.random() < 0.8 else None
        keys.append(
            {
                "id": "AKIA" + _hex(rng, 16).upper(),
                "status": "active" if rng.random() < 0.8 else "inactive",
                "created": created.isoformat(),
                "last_used": used.isoformat() if used else None,
            }
        )
    return keys


def _properties(type_: str, rng: random.Random, region: str, account: str) -> dict[str, Any]:
    enc = _encryption(rng, region, account)
    public = rng.random() < 0.05
    if type_ == "storage.bucket":
        blocked = rng.random() < 0.7 and not public
        return {
            **enc,
            "public": public,
            "public_via": ["acl"] if public else [],
            "public_access_blocked": blocked,
            "versioning": rng.random() < 0.6,
            "replicas": _replicas(rng, 0.05),
        }
    if type_ in ("storage.volume", "storage.snapshot"):
        return {
            **enc,
            "size_gb": rng.choice([8, 20, 50, 100, 500, 1000]),
            "state": "in-use",
            "attached_to": [f"i-{_hex(rng)}"],
            "public": public,
        }
    if type_ == "compute.instance":
        ips = [f"198.51.{rng.randrange(256)}.{rng.randrange(256)}"] if public else []
        return {
            "state": rng.choice(["running", "running", "stopped"]),
            "instance_type": rng.choice(["t3.micro", "m5.large", "c6i.xlarge", "r6g.2xlarge"]),
            "image": f"ami-{_hex(rng)}",
            "public_ips": ips,
            "public": public,
            "security_groups": [f"sg-{_hex(rng)}"],
            "network": f"vpc-{_hex(rng)}",
        }
    if type_ == "database.instance":
        retention = rng.choice([0, 1, 7, 7, 14, 35])
        return {
            **enc,
            "engine": rng.choice(["postgres", "mysql", "aurora-postgresql"]),
            "engine_version": f"{rng.randint(11, 16)}.{rng.randint(1, 9)}",
            "public": public,
            "backup_retention_days": retention,
            "backup_enabled": retention > 0,
            "multi_az": rng.random() < 0.5,
            "replicas": _replicas(rng, 0.05),
        }
    if type_ == "database.table":
        return {**enc, "backup_enabled": rng.random() < 0.7}
    if type_ == "network.security_group":
        return {
            "ingress": _ingress(rng),
            "egress": [],
            "network": f"vpc-{_hex(rng)}",
            "attached": rng.random() < 0.8,
        }
    if type_ == "identity.user":
        return {
            "console_access": rng.random() < 0.4,
            "mfa": rng.random() < 0.8,
            "access_keys": _access_keys(rng),
            "last_login": _when(rng).isoformat(),
        }
    if type_ == "security.key":
        managed = "customer" if rng.random() < 0.7 else "aws"
        return {
            "key_management": managed,
            "state": rng.choice(["enabled"] * 9 + ["pending_deletion"]),
            "usage": "encrypt_decrypt" if rng.random() < 0.9 else "sign_verify",
            "key_spec": "SYMMETRIC_DEFAULT",
            "symmetric": True,
            "rotation_enabled": rng.random() < 0.7,
            "multi_region": False,
            "replicas": _replicas(rng, 0.03),
        }
    return {
        "logging": rng.random() < 0.9,
        "multi_region": rng.random() < 0.7,
        "home_region": region,
    }


def _tags(index: int, rng: random.Random) -> dict[str, str]:
    team = rng.randrange(len(_TEAMS))
    tags = {
        "Name": f"r{index}-{_hex(rng, 6)}",  # unique, as most estates have
        "owner": _TEAMS[team],
        "cost-centre": f"CC-{4000 + team * 3 + rng.randrange(2)}",  # a team has one or two
        "data-classification": rng.choice(_LEVELS),
        "environment": rng.choice(_ENVS),
        "application": f"app-{rng.randrange(300)}",
        "created-by": f"user{rng.randrange(500)}@example.org",
        "git-commit": _hex(rng, 40),
    }
    for key in ("owner", "cost-centre", "data-classification"):
        if rng.random() < 0.06:
            del tags[key]  # some resources miss a mandatory tag
    if rng.random() < 0.02:
        tags["classification"] = rng.choice(["internal", "CONFIDENTIAL", "VERTRAULICH"])
    return tags


def _resource(index: int, account: str, rng: random.Random) -> Resource:
    type_ = rng.choices(list(TYPES), [14, 16, 10, 16, 4, 4, 16, 8, 6, 1])[0]
    region, code, member, _, _ = rng.choices(_REGIONS, _REGION_WEIGHTS)[0]
    location = Location(country=code, eu=member, eea=member)
    if type_ == "identity.user":
        region, location = "global", Location()
    jurisdiction = _EUSC if rng.random() < 0.03 else _AWS
    name = f"{type_.split('.')[1]}-{index}-{_hex(rng, 8)}"
    return Resource(
        provider="aws",
        account=account,
        region=region,
        type=type_,
        native_type=TYPES[type_],
        id=f"arn:aws:{type_}:{region}:{account}:{name}",
        name=name,
        tags=_tags(index, rng),
        created=_when(rng),
        location=location,
        jurisdiction=jurisdiction,
        properties=_properties(type_, rng, region, account),
        raw={"Name": name, "Arn": f"arn:aws:{type_}:{name}", "Details": {"n": index}},
    )


def synthetic_inventory(count: int, accounts: int, seed: int = 7) -> list[list[Resource]]:
    """`count` resources over `accounts` scopes, shaped like a real AWS estate.

    Unique ids, names, `Name` tags, commit hashes, key ARNs, access keys, security group
    CIDRs and timestamps; owners from 40 teams with one or two cost centres each; a
    classification vocabulary with drift, missing tags and a few legal markings; nine
    regions in six countries; a type mix where volumes, instances and security groups
    outnumber databases. The memo hits only where real estates repeat (settings,
    countries, classification), never on the uniqueness of ids.
    """
    rng = random.Random(seed)
    scopes: list[list[Resource]] = [[] for _ in range(accounts)]
    for index in range(count):
        number = index % accounts
        scopes[number].append(_resource(index, f"{100000000000 + number}", rng))
    for number, scope in enumerate(scopes):
        account = f"{100000000000 + number}"
        guardrail = {"allowed_regions": ["eu-west-1", "eu-central-1"]} if number % 2 else None
        scope.append(
            Resource(
                provider="aws",
                account=account,
                region="global",
                type="account",
                native_type="AWS::::Account",
                id=f"arn:aws::{account}:account",
                properties={
                    "root_mfa": True,
                    "region_guardrail": guardrail,
                    "region_guardrail_readable": True,
                },
            )
        )
    return scopes
