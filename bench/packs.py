"""Benchmark: a month's results-and-prompts packs as PDF letters, one at a time and many at a time.

    .venv/bin/python bench/packs.py [--practice-patients 10000] [--month 2026-07]
        [--template results_pack] [--batch-size 25] [--workers 2] [--runs 3] [--limit 0]
        [--no-dispatch] [--reuse] [--write-docs]

On PostgreSQL (database tandem_bench_packs on 127.0.0.1, created here; --reuse keeps one already
loaded), as of 15 June 2026: a synthetic practice of --practice-patients patients, registers
refreshed and this year's reviews planned; the month's packs are those of the reviews due in
--month (roughly a tenth of the people on a register), each with its care planning conversation
booked on a weekday of that month. Each pack is composed from the synthetic record
(tandem.prepare.queries.packs.prepare_many -> rules.pack.compose) and rendered as the person's
letter (catalogue.render, in their format: standard, large print or easy read). With --template
recall_invitation the same people's invitation letters are used instead.

The letters' HTML is made first (not timed); then, in one run, the same letters are made into PDFs:

1. one document at a time, as Tandem did before (a new WeasyPrint font setup for every letter);
2. one document at a time with `letters.to_pdf` (one font setup kept between letters);
3. laid out together, --batch-size letters to a document, cut into one PDF per letter
   (`letters.to_pdfs()`), in this process;
4. one document per letter, --batch-size at a time in --workers processes
   (`letters.to_pdfs(workers=..., together=False)`);
5. laid out together in --workers processes (`letters.to_pdfs(workers=...)`: what the dispatcher
   does for many letters);
6. the background job's whole path: the letters queued in the outbox and sent by
   `messaging.actions.dispatch_pending` (PDFs made ahead in batches, each letter claimed, its PDF
   stored, the sending audited), then removed again.

Every letter's PDF from 2 to 6 has the same number of pages as from 1, and the same text
(pdftotext) is checked for 1 to 5. Paths 1 to 5 run --runs rounds (each round runs all five, so a
busy spell on the machine hits them all) and the median round is shown. Rates are pack pages per
second of wall-clock time; CPU seconds are those of every process (this one and a pool's): the work
done, whatever else the machine is doing. --write-docs replaces the "## Results-and-prompts packs"
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    DOCS,
    ROOT,
    analyze,
    ensure_practice,
    fresh_postgres_database,
    start_django,
    write_docs_section,
)

HEADING = "## Results-and-prompts packs"
PG_NAME = "tandem_bench_packs"
REFERENCE_DAY = dt.date(2026, 6, 15)
ODS = "Y90000"
SEED = 20260615
GOAL = 40  # pack pages per second


def prepare_practice(args, log):
    from tandem.recall import actions as recall_actions
    from tandem.recall.models import Review
    from tandem.registers import actions as register_actions

    practice, _ = ensure_practice(ODS, args.practice_patients, SEED, log)
    if not Review.objects.filter(practice=practice).exists():
        analyze()
        register_actions.refresh_practice(practice=practice, by=None)
        recall_actions.plan_reviews(practice=practice, by=None)
        analyze()
    return practice


def month_reviews(practice, month: dt.date) -> list:
    from tandem.recall.models import Review

    return list(Review.objects.filter(practice=practice, due_month=month).select_related("patient")
                .order_by("pk"))


def practice_reviews(practice) -> int:
    from tandem.recall.models import Review

    return Review.objects.filter(practice=practice).count()


def book_conversations(practice, reviews: list, month: dt.date) -> list:
    """A conversation for each review (kept by --reuse), on the weekdays of the month, 9am to 5pm."""
    from django.utils import timezone

    from tandem.prepare.actions.conversations import book_conversation
    from tandem.prepare.models import Conversation

    booked = set(Conversation.objects.filter(practice=practice, state=Conversation.State.BOOKED)
                 .values_list("review_id", flat=True))
    days = [month + dt.timedelta(days=i) for i in range(31)
            if (month + dt.timedelta(days=i)).month == month.month and (month + dt.timedelta(days=i)).weekday() < 5]
    tz = timezone.get_current_timezone()
    for i, review in enumerate(reviews):
        if review.pk in booked:
            continue
        slot = i // len(days)
        starts = dt.datetime.combine(days[i % len(days)], dt.time(9 + slot // 3, 20 * (slot % 3)), tzinfo=tz)
        book_conversation(review=review, by=None, starts_at=starts, minutes=20, clinician=None,
                          place="Riverside room 3")
    return list(Conversation.objects.filter(practice=practice, state=Conversation.State.BOOKED,
                                            review__in=[r.pk for r in reviews])
                .select_related("patient", "review", "clinician", "practice").order_by("starts_at", "pk"))


def practice_values(practice) -> dict:
    return {"name": practice.name, "ods_code": practice.ods_code, "phone": practice.phone,
            "address_lines": [line for line in (practice.address_line1, practice.address_line2, practice.town,
                                                 practice.postcode) if line]}


def pack_letters(practice, conversations: list) -> list[dict]:
    """Each person's pack as their letter: {'html', 'variant', 'patient', 'context'}."""
    from tandem.core import clock
    from tandem.messaging import actions as messaging_actions
    from tandem.messaging import catalogue
    from tandem.prepare.queries.packs import prepare_many

    out = []
    for prepared in prepare_many(practice, conversations, link_for=lambda c: f"https://tandem.example/r/{c.pk:08d}"):
        patient = prepared.conversation.patient
        context = {"pack": prepared.pack, "link": f"https://tandem.example/r/{prepared.conversation.pk:08d}"}
        values = {**context, "patient": messaging_actions.patient_values(patient),
                  "practice": practice_values(practice), "today": clock.today(),
                  "recipient_lines": messaging_actions.postal_lines(patient)}
        html = catalogue.render(name="results_pack", channel="letter", variant=prepared.variant,
                                values=values).letter_html
        out.append({"html": html, "variant": prepared.variant, "patient": patient, "context": context})
    return out


