"""The pages' static files as a browser on a slow link should get them: bundled, content-hashed, precompressed.

`python -m hub.assets` (a step of `make run` and `make test`; the browser tests run `ensure_built()` once per
session) writes build/assets/:

- the inbox and the admin area: static/inbox/main.js, static/admin/main.js and every module each imports,
  bundled and minified by esbuild (npm, pinned in package.json) into one ES module each;
- every other file a template names with `static()`: the CSS minified by esbuild, the classic scripts and the
  socket.io client as they are;
- each as `<name>.<first 16 hex of its SHA-256>.<ext>`, with `.gz` (gzip -9) and `.br` (brotli, quality 11) beside
  it, and `manifest.json`: the name the templates use -> the hashed file name.

hub.web serves them at /static/a/<hashed name> with `Cache-Control: public, max-age=31536000, immutable`, the
precompressed body the browser accepts (`Content-Encoding`, `Vary: Accept-Encoding`), nothing computed per request.
Without a build, with a build older than a source (an edit since `make assets`), or for a name the build does not
hold, `static()` falls back to static/ as it is: the hub still works, only slower, and never serves stale code.

Several processes may build at once (engineers' test runs): a file lock serialises them, each output is written
to a temporary name and renamed, and hashed names never change content, so a page rendered from an older manifest
still finds its files (files not named by the newest manifest are removed after a day).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
BUILD_DIR = ROOT / "build" / "assets"
MANIFEST = BUILD_DIR / "manifest.json"
ESBUILD = ROOT / "node_modules" / "esbuild" / "bin" / "esbuild"  # what node_modules/.bin/esbuild links to
SOCKET_IO_JS = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
# what the bundle is made of: a change to any of these makes the build stale
BUNDLES = {"inbox/main.js": STATIC_DIR / "inbox", "admin/main.js": STATIC_DIR / "admin"}
COPIED = [
    "hub.css",
    "portal.css",
    "admin.css",
    "i18n.js",
    "dom.js",
    "login.js",
    "portal.js",
    "system_text.js",
]
VENDOR = {"vendor/socket.io.min.js": SOCKET_IO_JS}
KEEP_OLD = 24 * 3600.0
log = logging.getLogger(__name__)


class BuildError(RuntimeError):
    pass


def _sources() -> Iterable[Path]:
    for directory in BUNDLES.values():
        yield from directory.rglob("*.js")
    for name in COPIED:
        yield STATIC_DIR / name
    yield from VENDOR.values()
    yield Path(__file__)


def is_stale() -> bool:
    """True when there is no build or a source is newer than it (or a source appeared that it lacks)."""
    try:
        built = MANIFEST.stat().st_mtime
        names = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    if set(names) != {*BUNDLES, *COPIED, *VENDOR}:
        return True
    return any(p.stat().st_mtime > built for p in _sources() if p.exists())


def manifest() -> dict[str, str]:
    """The name a template uses -> the hashed file name in BUILD_DIR ({} when nothing was built)."""
    try:
        names = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in names.items() if (BUILD_DIR / v).is_file()}


def _esbuild(*args: str) -> bytes:
    if not ESBUILD.exists():
        raise BuildError(f"{ESBUILD} is missing: run `npm ci` (make run and make test do)")
    done = subprocess.run([str(ESBUILD), *args], cwd=ROOT, capture_output=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"esbuild {' '.join(args)} failed:\n{done.stderr.decode(errors='replace')}")
    return done.stdout


def _write(path: Path, data: bytes) -> None:
    if path.exists():
        return  # content-addressed: the same name is the same bytes
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _emit(logical: str, data: bytes) -> str:
    # a bundle is named after its directory (inbox.<hash>.js, admin.<hash>.js); the others keep their file's name
    stem, dot, ext = Path(logical.replace("/main.js", ".js")).name.rpartition(".")
    name = f"{stem}.{hashlib.sha256(data).hexdigest()[:16]}{dot}{ext}"
    _write(BUILD_DIR / name, data)
    _write(BUILD_DIR / f"{name}.gz", gzip.compress(data, compresslevel=9, mtime=0))
    _write(BUILD_DIR / f"{name}.br", brotli.compress(data, quality=11))
    return name


def build() -> dict[str, str]:
    """Build everything now (under the lock); returns the manifest."""
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with open(BUILD_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.time()
        names: dict[str, str] = {}
        for logical in BUNDLES:
            code = _esbuild(
                str(STATIC_DIR / logical), "--bundle", "--minify", "--format=esm", "--target=es2020",
                "--charset=utf8", "--legal-comments=none", "--log-level=warning",
            )  # fmt: skip
            names[logical] = _emit(logical, code)
        for logical in COPIED:
            source = STATIC_DIR / logical
            if logical.endswith(".css"):
                data = _esbuild(str(source), "--minify", "--charset=utf8", "--log-level=warning")
            else:
                data = source.read_bytes()
            names[logical] = _emit(logical, data)
        for logical, source in VENDOR.items():
            if not source.is_file():
                raise BuildError(f"{source} is missing: run `npm ci` (make run and make test do)")
            names[logical] = _emit(logical, source.read_bytes())
        fd, tmp = tempfile.mkstemp(dir=BUILD_DIR, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(names, f, indent=1, sort_keys=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, MANIFEST)
        _prune(set(names.values()), started)
        return names


def _prune(current: set[str], now: float) -> None:
    for path in BUILD_DIR.iterdir():
        base = path.name.removesuffix(".gz").removesuffix(".br")
        if path.name in ("manifest.json", ".lock") or base in current:
            continue
        try:
            if now - path.stat().st_mtime > KEEP_OLD:
                path.unlink()
        except OSError:
            pass


IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


def accepted(header: str) -> set[str]:
    """The codings an Accept-Encoding header allows (q=0 refuses one; `*` allows both of ours)."""
    allowed: set[str] = set()
    refused: set[str] = set()
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        try:
            weight = float(q) if params.strip().startswith("q=") else 1.0
        except ValueError:
            weight = 1.0
        (allowed if weight > 0 else refused).add(coding.strip())
    if "*" in allowed:
        allowed |= {"br", "gzip"} - refused
    return allowed - refused


class Assets:
    """The built files in memory (a few hundred KB), served as they are: no work per request."""

    def __init__(self, names: dict[str, str]) -> None:
        self.urls = {logical: f"/static/a/{name}" for logical, name in names.items()}
        self.files: dict[str, dict[str, bytes]] = {}
        for name in names.values():
            path = BUILD_DIR / name
            try:
                self.files[name] = {
                    "identity": path.read_bytes(),
                    "br": (BUILD_DIR / f"{name}.br").read_bytes(),
                    "gzip": (BUILD_DIR / f"{name}.gz").read_bytes(),
                }
            except OSError:
                self.urls = {k: v for k, v in self.urls.items() if not v.endswith("/" + name)}

    @classmethod
    def load(cls) -> Assets:
        """The last build, unless a source changed since: then static/ as it is (never yesterday's code)."""
        if is_stale():
            if MANIFEST.exists():
                log.warning(
                    "static files changed since the last build: serving static/ as it is (run make assets)"
                )
            return cls({})
        return cls(manifest())

    def url(self, logical: str) -> str | None:
        return self.urls.get(logical)

    def body(self, name: str, accept_encoding: str) -> tuple[bytes, str, dict[str, str]] | None:
        """(body, content type, headers) of a hashed file, in the best coding the browser accepts."""
        variants = self.files.get(name)
        if variants is None:
            return None
        codings = accepted(accept_encoding)
        coding = next((c for c in ("br", "gzip") if c in codings), "identity")
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
        if coding != "identity":
            headers["Content-Encoding"] = coding
        return variants[coding], CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream"), headers


def ensure_built() -> dict[str, str]:
    """Build when the sources changed since the last build (cheap when they did not)."""
    return build() if is_stale() else manifest()


def main() -> int:
    try:
        names = build()
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    total = {"raw": 0, "br": 0}
    for name in names.values():
        total["raw"] += (BUILD_DIR / name).stat().st_size
        total["br"] += (BUILD_DIR / f"{name}.br").stat().st_size
    print(
        f"assets: {len(names)} files in {BUILD_DIR.relative_to(ROOT)}, "
        f"{total['raw'] / 1024:.0f} KB -> {total['br'] / 1024:.0f} KB brotli"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
