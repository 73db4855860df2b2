"""X12 file formats of the generator: 837P and 837I claims (edi.claims_out) and an 834 of the
population (edi.enrollment), as a clearinghouse would send them to Askes.

- `x12-837p` / `x12-837i`: one interchange per chunk (`837p-00001.x12`, ...) holding that
  chunk's professional or institutional claims, CLAIMS_PER_SET claims per ST/SE. A claim
  without any diagnosis (pattern invalid_claim, V011) is left out: the 837 requires HI, and
  the gateway would reject its whole transaction set.
- `x12-834`: the population's members as adds (INS03 021), MEMBERS_PER_FILE members a file at
  household boundaries (`834-00001.x12`, ...); a member who changed plan gets one add per
  coverage span.

Nothing comes from the clock: ISA13/GS06 are `control_base(seed) + n`, and an interchange is
dated by the last claim it holds (the 834 by the first day of the service window), so the same
seed writes the same bytes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from backend.synthetic.canonical import EPOCH_ORDINAL, canonical_claims, days, strings
from backend.synthetic.chunk import ClaimChunk
from backend.synthetic.context import ClaimContext
from backend.synthetic.dates import NEVER
from backend.synthetic.formats import OutputTarget
from backend.synthetic.run import CHUNK_CLAIMS
from edi.claims_out import write_837
from edi.enrollment import ADD, MemberMaintenance, write_834
from edi.interchange import Parties

CLAIMS_PER_SET = 5_000
MEMBERS_PER_FILE = 10_000
ENROLMENT_FILE_OFFSET = 90_000  # 834 control numbers after every chunk's (4.5 bn claims)


def sending_parties(created: datetime) -> Parties:
    """A test-usage interchange from the synthetic submitter to Askes."""
    return Parties(
        sender_id="SYNTHETIC", receiver_id="ASKES", sender_name="SYNTHETIC SUBMITTER",
        receiver_name="ASKES HEALTH PLAN", application_sender="SYNTHETIC",
        application_receiver="ASKES", usage="T", created=created,
    )  # fmt: skip


def control_base(seed: int) -> int:
    """First interchange control number of a seed's files (9 digits, distinct across seeds)."""
    return (1_000 + seed % 9_000) * 100_000


def moment(day: int, second: int = 0) -> datetime:
    """A day number and second of the day as a datetime."""
    when = datetime.combine(date.fromordinal(EPOCH_ORDINAL + day), time())
    return when + timedelta(seconds=second)


class _X12Files:
    """Files named in write order; `render` returns (name, text) pairs."""

    def __init__(self, target: OutputTarget):
        self.directory = Path(target.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.written: list[str] = []

    def begin(self, ctx: ClaimContext, claims: int) -> None:
        self.ctx = ctx

    def write(self, rendered: list[tuple[str, str]]) -> None:
        for name, content in rendered:
            path = self.directory / name
            path.write_bytes(content.encode("latin-1"))
            self.written.append(str(path))

    def finish(self) -> list[str]:
        return self.written


class _Claims837(_X12Files):
    claim_type: str
    prefix: str
    offset: int  # 1 professional, 2 institutional: two interchanges per chunk

    def render(self, chunk: ClaimChunk) -> list[tuple[str, str]]:
        mine = chunk.institutional == (self.claim_type == "institutional")
        mine &= chunk.diagnoses[:, 0] >= 0  # an 837 without HI is rejected whole: leave out
        if not mine.any():
            return []
        rows = np.flatnonzero(mine)
        number = int(chunk.key[0] - 1) // CHUNK_CLAIMS
        last = rows[np.lexsort((chunk.received_second[rows], chunk.received_day[rows]))[-1]]
        parties = sending_parties(
            moment(int(chunk.received_day[last]), int(chunk.received_second[last]))
        )
        claims = canonical_claims(self.ctx, chunk.take(rows))
        control = control_base(self.ctx.population.spec.seed) + 2 * number + self.offset
        text = "".join(write_837(claims, self.claim_type, parties, control, CLAIMS_PER_SET))
        return [(f"{self.prefix}-{number + 1:05d}.x12", text)]


class Professional837Writer(_Claims837):
    """`x12-837p`: the professional claims, one 837P interchange per chunk."""

    claim_type, prefix, offset = "professional", "837p", 1


class Institutional837Writer(_Claims837):
    """`x12-837i`: the institutional claims, one 837I interchange per chunk."""

    claim_type, prefix, offset = "institutional", "837i", 2


class Enrollment834Writer(_X12Files):
    """`x12-834`: every member of the population with its coverage spans, written at `begin`
    (the population is all it needs); chunks render nothing."""

    def begin(self, ctx: ClaimContext, claims: int) -> None:
        super().begin(ctx, claims)
        population = ctx.population
        parties = sending_parties(moment(population.window[0]))
        base = control_base(population.spec.seed) + ENROLMENT_FILE_OFFSET
        records = member_records(ctx)
        for number, block in enumerate(_household_blocks(records), start=1):
            self.write([(f"834-{number:05d}.x12", write_834(block, parties, base + number))])

    def render(self, chunk: ClaimChunk) -> list:
        return []


def member_records(ctx: ClaimContext) -> list[MemberMaintenance]:
    """One add per member and coverage span, in member order (subscribers first in their
    household): the plan until change_day, then next_plan."""
    members, plans = ctx.population.members, ctx.population.plans
    number = strings(members.member_number)
    subscriber = np.where(members.subscriber < 0, np.arange(len(members)), members.subscriber)
    people = zip(
        number, strings(members.member_number[subscriber]), (members.subscriber < 0).tolist(),
        strings(members.relationship), strings(members.first_name), strings(members.last_name),
        strings(members.middle_name, members.middle_name == ""), days(members.birth_day),
        np.where(members.sex == 1, "M", "F").tolist(), strings(members.address_line1),
        strings(members.city), strings(members.state), strings(members.postal_code),
        strings(members.group_number), _spans(members), strict=True,
    )  # fmt: skip
    records = []
    for (member, holder, is_subscriber, relationship, first, last, middle, born, sex, line1,
         city, state, postal, group, spans) in people:  # fmt: skip
        for plan, start, end in spans:
            records.append(MemberMaintenance(
                ADD, holder, member, is_subscriber, relationship, None, first, last, middle,
                born, sex, line1, city, state, postal, group, plans[plan].code,
                _date(start), _date(end),
            ))  # fmt: skip
    return records


def _spans(members) -> list[list[tuple[int, int, int | None]]]:
    """Per member, its (plan, first day, last day or None) coverage spans."""
    spans = []
    for plan, following, start, change, end in zip(
        members.plan.tolist(), members.next_plan.tolist(), members.effective.tolist(),
        members.change_day.tolist(), members.termination.tolist(), strict=True,
    ):  # fmt: skip
        last = None if end == NEVER else end
        if following < 0 or change == NEVER or change > end:
            spans.append([(plan, start, last)])
        elif change <= start:
            spans.append([(following, start, last)])
        else:
            spans.append([(plan, start, change - 1), (following, change, last)])
    return spans


def _date(day: int | None) -> date | None:
    return None if day is None else date.fromordinal(EPOCH_ORDINAL + day)


def _household_blocks(records: list[MemberMaintenance]):
    """The records in blocks of about MEMBERS_PER_FILE members, never splitting a household."""
    block, people, previous = [], set(), None
    for record in records:
        if record.subscriber_number != previous and len(people) >= MEMBERS_PER_FILE:
            yield block
            block, people = [], set()
        block.append(record)
        people.add(record.member_number)
        previous = record.subscriber_number
    if block:
        yield block