def invitation_letters(practice, reviews: list) -> list[dict]:
    """Each person's recall invitation letter, worded as recall sends it."""
    from tandem.core import clock
    from tandem.messaging import actions as messaging_actions
    from tandem.messaging import catalogue
    from tandem.recall import queries
    from tandem.recall.actions.sending import message_context
    from tandem.recall.rules import delivery, schedule

    today = clock.today()
    policy = queries.settings_for(practice).policy()
    facts = queries.person_facts(practice, [r.patient_id for r in reviews])
    first = schedule.NextInvitation(round=1, stage=1, on=today)
    out = []
    for review in reviews:
        person = facts.get(review.patient_id, queries.PersonFacts())
        plan = queries.plan_for(person, today=today)
        how = delivery.choose(preferred=review.patient.preferred_channel,
                              reachable=messaging_actions.reachable_channels(review.patient),
                              adjustments=person.adjustments)
        context = message_context(review=review, plan=plan, nxt=first, channel="letter", policy=policy)
        values = {**context, "patient": messaging_actions.patient_values(review.patient),
                  "practice": practice_values(practice), "today": today,
                  "recipient_lines": messaging_actions.postal_lines(review.patient)}
        html = catalogue.render(name="recall_invitation", channel="letter", variant=how.variant,
                                values=values).letter_html
        out.append({"html": html, "variant": how.variant, "patient": review.patient, "context": context})
    return out


def as_before(html: str) -> tuple[bytes, int]:
    """letters.to_pdf as it was: a new WeasyPrint font setup (and URL fetcher) for every letter."""
    import weasyprint

    def no_fetching(url, *args, **kwargs):
        raise RuntimeError("Letters may not load anything from outside")

    document = weasyprint.HTML(string=html, url_fetcher=no_fetching, base_url="about:blank").render()
    buffer = io.BytesIO()
    document.write_pdf(buffer, pdf_variant="pdf/ua-1")
    return buffer.getvalue(), len(document.pages)


