"""URL shapes and page rendering of each CMS family the replica imitates.

A family assigns the portal's own ids and URLs to generated articles and maps a request path
to a page (HTML through templates/<family>/, or JSON/XML/files through Family.data()).
One module per family:

  liferay   Liferay 6 asset publisher (older Hanoi portals)          shared/portals.md §1.B
  hanoi     the current Hanoi platform (VCCorp-style CMS)            §1.A
  tandan    Tân Dân SharePoint "portal" (Ninh Thuận, Điện Biên …)    §1.C
  nukeviet  NukeViet 4 news module                                   §1.E
  dnn       DotNetNuke + cmsview JSON API (congan.hanoi.gov.vn)      §1.F
"""
from crawler.replica.families.base import Family, Page, page_count, pager
from crawler.replica.families.dnn import DotNetNuke
from crawler.replica.families.hanoi import HanoiPlatform
from crawler.replica.families.liferay import Liferay, _instance_id
from crawler.replica.families.nukeviet import NukeViet
from crawler.replica.families.tandan import TanDan

FAMILIES: dict[str, Family] = {f.name: f for f in (Liferay(), HanoiPlatform(), TanDan(), NukeViet(), DotNetNuke())}

__all__ = ["FAMILIES", "Family", "Page", "page_count", "pager", "Liferay", "HanoiPlatform", "TanDan", "NukeViet",
           "DotNetNuke", "_instance_id"]
