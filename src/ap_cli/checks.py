"""Cross-file checks of a loaded plan: one small function each, run in order from `CHECKS`.

Adding a check is one function and one list entry. Each yields diagnostics and never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import cast

from . import refs
from .diagnostics import Diagnostic, error, excerpt, warning
from .domain import Pos, Translatable, Where
from .institutions import Registry, split_unit
from .plan import ActivityRecord, Plan

Check = Callable[[Plan, date], Iterator[Diagnostic]]


def _at(rec: ActivityRecord, *loc: str | int) -> Pos:
    """Where `loc` (a field of the activity, or `milestones, i, field…`) was written."""
    if not loc:
        return rec.pos
    milestones = rec.activity.milestones or ()
    if loc[0] == "milestones" and len(loc) > 2 and isinstance(loc[1], int) and 0 <= loc[1] < len(milestones):
        return milestones[loc[1]].where.at(*loc[2:])
    return rec.activity.where.at(*loc)


def _where(raw: object) -> Where:
    """A node's positions (`translation.Node.raw` holds a `domain.Where` for a loaded plan)."""
    return raw if isinstance(raw, Where) else Where()


def unique_ids(plan: Plan, today: date) -> Iterator[Diagnostic]:
    seen: dict[str, ActivityRecord] = {}
    for rec in plan.activities:
        first = seen.get(rec.ref)
        if first:
            line, col = _at(rec, "id")
            where = f"line {first.pos[0]}" if first.file == rec.file else f"{first.file}:{first.pos[0]}"
            yield error(rec.file, line, col, "duplicate-id",
                        f"activity id {excerpt(rec.id)} repeats {first.ref} ({where}); "
                        "give the later one a suffix (e.g. 3b) and keep the printed number in printed_id")
        else:
            seen[rec.ref] = rec
    numerals: dict[str, str] = {}
    for pillar in plan.pillars:
        if pillar.numeral in numerals:
            yield error(pillar.file, 1, 1, "duplicate-pillar",
                        f"pillar {pillar.numeral} is also defined in {numerals[pillar.numeral]}")
        numerals[pillar.numeral] = pillar.file


def unique_institutions(plan: Plan, today: date) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    reg = plan.registry
    name = next((f for f in plan.files if f.endswith("institutions.yaml")), "institutions.yaml")
    for inst in reg.institutions:
        if inst.id in seen:
            yield error(name, *inst.where.at("id"), "duplicate-institution",  # the repeated id, not the file's top
                        f"institution id {excerpt(inst.id)} is defined twice")
        seen.add(inst.id)


def collective_members(plan: Plan, today: date) -> Iterator[Diagnostic]:
    """A collective lists registry ids, not itself, no open-ended group, and no cycle; an open
    group lists no members (it has none to list)."""
    reg = plan.registry
    for inst in reg.institutions:
        raw = inst.where
        if inst.members is None:
            continue
        if inst.open:
            yield error(reg.file, *raw.at("open"), "group-conflict",
                        f"{inst.id}: an open-ended group (open: {inst.open}) lists no members; "
                        "keep one of `members` and `open`")
        if not inst.members:
            yield error(reg.file, *raw.at("members"), "empty-members",
                        f"{inst.id}: `members` is empty; list the members or remove the key")
        for i, member in enumerate(inst.members):
            where = raw.at("members", i)
            if member not in reg.by_id:
                hint = reg.suggest(member)
                yield error(reg.file, *where, "unknown-member",
                            f"{inst.id}: member {member!r} is not in institutions.yaml"
                            + (f"; did you mean {', '.join(hint)}?" if hint else ""))
            elif member == inst.id:
                yield error(reg.file, *where, "member-cycle", f"{inst.id} lists itself as a member")
            elif reg.by_id[member].open:
                yield error(reg.file, *where, "open-member",
                            f"{inst.id}: member {member} is an open-ended group (open: "
                            f"{reg.by_id[member].open}); it cannot be a member")
            elif member in inst.members[:i]:
                yield warning(reg.file, *where, "duplicate-member", f"{inst.id}: member {member} is listed twice")
    for cycle in _member_cycles(reg):
        n = next(k for k, i in enumerate(reg.institutions) if i.id == cycle[0])
        yield error(reg.file, *reg.institutions[n].where.at("members"), "member-cycle",
                    "membership cycle: " + " → ".join([*cycle, cycle[0]]))


