"""`python -m monitor.cli`, as the tests run it when the console script is not installed."""
import sys

from monitor.cli import main

sys.exit(main())
