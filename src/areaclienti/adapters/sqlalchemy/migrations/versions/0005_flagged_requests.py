"""Policy requests: a ``flagged`` column (answers that need an operator's review), for the operators' desk.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("policy_requests", sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Requests stored before: flagged when their payload's review holds flags (as PolicyRequest.flagged says).
    requests = sa.table("policy_requests", sa.column("id", sa.String(64)), sa.column("payload", sa.JSON()),
                        sa.column("flagged", sa.Boolean()))
    connection = op.get_bind()
    flagged = [row.id for row in connection.execute(sa.select(requests.c.id, requests.c.payload))
               if ((row.payload or {}).get("review") or {}).get("flags")]
    for start in range(0, len(flagged), 500):
        connection.execute(sa.update(requests).where(requests.c.id.in_(flagged[start:start + 500]))
                           .values(flagged=True))
    op.create_index("ix_policy_requests_flagged_created_at", "policy_requests", ["flagged", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_policy_requests_flagged_created_at", table_name="policy_requests")
    with op.batch_alter_table("policy_requests") as batch:
        batch.drop_column("flagged")
