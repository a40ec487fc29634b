"""API tokens and roles (docs/ROLES.md). Tokens are shown once and stored hashed.

The operator token, kept in the data directory (or SUNSHINE_OPERATOR_TOKEN), is
an admin of every event: it is how the first event is created and its tokens
minted. The CLI acts as the operator: it runs on the bureau's own machine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final, get_args

from ..errors import ForbiddenError, RejectedInputError, UnauthenticatedError
from ..storage.models import TokenRole, TokenTable
from .keys import load_or_create_secret
from .unit_of_work import Database

ANY_EVENT: Final = "*"
ROLES: Final[tuple[TokenRole, ...]] = get_args(TokenRole)
OPERATOR_TOKEN_FILE: Final = "operator.token"
ROLE_ZH: Final[dict[str, str]] = {"admin": "管理员（区教育局）", "school": "学校",
                                  "participant": "仪式参与方", "supervisor": "监督员"}

__all__ = ["ANY_EVENT", "ROLES", "Principal", "TokenRole", "Tokens", "operator_token",
           "token_hash"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, scoped to one event and, for some roles, one subject."""

    event_id: str
    role: TokenRole
    subject: str = ""

    @classmethod
    def operator(cls) -> Principal:
        return cls(event_id=ANY_EVENT, role="admin", subject="operator")

    def require(self, event_id: str, *roles: TokenRole) -> None:
        """Refuse unless this caller holds one of `roles` for `event_id`."""
        if self.event_id not in (event_id, ANY_EVENT):
            raise ForbiddenError(f"this token is for event {self.event_id!r}",
                                 zh=f"这个令牌只能用于活动 {self.event_id!r}")
        if self.role not in roles:
            wanted = " or ".join(roles)
            raise ForbiddenError(f"needs role {wanted}, not {self.role}",
                                 zh=f"需要{'或'.join(ROLE_ZH[r] for r in roles)}的令牌，"
                                    f"而不是{ROLE_ZH[self.role]}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def operator_token(data_dir: Path) -> str:
    """SUNSHINE_OPERATOR_TOKEN, else a token kept in the data directory (mode 0600)."""
    env = os.environ.get("SUNSHINE_OPERATOR_TOKEN")
    if env:
        return env
    return "sd_op_" + load_or_create_secret(data_dir / OPERATOR_TOKEN_FILE).hex()


class Tokens:
    def __init__(self, db: Database, operator: str) -> None:
        self._db = db
        self._operator_hash = token_hash(operator)

    def use_operator(self, operator: str) -> None:
        """Accept `operator` as the operator token from now on (instead of the old one)."""
        self._operator_hash = token_hash(operator)

    def create(self, event_id: str, role: str, subject: str = "", label: str = "") -> str:
        """Make a token for an existing event; the caller shows it once. School tokens
        name a school id, participant tokens a participant id, supervisor tokens the
        witness name they cosign as."""
        if role not in ROLES:
            raise RejectedInputError(
                f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                zh=f"没有角色 {role!r}；可用的角色：{', '.join(ROLES)}")
        if role in ("school", "participant", "supervisor") and not subject:
            raise RejectedInputError(
                f"a {role} token needs a subject (school id, participant id or witness name)",
                zh=f"{ROLE_ZH[role]}令牌需要指明对象（学校代码、参与方编号或监督员名称）")
        token = "sd_" + secrets.token_urlsafe(32)
        with self._db.event(event_id) as work:  # the event must exist
            work.session.add(TokenTable(token_hash=token_hash(token), event_id=event_id,
                                        role=role, subject=subject, label=label))
        return token

    def authenticate(self, token: str) -> Principal:
        """The caller a bearer token names; the operator token is admin of every event."""
        if hmac.compare_digest(token_hash(token), self._operator_hash):
            return Principal.operator()
        with self._db.read() as session:
            row = session.get(TokenTable, token_hash(token))
        if row is None:
            raise UnauthenticatedError("unknown token", zh="令牌无效")
        return Principal(event_id=row.event_id, role=row.role, subject=row.subject)
