"""``kbtool site``: the knowledge base as a static HTML site with offline search (docs/site.md)."""