def many(htmls: list[str], **options) -> list:
    from tandem.messaging import letters

    with letters.Renderer(**options) as renderer:
        return renderer.pdfs(htmls)


def cpu_seconds() -> float:
    """CPU time of this process and of its child processes that have ended (a pool's, once closed)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn) -> tuple[object, float, float]:
    """The result, the wall-clock seconds and the CPU seconds (every process) it took."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run([shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-"],  # noqa: S603
                              capture_output=True, text=True, check=True).stdout


def dispatch(practice, made: list[dict], template: str, log) -> dict:
    """Queue the letters in the outbox and send them as the background job does; then remove them."""
    from tandem.messaging import actions as messaging_actions
    from tandem.messaging.models import LetterPdf, OutboxMessage

    run = time.strftime("%Y%m%d%H%M%S")
    postable = [x for x in made if messaging_actions.postal_lines(x["patient"])]
    requests = [messaging_actions.MessageRequest(patient=x["patient"], channel="letter", template=template,
                                                 variant=x["variant"], context=x["context"],
                                                 idempotency_key=f"bench-packs:{run}:{i}")
                for i, x in enumerate(postable)]
    messages = messaging_actions.queue_messages(practice=practice, by=None, requests=requests)
    ids = [m.pk for m in messages]
    try:
        summary, wall, cpu = timed(lambda: messaging_actions.dispatch_pending(practice=practice))
        pages = sum(LetterPdf.objects.filter(message_id__in=ids).values_list("pages", flat=True))
        log(f"dispatch: {summary.text()}, {pages:,} pages in {wall:.1f} s")
        return {"letters": len(ids), "sent": summary.sent, "pages": pages, "wall": wall, "cpu": cpu,
                "stored": {m: p for m, p in LetterPdf.objects.filter(message_id__in=ids).values_list("message_id", "pages")},
                "order": ids, "html_index": [made.index(x) for x in postable]}
    finally:
        OutboxMessage.objects.filter(pk__in=ids).delete()


