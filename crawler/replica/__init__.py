"""A faithful local replica of real portals, for tests, benchmarks and the demo."""
from crawler.replica.portals import DEFAULT_PORTALS, Fault
from crawler.replica.replica import Replica

__all__ = ["DEFAULT_PORTALS", "Fault", "Replica"]
