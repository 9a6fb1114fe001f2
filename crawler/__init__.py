"""The Scrapy project: site registry, CMS profiles, the generic portal spider and the replica."""
