"""The CMS families the replica imitates, found on disk: every templates/<family>/family.toml is one.

A family is its spec and templates (see families/engine.py); a module families/<family>.py, when there
is one, holds the behaviour a spec cannot say, as a class named Overrides. Today's families:

  liferay   Liferay 6 asset publisher (older Hanoi portals)          docs/portal-families.md §Liferay
  hanoi     the current Hanoi platform (VCCorp-style CMS)            §Hanoi platform
  tandan    Tân Dân SharePoint "portal" (Ninh Thuận, Điện Biên …)    §Tân Dân
  nukeviet  NukeViet 4 news module                                   §NukeViet
  dnn       DotNetNuke + cmsview JSON API (congan.hanoi.gov.vn)      §DotNetNuke
"""
from __future__ import annotations

import importlib
import importlib.util
import tomllib
from importlib import resources

from crawler.replica.families.engine import Family, page_count, pager


def _load() -> dict[str, Family]:
    families = {}
    for folder in sorted(resources.files("crawler.replica").joinpath("templates").iterdir(), key=lambda f: f.name):
        spec_file = folder.joinpath("family.toml")
        if not spec_file.is_file():
            continue
        spec = tomllib.loads(spec_file.read_text(encoding="utf-8"))
        module = f"crawler.replica.families.{folder.name}"
        cls = importlib.import_module(module).Overrides if importlib.util.find_spec(module) else Family
        families[folder.name] = cls(folder.name, spec)
    return families


FAMILIES: dict[str, Family] = _load()

__all__ = ["FAMILIES", "Family", "page_count", "pager"]
