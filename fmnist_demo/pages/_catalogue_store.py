"""The catalogue store every visitor shares, wired from the app's secrets or the local file.

The store is made once per database and shared by all visitors (`st.cache_resource`): the SQL
connection from `.streamlit/secrets.toml` ([connections.sql]) when there is one, else the local
SQLite file (`$FMNIST_CATALOGUE_DB`). It holds the records, and as `photo_models` the improved
photo models over the same database, so each database has one engine. `app_secret` reads a
section of those secrets, for the staff lock too. A database that cannot be used raises
`CatalogueUnavailable` in plain words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_database import default_url
from fmnist_demo.catalogue_errors import CatalogueUnavailable
from fmnist_demo.i18n import _

# The [connections.sql] keys that say where the database is (as st.connection("sql") reads them).
SQL_PARAMS = (
    "url",
    "dialect",
    "driver",
    "username",
    "password",
    "host",
    "port",
    "database",
    "query",
)


def app_secret(*path: str) -> Any:
    """A section of the app's secrets (e.g. "connections", "sql"), or None without one."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section: Any = st.secrets
        for name in path:
            section = section.get(name) if isinstance(section, Mapping) else None
            if section is None:
                return None
    except (KeyError, AttributeError, FileNotFoundError):
        return None
    return section


def sql_connection_params() -> dict[str, Any] | None:
    """The [connections.sql] section of .streamlit/secrets.toml, or None without one."""
    section = app_secret("connections", "sql")
    if not section:
        return None
    return {
        key: dict(value) if isinstance(value, Mapping) else value
        for key, value in section.items()
        if key in SQL_PARAMS
    }


@st.cache_resource(show_spinner=False)
def _store_for_url(url: str) -> CatalogueStore:
    return CatalogueStore(url)


@st.cache_resource(show_spinner=False)
def _store_for_engine(_engine: Any, engine_key: str) -> CatalogueStore:
    return CatalogueStore(_engine)


def get_store() -> CatalogueStore:
    """The catalogue store shared by all visitors; raises CatalogueError in plain words."""
    params = sql_connection_params()
    if params:
        try:
            # The parameters are passed on so the connection and its cache key follow st.secrets.
            # pool_pre_ping: hosted PostgreSQL drops idle connections; each is tested before use.
            engine = st.connection("sql", type="sql", pool_pre_ping=True, **params).engine
        except ImportError as exc:
            raise CatalogueUnavailable(
                _(
                    "The catalogue database set in the app's secrets needs a driver that is not "
                    "installed ({module}): add it to {file}, e.g. {package}."
                ).format(module=exc.name, file="requirements.txt", package="psycopg2-binary")
            ) from exc
        except Exception as exc:  # a bad URL or setting; its text may hold the password
            raise CatalogueUnavailable(
                _(
                    "The catalogue database set in the app's secrets cannot be used: check "
                    "{section} ({error})."
                ).format(section="[connections.sql]", error=type(exc).__name__)
            ) from exc
        return _store_for_engine(engine, f"{engine.url!r}#{id(engine)}")
    return _store_for_url(default_url())
