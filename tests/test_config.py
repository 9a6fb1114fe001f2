"""The monitor's configuration: every value validated, an error names the file, line and field."""
from datetime import timedelta

import pytest

from db.refetch import DEFAULT_REFETCH
from monitor.config import ConfigError, parse_config

GOOD = """\
[schedule]
interval = "30m"
jitter = "1m"
sites = ["caugiay"]
lease_ttl = "90s"

[schedule.site.caugiay]
cron = "*/30 6-22 * * *"

[crawl]
safety_depth = 3
refetch = [["2d", "2h"], ["*", "3d"]]

[detection]
removed_after_404 = 4
views_milestones = [5000, 1000]
stale_after = "7d"
coverage_floors = { title = 0.5 }
"""


def test_defaults_and_a_full_file():
    default = parse_config("")
    assert default.crawl.refetch == DEFAULT_REFETCH and default.detection.removed_after_404 == 2
    config = parse_config(GOOD, "pw.toml")
    assert config.sites == ("caugiay",) and config.lease_ttl == timedelta(seconds=90)
    assert config.default_schedule.interval == timedelta(minutes=30) and config.default_schedule.jitter == timedelta(minutes=1)
    assert config.schedule_for("caugiay").cron == "*/30 6-22 * * *"
    assert config.crawl.safety_depth == 3 and config.crawl.max_listing_pages == 20
    assert config.crawl.refetch == ((timedelta(days=2), timedelta(hours=2)), (None, timedelta(days=3)))
    d = config.detection
    assert (d.removed_after_404, d.removed_after_missing_runs, d.views_milestones) == (4, 3, (1000, 5000))
    assert d.stale_after == timedelta(days=7) and d.coverage_floors == {"title": 0.5}


@pytest.mark.parametrize("text, error", [
    ("[crawl]\nsafety_depth = 1\nspeed = 2\n", "pw.toml:3: crawl.speed: unknown field"),
    ("[schedule]\ninterval = \"often\"\n", "pw.toml:2: schedule.interval: not a duration"),
    ("[schedule.site.caugiay]\ncron = \"*/5 * *\"\n", "pw.toml:2: schedule.site.caugiay.cron: not a cron expression"),
    ("[schedule]\nsites = [\"nowhere\"]\n", "pw.toml:2: schedule.sites: unknown site 'nowhere'"),
    ("[crawl]\nrefetch = [[\"1d\", \"1h\"]]\n", "pw.toml:2: crawl.refetch: the last pair must be"),
    ("[crawl]\nrefetch = [\"1d\"]\n", "pw.toml:2: crawl.refetch: expected a list of [max age, every] pairs"),
    ("[crawl]\nmax_listing_pages = 0\n", "pw.toml:2: crawl.max_listing_pages: must be ≥ 1"),
    ("[detection]\n\nremoved_after_404 = 1.5\n", "pw.toml:3: detection.removed_after_404: expected an integer"),
    ("[detection]\nviews_spike_ratio = true\n", "pw.toml:2: detection.views_spike_ratio: expected a number"),
    ("[detection]\ncoverage_floors = { author = 0.5 }\n", "pw.toml:2: detection.coverage_floors: expected a table"),
    ("[detection]\nviews_milestones = [0]\n", "pw.toml:2: detection.views_milestones: expected a list of positive"),
    ("[schedule]\nlease_ttl = \"soon\"\n", "pw.toml:2: schedule.lease_ttl: not a duration"),
    ("[alerts]\n", "pw.toml:1: .alerts: unknown field"),
    ("[crawl\n", "pw.toml: not valid TOML"),
])
def test_errors_name_the_file_line_and_field(text, error):
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "pw.toml")
    assert str(raised.value).startswith(error), str(raised.value)
