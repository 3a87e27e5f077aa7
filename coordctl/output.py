"""Writing outputs: stdout, or a file written atomically (never a half-written file)."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from coordctl.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once, at import, while coordctl has one thread: setting the umask to read it
#: is not safe while other threads create files.
_UMASK = _umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    The file gets the permissions of the file it replaces, or those a new file gets
    from the umask (the temporary file alone would make it readable by its owner only).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                mode = stat.S_IMODE(os.stat(path).st_mode) & 0o777
            except OSError:
                mode = 0o666 & ~_UMASK
            os.chmod(tmp, mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(text: str | bytes, output: str | None) -> None:
    """Send ``text`` to the file ``output`` (atomically), or to stdout when it is None/'-'."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output and output != "-":
        write_atomic(Path(output), data)
        return
    stream = sys.stdout.buffer
    stream.write(data)
    stream.flush()
