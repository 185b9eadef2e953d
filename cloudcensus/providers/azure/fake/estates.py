"""Estates the fake serves: the demo tenant, the test tenant, and a benchmark tenant.

`demo_tenant()`: two subscriptions, compliant and violating resources side by side, one
region outside the EU; `change_demo()` changes it between the demo's scans.
`test_tenant()`: the demo's two subscriptions plus a third the identity may not read.
`bench_tenant(n)`: `n` resources over ten subscriptions, shaped like a real estate
(many disks, NICs and VMs, a few databases and vaults, a long tail of other types).
"""

from __future__ import annotations

import random

from cloudcensus.providers.azure.fake import services, shapes
from cloudcensus.providers.azure.fake.tenant import FakeSubscription, FakeTenant

__all__ = [
    "DENIED",
    "LOCATIONS",
    "PRODUCTION",
    "RESEARCH",
    "bench_tenant",
    "change_demo",
    "demo_tenant",
    "test_tenant",
]

TENANT = "7f3c1d2e-0a4b-4c5d-8e6f-1a2b3c4d5e6f"
CLIENT = "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a"
PRODUCTION = "11111111-aaaa-4bbb-8ccc-000000000001"
RESEARCH = "22222222-aaaa-4bbb-8ccc-000000000002"
DENIED = "33333333-aaaa-4bbb-8ccc-000000000003"
EU = ["westeurope", "northeurope", "belgiumcentral", "francecentral"]

LOCATIONS = [
    shapes.location("westeurope", "West Europe", paired="northeurope"),
    shapes.location("northeurope", "North Europe", paired="westeurope"),
    shapes.location("belgiumcentral", "Belgium Central"),
    shapes.location("francecentral", "France Central", paired="francesouth"),
    shapes.location("francesouth", "France South", paired="francecentral"),
    shapes.location("eastus", "East US", paired="westus"),
    shapes.location("westus", "West US", paired="eastus"),
    shapes.location("global", "Global", logical=True),
    shapes.location("europe", "Europe", logical=True),
]
_DES = "Microsoft.Compute/diskEncryptionSets"
_EVERYONE = ("0.0.0.0", "255.255.255.255")  # noqa: S104 - a firewall range, not a bind
_OWNED = {"owner": "platform", "cost-centre": "cc-100", "data-classification": "internal"}


def _tenant(secret: str) -> FakeTenant:
    return FakeTenant(
        tenant_id=TENANT, client_id=CLIENT, client_secret=secret, locations=list(LOCATIONS)
    )


