#!/usr/bin/env python3
"""nbrun: execute GoNB notebooks headless and fail loudly.

Usage (with the venv made by scripts/setup.sh):

    .venv/bin/python scripts/nbrun.py [options] NOTEBOOK_OR_DIR...

Each notebook runs on the real `gonb` kernel through nbclient, with the
notebook's own folder as the working directory. Each notebook gets an empty
fmkit model cache (FMKIT_CACHE in a private folder), so its training cells
train as they would for a new reader, and their time counts. A directory stands for every
*.ipynb below it (sorted; hidden folders such as .ipynb_checkpoints skipped).

GoNB reports a cell that panics or calls os.Exit as status "ok", so the
runner reads the outputs itself. A notebook FAILS when

  * the notebook's kernelspec name is not "gonb";
  * a cell has an `error` output (GoNB: compile errors, failed `go get`, ...);
  * a stream output has a line starting with "panic: ", "exit status N",
    "signal: " or "fatal error: " (a crashed or non-zero-exit cell program);
  * GoNB displays a compile-error report (text/html with its gonb-err markup);
  * a cell runs longer than the cell timeout: --cell-timeout, else notebook
    metadata fmkit.cell_timeout (or the cell's own metadata fmkit.cell_timeout),
    else 300 s;
  * the whole notebook runs longer than --notebook-timeout, else metadata
    fmkit.max_seconds (no limit when neither is set);
  * no cell displayed an image/png, unless metadata fmkit.expect_image is false.

Execution stops at the first failing cell. The report names the notebook, the
cell index (0-based, counting all cells) and the offending text.

--inplace writes the executed notebook back (temp file + rename, so the .ipynb
is never half-written); a failing notebook is not written unless
--write-failed is also given. Written notebooks carry no execution timestamps
(cell metadata "execution"), no widget state, and the absolute path of the
repository in text outputs is replaced by "$REPO" so that a notebook
regenerated on another machine diffs cleanly (--keep-paths keeps it).

Exit status: 0 when every notebook passed, 1 when any failed, 2 on bad usage.
The last line is "nbrun: N passed, N failed".
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

# Use the gonb kernel installed in the venv by setup.sh, ahead of any the user
# installed in ~/.local/share/jupyter. Must be set before jupyter is imported.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    [str(VENV / "share" / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
)
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

# jsonschema imports rfc3987_syntax when it is installed (jupyter-events pulls
# it in), and that module builds a parser at import time: ~4 s on every start.
# Notebook validation does not use its "iri" formats; jsonschema skips them
# when the import fails.
sys.modules.setdefault("rfc3987_syntax", None)

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
except ImportError as e:  # pragma: no cover
    sys.exit(f"nbrun: {e}: run with the venv's python (scripts/setup.sh creates .venv/bin/python)")

KERNEL = "gonb"
DEFAULT_CELL_TIMEOUT = 300.0

STREAM_FAILURE = re.compile(r"^(panic: |exit status \d+|signal: |fatal error: )", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# GoNB's HTML report of a compile error (internal/goexec/errorpublish.go) uses
# these CSS classes (in its <style> block and on the message spans); its
# fallback is a bare <pre> of the compiler output. The same report is used for
# a failed `go get`.
GONB_HTML_ERROR = re.compile(r"gonb-(err-location|err-context|err-line|cell-line-info)\b")
CELL_LINE_INFO = re.compile(r"^Cell\[\d+\]: Line \d+$")
GO_COMPILER_LINE = re.compile(r"(^|\s)\S+\.go:\d+:\d+: ")


class Failure(Exception):
    """A reason for a notebook to fail."""

    def __init__(self, reason: str, cell: int | None = None, text: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.cell = cell
        self.text = text


@dataclass
class Result:
    path: Path
    ok: bool = True
    seconds: float = 0.0
    failure: Failure | None = None
    cell_times: list[tuple[int, float]] = field(default_factory=list)
    images: int = 0
    written: bool = False


def strip_ansi(s: str) -> str:
    return ANSI.sub("", s)


def clip(text: str, max_lines: int = 30, max_chars: int = 4000) -> str:
    text = text.strip("\n")
    lines = text.splitlines()
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(text.splitlines()) - max_lines} more lines)"]
    text = "\n".join(lines)
    if len(text) > max_chars:
        text = text[:max_chars] + " ..."
    return text


class _ErrorText(HTMLParser):
    """Collects the text of GoNB's HTML error report, without <style>/<script>
    and without the hover pop-ups (class gonb-err-context) that repeat the
    source around each error."""

    VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0  # >0 while inside a skipped element
        self.stack: list[bool] = []  # per open element: does it start a skip?

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            if not self.skip_depth:
                self.parts.append("\n")
            return
        if tag in self.VOID:
            return
        cls = dict(attrs).get("class") or ""
        skip = tag in ("style", "script") or "gonb-err-context" in cls.split()
        if self.skip_depth or skip:
            self.skip_depth += 1
        self.stack.append(True)
        if tag == "div" and not self.skip_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.stack:
            return
        self.stack.pop()
        if self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data):
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(h: str) -> str:
    """Rough text of GoNB's HTML error report: the compiler's lines."""
    p = _ErrorText()
    try:
        p.feed(h)
        p.close()
        text = "".join(p.parts)
    except Exception:
        text = re.sub(r"<[^>]+>", "", h)
    out: list[str] = []
    for line in (l.strip() for l in text.splitlines()):
        if not line:
            continue
        if out and CELL_LINE_INFO.match(out[-1]):
            out[-1] = f"{out[-1]}: {line}"  # "Cell[1]: Line 2" + "./main.go:11:13: msg"
        else:
            out.append(line)
    return "\n".join(out)


def text_of(data) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


def scan_cell(index: int, cell) -> int:
    """Raises Failure for a failing output; returns the number of PNG images."""
    images = 0
    # Streams may arrive in several chunks; scan each stream's whole text.
    streams: dict[str, str] = {}
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            name = out.get("name", "stream")
            streams[name] = streams.get(name, "") + strip_ansi(text_of(out.get("text", "")))
    for name, text in streams.items():
        m = STREAM_FAILURE.search(text)
        if m:
            what = m.group(1).strip().rstrip(":")
            reason = {"panic": "panic", "signal": "killed by signal", "fatal error": "Go runtime fatal error"}.get(
                what, "non-zero exit status"
            )
            # Show the two lines before the match too (output that led to it).
            before = text[: m.start()].splitlines()[-2:]
            raise Failure(reason, index, f"[{name}]\n" + "\n".join(before + [text[m.start():]]))
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            tb = strip_ansi("\n".join(out.get("traceback") or []))
            head = f"{out.get('ename', 'ERROR')}: {strip_ansi(str(out.get('evalue', '')))}"
            # A compile error comes with an HTML report of the compiler's
            # messages in the same cell; it says more than the error output.
            report = compile_report(cell)
            text = head if not tb or tb.strip() == strip_ansi(str(out.get("evalue", ""))).strip() else head + "\n" + tb
            if report:
                raise Failure(build_reason(report), index, report + "\n" + text)
            raise Failure("error output", index, text)
        if kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            h = data.get("text/html")
            for mime in ("text/html", "text/markdown"):
                h = data.get(mime)
                if h is not None and is_gonb_error_html(text_of(h)):
                    report = html_to_text(text_of(h))
                    raise Failure(build_reason(report), index, report)
            png = data.get("image/png")
            if png is not None:
                try:
                    raw = base64.b64decode(text_of(png).strip(), validate=False)
                except Exception:
                    raw = b""
                if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
                    raise Failure("invalid image/png output (not a PNG)", index, text_of(png)[:80])
                images += 1
    return images


def build_reason(report: str) -> str:
    if GO_COMPILER_LINE.search(report):
        return "compile error"
    if "go get" in report:
        return "build error (go get)"
    return "build error"


def is_gonb_error_html(h: str) -> bool:
    if GONB_HTML_ERROR.search(h):
        return True
    # Fallback report: "<pre>" + compiler output + "</pre>".
    s = h.strip()
    return s.startswith("<pre>") and s.endswith("</pre>") and bool(GO_COMPILER_LINE.search(html.unescape(s)))


def compile_report(cell) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") in ("display_data", "execute_result"):
            for mime in ("text/html", "text/markdown"):
                h = out.get("data", {}).get(mime)
                if h is not None and is_gonb_error_html(text_of(h)):
                    return html_to_text(text_of(h))
    return ""


def number(value, what: str, path: Path) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise Failure(f"bad metadata {what}={value!r} (want a number of seconds)")
    if v <= 0:
        raise Failure(f"bad metadata {what}={value!r} (want > 0)")
    return v


def find_notebooks(args: list[str]) -> list[Path]:
    found: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            nbs = [
                q
                for q in p.rglob("*.ipynb")
                if not any(part.startswith(".") for part in q.relative_to(p).parts)
            ]
            found.extend(sorted(nbs))
        elif p.is_file():
            found.append(p)
        else:
            raise SystemExit(f"nbrun: no such notebook or directory: {a}")
    seen, unique = set(), []
    for p in found:
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(p)
    return unique


def clean_for_write(nb, keep_paths: bool) -> None:
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if keep_paths or cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = text_of(out["text"]).replace(str(ROOT), "$REPO")
            elif out.get("output_type") == "error":
                out["evalue"] = str(out.get("evalue", "")).replace(str(ROOT), "$REPO")
                out["traceback"] = [t.replace(str(ROOT), "$REPO") for t in out.get("traceback", [])]
            elif "data" in out:
                for mime in ("text/plain", "text/html", "text/markdown"):
                    if mime in out["data"]:
                        out["data"][mime] = text_of(out["data"][mime]).replace(str(ROOT), "$REPO")


def write_atomic(nb, path: Path) -> None:
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def kernel_log_tail(log: Path, n: int = 25) -> str:
    try:
        lines = strip_ansi(log.read_text(errors="replace")).splitlines()
    except OSError:
        return ""
    lines = [l for l in lines if "Info message" not in l and "Warning message" not in l and "Error message" not in l]
    return "\n".join(lines[-n:])


def run_notebook(path: Path, opts) -> Result:
    res = Result(path=path)
    t_start = time.monotonic()
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:
        res.ok, res.failure = False, Failure("cannot read notebook", None, str(e))
        return res

    ks = nb.metadata.get("kernelspec", {}) or {}
    if ks.get("name") != KERNEL:
        res.ok = False
        res.failure = Failure(f"kernelspec name is {ks.get('name')!r}, want {KERNEL!r}")
        return res

    meta = nb.metadata.get("fmkit", {}) or {}
    try:
        cell_timeout = opts.cell_timeout or number(meta.get("cell_timeout"), "fmkit.cell_timeout", path) or DEFAULT_CELL_TIMEOUT
        nb_timeout = opts.notebook_timeout or number(meta.get("max_seconds"), "fmkit.max_seconds", path)
    except Failure as f:
        res.ok, res.failure = False, f
        return res
    expect_image = meta.get("expect_image", True) is not False

    # Start from a clean slate, so that cells not reached after a failure do
    # not keep outputs of an earlier run (matters with --write-failed).
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None

    workdir = Path(tempfile.mkdtemp(prefix="nbrun-"))
    kernel_log = workdir / "kernel.log"
    env = dict(os.environ)
    # GoNB keeps each kernel's Go code under $TMPDIR; a private one is removed
    # afterwards even when the kernel had to be killed.
    env["TMPDIR"] = str(workdir)
    # Each notebook starts with an empty fmkit model cache (train.Cached), as a
    # new reader's would be: its training cells really train, and their time
    # counts. Cells of the same notebook share it, as in JupyterLab.
    # NBRUN_SHARED_CACHE=DIR reuses DIR instead, to iterate quickly while
    # editing a notebook (never in the test command: times would lie).
    env["FMKIT_CACHE"] = os.environ.get("NBRUN_SHARED_CACHE") or str(workdir / "fmkit-cache")
    env["PATH"] = os.pathsep.join([str(VENV / "bin"), env.get("PATH", "")])
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(path.resolve().parent)}},
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        store_widget_state=False,
        iopub_timeout=15,
        startup_timeout=120,
    )
    deadline = None if nb_timeout is None else t_start + nb_timeout
    log_f = open(kernel_log, "wb")
    try:
        stream = None if opts.verbose else log_f
        with client.setup_kernel(env=env, stdout=stream, stderr=stream):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                limit = cell_timeout
                own = (cell.metadata.get("fmkit", {}) or {}).get("cell_timeout")
                if own is not None and not opts.cell_timeout:
                    limit = number(own, f"cells[{index}].fmkit.cell_timeout", path)
                budget_bound = False
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Failure(f"notebook timeout: exceeded {nb_timeout:g}s before this cell", index)
                    if remaining < limit:
                        limit, budget_bound = remaining, True
                client.timeout = max(1, int(limit + 0.999))
                t0 = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    client.shutdown_kernel = "immediate"
                    dt = time.monotonic() - t0
                    res.cell_times.append((index, dt))
                    partial = "".join(
                        strip_ansi(text_of(o.get("text", ""))) for o in cell.get("outputs", []) if o.get("output_type") == "stream"
                    )
                    if budget_bound:
                        raise Failure(f"notebook timeout: exceeded {nb_timeout:g}s (this cell ran {dt:.0f}s)", index, partial)
                    raise Failure(f"cell timeout: still running after {limit:g}s", index, partial)
                except DeadKernelError as e:
                    raise Failure("kernel died", index, f"{e}\n--- kernel log (tail) ---\n{kernel_log_tail(kernel_log)}")
                dt = time.monotonic() - t0
                res.cell_times.append((index, dt))
                res.images += scan_cell(index, cell)
                if deadline is not None and time.monotonic() > deadline:
                    raise Failure(f"notebook timeout: exceeded {nb_timeout:g}s", index)
        if expect_image and res.images == 0:
            raise Failure("no image/png output (set notebook metadata fmkit.expect_image=false if intended)")
    except Failure as f:
        res.ok, res.failure = False, f
    except KeyboardInterrupt:
        raise
    except Exception as e:  # kernel failed to start, etc.
        res.ok = False
        res.failure = Failure(
            f"runner error: {type(e).__name__}", None, f"{e}\n--- kernel log (tail) ---\n{kernel_log_tail(kernel_log)}"
        )
    finally:
        log_f.close()
        shutil.rmtree(workdir, ignore_errors=True)
    res.seconds = time.monotonic() - t_start

    if opts.inplace and (res.ok or opts.write_failed):
        clean_for_write(nb, opts.keep_paths)
        write_atomic(nb, path)
        res.written = True
    return res


def report(res: Result, opts, out=sys.stdout) -> None:
    status = "PASS" if res.ok else "FAIL"
    extra = []
    if res.images:
        extra.append(f"{res.images} image{'s' if res.images != 1 else ''}")
    if res.written:
        extra.append("written")
    print(f"{status} {res.path} ({res.seconds:.1f}s{', ' + ', '.join(extra) if extra else ''})", file=out)
    for index, dt in res.cell_times:
        if dt >= opts.slow_cell:
            print(f"      cell {index}: {dt:.1f}s", file=out)
    if res.failure is not None:
        f = res.failure
        where = f"cell {f.cell}" if f.cell is not None else "notebook"
        print(f"  --> {res.path}: {where}: {f.reason}", file=out)
        if f.text.strip():
            for line in clip(f.text).splitlines():
                print(f"      | {line}", file=out)
    out.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="nbrun.py",
        description="Execute GoNB notebooks headless with the real gonb kernel; fail on panics, "
        "non-zero exits, compile errors, timeouts and missing images.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2] if __doc__ else None,
    )
    ap.add_argument("paths", nargs="+", metavar="NOTEBOOK_OR_DIR")
    ap.add_argument("--cell-timeout", type=float, default=None, metavar="S",
                    help=f"per-cell limit in seconds; overrides metadata fmkit.cell_timeout (default {DEFAULT_CELL_TIMEOUT:g})")
    ap.add_argument("--notebook-timeout", type=float, default=None, metavar="S",
                    help="whole-notebook limit in seconds; overrides metadata fmkit.max_seconds (default: none)")
    ap.add_argument("--timeout", dest="cell_timeout", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--inplace", action="store_true", help="write executed outputs back into each passing .ipynb")
    ap.add_argument("--write-failed", action="store_true", help="with --inplace, also write notebooks that failed")
    ap.add_argument("--keep-paths", action="store_true", help="when writing, keep the absolute repo path in outputs")
    ap.add_argument("--slow-cell", type=float, default=10.0, metavar="S", help="list cells slower than this (default 10)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the kernel's own log on stderr")
    opts = ap.parse_args(argv)
    if opts.write_failed and not opts.inplace:
        ap.error("--write-failed needs --inplace")
    for name in ("cell_timeout", "notebook_timeout"):
        v = getattr(opts, name)
        if v is not None and v <= 0:
            ap.error(f"--{name.replace('_', '-')} must be > 0")

    notebooks = find_notebooks(opts.paths)
    if not notebooks:
        print("nbrun: no notebooks found in " + " ".join(opts.paths), file=sys.stderr)
        return 2

    passed = failed = 0
    t0 = time.monotonic()
    results = []
    for path in notebooks:
        print(f"RUN  {path}", flush=True)
        res = run_notebook(path, opts)
        report(res, opts)
        results.append(res)
        if res.ok:
            passed += 1
        else:
            failed += 1
    if failed:
        print("\nnbrun: failures:")
        for r in results:
            if not r.ok:
                where = f"cell {r.failure.cell}" if r.failure.cell is not None else "notebook"
                print(f"  {r.path}: {where}: {r.failure.reason}")
    print(f"nbrun: {len(notebooks)} notebooks in {time.monotonic() - t0:.1f}s")
    print(f"nbrun: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
