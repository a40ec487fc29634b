"""The service layer: every use case is one method here, behind one unit of work.

The HTTP routes, the CLI and the demo are adapters: they parse, call one of
these and render the answer. Sessions are opened and committed only in
`unit_of_work.py`; errors are `lottery_service.errors` classes.

    service.lifecycle      create_event, set_participants (with the ceremony's escrow key and
                           dice deadline), eligibility_preview, freeze_roster (confirmed),
                           withdraw_input, draw, payment_round, close_payments,
                           freeze_grouping, group, freeze_teachers, match, correct, publish,
                           state
    service.ceremonies     commit, close_commitments, reveal, open_escrows, escrow_opening,
                           void, physical_entropy, beacon_plan, beacon, fetch_round,
                           postpone_beacon, derive_seed, release_escrow_key
    service.windows        set, remove, list (G3, P6; logged)
    service.imports        import_file (validated at the door; the §7.1 preview),
                           withdraw_receipt
    service.openings       openings (openings.jsonl, §17.3), family (a family's own, §17)
    service.notifications  notify (S6 and the §11.2 topics), recipients, steps, refresh
    service.declines       options, decline (放弃 a place online, §7.5 `declined`)
    service.throttle       check, failure, success: look-up limits shared in the database
    service.exports        export, bundle_zip (§13), the sealed openings beside the bundle (§17.3)
    service.witnesses      add_witness, register_witness, cosign, checkpoint, sizes, summaries,
                           consistency, keys, log_key, policy, pushed, alarms (§12, §13.1)
    service.push           push every checkpoint to the tlog-witnesses (§12.4), after commit
    service.publication    the static publication of each event (§18), after commit
    service.rehearsals     record_rehearsal (§19)
    service.followup       the background thread that runs push and publication
    service.lookup         family, receipt, context, school_results (§14)
    service.register       check (S9)
    service.tokens         create, authenticate (docs/ROLES.md)
    service.overview       event_ids, school_counts
    service.snapshots      the read model of each event's signed log, for pages
    service.keys           the log's signer and verifier key, keyed hashes
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from .ceremonies import Ceremonies
from .declines import Declines
from .export import Exports
from .followup import AfterCommit, FollowUpSettings
from .imports import Imports
from .keys import ServiceKeys
from .lifecycle import Lifecycle
from .lookup import Lookup
from .notifications import Notifications
from .openings import Openings
from .overview import Overview
from .publication import Publication, SiteWriter
from .push import Pusher
from .register_check import RegisterCheck
from .rehearsals import Rehearsals
from .shards import FamilyShards
from .sms import SmsGateway, SmsSettings
from .snapshots import LogCache
from .throttle import Throttle
from .tokens import Tokens
from .unit_of_work import Database, utc_now
from .windows import Windows
from .witnesses import Witnesses

__all__ = ["Service"]


@dataclass
class Service:
    db: Database
    keys: ServiceKeys
    snapshots: LogCache
    lifecycle: Lifecycle
    ceremonies: Ceremonies
    windows: Windows
    imports: Imports
    openings: Openings
    notifications: Notifications
    declines: Declines
    throttle: Throttle
    exports: Exports
    witnesses: Witnesses
    lookup: Lookup
    register: RegisterCheck
    tokens: Tokens
    overview: Overview
    push: Pusher
    publication: Publication
    rehearsals: Rehearsals
    followup: AfterCommit

    @classmethod
    def build(cls, engine: Engine, keys: ServiceKeys, *, audit_dir: Path,
              gateway: SmsGateway, operator_token: str, sms: SmsSettings | None = None,
              clock: Callable[[], str] = utc_now,
              follow_up: FollowUpSettings | None = None,
              site: SiteWriter | None = None) -> Service:
        follow_up = follow_up or FollowUpSettings()
        db = Database(engine, keys, clock)
        cache = LogCache(db)
        throttle = Throttle(db, keys)
        lookup = Lookup(cache, keys, throttle)
        witnesses = Witnesses(db, keys, cache, follow_up.quorum)
        after = AfterCommit()
        exports = Exports(db, keys, audit_dir, witnesses, settle=after.drain)
        push = Pusher(db, keys, witnesses, cache, clock)
        publication = Publication(db, witnesses, exports, root=follow_up.publication_root,
                                  rehearsal_root=follow_up.rehearsal_publication_root,
                                  contexts=cache.context_at,
                                  receipts_changed=FamilyShards(db, cache, keys), site=site)
        after.tasks = [push.push, publication.publish]  # §12.4 first: publish cosigned notes
        db.committed.append(after.notify)
        return cls(
            db=db, keys=keys, snapshots=cache, lifecycle=Lifecycle(db, keys),
            ceremonies=Ceremonies(db), windows=Windows(db), imports=Imports(db, keys),
            openings=Openings(db),
            notifications=Notifications(db, cache, gateway, sms or SmsSettings.from_env()),
            declines=Declines(db, lookup), throttle=throttle,
            exports=exports, witnesses=witnesses,
            lookup=lookup, register=RegisterCheck(cache),
            tokens=Tokens(db, operator_token), overview=Overview(db, cache),
            push=push, publication=publication, rehearsals=Rehearsals(db, keys),
            followup=after,
        )

    def close(self) -> None:
        """Finish the queued witness pushes and publications, then stop their thread."""
        self.followup.close()
        self.push.close()