def run(args, log) -> dict:
    from tandem.core import clock
    from tandem.messaging import letters

    out: dict = {"load": os.getloadavg(), "pool_from": letters.POOL_FROM}
    with clock.frozen(REFERENCE_DAY):
        practice = prepare_practice(args, log)
        month = dt.date.fromisoformat(f"{args.month}-01")
        reviews = month_reviews(practice, month)
        out["registered"] = practice.patients.count()
        out["reviews"] = len(reviews)
        out["all_reviews"] = practice_reviews(practice)
        started = time.perf_counter()
        if args.template == "results_pack":
            conversations = book_conversations(practice, reviews, month)
            made = pack_letters(practice, conversations)
        else:
            made = invitation_letters(practice, reviews)
        if args.limit:
            made = made[:args.limit]
        out["compose_seconds"] = time.perf_counter() - started
        htmls = [x["html"] for x in made]
        out["letters"] = len(htmls)
        out["variants"] = {v: sum(1 for x in made if x["variant"] == v) for v in ("standard", "large_print", "easy_read")}
        log(f"{len(htmls)} letters ({args.template}) for {len(reviews)} reviews due in {args.month}; "
            f"HTML in {out['compose_seconds']:.1f} s")

        letters.to_pdf(htmls[0])
        as_before(htmls[0])  # warm-up: fonts, caches
        paths = [
            ("before", "one document at a time, as before (a new font setup for every letter)",
             lambda: [as_before(h) for h in htmls]),
            ("single", "one document at a time (`letters.to_pdf`)", lambda: [letters.to_pdf(h) for h in htmls]),
            ("together", f"laid out {args.batch_size} to a document and cut up (`to_pdfs()`), one process",
             lambda: many(htmls, batch_size=args.batch_size)),
            ("workers", f"one document each, {args.batch_size} at a time in {args.workers} processes "
                        f"(`to_pdfs(workers={args.workers}, together=False)`)",
             lambda: many(htmls, batch_size=args.batch_size, workers=args.workers, together=False)),
            ("both", f"laid out {args.batch_size} to a document, in {args.workers} processes "
                     f"(`to_pdfs(workers={args.workers})`, what the dispatcher does)",
             lambda: many(htmls, batch_size=args.batch_size, workers=args.workers)),
        ]
        results, times = {}, {}
        for run_number in range(args.runs):  # each round runs every path, so a busy spell hits them all
            for key, _label, fn in paths:
                pdfs, wall, cpu = timed(fn)
                results.setdefault(key, pdfs)
                times.setdefault(key, []).append((wall, cpu))
                log(f"round {run_number + 1}, {key}: {sum(p for _, p in pdfs):,} pages in {wall:.1f} s")
        for key, label, _fn in paths:
            wall, cpu = sorted(times[key])[len(times[key]) // 2]  # the median round
            out[key] = {"label": label, "pages": sum(p for _, p in results[key]), "wall": wall,
                        "cpu": cpu}
        counts = [p for _, p in results["before"]]
        for key in ("single", "together", "workers", "both"):
            assert [p for _, p in results[key]] == counts, f"{key}: page counts differ"
        texts = [pdf_text(pdf) for pdf, _ in results["single"]]
        for key in ("before", "together", "workers", "both"):
            assert [pdf_text(pdf) for pdf, _ in results[key]] == texts, f"{key}: the text differs"
        out["checked"] = len(texts)
        out["pages_per_letter"] = {"min": min(counts), "max": max(counts), "mean": sum(counts) / len(counts)}
        if not args.no_dispatch:
            logging.getLogger("tandem").setLevel(logging.WARNING)  # a line per message otherwise
            sent = dispatch(practice, made, args.template, log)
            for message_id, i in zip(sent["order"], sent["html_index"], strict=True):
                assert sent["stored"][message_id] == counts[i], "dispatch: page counts differ"
            out["dispatch"] = {k: sent[k] for k in ("letters", "sent", "pages", "wall", "cpu")}
    out["load_after"] = os.getloadavg()
    return out


def machine() -> dict:
    import platform

    import django
    import weasyprint

    model, memory = "unknown", "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "memory": memory, "date": time.strftime("%Y-%m-%d"),
            "python": platform.python_version(), "django": django.get_version(), "weasyprint": weasyprint.__version__}


