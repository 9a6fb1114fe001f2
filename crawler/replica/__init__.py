"""A faithful local replica of real portals, for tests, benchmarks and the demo."""
from crawler.replica.server import DEFAULT_PORTALS, Fault, Replica

__all__ = ["DEFAULT_PORTALS", "Fault", "Replica"]
