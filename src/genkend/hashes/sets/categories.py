"""Category profiles: what the category numbers of a hash set mean.

A category is a number on a hash-set entry; its meaning depends on the scheme of the
agency that categorised it. genkend stores the number as given and shows it through a
profile. The default is Project VIC US (0-4).

Invariant: a profile never changes after it is made (its labels are a read-only view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class CategoryProfile:
    """A named categorisation scheme: category number -> label shown to people.

    ``non_pertinent`` lists the numbers that mean "known and irrelevant"; a hash-set
    entry with one of them is not material of interest.
    """

    name: str
    labels: Mapping[int, str]
    non_pertinent: frozenset[int] = frozenset({0})

    def __post_init__(self) -> None:
        # A caller's dict stays theirs; the profile keeps a frozen copy.
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))

    def label(self, category: int | None) -> str:
        if category is None:
            return "uncategorised"
        return self.labels.get(category, f"category {category} (not in {self.name})")


# Labels as Project VIC's US scheme names them, taken from the Project VIC tag set that
# Autopsy creates (sleuthkit/autopsy, ImageGallery/src/org/sleuthkit/autopsy/
# imagegallery/ImageGalleryService.java, PV_US_CAT0..PV_US_CAT4, "kept in sync with the
# CountryManager code in the ProjectVic module"). Project VIC publishes the VICS data
# model only under agreement (projectvic.org/vics-data-model).
PROJECT_VIC_US = CategoryProfile(
    name="Project VIC US",
    labels={
        0: "Non-Pertinent",
        1: "Child Abuse Material - (CAM)",
        2: "Child Exploitive (Non-CAM) Age Difficult",
        3: "CGI/Animation - Child Exploitive",
        4: "Comparison Images",
    },
)