def render(r: dict, info: dict, args, command: str) -> str:
    single = r["single"]["pages"] / r["single"]["wall"]
    rows = []
    for key in ("before", "single", "together", "workers", "both"):
        x = r[key]
        rate = x["pages"] / x["wall"]
        cpu = f"{x['cpu']:.1f} s"
        bold = "**" if key == "both" else ""
        rows.append(f"| {bold}{x['label']}{bold} | {x['wall']:.1f} s | {cpu} | {bold}{rate:.1f}{bold} "
                    f"| {r['letters'] / x['wall']:.1f} | {rate / single:.2f}x |")
    if "dispatch" in r:
        d = r["dispatch"]
        rows.append(f"| the background job's whole path: {d['sent']:,} letters queued and sent by `dispatch_pending` "
                    f"(PDFs made ahead, claimed, stored, audited) | {d['wall']:.1f} s | {d['cpu']:.1f} s "
                    f"| {d['pages'] / d['wall']:.1f} | {d['letters'] / d['wall']:.1f} "
                    f"| {d['pages'] / d['wall'] / single:.2f}x |")
    best = r["both"]["pages"] / r["both"]["wall"]
    v = r["variants"]
    month = f"{dt.date.fromisoformat(args.month + '-01'):%B %Y}"
    if args.template == "results_pack":
        what = [f"`bench/packs.py` makes a month's results-and-prompts packs for a {args.practice_patients:,}-patient "
                "synthetic practice",
                f"into PDF letters, the same letters six ways in one run. The month's packs are those of the reviews "
                f"due in {month}",
                f"({r['reviews']:,} of the practice's {r['all_reviews']:,} yearly reviews, one for each person on a "
                "register), each with its care planning",
                "conversation booked that month, composed from the synthetic record (`prepare_many` -> "
                "`rules.pack.compose`) and",
                f"rendered as the person's letter in their format ({v['standard']:,} standard, {v['large_print']:,} "
                f"large print, {v['easy_read']:,} easy read)."]
    else:
        what = [f"`bench/packs.py --template recall_invitation` makes the recall invitation letters of the "
                f"{r['reviews']:,} reviews due in {month}",
                f"for a {args.practice_patients:,}-patient synthetic practice into PDFs, the same letters six ways in "
                f"one run ({v['standard']:,} standard,",
                f"{v['large_print']:,} large print, {v['easy_read']:,} easy read)."]
    lines = [
        HEADING,
        "",
        *what,
        f"Measured on {info['date']} on this machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['memory']} RAM;",
        f"Python {info['python']}, Django {info['django']}, WeasyPrint {info['weasyprint']}; PostgreSQL for the outbox.",
        "Reproduce with:",
        "",
        "```",
        command,
        "```",
        "",
        f"{r['letters']:,} letters, {r['single']['pages']:,} pages (a letter has {r['pages_per_letter']['min']} to "
        f"{r['pages_per_letter']['max']} pages, {r['pages_per_letter']['mean']:.1f} on average); the median of "
        f"{args.runs} rounds (the background job's path: one run):",
        "",
        "| how | time | CPU time, all processes | pages/s | letters/s | against one at a time |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Goal: at least {GOAL} pack pages per second: **{best:.0f} pages/s** with {args.workers} processes "
        f"({'met' if best >= GOAL else 'not met'}).",
        f"Every letter has the same pages each way, and the same text (pdftotext) in the first five; the HTML took "
        f"{r['compose_seconds']:.1f} s to compose and render (not in the times above). Load average "
        f"{r['load'][0]:.1f} before and {r['load_after'][0]:.1f} after (other work on the machine slows every row).",
        "",
        "Laying a batch out as one document parses the HTML skeleton and the styles (a pack carries its own style",
        "sheet) once instead of per letter; laying out a page costs the same either way. So most of the gain is",
        f"from using both CPUs: the dispatcher makes the PDFs of the letters it is about to send {args.batch_size} "
        "to a document,",
        f"spread over {args.workers} processes, before claiming them (`letters.prepared`). A pool starts only for "
        f"{r['pool_from']} letters or more",
        "(starting it takes about 2 s).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practice-patients", type=int, default=10_000)
    parser.add_argument("--month", default="2026-07", help="the month whose reviews' packs are made (YYYY-MM)")
    parser.add_argument("--template", default="results_pack", choices=["results_pack", "recall_invitation"])
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N letters (0: all)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of paths 1 to 5; the median is shown")
    parser.add_argument("--no-dispatch", action="store_true", help="skip the outbox path (6)")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    start_django(fresh_postgres_database(PG_NAME, reuse=args.reuse))
    results = run(args, log)
    command = (f".venv/bin/python bench/packs.py --practice-patients {args.practice_patients} --month {args.month} "
               f"--template {args.template} --batch-size {args.batch_size} --workers {args.workers} --runs {args.runs}"
               + (f" --limit {args.limit}" if args.limit else "") + (" --no-dispatch" if args.no_dispatch else "")
               + (" --reuse" if args.reuse else "") + (" --write-docs" if args.write_docs else ""))
    section = render(results, machine(), args, command)
    print(section)
    if args.write_docs:
        write_docs_section(HEADING, section)
        print(f"Wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
