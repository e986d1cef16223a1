"""A local web app and JSON API over a corpus store (``claimledger serve --db ledger.duckdb``)."""

from claimledger.web.app import create_app, serve

__all__ = ["create_app", "serve"]
