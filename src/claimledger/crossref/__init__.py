"""The cross-article layer: claim clusters, stances, source families and independence."""

from claimledger.crossref.cluster import update
from claimledger.crossref.report import clusters_for_article, get_cluster, list_clusters

__all__ = ["clusters_for_article", "get_cluster", "list_clusters", "update"]
