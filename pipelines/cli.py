"""The `deptops` command line: demo, run (and, as later stages land, more)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from pipelines.settings import DEFAULT_HOME, Settings, hospital_name_from

SUPPRESS_HELP = "for wide circulation: hide deaths and complications counted below N (e.g. 5)"


def _demo(args: argparse.Namespace) -> int:
    from synthetic_hospital.demo import write_demo

    started = time.monotonic()
    paths = write_demo(args.out, first_month=args.first_month, last_month=args.last_month)
    print(
        f"wrote {len(paths)} demo ledger files to {args.out} in {time.monotonic() - started:.1f} s"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipelines.home import HomeUnusable, check_home
    from pipelines.runner import PipelineError, format_summary, run_pipeline

    home = args.home.resolve()
    inbox = (args.inbox or home / "inbox").resolve()
    try:
        check_home(home)  # before the demo inbox is written there
    except HomeUnusable as error:
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    hospital = args.hospital or hospital_name_from(os.environ, home / "deptops.json")
    remembered = args.hospital
    if args.inbox is None and not any(inbox.glob("*")):
        from synthetic_hospital.demo import HOSPITAL_NAME, write_demo

        print(f"no inbox given: building the demo hospital's ledgers in {inbox}")
        write_demo(inbox)
        if hospital is None:
            hospital = remembered = HOSPITAL_NAME
    if not inbox.is_dir():
        print(f"deptops: the inbox {inbox} is not a folder", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        settings = Settings(
            home=home,
            inbox=inbox,
            lang=args.lang,
            suppress_below=args.suppress_below,
            hospital_name=hospital,
        )
        if remembered:  # for the next run, the UI and `deptops standalone`
            settings.remember(hospital_name=remembered)
        grains = {} if args.reports is None else {"reports": args.reports}
        summary = run_pipeline(settings, wait=not args.no_wait, **grains)
    except (PipelineError, HomeUnusable) as error:
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the disk filled up or went read-only during the run
        print(
            f"deptops: cannot write to {error.filename or home}: {error.strerror}", file=sys.stderr
        )
        return 1
    print(format_summary(summary))
    print(f"  finished in {time.monotonic() - started:.1f} s")
    return 1 if summary.nothing_dated_loaded else 0


def _templates(args: argparse.Namespace) -> int:
    from ledgers.templates import write_templates

    paths = write_templates(args.out, lang=args.lang)
    print(f"wrote {len(paths)} ledger templates to {args.out}")
    return 0


def _standalone(args: argparse.Namespace) -> int:
    import duckdb

    from reports.periods import REPORT_GRAINS, grain_of
    from reports.publish import render_reports

    period = args.period
    # Anything but a month, quarter or year is checked as a month, whose error says how to spell it.
    grain = next((g for g in REPORT_GRAINS if g == grain_of(period)), "month")
    warehouse = args.home / "warehouse.duckdb"
    if not warehouse.exists():
        print(f"deptops: no warehouse at {warehouse}: run `deptops run` first", file=sys.stderr)
        return 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcome = render_reports(
            con,
            args.home / "reports",
            grain,
            [period],
            args.lang,
            self_contained=True,
            suppress_below=args.suppress_below,
            hospital_name=hospital_name_from(os.environ, args.home / "deptops.json"),
        )
    # Those left as they were (unchanged since the last run) are there all the same.
    copies = sorted(p for p in outcome.rendered + outcome.unchanged if ".standalone." in p.name)
    print(
        f"wrote {len(copies)} self-contained reports for {period} to {args.home / 'reports' / period}"
    )
    if args.no_pdf:
        return 0
    return _print_pdfs(args, copies)


def _print_pdfs(args: argparse.Namespace, copies: list[Path]) -> int:
    """A PDF of each single-file copy when Chromium is installed; the index then links them."""
    import duckdb

    from reports.data.warehouse import read_extent
    from reports.publish.index import write_index
    from reports.publish.pdf import CHROMIUM_VARIABLE, PrintFailed, find_chromium, print_copies

    chromium = find_chromium()
    if chromium is None:
        print(f"no PDF: Chromium is not installed (or {CHROMIUM_VARIABLE}=none)")
        return 0
    started = time.monotonic()
    try:
        pdfs = print_copies(copies, chromium)
    except PrintFailed as error:
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    with duckdb.connect(str(args.home / "warehouse.duckdb"), read_only=True) as con:
        extent = read_extent(con)
    write_index(args.home / "reports", args.lang, extent)
    print(f"printed {len(pdfs)} PDFs with {chromium} in {time.monotonic() - started:.1f} s")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from pipelines.backup import backup_home

    settings = Settings(home=args.home.resolve(), inbox=args.home.resolve() / "inbox")
    try:
        manifest = backup_home(settings, args.out, wait=not args.no_wait)
    except RuntimeError as error:  # BackupError, or the runner's lock refused
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    size = sum(f["bytes"] for f in manifest["files"].values())
    print(
        f"backed up {settings.home}: {len(manifest['files'])} files, {size:,} bytes, in {args.out}"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pipelines.backup import BackupError, restore_home

    settings = Settings(home=args.home.resolve(), inbox=args.home.resolve() / "inbox")
    try:
        manifest = restore_home(args.source, settings)
    except BackupError as error:
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    print(
        f"restored the backup of {manifest['created']} ({len(manifest['files'])} files, "
        f"every SHA-256 checked) into {settings.home}"
    )
    return 0


def _package(args: argparse.Namespace) -> int:
    from reports.publish.package import (
        Audience,
        PackageError,
        assistant_departments,
        read_password,
        write_package,
    )

    home = args.home.resolve()
    try:
        password = read_password(str(args.password_file))
        if args.assistant:
            codes = assistant_departments(home / "warehouse.duckdb", args.assistant)
        else:
            codes = tuple(code.strip() for code in args.dept.split(",") if code.strip())
        audience = Audience(codes, hospital=args.hospital)
        files = write_package(
            home / "reports", args.period, audience, password, args.out, args.lang
        )
    except (PackageError, OSError) as error:
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} password-protected files for {', '.join(codes)} to {args.out}")
    return 0


def _topic(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.topic import topic_out_dir
    from reports.publish.topic import write_topic_report

    home = args.home.resolve()
    warehouse = home / "warehouse.duckdb"
    if not warehouse.exists():
        print(f"deptops: no warehouse at {warehouse}: run `deptops run` first", file=sys.stderr)
        return 2
    settings = Settings(home=home, inbox=home / "inbox")
    out_dir = args.out.resolve() if args.out else topic_out_dir(settings, None)
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            files = write_topic_report(
                con,
                out_dir,
                _listed(args.dept),
                _listed(args.metrics),
                args.first,
                args.last,
                title=args.title,
                lang=args.lang,
                hospital_name=hospital_name_from(os.environ, home / "deptops.json"),
            )
    except (ValueError, OSError) as error:  # TopicError says what to change
        print(f"deptops: {error}", file=sys.stderr)
        return 1
    print(f"wrote the topic report to {files[0]} and {files[1].name}")
    return 0


def _grains(text: str) -> tuple[str, ...]:
    """`deptops run --reports`: report grains, comma-separated, or none."""
    from reports.periods import check_grain

    grains = () if text.strip() == "none" else tuple(_listed(text))
    try:  # the grain's message is metrics.periods' own, as run_pipeline's check says it
        return tuple(check_grain(grain) for grain in grains)
    except ValueError as error:  # argparse shows an ArgumentTypeError's message, not a ValueError's
        raise argparse.ArgumentTypeError(str(error)) from None


def _listed(text: str) -> list[str]:
    """'MED, SUR' -> ['MED', 'SUR'] (a full-width comma counts too)."""
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


def _ui(args: argparse.Namespace) -> int:
    import os

    import dagster as dg
    import uvicorn

    from pipelines.settings import REPO_ROOT
    from pipelines.ui_guard import guarded_webserver_app, new_token

    if not os.environ.get("DAGSTER_HOME"):
        print("deptops: set DAGSTER_HOME (make ui does)", file=sys.stderr)
        return 2
    token_file = os.environ.get("DEPTOPS_UI_TOKEN_FILE")
    token = Path(token_file).read_text().strip() if token_file else new_token()
    hosts = [f"127.0.0.1:{args.port}", f"localhost:{args.port}"]
    hosts += [h.strip() for h in os.environ.get("DEPTOPS_UI_HOSTS", "").split(",") if h.strip()]
    with dg.DagsterInstance.get() as instance:
        app, context = guarded_webserver_app(instance, token, hosts, str(REPO_ROOT))
        with context:
            if not token_file:
                print(f"Dagster UI: http://127.0.0.1:{args.port}/?token={token}", flush=True)
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="deptops", description="Department operations analytics for hospitals."
    )
    commands = main.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the demo hospital's ledgers")
    demo.add_argument("--out", type=Path, required=True, help="folder to write the ledgers to")
    demo.add_argument("--first-month", default="2024-01", help="first month (default 2024-01)")
    demo.add_argument("--last-month", default="2026-10", help="last month (default 2026-10)")
    demo.set_defaults(handler=_demo)

    templates = commands.add_parser("templates", help="write a blank Excel template per ledger")
    templates.add_argument("--out", type=Path, required=True, help="folder to write them to")
    templates.add_argument("--lang", choices=("zh", "en"), default="zh", help="header language")
    templates.set_defaults(handler=_templates)

    standalone = commands.add_parser(
        "standalone",
        help="single-file HTML reports of a period and their PDFs (with Chromium), to send by e-mail",
    )
    standalone.add_argument("--period", required=True, help="2026-10, 2026-Q3 or 2026")
    standalone.add_argument("--home", type=Path, default=DEFAULT_HOME, help="working folder (var/)")
    standalone.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    standalone.add_argument("--suppress-below", type=int, metavar="N", help=SUPPRESS_HELP)
    standalone.add_argument(
        "--no-pdf", action="store_true", help="no PDF copies, even with Chromium installed"
    )
    standalone.set_defaults(handler=_standalone)

    run = commands.add_parser("run", help="load the inbox, compute indicators, write reports")
    run.add_argument("--inbox", type=Path, help="ledger folder (default: HOME/inbox, demo)")
    run.add_argument("--home", type=Path, default=DEFAULT_HOME, help="working folder (var/)")
    run.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    run.add_argument("--no-wait", action="store_true", help="stop at once if another run uses HOME")
    run.add_argument(
        "--reports",
        type=_grains,
        metavar="GRAINS",
        help="the reports to write: some of month,quarter,year,week, comma-separated (default: "
        "all), or none (the indicators and CSV exports only)",
    )
    run.add_argument("--suppress-below", type=int, metavar="N", help=SUPPRESS_HELP)
    run.add_argument(
        "--hospital", metavar="NAME", help="the hospital's name in the reports (remembered in HOME)"
    )
    run.set_defaults(handler=_run)

    backup = commands.add_parser("backup", help="a checked copy of HOME (warehouse, reports…)")
    backup.add_argument("--home", type=Path, default=DEFAULT_HOME, help="working folder (var/)")
    backup.add_argument("--out", type=Path, required=True, help="new folder for the backup")
    backup.add_argument("--no-wait", action="store_true", help="stop at once if a run uses HOME")
    backup.set_defaults(handler=_backup)

    # allow_abbrev=False: `--password SECRET` must not pass for --password-file (and show up in
    # the process list and in an error message)
    package = commands.add_parser(
        "package",
        help="one audience's reports of a period, protected by a password",
        allow_abbrev=False,
    )
    package.add_argument("--period", required=True, help="2026-10, 2026-Q3 or 2026")
    who = package.add_mutually_exclusive_group(required=True)
    who.add_argument("--dept", help="department codes, comma-separated")
    who.add_argument("--assistant", help="every department of this operations assistant")
    package.add_argument("--hospital", action="store_true", help="add the hospital's report")
    package.add_argument(
        "--password-file",
        type=Path,
        required=True,
        help="file whose first line is the password ('-': standard input)",
    )
    package.add_argument("--out", type=Path, required=True, help="folder to write them to")
    package.add_argument("--home", type=Path, default=DEFAULT_HOME, help="working folder (var/)")
    package.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    package.set_defaults(handler=_package)

    topic = commands.add_parser(
        "topic", help="a special-topic report (专题分析): indicators over any range of months"
    )
    topic.add_argument("--dept", required=True, help="department codes, comma-separated (ALL)")
    topic.add_argument(
        "--metrics",
        required=True,
        help="indicators by id, Chinese or English name, comma-separated",
    )
    topic.add_argument("--from", dest="first", required=True, help="first month, YYYY-MM")
    topic.add_argument("--to", dest="last", required=True, help="last month, YYYY-MM")
    topic.add_argument("--title", help="the report's title (default: the indicators' names)")
    topic.add_argument("--home", type=Path, default=DEFAULT_HOME, help="working folder (var/)")
    topic.add_argument("--out", type=Path, help="folder to write to (HOME/reports/topics)")
    topic.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    topic.set_defaults(handler=_topic)

    ui = commands.add_parser("ui", help="the Dagster UI behind deptops' guard (token, Host, POST)")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    ui.add_argument("--port", type=int, default=3000, help="port (3000)")
    ui.set_defaults(handler=_ui)

    restore = commands.add_parser("restore", help="restore a backup into a new HOME")
    restore.add_argument("--from", dest="source", type=Path, required=True, help="backup folder")
    restore.add_argument("--home", type=Path, required=True, help="new working folder")
    restore.set_defaults(handler=_restore)
    return main


def main(argv: list[str] | None = None) -> int:
    # Dagster flags beta parameters we rely on (single-run backfills); users need not see that.
    warnings.filterwarnings("ignore", module="dagster")
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
