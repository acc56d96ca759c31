"""A poster frame for an uploaded video (issue 16, item 3: "a poster frame when available").

The reader's ``<video>`` shows a still until it plays. The media job takes one with ffmpeg when
the machine has it on its PATH: the frame at one second (the first frame of a shorter video), as
a JPEG at most 1280 pixels wide, stored beside the video under ``<video key>.poster.jpg``.

ffmpeg is optional: Mojster does not depend on it, and a poster is a nicety. No ffmpeg, an error,
a timeout or a storage failure leaves the video without a poster, still READY, with a warning in
the log; the player then shows the browser's own first frame.

ffmpeg reads an uploaded, untrusted file, so it is held short: no shell, a timeout, the container
named (the upload was sniffed as MP4 or WebM: no probing into playlists or other formats) and
only local files allowed as inputs. It reads the stored file as its standard input, opened as
``/dev/stdin``: on Linux that reopens the file itself, so ffmpeg can seek in it (an MP4 whose
index is at its end needs to), the local file and a bucket's spooled copy alike.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import BinaryIO

from lms.services.file_types import FileType
from lms.storage import Storage

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
MAX_WIDTH = 1280
MIMETYPE = "image/jpeg"
# A poster never changes under its key (a video's key is new for each upload): browsers may keep it.
CACHE_SECONDS = 3600
# ffmpeg's demuxer for each video type the library accepts.
_DEMUXERS = {FileType.MP4: "mov", FileType.WEBM: "matroska"}
# At one second, past a fade from black; at the start when the video is shorter.
_POSITIONS = ("1", "0")


def poster_key(video_key: str) -> str:
    return f"{video_key}.poster.jpg"


def store_poster(storage: Storage, video_key: str, stream: BinaryIO, file_type: FileType) -> str | None:
    """Take the video's poster frame and store it beside the video: its key, or None when there is none."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        log.warning("no poster for %s: ffmpeg is not installed", video_key)
        return None
    with tempfile.TemporaryDirectory(prefix="mojster-poster-") as workdir:
        still = Path(workdir) / "poster.jpg"
        for position in _POSITIONS:
            if not _take_still(ffmpeg, stream, file_type, position, still, video_key):
                return None
            if still.is_file() and still.stat().st_size > 0:
                break
        else:
            log.warning("no poster for %s: ffmpeg found no frame to take", video_key)
            return None
        key = poster_key(video_key)
        try:
            with still.open("rb") as jpeg:
                storage.save(key, jpeg)
        except storage.failures as error:
            log.warning("no poster for %s: %s", video_key, storage.explain(error))
            return None
    return key


def _take_still(ffmpeg: str, stream: BinaryIO, file_type: FileType, position: str, still: Path, video_key: str) -> bool:
    """Run ffmpeg once; False (logged) when it failed, True when it ran, whether or not it found a frame
    (past the end of a short video it finds none and still succeeds)."""
    command = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-protocol_whitelist",
        "file,pipe",
        "-f",
        _DEMUXERS[file_type],
        "-ss",
        position,
        "-i",
        "/dev/stdin",
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-vf",
        f"scale='min({MAX_WIDTH},iw)':-2",
        "-q:v",
        "3",
        "-f",
        "image2",
        "-y",
        str(still),
    ]
    try:
        stream.seek(0)
        subprocess.run(command, stdin=stream, capture_output=True, timeout=TIMEOUT_SECONDS, check=True)  # noqa: S603
    except subprocess.TimeoutExpired:
        log.warning("no poster for %s: ffmpeg took longer than %s s", video_key, TIMEOUT_SECONDS)
        return False
    except subprocess.CalledProcessError as error:
        reason = error.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit code {error.returncode}"]
        log.warning("no poster for %s: ffmpeg failed: %s", video_key, reason[0])
        return False
    except OSError as error:
        log.warning("no poster for %s: ffmpeg could not run: %s", video_key, error)
        return False
    return True
