"""Tests write nothing outside their temporary folders: not into the user's archive, logs or demo folder."""
import time
from pathlib import Path

from crawler.registry import get_site
from crawler.settings import LOOPBACK_OVERRIDES
from monitor.crawling import crawl_sites, log_dir_for
from tests.conftest import REAL_DATA_DIR


def test_logs_of_a_server_archive_stay_in_the_tests_data_folder(private_data_home):
    # A PostgreSQL archive has no folder to put logs beside: they go to the data folder, which the
    # suite moves (tests/conftest.py). Before, every PostgreSQL crawl test logged into the user's home.
    logs = log_dir_for("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert logs.is_relative_to(private_data_home)
    assert not logs.is_relative_to(REAL_DATA_DIR)


def test_a_crawl_writes_its_log_under_the_tests_folders(db_url, tmp_path, private_data_home):
    started = time.time_ns()
    # a closed port on loopback: the crawl fails at once, but it still writes its log
    outcome = crawl_sites(db_url, [get_site("caugiay").at("http://127.0.0.1:9")], settings=LOOPBACK_OVERRIDES)[0]
    log = Path(outcome.log_path)
    assert log.exists() and (log.is_relative_to(tmp_path) or log.is_relative_to(private_data_home))
    same_name = REAL_DATA_DIR / "logs" / log.name
    assert not (same_name.exists() and same_name.stat().st_mtime_ns >= started)

