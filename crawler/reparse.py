"""Re-extracting archived pages with the current profile (`portalwatch reparse SITE`).

Every version the crawler created keeps the page it came from. When a profile is fixed, its
extraction runs again over those pages, and the archive writer corrects the history from what it
reads now (db/history.py: each version's fields and hash, the `changes` between versions, the
article's current state, the documents it names). One transaction per group of articles: an
interrupted run leaves every article either fully re-extracted or untouched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from crawler.extract import extract_page
from crawler.profiles import PROFILES
from db.history import StoredPage
from db.store import ArchiveWriter

ARTICLES_PER_TRANSACTION = 200
MAX_PROBLEMS = 20


@dataclass
class ReparseResult:
    site: str
    profile: str
    articles: int = 0            # articles with at least one stored page
    pages: int = 0               # pages re-extracted successfully
    versions_changed: int = 0    # versions whose fields changed
    changes_rewritten: int = 0   # versions whose `changes` (against the previous version) changed
    articles_changed: int = 0    # articles whose current state changed
    failures: int = 0            # pages that could not be decoded or gave no article
    problems: list[str] = field(default_factory=list)  # the first failures, for people

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def reparse_site(db_url: str, site: str, *, profile: str | None = None, dry_run: bool = False,
                 progress: Callable[[ReparseResult], None] | None = None) -> ReparseResult:
    """Re-extract every stored page of a portal's articles; `profile` overrides the portal's own.

    Raises LookupError when the archive has no such portal, KeyError for an unknown profile.
    With dry_run nothing is written (every transaction is rolled back) but the counts are real.
    """
    writer = ArchiveWriter(db_url)
    portal_profile, article_ids = writer.articles_with_pages(site)
    name = profile or portal_profile
    if name not in PROFILES:
        raise KeyError(f"unknown profile {name!r} (known: {', '.join(sorted(PROFILES))})")
    result = ReparseResult(site=site, profile=name, articles=len(article_ids))
    for start in range(0, len(article_ids), ARTICLES_PER_TRANSACTION):
        with writer.correcting_history(article_ids[start:start + ARTICLES_PER_TRANSACTION],
                                       dry_run=dry_run) as history:
            extracted = {}
            for page in history.pages():
                record = _reextract(page, PROFILES[name], result)
                if record is not None:
                    extracted[page.version_id] = record
            counts = history.correct(extracted)
        result.versions_changed += counts.versions_changed
        result.changes_rewritten += counts.changes_rewritten
        result.articles_changed += counts.articles_changed
        if progress:
            progress(result)
    return result


def _reextract(page: StoredPage, profile, result: ReparseResult) -> dict | None:
    """The record the profile reads from a stored page now; None (and a counted failure) without one."""
    try:
        article = extract_page(page.text(), page.url, profile, content_type=page.content_type,
                               listing_category=page.category)
        problems = article.problems()
    except Exception as exc:  # a page that cannot be decoded or parsed is reported, not fatal
        problems = [f"{type(exc).__name__}: {exc}"]
    if problems:
        result.failures += 1
        if len(result.problems) < MAX_PROBLEMS:
            result.problems.append(f"{page.external_id} v{page.version}: {', '.join(problems)}")
        return None
    result.pages += 1
    return article.store_fields()
