"""The organisation the GCP tests scan, built on the project's fake Cloud Asset API.

- `folders/111` (Finance) allows EU locations only (`gcp.resourceLocations`) and turns on
  Data Access audit logs for every service: its project inherits both.
- `fin-prod` (in Finance) complies: CMEK everywhere, private database with backups,
  uniform bucket access with public access prevention, rotated key, private GKE.
- `web-dev` (under the organisation) violates: a public bucket in the US multi-region,
  SSH from the internet, a VM with an external address, a Cloud SQL instance open to
  0.0.0.0/0 without backups, a key without rotation, an old service-account key, a
  public Cloud Run service; and one bucket whose payload is malformed.
- `secret-proj` has assets, but the caller is refused (403) on it.
"""

from __future__ import annotations

from cloudcensus.providers.gcp.fake import FakeOrganization
from cloudcensus.providers.gcp.fake import assets as build
from cloudcensus.providers.gcp.fake.estate import CRM

ORG_ID = "123456789012"
FINANCE = "folders/111"
KEY = "projects/fin-prod/locations/europe-west1/keyRings/finance/cryptoKeys/data"
#: Secrets planted in the estate; none may ever reach the store, findings or logs.
PRIVATE_KEY_DATA = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tTUlJRXZRSUJBREFOQmdrcWhraUc5dzBC"
ENV_SECRET = "s3cr3t-api-token-value"
EU_ONLY = {
    "constraint": "constraints/gcp.resourceLocations",
    "listPolicy": {"allowedValues": ["in:eu-locations"]},
}
AUDIT_ALL = {
    "service": "allServices",
    "auditLogConfigs": [{"logType": t} for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")],
}
TAGS = {"owner": "finance-it", "cost-centre": "CC-1", "data-classification": "sensitive"}


def build_org() -> FakeOrganization:
    org = FakeOrganization(ORG_ID, "example.org")
    org.add_folder("111", "Finance")
    org.set_org_policies(FINANCE, [EU_ONLY])
    org.set_iam_policy(CRM + FINANCE, {"version": 1, "bindings": [], "auditConfigs": [AUDIT_ALL]})

    fin = org.add_project("fin-prod", "1001", parent=FINANCE, display_name="Finance production")
    build.crypto_key(fin, "finance", "data", "europe-west1", labels=TAGS)
    build.bucket(fin, "fin-ledgers", location="europe-west1", kms_key=KEY, labels=TAGS)
    build.bucket(fin, "fin-archive", location="EU", kms_key=KEY, labels=TAGS)
    build.sql_instance(fin, "ledger-db", "europe-west1", kms_key=KEY, regional=True, labels=TAGS)
    build.disk(fin, "ledger-disk", "europe-west1-b", kms_key=KEY, users=["ledger-1"], labels=TAGS)
    build.instance(fin, "ledger-1", "europe-west1-b", labels=TAGS)
    build.cluster(fin, "fin-gke", "europe-west1", private_endpoint=True, secrets_key=KEY)

    web = org.add_project("web-dev", "1002", display_name="Web development")
    build.bucket(
        web,
        "web-public",
        location="US",
        public_role="roles/storage.objectViewer",
        prevention="inherited",
        labels={"data-classification": "sensitive"},
    )
    broken = build.bucket(web, "web-broken", location="EU")
    broken["resource"]["data"]["iamConfiguration"] = "enforced"  # not an object
    build.instance(web, "web-1", "europe-west1-c", external_ip="34.76.10.20")
    build.firewall(web, "allow-ssh", ports=["22"], sources=["0.0.0.0/0"])
    build.firewall(web, "allow-https", ports=["443"], sources=["0.0.0.0/0"])
    build.sql_instance(
        web,
        "web-db",
        "europe-west1",
        version="MYSQL_8_0",
        public_ip=True,
        authorized=["0.0.0.0/0"],
        backups=False,
    )
    build.crypto_key(web, "web", "tokens", "europe-west1", rotation_days=None)
    build.run_service(web, "web-api", "europe-west1", public=True, env={"API_TOKEN": ENV_SECRET})
    deployer = build.service_account(web, "deployer")
    build.service_account_key(
        web,
        deployer,
        "0a1b2c3d4e5f",
        created="2024-11-05T08:00:00Z",
        private_key_data=PRIVATE_KEY_DATA,
    )
    build.other(web, "pubsub.googleapis.com/Topic", "topics/orders")

    secret = org.add_project("secret-proj", "1003", display_name="Secret")
    build.bucket(secret, "secret-data", location="europe-west1")
    return org
