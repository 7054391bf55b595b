"""``microfab keys``: API keys for the HTTP API (stored hashed; a new key is printed once).

The storage (SQLAlchemy) is imported when a command runs, so ``microfab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("keys", help="create, list and revoke API keys of the HTTP API")
    ks = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    c = ks.add_parser("create", help="create a key and print it (once)")
    c.add_argument("--role", required=True, choices=["buyer", "owner", "admin"],
                   help="buyer: quotes; owner: its workshop's rate card; admin: workshops")
    c.add_argument("--workshop", default=None, help="the workshop an owner key manages")
    c.add_argument("--label", default="", help="a note to recognise the key by")
    c.set_defaults(func=create_cmd)
    ls = ks.add_parser("list", help="list keys (ids and roles, never the keys)")
    ls.set_defaults(func=list_cmd)
    r = ks.add_parser("revoke", help="revoke a key by its id")
    r.add_argument("key_id")
    r.set_defaults(func=revoke_cmd)
    for p in (c, ls, r):
        p.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: MICROFAB_DATABASE_URL or "
                                                            "the SQLite file in ./var)")


def _sessions(args: argparse.Namespace) -> Any:
    from api import db
    from api.settings import get_settings

    settings = get_settings()
    engine = db.make_engine(args.database_url or settings.database_url)
    return db.init_db(engine, seed_demo=settings.seed_demo)


def create_cmd(args: argparse.Namespace) -> int:
    from api import auth

    new = auth.create_key(_sessions(args), args.role, args.workshop, args.label)
    where = f" for workshop {new.workshop_id}" if new.workshop_id else ""
    print(new.key)
    print(f"created {new.role.value} key {new.id}{where}: store it now, it is not shown again", file=sys.stderr)
    return 0


def list_cmd(args: argparse.Namespace) -> int:
    from api import auth

    for row in auth.list_keys(_sessions(args)):
        state = "revoked" if row.revoked_at else "active"
        print(f"{row.id}  {row.role:<6} {row.workshop_id or '-':<28} {state:<8} {row.label}")
    return 0


def revoke_cmd(args: argparse.Namespace) -> int:
    from api import auth

    auth.revoke_key(_sessions(args), args.key_id)
    print(f"revoked {args.key_id}")
    return 0