def _production(tenant: FakeTenant) -> FakeSubscription:
    sub = tenant.add(FakeSubscription(PRODUCTION, "Production", TENANT))
    services.policy_assignment(
        sub, "allowed-eu", EU, scope="/providers/Microsoft.Management/managementGroups/fed"
    )
    services.diagnostic_setting(sub, "activity-to-workspace")
    net = shapes.vnet(
        sub,
        "network",
        "vnet-prod",
        "westeurope",
        "10.0.0.0/16",
        {"app": "10.0.1.0/24", "data": "10.0.2.0/24"},
    )
    subnet = net["properties"]["subnets"][0]["id"]
    rg = "/subscriptions/" + PRODUCTION + "/resourceGroups/app/providers"
    web = shapes.nsg(
        sub,
        "network",
        "nsg-web",
        "westeurope",
        [
            shapes.rule("https", 100, "Allow", "443", "Internet"),
            shapes.rule("ssh-internal", 110, "Allow", "22", "10.0.0.0/8"),
            shapes.rule("deny-ssh-internet", 120, "Deny", "22", "*"),
            shapes.rule("ssh-shadowed", 130, "Allow", "22", "0.0.0.0/0"),
        ],
        attached=(f"{rg}/Microsoft.Network/networkInterfaces/nic-web",),
    )
    shapes.nsg(
        sub,
        "network",
        "nsg-admin",
        "westeurope",
        [
            shapes.rule("rdp-anywhere", 100, "Allow", ["3389", "5985-5986"], "*"),
        ],
    )
    web_vm = f"{rg}/Microsoft.Compute/virtualMachines/vm-web"
    app_vm = f"{rg}/Microsoft.Compute/virtualMachines/vm-app"
    pip = shapes.public_ip(
        sub,
        "app",
        "pip-web",
        "westeurope",
        "20.50.1.10",
        f"{rg}/Microsoft.Network/networkInterfaces/nic-web",
    )
    nic_web = shapes.nic(
        sub,
        "app",
        "nic-web",
        "westeurope",
        subnet,
        "10.0.1.4",
        vm_id=web_vm,
        pip_id=pip["id"],
        nsg_id=web["id"],
    )
    nic_app = shapes.nic(sub, "app", "nic-app", "westeurope", subnet, "10.0.1.5", vm_id=app_vm)
    shapes.vm(sub, "app", "vm-web", "westeurope", [nic_web["id"]], tags=_OWNED)
    shapes.vm(sub, "app", "vm-app", "westeurope", [nic_app["id"]], tags=_OWNED)
    os_disk = shapes.disk(sub, "app", "vm-web-os", "westeurope", vm_id=web_vm, tags=_OWNED)
    snapshot = {
        "creationData": {"createOption": "Copy", "sourceResourceId": os_disk["id"]},
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
        "diskSizeGB": 64,
        "timeCreated": "2026-06-01T02:00:00.0000000Z",
    }
    shapes.generic(
        sub, "app", "Microsoft.Compute/snapshots", "vm-web-os-0601", "westeurope", snapshot
    )
    des = f"/subscriptions/{PRODUCTION}/resourceGroups/keys/providers/{_DES}/des-prod"
    shapes.disk(sub, "app", "data-cmk", "westeurope", vm_id=app_vm, des_id=des, tags=_OWNED)
    key = "https://kv-prod.vault.azure.net/keys/cmk-storage"
    services.storage_account(
        sub,
        "data",
        "stprodarchive",
        "westeurope",
        sku="Standard_GRS",
        secondary="northeurope",
        key_uri=key,
        tags=_OWNED,
    )
    services.storage_account(
        sub,
        "web",
        "stpublicsite",
        "westeurope",
        allow_public=True,
        containers={"site": "Blob", "private": "None"},
    )
    server = services.sql_server(
        sub, "data", "sql-prod", "westeurope", firewall={"AllowAll": _EVERYONE}
    )
    services.sql_database(
        sub, server, "orders", tags=_OWNED, geo_replica=("sql-dr", "orders", "North Europe")
    )
    services.sql_database(sub, server, "master")
    services.flexible_server(sub, "data", "pg-prod", "westeurope", geo_backup=True, tags=_OWNED)
    services.key_vault(
        sub, "keys", "kv-prod", "westeurope", keys={"cmk-storage": True, "cmk-legacy": False}
    )
    services.aks(sub, "k8s", "aks-prod", "westeurope")
    services.web_app(sub, "web", "portal", "westeurope")
    services.web_app(sub, "web", "jobs", "westeurope", function=True)
    shapes.generic(sub, "web", "Microsoft.Insights/components", "portal-insights", "westeurope")
    shapes.generic(sub, "dns", "Microsoft.Network/dnszones", "example.eu", "global")
    return sub


def _research(tenant: FakeTenant) -> FakeSubscription:
    sub = tenant.add(FakeSubscription(RESEARCH, "Research", TENANT))
    sensitive = {**_OWNED, "data-classification": "sensitive"}
    services.storage_account(sub, "lab", "stlabus", "eastus", tags=sensitive)
    services.storage_account(sub, "lab", "stlabbe", "belgiumcentral", tags=sensitive)
    net = shapes.vnet(sub, "lab", "vnet-lab", "eastus", "10.8.0.0/16", {"gpu": "10.8.1.0/24"})
    nic = shapes.nic(
        sub, "lab", "nic-gpu", "eastus", net["properties"]["subnets"][0]["id"], "10.8.1.4"
    )
    shapes.vm(sub, "lab", "vm-gpu", "eastus", [nic["id"]], size="Standard_NC6s_v3", tags=sensitive)
    services.flexible_server(sub, "lab", "mysql-lab", "eastus", engine="mysql", public=True)
    services.key_vault(
        sub, "lab", "kv-lab", "eastus", purge_protection=False, keys={"lab-key": False}
    )
    return sub


def demo_tenant(
    secret: str = "demo-client-secret-not-a-real-one",  # noqa: S107 - the fake's own
) -> FakeTenant:
    """The demo's tenant: Production (EU, guarded, logged) and Research (US data)."""
    tenant = _tenant(secret)
    _production(tenant)
    _research(tenant)
    tenant.management_groups["fed"] = [PRODUCTION, RESEARCH]
    return tenant


def change_demo(tenant: FakeTenant) -> None:
    """Between the demo's scans: a VM goes, a bucket opens up, a database appears."""
    prod = tenant.subscriptions[PRODUCTION]
    prod.remove(
        f"/subscriptions/{PRODUCTION}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm-app"
    )
    archive = prod.find(
        f"/subscriptions/{PRODUCTION}/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/stprodarchive"
    )
    archive["properties"]["allowBlobPublicAccess"] = True
    research = tenant.subscriptions[RESEARCH]
    services.flexible_server(research, "lab", "pg-lab", "belgiumcentral")


def test_tenant(secret: str) -> FakeTenant:
    """The demo tenant plus a subscription the identity sees but may not read."""
    tenant = demo_tenant(secret)
    tenant.add(FakeSubscription(DENIED, "Finance", TENANT))
    tenant.denied.add(DENIED)
    return tenant


