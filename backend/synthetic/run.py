"""Generating a run: population (stored once per population key), then claims in fixed-size
chunks to every requested format, recorded in ground_truth.generation_run.

    with engine.begin() as connection:
        result = generate(connection, GenerationSpec(seed=7, claims=100_000))

Everything happens in the caller's transaction; commit it to keep the run.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, update

from backend.synthetic.chunk import ClaimChunk
from backend.synthetic.context import ClaimContext, prepare
from backend.synthetic.formats import FILE_FORMATS, OutputTarget, factory_for
from backend.synthetic.generate import Spotlight, generate_chunk
from backend.synthetic.models import GenerationRun
from backend.synthetic.patterns import GENERATOR_VERSION, PATTERNS, checked_rates
from backend.synthetic.population import Population, PopulationSpec, build_population
from backend.synthetic.reference import load_reference_arrays
from backend.synthetic.store import PopulationConflict, store_or_attach

CHUNK_CLAIMS = 20_000  # fixed: chunk boundaries are part of what the seed determines
RENDER_AHEAD = 2  # chunks rendered but not yet written: bounds memory


@dataclass
class GenerationSpec:
    """What to generate. Sizes left None scale with `claims` (PopulationSpec.for_claims)."""

    seed: int = 1
    claims: int = 10_000
    members: int | None = None
    providers: int | None = None
    plans: int | None = None
    rates: dict[str, float] | None = None  # pattern -> share of claims (patterns.DEFAULT_RATES)
    formats: tuple[str, ...] = ("staging",)
    directory: Path | None = None  # where file formats write
    population_name: str = ""
    # Chooses, once the population exists, claims to steer to a demo organization and household.
    spotlight: Callable[[Population], Spotlight] | None = None

    def population_spec(self) -> PopulationSpec:
        sized = PopulationSpec.for_claims(
            self.seed, self.claims, self.members, self.providers, self.plans
        )
        return PopulationSpec(sized.seed, sized.members, sized.providers, sized.plans,
                              self.population_name)  # fmt: skip


@dataclass
class GenerationResult:
    run_id: int
    population_key: str
    population_created: bool
    claims: int = 0
    lines: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # population, claims


def generate(connection, spec: GenerationSpec, progress: bool = False) -> GenerationResult:
    """Generate `spec` into its formats (a tqdm bar on stderr with `progress`)."""
    rates = checked_rates(spec.rates)
    factories = [factory_for(name) for name in spec.formats]  # fails early on unknown formats
    if FILE_FORMATS & set(spec.formats) and spec.directory is None:
        raise ValueError("file formats need an output directory")
    started = time.perf_counter()
    reference = load_reference_arrays(connection)
    population = build_population(reference, spec.population_spec())
    _check_tag(connection, population)
    created = store_or_attach(connection, population, reference)
    run_id = _record_run(connection, population, spec, rates)
    context = prepare(reference, population)
    result = GenerationResult(run_id, population.spec.key, created)
    result.seconds["population"] = round(time.perf_counter() - started, 3)
    target = OutputTarget(connection, spec.directory, run_id)
    writers = [factory(target) for factory in factories]
    _write_claims(context, spec, rates, writers, result, progress)
    result.seconds["claims"] = round(
        time.perf_counter() - started - result.seconds["population"], 3
    )
    connection.execute(
        update(GenerationRun).where(GenerationRun.id == run_id)
        .values(claims=result.claims, lines=result.lines)
    )  # fmt: skip
    return result


def chunks(context: ClaimContext, spec: GenerationSpec, rates: dict):
    """The run's ClaimChunks in order (CHUNK_CLAIMS each, the last one shorter)."""
    spotlight = spec.spotlight(context.population) if spec.spotlight else None
    for number, start in enumerate(range(0, spec.claims, CHUNK_CLAIMS)):
        count = min(CHUNK_CLAIMS, spec.claims - start)
        yield generate_chunk(context, spec.seed, number, start + 1, count, rates, spotlight)


def _write_claims(context, spec, rates, writers, result: GenerationResult, progress: bool):
    """Render chunks on a worker thread while this thread writes the previous one: numpy and
    the database (COPY) then work at the same time on two cores."""
    from tqdm import tqdm

    for writer in writers:
        writer.begin(context, spec.claims)
    rendered = queue.Queue(maxsize=RENDER_AHEAD)
    worker = threading.Thread(
        target=_render_all, args=(context, spec, rates, writers, rendered), daemon=True
    )
    worker.start()
    with tqdm(total=spec.claims, unit="claim", disable=not progress, smoothing=0.1) as bar:
        while (item := rendered.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            chunk, outputs = item
            for writer, output in zip(writers, outputs, strict=True):
                writer.write(output)
            _tally(result, chunk)
            bar.update(len(chunk))
    worker.join()
    for writer in writers:
        result.outputs += writer.finish()


def _render_all(context, spec, rates, writers, rendered: queue.Queue) -> None:
    try:
        for chunk in chunks(context, spec, rates):
            rendered.put((chunk, [writer.render(chunk) for writer in writers]))
        rendered.put(None)
    except BaseException as error:  # handed to the writing thread, which raises it
        rendered.put(error)


def _tally(result: GenerationResult, chunk: ClaimChunk) -> None:
    result.claims += len(chunk)
    result.lines += chunk.line_count
    for position, name in enumerate(PATTERNS):
        result.labels[name] = result.labels.get(name, 0) + int((chunk.pattern == position).sum())


def _check_tag(connection, population: Population) -> None:
    """Two population keys with the same four-letter tag would mix their member numbers."""
    other = connection.scalar(
        select(GenerationRun.population_key)
        .where(GenerationRun.population_tag == population.tag)
        .where(GenerationRun.population_key != population.spec.key)
        .limit(1)
    )
    if other is not None:
        raise PopulationConflict(
            f"population {population.spec.key!r} would share tag {population.tag} with "
            f"{other!r}; choose another seed"
        )


def _record_run(connection, population: Population, spec: GenerationSpec, rates) -> int:
    return connection.execute(
        insert(GenerationRun)
        .values(
            population_key=population.spec.key, population_tag=population.tag, seed=spec.seed,
            claims=0, lines=0, rates=rates, formats=list(spec.formats),
            generator_version=GENERATOR_VERSION,
        )
        .returning(GenerationRun.id)
    ).scalar_one()  # fmt: skip
