"""The one extraction path: a page and its URL in, an ArticleRecord out.

Used by the spider, by reparse and by `portalwatch parse`, so that "the family's profile first,
the generic fallback when the profile finds no article" is written once.
"""
from __future__ import annotations

from parsel import Selector

from crawler.profiles import PROFILES
from crawler.profiles.base import Profile
from crawler.profiles.fallback import FALLBACK
from db.record import ArticleRecord

# Fields a person checks first on an article page; a profile that reads fewer than this many of
# them from a page of unknown origin is not trusted over the fallback.
_TRUSTED_FIELDS = 3


def extract_page(page: str | Selector, url: str, profile: Profile | str | None = None, *,
                 content_type: str = "text/html", listing_category: str = "") -> ArticleRecord:
    """The article on `page` (its text, or a Selector the caller already parsed).

    `profile` is the portal's CMS profile (an object or its name); None chooses one by the URL's
    shape, else by what extracts best (see choose_profile). When the profile finds no article on
    an HTML page (a redesign, a one-off template), the generic fallback reads it, flagged
    ``extracted_by: fallback``, with the profile's url and article id kept.
    """
    selector = page if isinstance(page, Selector) else _selector(page, content_type)
    if isinstance(profile, str):
        profile = PROFILES[profile]
    if profile is None:
        profile = choose_profile(selector, url)
    article = profile.extract(selector, url, listing_category=listing_category)
    if article.problems() and selector.type == "html" and profile is not FALLBACK:
        fallback = FALLBACK.extract(selector, url, listing_category=listing_category)
        if not fallback.problems():
            fallback.url, fallback.external_id = article.url, article.external_id
            return fallback
    return article


def read_listing(response, profile: Profile) -> tuple[list[str], list[str]]:
    """Article and next-page URLs of a listing response already read in its charset
    (crawler.charset.read_as_encoded), as the spider reads them; bench/accuracy.py scores saved
    real pages through this same call."""
    return profile.parse_listing(response.selector, response.url)


def read_article(response, url: str, profile: Profile, *, listing_category: str = "") -> ArticleRecord:
    """The article of a response already read in its charset, as the spider stores it: `url` is the
    article's public URL (response.url is where it was fetched: an API for DNN)."""
    return extract_page(response.selector, url, profile, listing_category=listing_category)


def unstorable(response, article: ArticleRecord) -> list[str]:
    """Why the spider does not store `article`, read from `response` (empty: it stores it)."""
    problems = article.problems()
    if not article.external_id:
        # The archive keys articles on (portal, external_id): with no id found in the URL the record
        # cannot be stored, nor deduplicated against its next fetch.
        problems.append("no external_id (the profile found no article id in the URL)")
    is_html = response.selector.type == "html"  # the test extract_page falls back by (JSON API pages are not)
    if is_html and b"</html>" not in response.body[-4096:].lower():
        # A page cut off in transit would store a truncated body as if it were the article.
        problems.append("page is incomplete (no closing </html>)")
    return problems


def choose_profile(selector: Selector, url: str) -> Profile:
    """The profile whose article URL shape matches (claims_url); else the one reading most; else the fallback."""
    for profile in PROFILES.values():
        if profile.claims_url(url):
            return profile
    if selector.type != "html":
        return FALLBACK
    scored = []
    for profile in PROFILES.values():
        article = profile.extract(selector, url)
        fields = (article.title, article.body_text, article.published, article.views is not None, article.author)
        scored.append((sum(bool(v) for v in fields), not article.problems(), profile))
    score, complete, best = max(scored, key=lambda s: (s[0], s[1]))
    return best if complete and score >= _TRUSTED_FIELDS else FALLBACK


def _selector(text: str, content_type: str | None) -> Selector:
    is_json = "json" in (content_type or "").lower()
    return Selector(text=text, type="json" if is_json else None)
