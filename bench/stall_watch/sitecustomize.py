"""A stall watchdog for `hub serve` under load (issue #13; not part of the hub).

`bench/load.py --hub-env PYTHONPATH=$PWD/bench/stall_watch ...` makes every hub process import this at start-up: a
thread samples every other thread's innermost frame each millisecond and, when one has stayed on the same line for
more than STALL_MS, writes one line per stall to `$HUB_STALL_LOG` (default `/tmp/hub-stalls.<pid>.log`): the
thread, how long, when it ended, and where (file:line function < caller). An idle wait shows up too (the event
loop in `run_app`, aiosqlite's thread in its queue's `get`): what matters is what the other threads were doing
meanwhile. This is how the checkpoints inside the writer's commits were found (`hub/store/sqlite/checkpoint.py`):
every ~0.5 s, ~50 ms on `batch.py` COMMIT, the event loop idle for the same 50 ms.
"""

import os
import sys
import threading
import time

STALL_MS = float(os.environ.get("HUB_STALL_MS", "10"))


def _where(frame) -> str:
    back = frame.f_back
    caller = f"{back.f_code.co_name}:{back.f_lineno}" if back is not None else ""
    return f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name} < {caller}"


def _watch() -> None:
    me = threading.get_ident()
    names = {}
    seen: dict[int, tuple[tuple, float, str]] = {}
    path = os.environ.get("HUB_STALL_LOG", f"/tmp/hub-stalls.{os.getpid()}.log")
    with open(path, "w") as out:
        while True:
            time.sleep(0.001)
            now = time.perf_counter()
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                key = (frame.f_code, frame.f_lineno, id(frame))
                prev = seen.get(tid)
                if prev is not None and prev[0] == key:
                    continue
                if prev is not None and (now - prev[1]) * 1000 > STALL_MS:
                    if tid not in names:
                        names = {t.ident: t.name for t in threading.enumerate()}
                    out.write(
                        f"{names.get(tid, tid)} {1000 * (now - prev[1]):.0f} ms, ended {time.time():.3f}: {prev[2]}\n"
                    )
                    out.flush()
                seen[tid] = (key, now, _where(frame))


if "serve" in sys.argv or "demo" in sys.argv:
    threading.Thread(target=_watch, name="stall-watch", daemon=True).start()
