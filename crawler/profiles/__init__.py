"""One profile per CMS family; a portal names its family in the site registry."""
from crawler.profiles.base import Profile
from crawler.profiles.dnn import DnnCmsView
from crawler.profiles.hanoi import HanoiPlatform
from crawler.profiles.liferay import LiferayAssetPublisher
from crawler.profiles.nukeviet import NukeViet
from crawler.profiles.tandan import TanDanPortal

PROFILES: dict[str, Profile] = {
    p.name: p for p in (HanoiPlatform(), LiferayAssetPublisher(), TanDanPortal(), NukeViet(), DnnCmsView())
}

__all__ = ["PROFILES", "Profile"]
