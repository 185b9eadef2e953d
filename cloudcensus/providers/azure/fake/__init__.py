"""The project's own fake of Azure (Entra ID token endpoint, ARM, Resource Graph).

Product code: `cloudcensus demo` serves an Azure tenant from it, and the tests and the
benchmark scan it through the real provider. Needs `trustme` (the `demo` extra).
"""

from cloudcensus.providers.azure.fake.server import FakeAzure
from cloudcensus.providers.azure.fake.tenant import FakeSubscription, FakeTenant, Fault, Faults

__all__ = ["FakeAzure", "FakeSubscription", "FakeTenant", "Fault", "Faults"]