def _member_cycles(reg: Registry) -> list[list[str]]:
    """One cycle per group of collectives that reach each other (a strongly connected component),
    starting at its first in registry order; linear in the registry, whatever its shape."""
    order = {i.id: k for k, i in enumerate(reg.institutions)}
    edges = {i.id: [m for m in dict.fromkeys(i.members or []) if m in order and m != i.id]
             for i in reg.institutions}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:  # Tarjan's algorithm, iteratively: no recursion limit to hit
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    cycles: list[list[str]] = []
    for component in components:
        inside = set(component)
        start = min(component, key=order.__getitem__)
        # the shortest way round from `start` back to itself, inside the component
        came: dict[str, str] = {}
        queue, k = [start], 0
        while k < len(queue):
            node = queue[k]
            k += 1
            for m in edges[node]:
                if m == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came[path[-1]])
                    cycles.append(list(reversed(path)))
                    queue = []
                    break
                if m in inside and m not in came:
                    came[m] = node
                    queue.append(m)
    return sorted(cycles, key=lambda c: order[c[0]])


def known_institutions(plan: Plan, today: date) -> Iterator[Diagnostic]:
    for rec in plan.activities:
        for field, entries, base in _body_fields(rec):
            for i, entry in enumerate(entries):
                if plan.registry.is_known(entry):
                    continue
                line, col = _at(rec, *base, field, i)
                body = split_unit(entry)[0]
                hint = plan.registry.suggest(body)
                yield error(rec.file, line, col, "unknown-institution",
                            f"{rec.ref}: {field} names {excerpt(body)}, which is not in institutions.yaml"
                            + (f"; did you mean {', '.join(hint)}?" if hint else ""))


def _body_fields(rec: ActivityRecord) -> Iterator[tuple[str, tuple[str, ...], tuple[str | int, ...]]]:
    a = rec.activity
    for field in ("responsible", "support", "resources"):
        yield field, getattr(a, field), ()
    for i, m in enumerate(a.milestones or []):
        for field in ("responsible", "support", "resources"):
            yield field, getattr(m, field) or (), ("milestones", i)


def see_refs_resolve(plan: Plan, today: date) -> Iterator[Diagnostic]:
    for rec in plan.activities:
        for i, ref in enumerate(rec.activity.see):
            try:
                target = plan.resolve_ref(ref)
            except refs.RefError as exc:
                line, col = _at(rec, "see", i)
                yield error(rec.file, line, col, "broken-ref", f"{rec.ref}: see {excerpt(ref)}: {exc}")
                continue
            if target.ref != ref:
                line, col = _at(rec, "see", i)
                yield warning(rec.file, line, col, "noncanonical-ref",
                              f"{rec.ref}: write see {excerpt(ref)} as {target.ref!r}")


def deadlines_parse(plan: Plan, today: date) -> Iterator[Diagnostic]:
    for rec in plan.activities:
        for d in rec.deadlines:
            if d.problem:
                yield error(rec.file, d.pos[0], d.pos[1], d.code, f"{rec.ref}: {d.problem}")


def parents_exist(plan: Plan, today: date) -> Iterator[Diagnostic]:
    """A sub-activity's parent should exist; the source has gaps, so this only warns."""
    known = set(plan.by_ref)
    for rec in plan.activities:
        parts = rec.id.split(".")
        if len(parts) <= 3:
            continue
        parent = refs.canonical(rec.pillar, ".".join(parts[:-1]))
        if parent not in known:
            line, col = _at(rec, "id")
            yield warning(rec.file, line, col, "missing-parent",
                          f"{rec.ref}: its parent {parent} is not in the plan")


def objective_prefix(plan: Plan, today: date) -> Iterator[Diagnostic]:
    for rec in plan.activities:
        if not rec.id.startswith(rec.objective.id + "."):
            line, col = _at(rec, "id")
            yield error(rec.file, line, col, "misplaced-activity",
                        f"{rec.ref} is listed under objective {rec.objective.id}")


def has_deadline(plan: Plan, today: date) -> Iterator[Diagnostic]:
    for rec in plan.activities:
        if not rec.deadlines or all(d.phrase is None and d.due_override is None for d in rec.deadlines):
            yield warning(rec.file, rec.pos[0], rec.pos[1], "no-deadline", f"{rec.ref} has no deadline")


def progress_entries(plan: Plan, today: date) -> Iterator[Diagnostic]:
    """Progress log: refs exist, bodies known, and the rules of `progress.rule_problems` and
    `order_problem` — the same ones `progress add` and `import` apply to new entries."""
    if not plan.progress:  # nothing to check: not even the import (a query's startup)
        return
    from .progress import file_key, order_problem, rule_problems

    last: dict[tuple[tuple[str, str], str], tuple[str, str]] = {}
    file_keys: dict[str, tuple[str, str]] = {}  # a log file holds many entries
    for rec, known in zip(plan.progress, plan.progress_refs, strict=True):
        e, line, col = rec.entry, rec.pos[0], rec.pos[1]
        try:
            ref = plan.by_ref[known] if known else plan.resolve_ref(e.ref)  # the latter raises
        except refs.RefError as exc:
            yield error(rec.file, *rec.entry.where.at("ref"), "unknown-ref", f"progress entry: {exc}")
            continue
        label = f"{ref.ref}: "
        if e.by and not plan.registry.is_known(e.by):
            yield error(rec.file, *rec.entry.where.at("by"), "unknown-institution",
                        f"{ref.ref}: by {excerpt(e.by)} is not in institutions.yaml")
        in_file = file_keys.get(rec.file) or file_keys.setdefault(rec.file, file_key(rec.file))
        key = (in_file, ref.ref)
        problems = [*rule_problems(label, e.status, e.completion, e.evidence, e.date, today),
                    order_problem(label, e.date, last.get(key))]
        for p in problems:
            if p is None:
                continue
            where = rec.entry.where.at(p.field) if p.field in ("date", "completion") else (line, col)
            yield error(rec.file, *where, p.code, p.message)
        if key not in last or e.date >= last[key][0]:
            last[key] = (e.date, f"line {line}")


