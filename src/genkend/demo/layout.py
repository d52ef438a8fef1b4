"""The layout of demonstration evidence: which pictures, stored how, copied and edited where.

Responsibility: ``plan`` decides, from a seed and a number of pictures, everything the
generated evidence holds, before any pixel is drawn: the pictures to draw (as
``PictureJob`` records for ``demo.render``), the folder and name of each original, its
exact copies and near-duplicates, archive members, camera EXIF, file times, which
pictures a hash set knows and how, the operating-system files and the bad input. The
result reads like a phone and a laptop copied into one folder:

    DCIM/100APPLE/          phone photos (12 MP JPEG with orientation tags) and HEIC
    Pictures/...            camera pictures with EXIF, albums, screenshots
    Documents/...           scans, charts, a PDF
    Downloads/, Desktop/, Backup/, Users/Public/Pictures/   exact copies
    WhatsApp/..., Pictures/Edited/, Downloads/compressed/   near-duplicates
    Windows/System32/       icons and a hosts file (the operating-system hash list)
    phone.zip               DCIM/Camera/*.jpg and DCIM/backup.tar.gz with more pictures
    Downloads/tools.zip     a member named ../../evil.txt

Invariants: the plan is a pure function of (seed, images); every location is unique
and names where genkend's evidence sources list the file; every picture that a hash
set lists by PDQ only has near-duplicates in the evidence and no file of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

import numpy as np

from genkend.demo import pictures
from genkend.demo.archives import MEMBER_SEPARATOR
from genkend.demo.encoding import EDIT_METHODS, GPS_STEPS_PER_DEGREE, Edit
from genkend.demo.render import PictureJob, Variant
from genkend.records import ExifSummary

__all__ = ["MIN_IMAGES", "KnownPlan", "Plan", "plan"]

MIN_IMAGES = 24
"""Fewest pictures ``plan`` lays out: enough for every kind of file to appear."""

PHONE_SIZE = (4032, 3024)
_SMALL_SIZES = (
    ((320, 240), 1),
    ((480, 360), 2),
    ((640, 480), 4),
    ((800, 600), 4),
    ((1024, 768), 3),
    ((1280, 720), 2),
    ((1080, 1080), 2),
    ((720, 1280), 2),
    ((1280, 960), 1),
    ((1600, 1200), 1),
    ((1920, 1080), 1),
)
_HEIF_SIZES = ((1008, 756), (756, 1008), (800, 600))
_SCREEN_SIZES = {
    "chart": ((800, 600), (1200, 800), (640, 480)),
    "document": ((827, 1169), (1240, 1754)),
    "screenshot": ((1920, 1080), (1366, 768), (1080, 1920), (750, 1334)),
    "tiles": ((1024, 1024), (800, 800)),
}
_PHOTO_FAMILIES = tuple(sorted(pictures.PHOTO_FAMILIES))
# (make, model, file-name prefix): makes and models as these cameras write them.
_CAMERAS = (
    ("Apple", "iPhone 12 Pro", "IMG_"),
    ("samsung", "SM-G991B", "IMG_"),
    ("Google", "Pixel 6", "PXL_"),
    ("Canon", "Canon EOS 80D", "IMG_"),
    ("NIKON CORPORATION", "NIKON D5300", "DSC_"),
    ("FUJIFILM", "X-T30", "DSCF"),
)
# Towns on every side of the equator and the prime meridian, so GPS signs all occur.
_PLACES = ((55.6761, 12.5683), (48.8566, 2.3522), (-33.8688, 151.2093), (40.7128, -74.0060))
_ALBUMS = ("Holiday 2022", "Garden", "Town walk", "Misc")
_COPY_FOLDERS = ("Backup/2023-05", "Downloads", "Users/Public/Pictures", "Desktop")
_FIRST_DAY = datetime(2021, 3, 1, tzinfo=UTC)
_DAYS = 900

SERIES = ("Series-Alder", "Series-Birch", "Series-Cedar")
"""Invented series names of the categorised pictures known by exact hashes."""
LOOKALIKE_SERIES = ("Series-Dogwood", "Series-Elm")
"""Invented series names of the pictures known by PDQ only (not in the evidence)."""
_DIGEST_SETS = (("md5", "sha1", "sha256"), ("md5", "sha1"), ("md5",))
# PDQ follows a crop of these scenes best; patterns, text and charts shift too much.
_CROPPABLE = frozenset({"abstract", "landscape", "room", "street"})
# Edits for each kind of near-duplicate, strongest first; the first that keeps the
# picture a near-duplicate (see ``demo.render``) is used.
_EDITS = {
    "crop": (Edit("crop", 0.03), Edit("crop", 0.02), Edit("crop", 0.015), Edit("crop", 0.01)),
    "recompress": (Edit("recompress", 40), Edit("recompress", 55), Edit("recompress", 70)),
    "resize": (Edit("resize", 0.5, 80), Edit("resize", 0.7, 85)),
}

# Fixed locations of the files that are not pictures, and of the archives.
PHONE_ZIP = "phone.zip"
BACKUP_TAR = f"{PHONE_ZIP}{MEMBER_SEPARATOR}DCIM/backup.tar.gz"
NOTES = f"{PHONE_ZIP}{MEMBER_SEPARATOR}Notes/todo.txt"
TOOLS_ZIP = "Downloads/tools.zip"
TOOLS_README = f"{TOOLS_ZIP}{MEMBER_SEPARATOR}readme.txt"
TRAVERSAL = f"{TOOLS_ZIP}{MEMBER_SEPARATOR}../../evil.txt"
EMPTY = "Pictures/empty.jpg"
TEXT_AS_JPEG = "Downloads/invoice.jpg"
OVERSIZED_PNG = "Pictures/panorama.png"
PDF = "Documents/statement.pdf"
HOSTS = "Windows/System32/drivers/etc/hosts"
ICONS = tuple(f"Windows/System32/imageres_{number:03d}.png" for number in range(10))
FIXED_LOCATIONS = (
    PHONE_ZIP,
    BACKUP_TAR,
    NOTES,
    TOOLS_ZIP,
    TOOLS_README,
    TRAVERSAL,
    EMPTY,
    TEXT_AS_JPEG,
    OVERSIZED_PNG,
    PDF,
    HOSTS,
    *ICONS,
)


@dataclass(frozen=True)
class KnownPlan:
    """A picture the VICS hash set lists: its category, series, digests and PDQ."""

    picture: int
    category: int
    series: str | None
    digests: tuple[str, ...]
    with_pdq: bool
    in_evidence: bool


@dataclass(frozen=True)
class Plan:
    """Everything the evidence will hold, decided before anything is drawn.

    ``jobs`` are the pictures to draw, by index; ``homes`` maps a picture to the
    location of its original file (pictures known only by PDQ and the picture of the
    truncated JPEG have none); ``copies`` maps a location to the picture whose original
    it copies; ``known`` lists the VICS records; ``times`` has the modification time of
    every location, archives and members included; ``truncated`` is the picture and the
    location of the JPEG that is cut off.
    """

    seed: int
    images: int
    jobs: tuple[PictureJob, ...]
    homes: Mapping[int, str]
    copies: Mapping[str, int]
    known: tuple[KnownPlan, ...]
    times: Mapping[str, datetime]
    truncated: tuple[int, str]


def plan(seed: int, images: int) -> Plan:
    """The layout of ``images`` original pictures and everything around them."""
    if images < MIN_IMAGES:
        raise ValueError(f"at least {MIN_IMAGES} images are needed, not {images}")
    return _Planner(seed, images).run()


class _Planner:
    """Builds a ``Plan`` step by step, drawing every choice from one generator."""

    def __init__(self, seed: int, images: int) -> None:
        self.seed, self.images = seed, images
        self.rng = np.random.default_rng([seed, 0x1A70])
        self.serials = {camera[1]: f"{self.rng.integers(10**9, 10**10)}" for camera in _CAMERAS}
        self.counter = 1000
        self.jobs: list[PictureJob] = []
        self.homes: dict[int, str] = {}
        self.copies: dict[str, int] = {}
        self.known: list[KnownPlan] = []
        self.times: dict[str, datetime] = {}
        self.truncated = (-1, "")

    # ---------------------------------------------------------------- the whole layout

    def run(self) -> Plan:
        phones, heifs = max(1, self.images // 60), max(1, self.images // 24)
        screens, in_archives = max(1, self.images // 5), 5
        for number in range(phones):
            self._phone(number)
        for _ in range(heifs):
            self._heif()
        for _ in range(screens):
            self._screen()
        for _ in range(self.images - phones - heifs - screens - in_archives):
            self._jpeg()
        self._archive_pictures(in_archives)
        loose = [index for index, home in self.homes.items() if MEMBER_SEPARATOR not in home]
        order = [loose[i] for i in self.rng.permutation(len(loose))]
        self._known(order)
        self._copies(order)
        self._near_duplicates(order)
        self._truncated()
        for location in FIXED_LOCATIONS:
            self._claim(location, self._when())
        return Plan(
            self.seed,
            self.images,
            tuple(self.jobs),
            self.homes,
            self.copies,
            tuple(self.known),
            self.times,
            self.truncated,
        )

    # ------------------------------------------------------------------------ originals

    def _claim(self, location: str, when: datetime) -> None:
        if location in self.times:
            raise RuntimeError(f"layout bug: {location} is planned twice")
        self.times[location] = when

    def _job(
        self,
        family: str,
        size: tuple[int, int],
        fmt: str,
        *,
        quality: int = 90,
        grain: float = 0.0,
        orientation: int | None = None,
        exif: ExifSummary | None = None,
    ) -> int:
        index = len(self.jobs)
        job = PictureJob(self.seed, index, family, size, fmt, quality, grain, orientation, exif)
        self.jobs.append(job)
        return index

    def _home(self, picture: int, location: str, when: datetime) -> None:
        self._claim(location, when)
        self.homes[picture] = location

    def _when(self) -> datetime:
        seconds = int(self.rng.integers(0, _DAYS * 86_400))
        return _FIRST_DAY + timedelta(seconds=seconds)

    def _number(self) -> int:
        self.counter += 1
        return self.counter

    def _phone(self, number: int) -> None:
        when, family = self._when(), self._photo_family()
        # Phones store the sensor's landscape pixels and tag portrait shots to be turned.
        orientation = (6, None, 8, 3)[number % 4]
        size = PHONE_SIZE[::-1] if orientation in (6, 8) else PHONE_SIZE
        facts = self._exif(_CAMERAS[0], when, gps=True)
        picture = self._job(
            family, size, "JPEG", quality=92, grain=6.0, orientation=orientation, exif=facts
        )
        self._home(picture, f"DCIM/100APPLE/IMG_{self._number():04d}.JPG", when)

    def _heif(self) -> None:
        when, size = self._when(), _HEIF_SIZES[int(self.rng.integers(len(_HEIF_SIZES)))]
        quality = int(self.rng.choice([60, 70, 80]))
        # No grain: phones denoise before they encode HEIC, and x265 is slow on noise.
        picture = self._job(self._photo_family(), size, "HEIF", quality=quality)
        self._home(picture, f"DCIM/100APPLE/IMG_{self._number():04d}.HEIC", when)

    def _screen(self) -> None:
        family = str(self.rng.choice(sorted(_SCREEN_SIZES)))
        sizes = _SCREEN_SIZES[family]
        size, when, number = sizes[int(self.rng.integers(len(sizes)))], self._when(), self._number()
        location = {
            "chart": f"Documents/Reports/chart_{number}.png",
            "document": f"Documents/Scans/scan_{number}.png",
            "screenshot": f"Pictures/Screenshots/Screenshot_{when:%Y%m%d-%H%M%S}_{number}.png",
            "tiles": f"Pictures/Patterns/pattern_{number}.png",
        }[family]
        self._home(self._job(family, size, "PNG"), location, when)

    def _jpeg(self) -> None:
        when, size, number = self._when(), self._small_size(), self._number()
        quality = int(self.rng.choice([75, 80, 85, 90, 95]))
        if self.rng.random() < 0.12:
            family = "document" if self.rng.random() < 0.6 else "screenshot"
            picture = self._job(family, size, "JPEG", quality=quality)
            self._home(picture, f"Documents/Scans/scan_{number}.jpg", when)
            return
        family = self._photo_family()
        if self.rng.random() < 0.5:
            camera = _CAMERAS[int(self.rng.integers(len(_CAMERAS)))]
            orientation = None if self.rng.random() < 0.85 else int(self.rng.choice([3, 6, 8]))
            if orientation in (6, 8):
                size = size[::-1]
            facts = self._exif(camera, when, gps=self.rng.random() < 0.6)
            picture = self._job(
                family,
                size,
                "JPEG",
                quality=quality,
                grain=4.0,
                orientation=orientation,
                exif=facts,
            )
            self._home(picture, f"Pictures/Camera Roll/{camera[2]}{number:04d}.JPG", when)
            return
        album = _ALBUMS[int(self.rng.integers(len(_ALBUMS)))]
        picture = self._job(family, size, "JPEG", quality=quality, grain=4.0)
        self._home(picture, f"Pictures/{album}/photo_{number}.jpg", when)

    def _archive_pictures(self, count: int) -> None:
        """Pictures that exist only inside ``phone.zip``: two loose, the rest in the tar."""
        for slot in range(count):
            when, number = self._when(), self._number()
            folder = f"{PHONE_ZIP}{MEMBER_SEPARATOR}DCIM/Camera/" if slot < 2 else BACKUP_TAR
            if slot >= 2:
                folder += MEMBER_SEPARATOR
            picture = self._job(
                self._photo_family(), self._small_size(), "JPEG", quality=85, grain=4.0
            )
            self._home(picture, f"{folder}IMG_{when:%Y%m%d}_{number:06d}.jpg", when)

    # ------------------------------------------------------------ known and derived

    def _known(self, order: list[int]) -> None:
        """Categorised and non-pertinent pictures by exact hash; absent ones by PDQ."""
        categorised, irrelevant = max(3, self.images // 24), max(2, self.images // 48)
        for slot, picture in enumerate(order[:categorised]):
            series, digests = SERIES[slot % len(SERIES)], _DIGEST_SETS[slot % len(_DIGEST_SETS)]
            self.known.append(KnownPlan(picture, 1, series, digests, slot % 2 == 0, True))
        for slot, picture in enumerate(order[categorised : categorised + irrelevant]):
            digests = _DIGEST_SETS[slot % len(_DIGEST_SETS)]
            self.known.append(KnownPlan(picture, 0, None, digests, False, True))
        for slot in range(max(2, self.images // 40)):
            picture = self._absent_original()
            series = LOOKALIKE_SERIES[slot % len(LOOKALIKE_SERIES)]
            self.known.append(KnownPlan(picture, 1, series, _DIGEST_SETS[0], True, False))

    def _absent_original(self) -> int:
        """A known picture whose file is not in the evidence; a resized copy of it is."""
        picture = self._job(self._photo_family(), self._small_size(), "JPEG", grain=4.0)
        when = self._when()
        edits = (Edit("resize", 0.6, 70), Edit("resize", 0.8, 80), Edit("recompress", 70))
        self._vary(picture, self._whatsapp(when), edits, when)
        return picture

    def _copies(self, order: list[int]) -> None:
        """Exact copies; the nested tar holds one of a categorised picture."""
        known = {k.picture for k in self.known}
        categorised = [k.picture for k in self.known if k.category == 1 and k.in_evidence]
        irrelevant = [k.picture for k in self.known if k.category == 0]
        first = categorised[0]
        self._copy(first, f"{BACKUP_TAR}{MEMBER_SEPARATOR}{PurePosixPath(self.homes[first]).name}")
        sources = categorised[1:3] + irrelevant[:1] + [p for p in order if p not in known]
        for slot, picture in enumerate(sources[: max(4, self.images // 10) - 1]):
            folder = _COPY_FOLDERS[slot % len(_COPY_FOLDERS)]
            name = PurePosixPath(self.homes[picture])
            if folder == "Downloads":
                name = name.with_stem(f"{name.stem} (1)")
            elif folder == "Desktop":
                name = name.with_stem(f"{name.stem} - Copy")
            self._copy(picture, f"{folder}/{name.name}")

    def _copy(self, picture: int, location: str) -> None:
        self._claim(location, self.times[self.homes[picture]] + timedelta(days=30))
        self.copies[location] = picture

    def _near_duplicates(self, order: list[int]) -> None:
        """Resized, recompressed and cropped versions of originals in the evidence.

        The first are of categorised pictures whose hash-set record has a PDQ (known
        look-alikes), then one whose record has none (a look-alike of a case file only).
        """
        known = {k.picture for k in self.known}
        evidence = [k for k in self.known if k.in_evidence and k.category == 1]
        with_pdq = [k.picture for k in evidence if k.with_pdq]
        without_pdq = [k.picture for k in evidence if not k.with_pdq]
        sources = with_pdq[:2] + without_pdq[:1] + [p for p in reversed(order) if p not in known]
        turns = {True: 0, False: 0}
        for picture in sources[: max(3, self.images // 8)]:
            croppable = self.jobs[picture].family in _CROPPABLE
            methods = EDIT_METHODS if croppable else ("recompress", "resize")
            method = methods[turns[croppable] % len(methods)]
            turns[croppable] += 1
            home = PurePosixPath(self.homes[picture])
            when = self.times[str(home)] + timedelta(days=int(self.rng.integers(1, 60)))
            if method == "resize":
                location = self._whatsapp(when)
            elif method == "recompress":
                location = f"Downloads/compressed/{home.stem}_small.jpg"
            else:
                location = f"Pictures/Edited/{home.stem}_crop.jpg"
            self._vary(picture, location, _EDITS[method], when)

    def _whatsapp(self, when: datetime) -> str:
        """Where a messenger saves a picture it received (resized, recompressed)."""
        return f"WhatsApp/Media/WhatsApp Images/IMG-{when:%Y%m%d}-WA{self._number():04d}.jpg"

    def _vary(self, picture: int, location: str, edits: tuple[Edit, ...], when: datetime) -> None:
        self._claim(location, when)
        job = self.jobs[picture]
        self.jobs[picture] = replace(job, variants=(*job.variants, Variant(location, edits)))

    def _truncated(self) -> None:
        """The picture of the JPEG that is cut off: drawn, stored, never whole."""
        picture = self._job(self._photo_family(), (1280, 960), "JPEG", grain=4.0)
        location = f"DCIM/100APPLE/IMG_{self._number():04d}.JPG"
        self._claim(location, self._when())
        self.truncated = (picture, location)

    # ------------------------------------------------------------------------- choices

    def _photo_family(self) -> str:
        return str(self.rng.choice(_PHOTO_FAMILIES))

    def _small_size(self) -> tuple[int, int]:
        weights = np.asarray([weight for _, weight in _SMALL_SIZES], dtype=float)
        choice = int(self.rng.choice(len(_SMALL_SIZES), p=weights / weights.sum()))
        return _SMALL_SIZES[choice][0]

    def _exif(self, camera: tuple[str, str, str], when: datetime, *, gps: bool) -> ExifSummary:
        lat = lon = None
        if gps:
            base_lat, base_lon = _PLACES[int(self.rng.integers(len(_PLACES)))]
            lat = _on_gps_grid(base_lat + self.rng.uniform(-0.05, 0.05))
            lon = _on_gps_grid(base_lon + self.rng.uniform(-0.05, 0.05))
        return ExifSummary(
            make=camera[0],
            model=camera[1],
            serial=self.serials[camera[1]],
            taken_at=f"{when:%Y:%m:%d %H:%M:%S}",
            gps_lat=lat,
            gps_lon=lon,
        )


def _on_gps_grid(degrees: float) -> float:
    """``degrees`` rounded to the resolution at which EXIF GPS is written."""
    return round(degrees * GPS_STEPS_PER_DEGREE) / GPS_STEPS_PER_DEGREE
