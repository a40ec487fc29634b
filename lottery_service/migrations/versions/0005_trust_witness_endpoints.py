"""pushed witnesses: their endpoints and acknowledged sizes, and their alarms (§12.4)

Revision ID: 0005
Revises: 0004

(Branch `trust`; the families work adds 0003: the lead orders the chain at merge.)
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('witness_endpoint',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('keys', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('acked_size', sa.Integer(), nullable=False),
    sa.Column('last_outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_time', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'name')
    )
    op.create_table('witness_alarm',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('witness', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('witness_size', sa.Integer(), nullable=True),
    sa.Column('time', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'witness', 'size', 'kind')
    )


def downgrade() -> None:
    op.drop_table('witness_alarm')
    op.drop_table('witness_endpoint')