def personal_data(plan: Plan, today: date) -> Iterator[Diagnostic]:
    """Progress evidence and notes may be published: warn where one looks like it holds a phone
    number, a personal ID number or a date of birth (`sensitive.py`). The message names the
    kind, never the text: diagnostics end up in CI logs."""
    if not plan.progress:  # nothing to check: not even the import (a query's startup)
        return
    from .sensitive import personal_data as kinds

    for rec, known in zip(plan.progress, plan.progress_refs, strict=True):
        e = rec.entry
        for field in ("evidence", "note"):
            text = getattr(e, field)
            found = kinds(text) if isinstance(text, str) else []
            if not found:
                continue
            ref = known or excerpt(e.ref)
            where = "an internal note" if field == "note" and e.internal else f"the {field}"
            yield warning(rec.file, *e.where.at(field), "personal-data",
                          f"{ref}: {where} looks like it holds {' and '.join(found)}; leave personal data "
                          "out of the progress log (refer to the case file instead)")


def translations_complete(plan: Plan, today: date) -> Iterator[Diagnostic]:
    """Each Albanian text has its English when plan.yaml's `languages` holds `en` (the default).
    An English text without its Albanian, or an indicator list of another length, is wrong
    whatever `languages` says: it would show English that translates nothing, or the wrong item."""
    from .bilingual import pairs

    wanted = "en" in plan.meta.languages
    for node in plan.nodes:
        for sq, en in pairs(node.model):
            albanian, english = getattr(node.model, sq), getattr(node.model, en)
            if sq == "indicators":
                if english is not None and len(english) != len(albanian):
                    yield error(node.file, *_where(node.raw).at(en), "missing-translation",
                                f"{node.label}: {len(albanian)} indicator(s) but {len(english)} in indicators_en; "
                                "give one English item per Albanian item, in the same order")
                elif english is None and albanian and wanted:
                    yield error(node.file, *_where(node.raw).at(sq), "missing-translation",
                                f"{node.label}: indicators without their English (indicators_en)")
            elif albanian is None and english is not None:
                yield error(node.file, *_where(node.raw).at(en), "missing-translation",
                            f"{node.label}: {en} without a {sq} to translate ({sq} is empty)")
            elif albanian is not None and english is None and wanted:
                yield error(node.file, *_where(node.raw).at(sq), "missing-translation",
                            f"{node.label}: {sq} without its English ({en})")


def translations_current(plan: Plan, today: date) -> Iterator[Diagnostic]:
    """English carries `en_from`, the fingerprint of the Albanian it was made from; an edit to the
    Albanian since then leaves it stale. Only a warning: the Albanian is the official text, and a
    fix to it may go first, its English following (then `apcli fmt --stamp`)."""
    from .bilingual import english_fields, has_english

    for node in plan.nodes:
        if not has_english(node.model):
            continue
        model = cast(Translatable, node.model)  # the plan's nodes are the domain's
        now, made_from = model.sq_fingerprint, getattr(model, "en_from", None)
        if made_from is None:
            yield warning(node.file, *node.start, "stale-translation",
                          f"{node.label}: English without en_from, the fingerprint of the Albanian it was made "
                          "from; once the English is checked against the Albanian, run `apcli fmt --stamp`")
        elif made_from != now:
            yield warning(node.file, *_where(node.raw).at("en_from"), "stale-translation",
                          f"{node.label}: the Albanian changed after its English was made (en_from {made_from}, "
                          f"Albanian now {now}); update {', '.join(english_fields(node.model))}, "
                          "then run `apcli fmt --stamp`")


CHECKS: list[Check] = [
    unique_ids,
    unique_institutions,
    collective_members,
    objective_prefix,
    known_institutions,
    see_refs_resolve,
    deadlines_parse,
    parents_exist,
    has_deadline,
    progress_entries,
    personal_data,
    translations_complete,
    translations_current,
]


def run_checks(plan: Plan, today: date) -> list[Diagnostic]:
    return sorted(d for check in CHECKS for d in check(plan, today))