_BENCH_MIX = (
    ("disk", 20),
    ("nic", 16),
    ("vm", 12),
    ("pip", 5),
    ("nsg", 8),
    ("storage", 8),
    ("vnet", 3),
    ("sql", 1),
    ("flex", 1),
    ("vault", 1),
    ("app", 4),
    ("other", 21),
)
_OTHER_TYPES = (
    "Microsoft.Insights/components",
    "Microsoft.Web/serverFarms",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Compute/availabilitySets",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Network/routeTables",
)


def bench_tenant(resources: int, subscriptions: int = 10, seed: int = 7) -> FakeTenant:
    """About `resources` Resource Graph rows over `subscriptions` subscriptions."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible estate, not a secret
    tenant = _tenant("bench-client-secret-not-a-real-one")
    kinds = [k for k, weight in _BENCH_MIX for _ in range(weight)]
    subs = [
        tenant.add(FakeSubscription(f"{i:08d}-bbbb-4ccc-8ddd-{i:012d}", f"bench-{i}", TENANT))
        for i in range(subscriptions)
    ]
    for n in range(resources):
        sub = subs[n % subscriptions]
        _bench_resource(sub, rng.choice(kinds), n, rng)
    return tenant


def _bench_resource(sub: FakeSubscription, kind: str, n: int, rng: random.Random) -> None:
    where = rng.choice(["westeurope", "northeurope", "belgiumcentral", "francecentral", "eastus"])
    tags = {"owner": f"team-{n % 40}", "cost-centre": f"cc-{n % 13}", "app": f"app-{n % 97}"}
    rg = f"rg-{n % 50}"
    base = f"/subscriptions/{sub.id}/resourceGroups/{rg}/providers"
    if kind == "disk":
        shapes.disk(
            sub,
            rg,
            f"disk-{n}",
            where,
            size_gb=rng.choice([32, 64, 128, 512]),
            vm_id=f"{base}/Microsoft.Compute/virtualMachines/vm-{n - 1}",
            tags=tags,
        )
    elif kind == "nic":
        subnet = f"{base}/Microsoft.Network/virtualNetworks/vnet-{n % 50}/subnets/default"
        shapes.nic(
            sub,
            rg,
            f"nic-{n}",
            where,
            subnet,
            f"10.{n % 250}.{n % 200}.4",
            vm_id=f"{base}/Microsoft.Compute/virtualMachines/vm-{n + 1}",
            pip_id=f"{base}/Microsoft.Network/publicIPAddresses/pip-{n}" if n % 7 == 0 else None,
        )
    elif kind == "vm":
        shapes.vm(
            sub,
            rg,
            f"vm-{n}",
            where,
            [f"{base}/Microsoft.Network/networkInterfaces/nic-{n - 1}"],
            tags=tags,
        )
    elif kind == "pip":
        shapes.public_ip(sub, rg, f"pip-{n}", where, f"20.{n % 250}.{n % 199}.{n % 253}")
    elif kind == "nsg":
        shapes.nsg(
            sub,
            rg,
            f"nsg-{n}",
            where,
            [
                shapes.rule("https", 100, "Allow", "443", "Internet"),
                shapes.rule(
                    "ssh", 110, "Allow", "22", rng.choice(["10.0.0.0/8", "*", "192.168.0.0/16"])
                ),
            ],
        )
    elif kind == "storage":
        services.storage_account(
            sub,
            rg,
            f"st{n}",
            where,
            allow_public=n % 20 == 0,
            sku=rng.choice(["Standard_LRS", "Standard_GRS"]),
            tags=tags,
        )
    elif kind == "vnet":
        shapes.vnet(
            sub,
            rg,
            f"vnet-{n}",
            where,
            "10.0.0.0/16",
            {"default": "10.0.0.0/24", "db": "10.0.1.0/24"},
        )
    elif kind == "sql":
        server = services.sql_server(
            sub, rg, f"sql-{n}", where, firewall={"office": ("198.51.100.1", "198.51.100.1")}
        )
        services.sql_database(sub, server, f"db-{n}", tags=tags)
    elif kind == "flex":
        services.flexible_server(sub, rg, f"pg-{n}", where, tags=tags)
    elif kind == "vault":
        services.key_vault(sub, rg, f"kv-{n}", where, keys={"k1": True, "k2": n % 2 == 0})
    elif kind == "app":
        services.web_app(sub, rg, f"app-{n}", where, function=n % 3 == 0, tags=tags)
    else:
        shapes.generic(
            sub,
            rg,
            rng.choice(_OTHER_TYPES),
            f"res-{n}",
            where,
            {"provisioningState": "Succeeded"},
            tags=tags,
        )
