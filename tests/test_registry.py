import pytest

from crawler.profiles import PROFILES
from crawler.registry import RegistryError, load_sites, parse_registry

GOOD = """
[sites.demo]
name = "Phường Demo"
base_url = "https://demo.hanoi.gov.vn"
profile = "hanoi"
listings = ["/tin-tuc-su-kien"]
"""


def test_shipped_registry_loads_and_names_known_profiles():
    sites = load_sites()
    assert {"bactuliem", "caugiay", "hoangliet"} <= set(sites)
    for site in sites.values():
        assert site.profile in PROFILES
        assert all(url.startswith(site.base_url + "/") for url in site.listing_urls())


def test_a_portal_is_a_few_lines_of_data():
    site = parse_registry(GOOD)["demo"]
    assert site.listing_urls() == ["https://demo.hanoi.gov.vn/tin-tuc-su-kien"]
    assert site.at("http://127.0.0.1:8080/").listing_urls() == ["http://127.0.0.1:8080/tin-tuc-su-kien"]


@pytest.mark.parametrize("change, field", [
    (('profile = "hanoi"', 'profile = "joomla"'), "profile"),
    (('base_url = "https://demo.hanoi.gov.vn"', 'base_url = "demo.hanoi.gov.vn"'), "base_url"),
    (('listings = ["/tin-tuc-su-kien"]', 'listings = ["tin-tuc-su-kien"]'), "listings"),
    (('listings = ["/tin-tuc-su-kien"]', 'listings = []'), "listings"),
    (('name = "Phường Demo"', 'name = "Phường Demo"\nbase = "x"'), "base"),
    (('name = "Phường Demo"\n', ''), "name"),
    (('name = "Phường Demo"', 'name = "Phường Demo"\nscope = "Hà Nội"'), "scope"),
    (('name = "Phường Demo"', 'name = "Phường Demo"\nscope = 1'), "scope"),
])
def test_bad_entry_names_the_entry_and_field(change, field):
    text = GOOD.replace(*change)
    with pytest.raises(RegistryError) as info:
        parse_registry(text, "sites.toml")
    message = str(info.value)
    assert "sites.toml" in message and "'demo'" in message and f"'{field}'" in message


def test_broken_toml_is_reported_with_its_file():
    with pytest.raises(RegistryError, match="my.toml: not valid TOML"):
        parse_registry("[sites.demo\nname=", "my.toml")


@pytest.mark.parametrize("base_url, scope", [
    ("https://demo.hanoi.gov.vn", "hanoi"), ("https://phuchoa.phuctho.hanoi.gov.vn", "hanoi"),
    ("https://hanoi.gov.vn", "hanoi"), ("https://ninhphuoc.ninhthuan.gov.vn", "ninhthuan"),
    ("https://example.com", "demo"), ("https://gov.vn", "demo"),
])
def test_a_portals_scope_defaults_to_its_province_or_city(base_url, scope):
    site = parse_registry(GOOD.replace("https://demo.hanoi.gov.vn", base_url))["demo"]
    assert site.scope == scope


def test_a_scope_named_in_the_entry_wins():
    site = parse_registry(GOOD.replace('profile = "hanoi"', 'profile = "hanoi"\nscope = "ha-noi-wards"'))["demo"]
    assert site.scope == "ha-noi-wards"
    sites = load_sites()
    assert {sites[k].scope for k in ("bactuliem", "caugiay", "hoangliet", "congan")} == {"hanoi"}
    assert sites["ninhphuoc"].scope == "ninhthuan" and sites["nhontrach"].scope == "dongnai"
