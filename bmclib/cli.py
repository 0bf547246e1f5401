"""The ``bmc`` command: parse arguments, call the library, print. No rules live here."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from .errors import BMCError, DataError
from .exercises import DEFAULT_SET
from .fileio import (
    DEFAULT_MAX_FILE_SIZE,
    cycle_collection_paused,
    os_reason,
    parse_size,
    size_text,
    terminal_safe,
)
from .i18n import LANGS, Msg, set_language, text_of
from .scoring import DEFAULT_PARTIAL


def _say(msg: Msg | str, *, err: bool = False) -> None:
    print(terminal_safe(text_of(msg)), file=sys.stderr if err else sys.stdout)


def _cmd_validate(args) -> int:
    from .validate import validate

    result = validate(args.paths)
    _say(result.summary())
    return 1 if result.problems else 0


def _cmd_advise(args) -> int:
    from .advisor import advise
    from .blocks import attributes
    from .cases import get_case

    if getattr(args, "data_error", None):
        raise args.data_error
    attrs = {}
    if args.case:
        attrs.update(get_case(args.case).attrs)
    for name in attributes():
        value = getattr(args, name)
        if value is not None:
            attrs[name] = value
    if not attrs:
        raise BMCError(Msg("cli.advise_nothing"))
    fits = advise(attrs)
    if args.json:
        print(json.dumps(fits.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(fits.summary())
    return 0


def _outputs(args, *names: str, reads: dict | None = None) -> list:
    """Check the files a command will write before it reads anything: two outputs that are one
    file, an output that is a folder, a link, a device or a pipe, or an output that is one of the
    inputs (compared as files, so a hard link or another spelling of the key is caught) are usage
    errors. ``reads`` maps flags to more files the command reads (``{"--key": path}``)."""
    from pathlib import Path

    outs = [
        ("--" + name.replace("_", "-"), Path(getattr(args, name)))
        for name in names
        if getattr(args, name, None)
    ]
    return _check_outputs(outs, getattr(args, "paths", []), reads or {})


def _check_outputs(outs: list, paths, reads: dict) -> list:
    import os

    from .fileio import file_identity, output_problem, shown_path

    inputs = {file_identity(p) for p in paths if os.path.isfile(p)} - {None}
    others = {
        file_identity(p): flag for flag, p in reads.items() if p is not None and os.path.isfile(p)
    }
    seen = {}
    for flag, path in outs:
        shown = shown_path(path)
        real = os.path.realpath(path)
        if real in seen:
            raise BMCError(Msg("cli.same_file", a=seen[real], b=flag, path=shown))
        seen[real] = flag
        if path.is_dir():
            raise BMCError(
                Msg(
                    "cli.out_folder", flag=flag, path=shown, example=shown_path(path / "grades.csv")
                )
            )
        why = output_problem(path)
        if why is not None:
            raise BMCError(Msg("cli.out_not_regular", flag=flag, path=shown, why=why))
        identity = file_identity(path)
        if identity is not None and identity in inputs:
            raise BMCError(Msg("cli.out_input", flag=flag, path=shown))
        if identity is not None and identity in others:
            raise BMCError(Msg("cli.out_is_input", flag=flag, path=shown, other=others[identity]))
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise BMCError(Msg("cli.parent_file", flag=flag, path=shown, parent=shown_path(parent)))
    return [(flag, path) for flag, path in outs]


def _not_read(outs: list, read: frozenset, extra: dict) -> None:
    """After the inputs were read, before anything is written: no output may be a file that was read
    (an answer file or archive found inside a given folder, the key, the settings)."""
    from .fileio import file_identity, shown_path

    extra_ids = {file_identity(p): flag for flag, p in extra.items() if p is not None}
    for flag, path in outs:
        identity = file_identity(path)
        if identity is None:
            continue
        if identity in read:
            raise BMCError(Msg("cli.out_read", flag=flag, path=shown_path(path)))
        if identity in extra_ids:
            raise BMCError(
                Msg("cli.out_is_input", flag=flag, path=shown_path(path), other=extra_ids[identity])
            )


def _key_file(ref: str):
    """The file a ``--key`` argument names (a path, or a shipped practice key's file), or None."""
    from .paths import shipped_or_path

    try:
        return shipped_or_path(ref, "keys")
    except BMCError:
        return None


@cycle_collection_paused
def _cmd_grade(args) -> int:
    from .grading import grade_batch, sources_path, write_outputs
    from .inputs import MAX_UNPACKED
    from .keys import load_key

    total_limit = args.max_total_size or MAX_UNPACKED
    args.sources = str(sources_path(args.out))
    reads = {"--key": _key_file(args.key), "--push-lti": args.push_lti}
    outs = _outputs(args, "out", "problems", "sources", reads=reads)
    lti = None
    if args.push_lti:  # the push settings are checked before anything is read or written
        from .lti import load_config

        lti = load_config(args.push_lti)
    elif args.dry_run:
        from .lti.errors import say

        raise BMCError(say("lti_dry_run_alone"))
    key = load_key(args.key)
    for warning in key.warnings:
        _say(warning, err=True)
    batch = grade_batch(
        args.paths,
        key,
        partial=args.partial,
        student=args.student,
        progress=not args.quiet,
        max_file_size=args.max_file_size,
        max_unpacked=total_limit,
        attempts=False,
    )
    _not_read(outs, batch.read, reads)
    if args.student and not batch.rows:
        _say(Msg("cli.no_student", student=args.student, set=key.exercise_set), err=True)
    write_outputs(
        batch,
        args.out,
        args.format,
        sources=args.sources,
        problems=args.problems,
        scale=args.scale,
        column=args.column,
        excel=args.excel,
    )
    if not args.problems:
        for source, problem in batch.problems:
            _say(f"{source}: {text_of(problem)}", err=True)
    for source, note in batch.notes:
        _say(Msg("cli.note", source=source, note=note), err=True)
    if any(getattr(p, "key", "") == "inputs.run_limit" for _s, p in batch.problems):
        _say(Msg("cli.raise_total", limit=size_text(total_limit)), err=True)
    if not args.quiet:
        _say(batch.summary(), err=True)
    if lti is not None:  # after the CSV is written: it stays the fallback
        from .lti import push_from_cli

        return max(
            batch.exit_code,
            push_from_cli(batch, lti, grades_file=args.out, dry_run=args.dry_run, quiet=args.quiet),
        )
    return batch.exit_code


def _cmd_collect(args) -> int:
    from .collect import collect_folders, collect_hub

    if bool(args.roots) == bool(args.hub):
        raise BMCError(Msg("cli.collect_either"))
    if args.start_stopped and not args.hub:
        raise BMCError(Msg("cli.start_stopped"))
    if args.server_timeout is not None and not args.hub:
        raise BMCError(Msg("cli.server_timeout_hub"))
    if args.server_timeout is not None and not args.server_timeout > 0:
        raise BMCError(Msg("cli.server_timeout_positive", value=args.server_timeout))
    with _ended_by_sigterm():  # so a stopped run removes its temporary files too
        if args.hub:
            result = collect_hub(
                args.hub,
                args.out,
                start_stopped=args.start_stopped,
                exercise_set=args.set,
                **({} if args.server_timeout is None else {"server_timeout": args.server_timeout}),
            )
        else:
            result = collect_folders(args.roots, args.out, exercise_set=args.set)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _say(result.summary())
    for source, problem in result.problems + result.conflicts:
        _say(f"{source}: {text_of(problem)}", err=True)
    for user, reason in result.unreachable:
        _say(Msg("cli.not_reached", user=user, reason=reason), err=True)
    if (
        args.hub
        and not args.start_stopped
        and any(reason == Msg("collect.no_server") for _user, reason in result.unreachable)
    ):
        _say(Msg("cli.start_stopped_hint"), err=True)
    for source, note in result.notes:
        _say(Msg("cli.note", source=source, note=note), err=True)
    return result.exit_code


@contextlib.contextmanager
def _ended_by_sigterm():
    """While the block runs, SIGTERM ends it the way Ctrl+C does (``finally`` blocks run)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


#: the files ``bmc report`` writes into its folder
REPORT_FILES = ("index.html", "items.png", "scores.png", "items.csv", "BMCGothic-Regular.ttf")


def _cmd_report(args) -> int:
    from pathlib import Path

    from .keys import load_key
    from .report import build_report

    reads = {"--key": _key_file(args.key)}
    outs = _outputs(args, "problems", reads=reads)
    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise BMCError(Msg("cli.out_not_folder", flag="--out", path=str(folder)))
    outs += _check_outputs([("--out", folder / name) for name in REPORT_FILES], args.paths, reads)
    key = load_key(args.key)
    for warning in key.warnings:
        _say(warning, err=True)
    report = build_report(
        args.paths, key, partial=args.partial, items=args.items, max_file_size=args.max_file_size
    )
    _not_read(outs, getattr(report, "read", frozenset()), reads)
    index = report.write(args.out)
    if args.problems:
        from .grading import write_problems

        write_problems(report, args.problems)
    else:
        for source, problem in report.problems:
            _say(f"{source}: {text_of(problem)}", err=True)
    print(index)
    return 1 if report.problems else 0


def _cmd_new_set(args) -> int:
    from .cases import read_cases
    from .exercises import bank_text_warnings, write_set_from_cases

    cases = read_cases(args.cases)
    ids = [c.strip() for c in args.only.split(",") if c.strip()] if args.only else None
    try:
        items, key = write_set_from_cases(
            cases, args.set, args.out, case_ids=ids, overwrite=args.force
        )
    except BMCError as exc:
        if getattr(exc.msg, "key", "") == "exercises.exists":  # say how to replace it on purpose
            raise BMCError(Msg("cli.exists_force", problem=exc.msg)) from None
        raise
    print(items)
    print(key)
    for warning in bank_text_warnings(items):
        _say(warning, err=True)
    return 0


def _cmd_canvas_grade(args) -> int:
    from .canvas_grading import grade_canvases, load_rubric, write_canvas_grades
    from .grading import sources_path, write_problems, write_sources

    args.sources = str(sources_path(args.out))
    _outputs(args, "out", "problems", "sources")
    rubric = load_rubric(args.rubric)
    for warning in rubric.warnings:
        _say(warning, err=True)
    batch = grade_canvases(
        args.paths, rubric, progress=not args.quiet, max_file_size=args.max_file_size
    )
    write_canvas_grades(
        batch, args.out, args.format, column=args.column, scale=args.scale, excel=args.excel
    )
    write_sources(batch, args.sources)
    if args.problems:
        write_problems(batch, args.problems)
    else:
        for source, problem in batch.problems:
            _say(f"{source}: {text_of(problem)}", err=True)
    if not args.quiet:
        _say(batch.summary(), err=True)
    return batch.exit_code


def _cmd_canvas_gallery(args) -> int:
    from .canvas_grading import load_rubric
    from .gallery import build_gallery

    _outputs(args, "problems")
    rubric = load_rubric(args.rubric)
    for warning in rubric.warnings:
        _say(warning, err=True)
    gallery = build_gallery(
        args.paths,
        args.out,
        rubric=rubric,
        fmt=args.format,
        progress=not args.quiet,
        max_file_size=args.max_file_size,
    )
    if args.problems:
        from .grading import write_problems

        write_problems(gallery.batch, args.problems)
    else:
        for source, problem in gallery.batch.problems:
            _say(f"{source}: {text_of(problem)}", err=True)
    if not args.quiet:
        _say(gallery.summary(), err=True)
    print(gallery.index)
    return gallery.batch.exit_code


def _cmd_canvas(args) -> int:
    from .canvas import Canvas

    if args.canvas_cmd == "grade":
        return _cmd_canvas_grade(args)
    if args.canvas_cmd == "gallery":
        return _cmd_canvas_gallery(args)
    canvas = Canvas.load(args.file)
    # a Korean canvas is checked in Korean unless asked
    lang = args.lang or _env_lang() or canvas.lang
    if args.canvas_cmd == "check":
        from .canvas_checks import check_canvas

        findings = check_canvas(canvas)
        _say(findings.summary(lang))
        return 1 if any(f.severity == "error" for f in findings) else 0
    from pathlib import Path

    from .plots import save_canvas

    _check_outputs([("--out", Path(args.out))], [args.file], {})
    save_canvas(canvas, args.out, lang=lang)
    print(args.out)
    return 0


def _cmd_progress(args) -> int:
    from .progress_map import print_progress

    return print_progress(args.answers, args.lang, own_sets=args.set or (), as_json=args.json)


def _cmd_app(args) -> int:
    from .app import run_app

    review = {"review": True} if args.review else {}
    return run_app(
        lang=args.lang or _env_lang() or "ko",
        port=args.port,
        answers=args.answers,
        exercise_set=args.set,
        mode=args.mode,
        open_browser=not args.no_browser,
        key=args.key,
        **review,
    )


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_lite(args) -> int:
    from .lite import build_site

    site = build_site(
        args.out,
        langs=[args.lang] if args.lang else ("ko", "en"),
        cache_dir=args.cache,
        wheel=args.wheel,
        pyodide_dist=args.pyodide_dist,
        lessons=args.with_lessons,
        log=None if args.quiet else lambda line: print(line, file=sys.stderr),
    )
    _say(site.summary())
    return 0


def _lang(parser: argparse.ArgumentParser, default: str = "(default: BMC_LANG, else en)") -> None:
    parser.add_argument(
        "--lang",
        choices=list(LANGS),
        default=None,
        help=f"language of everything this command prints {default}",
    )


def _env_lang() -> str | None:
    import os

    value = os.environ.get("BMC_LANG", "").strip().lower()
    return value if value in LANGS else None


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="bmc",
        description="Business Model Canvas course kit: "
        "validate data, advise, grade a class, draw canvases, run the app.",
    )
    parser.add_argument("--version", action="version", version=f"bmc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check data files (default: the shipped data)")
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="cases, keys, exercise sets, canvases, folders"
    )
    _lang(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("advise", help="rank the six relationship types for a case")
    from .blocks import attributes

    try:
        specs = attributes()
    # a broken attributes file: every other command (and --help) still works
    except DataError as exc:
        specs = {}
        p.set_defaults(data_error=exc)
    for name, spec in specs.items():
        flag = "--" + name.replace("_", "-")
        if spec.kind == "choice":
            p.add_argument(flag, dest=name, choices=list(spec.values), help=spec.question["en"])
        else:  # `--online` alone means true; `--online false` or `--no-online` say no
            p.add_argument(
                flag,
                dest=name,
                nargs="?",
                const="true",
                choices=["true", "false", "yes", "no"],
                help=spec.question["en"],
            )
            p.add_argument(
                "--no-" + name.replace("_", "-"),
                dest=name,
                action="store_const",
                const="false",
                help=argparse.SUPPRESS,
            )
    p.add_argument("--case", help="start from a case in the case bank (its id)")
    _lang(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_advise)

    p = sub.add_parser("grade", help="grade answer files, folders or zip archives against a key")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--key", required=True, help="answer key CSV")
    p.add_argument("--out", required=True, help="grades CSV to write")
    p.add_argument(
        "--problems", help="write files that could not be graded here (CSV: source,problem)"
    )
    p.add_argument(
        "--format",
        choices=["csv", "canvas", "moodle"],
        default="csv",
        help="csv (default), or the grade-import layout of Canvas or Moodle",
    )
    p.add_argument(
        "--partial",
        type=float,
        default=DEFAULT_PARTIAL,
        help="share of points for an acceptable answer",
    )
    p.add_argument(
        "--scale",
        type=float,
        metavar="N",
        help="canvas/moodle: write each grade out of N "
        "(100: percentages, a new Moodle grade item's maximum)",
    )
    p.add_argument(
        "--column",
        metavar="TITLE",
        help="canvas/moodle: the grade column's title; "
        "for Canvas 'Title (assignment id)' updates that existing assignment",
    )
    p.add_argument(
        "--excel",
        action="store_true",
        help="start the file with a UTF-8 byte-order mark, "
        "so Excel shows Korean names on a double-click",
    )
    p.add_argument("--student", help="grade only this student id")
    _lang(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument(
        "--max-file-size",
        type=_size,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="SIZE",
        help="larger answer files and archive entries are problems, never read (default 5MB)",
    )
    p.add_argument(
        "--max-total-size",
        type=_size,
        metavar="SIZE",
        help="what the zip archives of one run may unpack in all; archive entries past it are "
        "problems, never read (default 1GB)",
    )
    p.add_argument(
        "--push-lti",
        metavar="CONFIG",
        help="then send the scores to the learning platform's "
        "gradebook (LTI 1.3 AGS) with the settings in CONFIG (a TOML file on the hub; see README)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="with --push-lti: print what would be sent, send nothing",
    )
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "collect",
        help="gather a class's answer files from users' folders or a JupyterHub",
        description="Copy every answer file found under ROOT/<user>/ (or, with --hub, in "
        "the answers/ folders of each running server) into OUT/<user>/, for bmc grade. "
        "Hidden folders and JSON files that are not answer files are skipped and counted; "
        "the sources are never changed. Exit status: 0 everything was read; 1 some file, "
        "folder or running server could not be read, or two users stand for one student "
        "(listed on stderr); 2 usage error.",
    )
    p.add_argument(
        "roots", nargs="*", metavar="ROOT", help="a folder holding one folder per user, e.g. /home"
    )
    p.add_argument("--out", required=True, help="folder to copy into (one folder per user)")
    p.add_argument(
        "--hub",
        metavar="URL",
        help="collect through this JupyterHub's REST API instead; "
        "token from JUPYTERHUB_API_TOKEN (scopes list:users, read:users, tokens: bmc reads each "
        "server with a short-lived token of that user's own, never with this one)",
    )
    p.add_argument(
        "--start-stopped",
        action="store_true",
        help="with --hub: start stopped servers to collect from them, then stop them again "
        "(the token also needs the servers scope)",
    )
    p.add_argument(
        "--server-timeout",
        type=float,
        metavar="SECONDS",
        help="with --hub: the most time one student's server may take in all (default 60); "
        "a slower one is listed as not reached and the others are collected",
    )
    p.add_argument("--set", help="only answer files of this exercise set")
    p.add_argument("--json", action="store_true", help="print what was copied as JSON")
    _lang(p)
    p.set_defaults(func=_cmd_collect)

    p = sub.add_parser("report", help="class report: what the class got wrong (HTML + PNG)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--key", required=True)
    p.add_argument("--out", required=True, help="folder for index.html and the figures")
    p.add_argument(
        "--problems", help="write files that could not be graded here (CSV: source,problem)"
    )
    p.add_argument("--partial", type=float, default=DEFAULT_PARTIAL)
    p.add_argument(
        "--items",
        help="the exercise set (id or items CSV) whose companies name the items "
        "(default: the shipped set, or exercises/<set>.csv beside the key's folder)",
    )
    _lang(p)
    p.add_argument(
        "--max-file-size",
        type=_size,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="SIZE",
        help="larger answer files and archive entries are problems, never read (default 5MB)",
    )
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "new-set", help="make a relationship exercise set and its key from a cases CSV"
    )
    p.add_argument("cases", help="cases CSV (same columns as data/cases.csv)")
    p.add_argument("--set", required=True, help="id of the new exercise set, e.g. my-class-quiz")
    p.add_argument(
        "--out", default=".", help="folder to write exercises/<set>.csv and keys/<set>.csv into"
    )
    p.add_argument(
        "--only", help="comma-separated case ids to include, in this order (default: all)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing items file and key of that set (your edits to them are lost)",
    )
    _lang(p)
    p.set_defaults(func=_cmd_new_set)

    p = sub.add_parser("canvas", help="check, draw or grade canvas files")
    csub = p.add_subparsers(dest="canvas_cmd", required=True, metavar="{check,draw,grade,gallery}")
    c = csub.add_parser("check", help="coherence checks; exit 1 on an error-level finding")
    c.add_argument("file")
    _lang(c, "(default: BMC_LANG, else the canvas's language)")
    c = csub.add_parser("draw", help="draw to PNG, SVG or PDF")
    c.add_argument("file")
    c.add_argument("--out", required=True)
    _lang(c, "(default: BMC_LANG, else the canvas's language)")
    c = csub.add_parser(
        "grade",
        help="grade a class's canvases (files, folders, zips) with a rubric",
        description="Grade every canvas file under PATH with a rubric (default: the shipped "
        "data/rubrics/canvas-default.csv). Exit status: 0 all files graded, 1 some files "
        "rejected (grades for the rest are written), 2 usage error or invalid rubric.",
    )
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--out", required=True, help="grades CSV to write")
    c.add_argument(
        "--problems", help="write files that could not be graded here (CSV: source,problem)"
    )
    c.add_argument("--rubric", help="rubric CSV (default: the shipped canvas rubric)")
    c.add_argument(
        "--format",
        choices=["csv", "canvas", "moodle"],
        default="csv",
        help="csv (default), or the grade-import layout of Canvas or Moodle",
    )
    c.add_argument(
        "--scale",
        type=float,
        metavar="N",
        help="canvas/moodle: write each grade out of N "
        "(100: percentages, a new Moodle grade item's maximum)",
    )
    c.add_argument(
        "--column",
        metavar="TITLE",
        help="canvas/moodle: the grade column's title (default: capstone_canvas); for Canvas "
        "'Title (assignment id)' updates that existing assignment",
    )
    c.add_argument(
        "--excel",
        action="store_true",
        help="start the file with a UTF-8 byte-order mark, "
        "so Excel shows Korean names on a double-click",
    )
    _lang(c, "and of the feedback (default: BMC_LANG, else en)")
    c.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    c.add_argument(
        "--max-file-size",
        type=_size,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="SIZE",
        help="larger files and archive entries are problems, never read (default 5MB)",
    )
    c = csub.add_parser(
        "gallery",
        help="an HTML page with every student's canvas, findings and score",
        description="Write DIR/index.html and one picture per canvas beside it, for a "
        "seminar review: sortable by score and by name, no network resources.",
    )
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument(
        "--out", required=True, metavar="DIR", help="folder for index.html and the pictures"
    )
    c.add_argument(
        "--problems",
        help="write files that could not be read here (CSV: source,problem); "
        "they are listed on the page too",
    )
    c.add_argument("--rubric", help="rubric CSV (default: the shipped canvas rubric)")
    c.add_argument("--format", choices=["png", "svg"], default="png", help="picture format")
    _lang(c, "and of the page (default: BMC_LANG, else en)")
    c.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    c.add_argument(
        "--max-file-size",
        type=_size,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="SIZE",
        help="larger files and archive entries are problems, never read (default 5MB)",
    )
    p.set_defaults(func=_cmd_canvas)

    p = sub.add_parser("app", help="serve the exercises as a no-code web app (Voila) on 127.0.0.1")
    _lang(p, "(default: BMC_LANG, else ko)")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--answers", default="answers", help="folder for answer files")
    p.add_argument(
        "--set",
        default=DEFAULT_SET,
        help="exercise set id, or the path of your own exercise-set CSV",
    )
    p.add_argument("--key", help="key CSV for practice feedback on your own set")
    p.add_argument("--mode", choices=["practice", "assessment"], default="practice")
    p.add_argument(
        "--review",
        action="store_true",
        help="serve the review of what you missed in every practice set instead of one set",
    )
    p.add_argument("--no-browser", action="store_true")
    p.set_defaults(func=_cmd_app)

    p = sub.add_parser(
        "progress",
        help="your progress over every exercise set in your answers folder",
        description="Read every answer file in the answers folder, score the practice sets "
        "against their practice keys (other sets are counted, never scored) and print one "
        "line per set, the next step, and the questions to look at again.",
    )
    p.add_argument(
        "--answers", help="the answers folder (default: $BMC_ANSWERS_DIR, else ./answers)"
    )
    p.add_argument("--lang", choices=["en", "ko"], default=None, help="default: $BMC_LANG, else en")
    p.add_argument(
        "--set",
        action="append",
        metavar="CSV",
        help="the items file of one of your own exercise sets, so its question count is known "
        "(repeat for more)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_progress)

    p = sub.add_parser(
        "lite", help="build the exercises as a static site that runs in the browser (JupyterLite)"
    )
    lsub = p.add_subparsers(dest="lite_cmd", required=True, metavar="{build}")
    c = lsub.add_parser("build", help="build the site (needs pip install 'bmclib[lite]' and npm)")
    c.add_argument(
        "--out", required=True, help="folder to write (new, empty, or a site built before)"
    )
    c.add_argument("--lang", choices=["en", "ko"], help="only this language (default: both)")
    c.add_argument(
        "--cache", help="download cache (default: $BMC_LITE_CACHE or ~/.cache/bmclib/lite)"
    )
    c.add_argument("--wheel", help="bmclib wheel to ship (default: built from this source tree)")
    c.add_argument(
        "--pyodide-dist", help="Pyodide release archive (.tar.bz2): adds pandas and matplotlib"
    )
    c.add_argument(
        "--with-lessons",
        action="store_true",
        help="also ship the lessons (use with --pyodide-dist)",
    )
    c.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=_cmd_lite)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``bmc``; return the exit status (0 ok, 1 problems found, 2 usage error or invalid
    input)."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # inside the try: a reader that went away is handled below, not at exit
        return code
    except BrokenPipeError:
        # the reader went away (`bmc advise ... | head`): stop quietly, as command-line tools do
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _run(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if argv and not argv[0].startswith("-") and argv[0] not in commands:
        from .errors import unknown

        _say(Msg("cli.unknown_command", error=unknown("command", argv[0], commands)), err=True)
        return 2
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if getattr(args, "lang", None):
        set_language(args.lang)
    try:
        return args.func(args)
    except DataError as exc:
        for p in exc.problems:
            _say(p, err=True)
        return 2
    except BMCError as exc:
        _say(f"bmc {args.command}: {exc}", err=True)
        return 2
    except BrokenPipeError:
        raise
    except OSError as exc:  # e.g. an output that cannot be written: say which file, in plain words
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _say(f"bmc {args.command}: {where}{text_of(os_reason(exc))}", err=True)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if getattr(args, "lang", None):
            set_language(None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
