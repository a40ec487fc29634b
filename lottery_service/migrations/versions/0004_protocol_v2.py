"""protocol v2: one escrow key per ceremony, P1 residence and P10 claims stored, P8 locks,
sealed openings, places given up; windows live in the log (window_set), not in a table

Revision ID: 0004
Revises: 0002

(The "families" work adds 0003 with the `decline` table; when both are merged, this
revision follows 0003 and leaves `decline` to it.)
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ceremony_setup',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ceremony', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escrow_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('physical_entropy_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'ceremony')
    )
    op.create_table('lock',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reg', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('locked_on', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('authority', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('school', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'reg')
    )
    op.create_table('sealed_opening',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ceremony', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reg', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'ceremony', 'reg')
    )
    op.create_table('decline',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reg', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'reg')
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_resident', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('direct', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.drop_column('locked_elsewhere')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.alter_column('city_resident', server_default=None)
        batch_op.alter_column('direct', server_default=None)
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('escrow_key')
    op.drop_table('phase_window')


def downgrade() -> None:
    op.create_table('phase_window',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phase', sa.String(), nullable=False),
    sa.Column('opens', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('closes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('daily_from', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('daily_to', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'phase')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escrow_key', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=''))
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_elsewhere', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.drop_column('direct')
        batch_op.drop_column('city_resident')
    op.drop_table('decline')
    op.drop_table('sealed_opening')
    op.drop_table('lock')
    op.drop_table('ceremony_setup')
