"""One profile per CMS family; a portal names its family in the site registry."""
from crawler.profiles.base import Profile
from crawler.profiles.hanoi import HanoiPlatform
from crawler.profiles.liferay import LiferayAssetPublisher

PROFILES: dict[str, Profile] = {p.name: p for p in (LiferayAssetPublisher(), HanoiPlatform())}

__all__ = ["PROFILES", "Profile"]
