"""family tables: look-up limits, places given up, the SMS outbox (issue 11 items 3, 5, 6)

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lookup_limit',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_ms', sa.BigInteger(), nullable=False),
    sa.Column('expires_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_lookup_limit_expires_ms'), 'lookup_limit', ['expires_ms'],
                    unique=False)
    op.create_table('decline',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reg', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'reg')
    )
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('topic', sa.String(), nullable=False),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('regs', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('params', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('claimed_at', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_sms_outbox_batch'), 'sms_outbox', ['batch'], unique=False)
    op.create_index('ix_sms_outbox_step', 'sms_outbox',
                    ['event_id', 'topic', 'round_no', 'status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sms_outbox_step', table_name='sms_outbox')
    op.drop_index(op.f('ix_sms_outbox_batch'), table_name='sms_outbox')
    op.drop_table('sms_outbox')
    op.drop_table('decline')
    op.drop_index(op.f('ix_lookup_limit_expires_ms'), table_name='lookup_limit')
    op.drop_table('lookup_limit')
