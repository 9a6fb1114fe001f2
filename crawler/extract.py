"""Reading an article from a page, as the spider does: the portal's profile, then the generic fallback."""
from __future__ import annotations

from parsel import Selector

from crawler.profiles.fallback import FALLBACK


def extract_page(text: str, url: str, profile, *, content_type: str = "text/html", listing_category: str = ""):
    """The article `profile` reads from a page; when it finds none on an HTML page, the generic
    FALLBACK's, under the profile's url and external_id."""
    is_json = "json" in (content_type or "").lower()
    selector = Selector(text=text, type="json" if is_json else None)
    article = profile.extract(selector, url, listing_category=listing_category)
    if article.problems() and selector.type == "html":
        fallback = FALLBACK.extract(selector, url, listing_category=listing_category)
        if not fallback.problems():
            fallback.url, fallback.external_id = article.url, article.external_id
            article = fallback
    return article
