"""the families' second factor, sealed under lookup.key, for their static shards (§18.3)

Revision ID: 0006
Revises: 0005

Rows imported before this revision keep an empty value: those families get no shard
and look up on the app server, as before.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('application', 'pupil'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('id_last4_sealed', sqlmodel.sql.sqltypes.AutoString(),
                                       nullable=False, server_default=''))


def downgrade() -> None:
    for table in ('application', 'pupil'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('id_last4_sealed')
